"""The Kubernetes settings a step or pipeline carries: ``settings={"orchestrator.kubernetes": {...}}``
(ZenML's `KubernetesOrchestratorSettings` names) or ``options={"kubernetes": {...}}``
(stored as ``target.kubernetes``), merged key by key, ``target.*`` last.

Read: ``pod_settings`` (``node_selectors``, ``affinity``, ``tolerations``, ``resources``,
``annotations``, ``labels``, ``image_pull_secrets``, ``env``, ``volumes``, ``volume_mounts``,
``scheduler_name``, ``host_ipc``), ``orchestrator_pod_settings`` (the same, for the
orchestrator's pod), ``service_account_name`` (the orchestrator pod's),
``step_pod_service_account_name``, ``ttl_seconds_after_finished``, ``active_deadline_seconds``,
``max_parallelism``, ``successful_jobs_history_limit``, ``failed_jobs_history_limit``,
``concurrency_policy`` and ``starting_deadline_seconds``. Settings ZenML has that mean
nothing here (``synchronous``, ``timeout``, ``stream_step_logs``...) are reported (PC308),
never silently dropped; a value of the wrong form is an error (PC310).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipec.ir import Settings, Span
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.kit.capabilities import engine_settings_keys
from pipec.targets.kit.unsupported import unsupported

#: Settings keys read, in the order they are merged (later wins).
KEYS = engine_settings_keys("kubernetes")
#: `pod_settings` keys and the pod or container field each becomes (dicts and lists kept as given).
POD_FIELDS = {"node_selectors": "nodeSelector", "affinity": "affinity", "tolerations": "tolerations",
              "annotations": "annotations", "labels": "labels", "image_pull_secrets": "imagePullSecrets",
              "env": "env", "volumes": "volumes", "volume_mounts": "volumeMounts", "resources": "resources",
              "scheduler_name": "schedulerName", "host_ipc": "hostIPC"}
_MAPS = ("node_selectors", "annotations", "labels")
_LISTS = ("tolerations", "env", "volumes", "volume_mounts")
#: Whole-number settings (at least zero) and the name the target uses for each.
COUNTS = ("ttl_seconds_after_finished", "active_deadline_seconds", "max_parallelism",
          "successful_jobs_history_limit", "failed_jobs_history_limit", "starting_deadline_seconds")
_STRINGS = ("service_account_name", "step_pod_service_account_name", "concurrency_policy")
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")


@dataclass(frozen=True)
class PodSettings:
    """ZenML's `KubernetesPodSettings`, checked: what a pod of this target gets."""

    #: Node labels the pod must run on.
    node_selectors: dict[str, str] = field(default_factory=dict)
    #: The pod's affinity, a Kubernetes `Affinity` object as given.
    affinity: dict = field(default_factory=dict)
    #: The pod's tolerations, Kubernetes `Toleration` objects as given.
    tolerations: list = field(default_factory=list)
    #: Container resources, ``{"requests": {...}, "limits": {...}}``, merged over the step's ResourceSettings.
    resources: dict = field(default_factory=dict)
    #: Pod annotations.
    annotations: dict[str, str] = field(default_factory=dict)
    #: Extra pod labels.
    labels: dict[str, str] = field(default_factory=dict)
    #: Names of the secrets images are pulled with.
    image_pull_secrets: list[str] = field(default_factory=list)
    #: Extra container env entries, Kubernetes `EnvVar` objects as given.
    env: list = field(default_factory=list)
    #: Extra pod volumes, as given.
    volumes: list = field(default_factory=list)
    #: Extra container volume mounts, as given.
    volume_mounts: list = field(default_factory=list)
    #: The pod's scheduler, None for the default one.
    scheduler_name: str | None = None
    #: Share the host's IPC namespace.
    host_ipc: bool = False


@dataclass(frozen=True)
class KubernetesSettings:
    """The recognised `orchestrator.kubernetes` settings of a step or pipeline."""

    #: Pod settings of the step pods.
    pod: PodSettings = field(default_factory=PodSettings)
    #: Pod settings of the orchestrator pod.
    orchestrator_pod: PodSettings = field(default_factory=PodSettings)
    #: The whole-number settings that were set (`COUNTS`), by name.
    counts: dict[str, int] = field(default_factory=dict)
    #: Service account of the orchestrator pod, None for the one the target creates.
    service_account_name: str | None = None
    #: Service account of the step pods, None for the `service_account` option.
    step_pod_service_account_name: str | None = None
    #: The CronJob's concurrencyPolicy, None for the option.
    concurrency_policy: str | None = None


def read_settings(settings: Settings, diags: Diagnostics, span: Span, seen: set[str]) -> KubernetesSettings:
    """The Kubernetes settings in `settings`; each problem is reported once (`seen` holds the
    messages already reported: pipeline settings repeat in every step)."""
    def report(error: bool, message: str, help: str | None = None) -> None:
        if message not in seen:
            seen.add(message)
            if error:
                diags.error("PC310", message, span, help=help)
            else:
                unsupported(diags, message, span, help=help, code="PC308")

    merged: dict[str, object] = {}
    extra = settings.extra_dict()
    for key in KEYS:
        value = extra.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            report(True, f"settings `{key}` must be a dict", "e.g. {'pod_settings': {'node_selectors': {...}}}")
            continue
        merged.update(value)
    fields: dict[str, object] = {}
    for name, value in merged.items():
        if name in ("pod_settings", "orchestrator_pod_settings"):
            fields["pod" if name == "pod_settings" else "orchestrator_pod"] = _pod(name, value, report)
        elif name in COUNTS:
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0 and \
                    (value > 0 or name != "max_parallelism"):
                fields.setdefault("counts", {})[name] = value
            else:
                report(True, f"kubernetes setting `{name}` must be a whole number"
                             f"{' above zero' if name == 'max_parallelism' else ' (zero or more)'}")
        elif name in _STRINGS:
            if not isinstance(value, str) or not value:
                report(True, f"kubernetes setting `{name}` must be a non-empty string")
            elif name == "concurrency_policy" and value not in CONCURRENCY_POLICIES:
                report(True, f"kubernetes setting `concurrency_policy` must be one of {', '.join(CONCURRENCY_POLICIES)}")
            else:
                fields[name] = value
        else:
            report(False, f"kubernetes setting `{name}` is not read by the kubernetes target; it is ignored",
                   "it reads: " + ", ".join(sorted(("pod_settings", "orchestrator_pod_settings", *COUNTS, *_STRINGS))))
    return KubernetesSettings(**fields)


def _pod(where: str, value: object, report) -> PodSettings:
    if not isinstance(value, dict):
        report(True, f"kubernetes setting `{where}` must be a dict")
        return PodSettings()
    fields: dict[str, object] = {}
    for name, item in value.items():
        if name not in POD_FIELDS:
            if item not in (None, {}, [], False):  # ZenML's defaults mean "not set"
                report(False, f"kubernetes setting `{where}.{name}` is not read by the kubernetes target; it is "
                              "ignored", "it reads: " + ", ".join(sorted(POD_FIELDS)))
            continue
        if name in _MAPS:
            ok = isinstance(item, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in item.items())
        elif name in _LISTS:
            ok = isinstance(item, list) and all(isinstance(v, dict) for v in item)
        elif name == "image_pull_secrets":
            ok = isinstance(item, list) and all(isinstance(v, str) and v for v in item)
        elif name == "scheduler_name":
            ok = item is None or isinstance(item, str)
        elif name == "host_ipc":
            ok = isinstance(item, bool)
        else:  # affinity, resources
            ok = isinstance(item, dict)
        if ok:
            fields[name] = item
        else:
            report(True, f"kubernetes setting `{where}.{name}` has the wrong form",
                   "see ZenML's KubernetesPodSettings for the form of each field")
    return PodSettings(**fields)
