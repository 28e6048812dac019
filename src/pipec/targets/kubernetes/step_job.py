"""One step as the batch/v1 Job the orchestrator's launcher creates: a pure function of the
step, its settings and the target's choices, built at compile time (the launcher only sets
the run id annotation and a name, see `pipec.runtime.kubernetes_launcher`).

The container runs the runtime shim. Kubernetes expands ``$(VAR)`` and ``$$`` in command,
args and env values, so every literal there has ``$`` doubled; the only references are the
run id, ``$(PIPEC_RUN_ID)``, an env var read from the pod's ``pipec.io/run-id`` annotation,
and each run-time parameter, ``$(PIPEC_PARAM_<name>)``, an env var holding the compile-time
text that the launcher replaces by the run's (a value Kubernetes inserts is never expanded
again). The shim writes its result
to the container's termination message file, which the launcher reads from the pod status.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

from pipec.ir import Pipeline, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import EngineText, render, resolved_input_options
from pipec.runtime.kubernetes_launcher import RUN_ID_ANNOTATION, STEP_ID_ANNOTATION, parameter_env
from pipec.targets.base import CompileContext
from pipec.targets.common import step_call, step_environment, step_image
from pipec.targets.kit.params import step_parameters
from pipec.targets.kit.resources import MEMORY_LIMITED, gpu_resource, kube_requirements, step_resources
from pipec.targets.kube import ArtifactVolume
from pipec.targets.kube_text import engine_parameters

from .settings import KubernetesSettings, PodSettings

API_VERSION = "batch/v1"
#: Label and annotation keys pipec sets on every object it writes.
MANAGED_BY = {"app.kubernetes.io/managed-by": "pipec"}
PIPELINE_LABEL, STEP_LABEL = "pipec.io/pipeline", "pipec.io/step"
#: Where the shim writes its result: the kubelet copies it into the pod status (at most 4 KiB).
RESULT_PATH = "/dev/termination-log"
#: Volume the steps share when the artifact store is a folder.
VOLUME = "pipec-artifacts"
#: The container name in every step pod.
CONTAINER = "step"


@dataclass(frozen=True)
class JobChoices:
    """What the target decided once for every step Job of a pipeline."""

    #: Namespace of every object.
    namespace: str
    #: DNS label of the pipeline (object names, the pipeline label).
    pipeline_label: str
    #: The PersistentVolumeClaim the steps mount when the artifact store is a folder, else None.
    claim: str | None
    #: The folder volume's mount, None for an object store.
    volume: ArtifactVolume | None
    #: Node label whose value selects a step's GPU type (empty: none).
    gpu_label: str
    #: Service account of the step pods ("" for the namespace's default).
    service_account: str
    #: The metadata store a step with run-time-resolved inputs reads lookups from, None for none.
    lookup_store: str | None
    #: Run-time pipeline parameters: ``{name: (env var, compile-time text or None)}`` (see `run_time_parameters`).
    params: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)


def run_time_parameters(pipeline: Pipeline, diags: Diagnostics) -> dict[str, tuple[str, str | None]]:
    """``{parameter: (env var, compile-time text)}`` of the pipeline parameters a run can change:
    those some step binds (text for ``str``, JSON otherwise; None, with warning PC331, for one
    without a value). Kubernetes hands an env value over unchanged once its ``$`` is doubled, so
    none has to be baked in."""
    passed, _ = engine_parameters(pipeline, escape="", unsafe=lambda text: None)
    env = parameter_env(passed)
    for name, param in passed.items():
        if param.value is None:
            diags.warning("PC331", f"pipeline parameter `{name}` has no value, so the orchestrator Job does not "
                                   f"set `{env[name]}`", param.parameter.span,
                          help=f"compile with --param {name}=... or add the env var `{env[name]}` to the "
                               "orchestrator's container before applying the file")
    return {name: (env[name], p.value) for name, p in passed.items()}


def run_id_var(taken: Collection[str]) -> str:
    """The env var that carries the run id: ``PIPEC_RUN_ID``, with ``_`` appended while a
    user variable of that name exists (theirs keeps its value)."""
    name = "PIPEC_RUN_ID"
    while name in taken:
        name += "_"
    return name


@dataclass
class KubeText(EngineText[str]):
    """Shim argv items for a Kubernetes container: literals with ``$`` doubled, the run id and
    run-time parameters as references to their env vars."""

    #: The env var holding the run id.
    run_id_name: str
    #: ``$(VAR)`` per run-time pipeline parameter.
    placeholders: Mapping[str, str]

    def literal(self, text: str) -> str:
        """`text` with ``$`` doubled (Kubernetes' escape)."""
        return text.replace("$", "$$")

    def run_id(self) -> str:
        """``$(PIPEC_RUN_ID)``."""
        return f"$({self.run_id_name})"

    def param(self, name: str, encoding: str) -> str:
        """The reference to the parameter's env var."""
        return self.placeholders[name]

    def concat(self, parts: list[str]) -> str:
        """The parts joined."""
        return "".join(parts)


def step_job(pipeline: Pipeline, step: StepInvocation, context: CompileContext, choices: JobChoices,
             settings: KubernetesSettings, job_name: str, backoff_limit: int, timeout: int | None = None) -> dict:
    """The Job that runs `step` (named `job_name` plus the launcher's suffix); `timeout` is each pod's
    activeDeadlineSeconds (the step's timeout, per attempt)."""
    pod = settings.pod
    labels = {**pod.labels, **MANAGED_BY, PIPELINE_LABEL: choices.pipeline_label, STEP_LABEL: job_name}
    annotations = {**pod.annotations, STEP_ID_ANNOTATION: step.id}
    spec: dict = {"backoffLimit": backoff_limit}
    for key, setting in (("activeDeadlineSeconds", "active_deadline_seconds"),
                         ("ttlSecondsAfterFinished", "ttl_seconds_after_finished")):
        if setting in settings.counts:
            spec[key] = settings.counts[setting]
    spec["template"] = {"metadata": {"labels": labels, "annotations": annotations},
                        "spec": _pod_spec(pipeline, step, context, choices, settings)}
    if timeout is not None:
        spec["template"]["spec"]["activeDeadlineSeconds"] = timeout
    return {"apiVersion": API_VERSION, "kind": "Job",
            "metadata": {"generateName": f"{job_name}-", "namespace": choices.namespace, "labels": labels,
                         "annotations": {STEP_ID_ANNOTATION: step.id}},
            "spec": spec}


def _pod_spec(pipeline: Pipeline, step: StepInvocation, context: CompileContext, choices: JobChoices,
              settings: KubernetesSettings) -> dict:
    pod = settings.pod
    spec: dict = {"restartPolicy": "Never"}
    account = settings.step_pod_service_account_name or choices.service_account
    if account:
        spec["serviceAccountName"] = account
    selector = dict(pod.node_selectors)
    gpu = step_resources(step)
    if choices.gpu_label and gpu.gpu and gpu.gpu_type and "/" not in gpu.gpu_type:
        selector.setdefault(choices.gpu_label, gpu.gpu_type)
    add_pod_fields(spec, pod, selector)
    spec["containers"] = [step_container(pipeline, step, context, choices, pod)]
    volumes = ([{"name": VOLUME, "persistentVolumeClaim": {"claimName": choices.claim}}] if choices.claim else [])
    volumes += pod.volumes
    if volumes:
        spec["volumes"] = volumes
    return spec


def add_pod_fields(spec: dict, pod: PodSettings, selector: dict[str, str]) -> None:
    """The pod-level fields of `pod` (ZenML's pod settings) added to pod `spec`."""
    if selector:
        spec["nodeSelector"] = selector
    if pod.affinity:
        spec["affinity"] = pod.affinity
    if pod.tolerations:
        spec["tolerations"] = pod.tolerations
    if pod.image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": name} for name in pod.image_pull_secrets]
    if pod.scheduler_name:
        spec["schedulerName"] = pod.scheduler_name
    if pod.host_ipc:
        spec["hostIPC"] = True


def step_container(pipeline: Pipeline, step: StepInvocation, context: CompileContext, choices: JobChoices,
                   pod: PodSettings) -> dict:
    """The container running the shim for `step`."""
    user_env = step_environment(step)
    taken = {name for name, _ in user_env} | {e.get("name") for e in pod.env}
    var = run_id_var(taken)
    # The orchestrator records every run: a step given the metadata store would record it twice.
    unrecorded = replace(context, options={k: v for k, v in context.options.items() if k != "metadata_store"})
    bound = [name for name in step_parameters(step) if name in choices.params]
    placeholders = {name: f"$({choices.params[name][0]})" for name in bound}
    call = step_call(pipeline, step, unrecorded, runtime_params=placeholders, placeholder_encoding="text")
    argv = render(call, KubeText(var, placeholders)).argv
    if choices.lookup_store and resolved_input_options(step):
        argv += ["--lookup-store", choices.lookup_store.replace("$", "$$")]
    argv += ["--result-file", RESULT_PATH]
    env = [{"name": var, "valueFrom": {"fieldRef": {"fieldPath": f"metadata.annotations['{RUN_ID_ANNOTATION}']"}}}]
    env += [{"name": var_name, "value": (text or "").replace("$", "$$")}
            for var_name, text in (choices.params[name] for name in bound)]
    env += [{"name": name, "value": value.replace("$", "$$")} for name, value in user_env]
    env += pod.env
    container: dict = {"name": CONTAINER, "image": step_image(pipeline, step, context),
                       "command": argv[:1], "args": argv[1:], "env": env}
    compute = container_resources(step, pod)
    if compute:
        container["resources"] = compute
    mounts = [{"name": VOLUME, "mountPath": choices.volume.path}] if choices.claim and choices.volume else []
    mounts += pod.volume_mounts
    if mounts:
        container["volumeMounts"] = mounts
    container["terminationMessagePath"] = RESULT_PATH
    container["terminationMessagePolicy"] = "File"
    return container


def container_resources(step: StepInvocation, pod: PodSettings) -> dict:
    """The step's ResourceSettings as requests and limits by the kit's policy (cpu requested,
    memory and GPUs requested and limited), with the pod settings' own ``resources`` merged
    over them quantity by quantity (ZenML's Kubernetes orchestrator reads only those)."""
    resources = step_resources(step)
    requests, limits = kube_requirements(resources, MEMORY_LIMITED, gpu_resource(resources.gpu_type))
    for key, target in (("requests", requests), ("limits", limits)):
        given = pod.resources.get(key)
        if isinstance(given, dict):
            target.update({str(k): str(v) for k, v in given.items()})
    return {key: value for key, value in (("requests", requests), ("limits", limits)) if value}
