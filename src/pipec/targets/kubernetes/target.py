"""The `kubernetes` target: plain Kubernetes objects running pipec's own orchestrator in a pod.

``<pipeline>.yaml`` (``kubectl apply -f``) holds, in order: a ServiceAccount, a Role allowed
only what the orchestrator does in its namespace (create, follow and delete Jobs; read pods
and their logs) and its RoleBinding; a PersistentVolumeClaim when the artifact store is a
folder; a ConfigMap with the run plan (``plan.json``: the pipeline's IR, which the scheduler
runs; ``jobs.yaml``: the batch/v1 Job of every step, as the launcher creates it); and a Job
running ``python -m pipec.runtime kube-run`` (the scheduler of ``pipec run``, with a launcher
that creates one step Job at a time per ready step, up to ``max_parallelism``, and follows
each to the end). A scheduled pipeline gets a CronJob around the same Job template instead.

The step Jobs are built here, not by the orchestrator, so what runs is what a reviewer reads
in the golden: the launcher only sets the run id annotation (see `step_job`). Step settings:
image, env, ResourceSettings as requests and limits (cpu requested, memory and GPUs requested
and limited) with ZenML's ``pod_settings.resources`` over them, a named GPU type as a node
selector (``gpu_label``), node selectors, affinity, tolerations, labels, annotations, image
pull secrets, service account, ``ttlSecondsAfterFinished``, ``activeDeadlineSeconds``, and
retries as the step Job's ``backoffLimit`` (Kubernetes restarts a failed pod after its own
backoff, 10s doubling up to 6 minutes; a different delay is reported). A pipeline parameter
some step binds is an env var of the orchestrator's container, ``PIPEC_PARAM_<name>`` (text
for ``str``, JSON otherwise; edit the Job before applying it to change a run's value): the
scheduler runs with it and each step Job gets it as ``$(PIPEC_PARAM_<name>)``.
"""

from __future__ import annotations

from dataclasses import replace

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.base import POSITIVE_INT, CompileContext, OptionKind, OptionSpec
from pipec.targets.common import CONTAINER_OPTIONS, DEFAULT_SOURCE_ROOT, step_image
from pipec.targets.kit.capabilities import CRON, Capabilities
from pipec.targets.kit.retry import RetrySupport, step_retry
from pipec.targets.kit.serialize import dump_yaml
from pipec.targets.kit.stores import artifact_store
from pipec.targets.kit.timeout import seconds_unit, step_timeout
from pipec.targets.kit.unsupported import unsupported
from pipec.targets.kube import (
    KUBE_OPTIONS,
    KUBE_YAML,
    MAX_OBJECT_NAME,
    ArtifactVolume,
    artifact_volume,
    dns_label,
    unique_labels,
)

from .build import (
    JOBS_KEY,
    PLAN_DIR,
    PLAN_KEY,
    Block,
    Orchestrator,
    claim,
    config_map,
    job_template,
    metadata,
    rbac,
)
from .settings import CONCURRENCY_POLICIES, KubernetesSettings, read_settings
from .step_job import JobChoices, run_time_parameters, step_job

#: Whole numbers from zero (history limits).
COUNT = OptionKind("whole number", "a whole number (0 or more)", r"[0-9]+", "3", convert=int)
#: A step's timeout: its pod's activeDeadlineSeconds (each retry is a new pod with its own).
TIMEOUT = seconds_unit("a Kubernetes pod's activeDeadlineSeconds")

#: Step Jobs retry by `backoffLimit`; the wait is Kubernetes' own pod backoff.
RETRY = RetrySupport("Kubernetes Jobs", delay=False)
#: Kubernetes objects with the plan and step Jobs shown as literal blocks.
YAML = replace(KUBE_YAML, literal_types=(Block,))
#: The CronJob fields: ``(option and ZenML setting name, field)``; a setting wins over the option.
CRON_FIELDS = (("concurrency_policy", "concurrencyPolicy"), ("starting_deadline_seconds", "startingDeadlineSeconds"),
               ("successful_jobs_history_limit", "successfulJobsHistoryLimit"),
               ("failed_jobs_history_limit", "failedJobsHistoryLimit"))


class KubernetesTarget:
    """Writes ``{safe pipeline name}.yaml``: RBAC, the plan, and the orchestrator's Job or CronJob."""

    name = "kubernetes"
    description = "Kubernetes: pipec's orchestrator in a Job, one batch/v1 Job per step (CronJob when scheduled)"
    options: tuple[OptionSpec, ...] = CONTAINER_OPTIONS + KUBE_OPTIONS + (
        OptionSpec("namespace", "namespace of every object (the steps run there too)", default="default"),
        OptionSpec("max_parallelism", "most step Jobs running at once (default: no limit)", kind=POSITIVE_INT),
        OptionSpec("gpu_label", "node label whose value selects a step's GPU type (empty: none)",
                   default="nvidia.com/gpu.product"),
        OptionSpec("ttl_seconds_after_finished", "seconds finished Jobs are kept (default: until deleted)",
                   kind=COUNT),
        OptionSpec("concurrency_policy", "CronJob: what a run that starts while one runs does",
                   default="Forbid", choices=CONCURRENCY_POLICIES),
        OptionSpec("starting_deadline_seconds", "CronJob: seconds a missed start may still be made", kind=COUNT),
        OptionSpec("successful_jobs_history_limit", "CronJob: finished runs kept", kind=COUNT),
        OptionSpec("failed_jobs_history_limit", "CronJob: failed runs kept", kind=COUNT),
    )
    capabilities = Capabilities("Kubernetes", schedules=frozenset({CRON}), schedule_noun="Kubernetes CronJobs",
                                catchup=False, retry=RETRY, settings_key="kubernetes")

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.yaml": the objects as YAML documents}``."""
        return {f"{safe_name(pipeline.name)}.yaml": dump_yaml(documents(pipeline, context), YAML)}


def documents(pipeline: Pipeline, context: CompileContext) -> list[dict]:
    """Every object of `pipeline`, in the order `kubectl apply` should create them."""
    diags: Diagnostics = context.diagnostics
    options = context.options
    seen: set[str] = set()
    shared = read_settings(pipeline.settings, diags, pipeline.span, seen)
    label = dns_label(pipeline.name, MAX_OBJECT_NAME)
    volume = artifact_volume(context, diags)
    choices = JobChoices(namespace=options.get("namespace") or "default", pipeline_label=label,
                         claim=dns_label(f"{label}-artifacts") if volume else None, volume=volume,
                         gpu_label=options.get("gpu_label") or "", service_account=options.get("service_account") or "",
                         lookup_store=metadata_store(options, volume), params=run_time_parameters(pipeline, diags))
    names = unique_labels([s.id for s in pipeline.steps])
    jobs = []
    ttl = options.get("ttl_seconds_after_finished")
    for step in pipeline.steps:
        settings = read_settings(step.settings, diags, step.span, seen)
        if ttl and "ttl_seconds_after_finished" not in settings.counts:
            settings = replace(settings, counts={**settings.counts, "ttl_seconds_after_finished": int(ttl)})
        jobs.append(step_job(pipeline, step, context, choices, settings,
                             dns_label(f"{label}-{names[step.id]}", MAX_OBJECT_NAME), _backoff_limit(step, diags),
                             step_timeout(step, TIMEOUT, diags)))
    account = shared.service_account_name or dns_label(f"{label}-orchestrator")
    plan = dns_label(f"{label}-plan")
    docs = rbac(account, choices, create_account=shared.service_account_name is None)
    if volume is not None:
        docs.append(claim(choices))
    docs.append(config_map(plan, pipeline, dump_yaml(jobs, KUBE_YAML), choices))
    spec = job_template(plan, _orchestrator(pipeline, context, shared, account, ttl, volume), choices)
    cron = pipeline.schedule.cron if pipeline.schedule is not None else None
    if cron is None:
        docs.append({"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata(label, choices), "spec": spec})
        return docs
    for field in ("start_time", "end_time"):
        if getattr(pipeline.schedule, field):
            unsupported(diags, f"Kubernetes CronJobs have no {field.replace('_', ' ')}; it is ignored",
                        pipeline.schedule.span)
    cron_spec: dict = {"schedule": cron}
    for option, key in CRON_FIELDS:
        value = shared.concurrency_policy if option == "concurrency_policy" else shared.counts.get(option)
        if value is None and options.get(option):
            value = options[option] if option == "concurrency_policy" else int(options[option])
        if value is not None:
            cron_spec[key] = value
    cron_spec["jobTemplate"] = {"metadata": {"labels": metadata(label, choices)["labels"]}, "spec": spec}
    docs.append({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": metadata(label, choices),
                 "spec": cron_spec})
    return docs


def metadata_store(options: dict[str, str], volume: ArtifactVolume | None) -> str | None:
    """The metadata store the orchestrator records to: the option, else SQLite on the shared
    volume (so the run outlives the orchestrator's pod), else none (SQLite inside that pod)."""
    if options.get("metadata_store"):
        return options["metadata_store"]
    return f"sqlite:///{volume.path.rstrip('/')}/.pipec/metadata.db" if volume is not None else None


def _orchestrator(pipeline: Pipeline, context: CompileContext, shared: KubernetesSettings, account: str,
                  ttl: str | None, volume: ArtifactVolume | None) -> Orchestrator:
    options = context.options
    store = artifact_store(options)
    argv = [options.get("python") or "python", "-m", "pipec.runtime", "kube-run",
            "--plan", f"{PLAN_DIR}/{PLAN_KEY}", "--jobs", f"{PLAN_DIR}/{JOBS_KEY}",
            "--namespace", "$(PIPEC_NAMESPACE)", "--run-id", "$(PIPEC_RUN_ID)",
            "--source-root", (options.get("source_root") or DEFAULT_SOURCE_ROOT).replace("$", "$$"),
            "--artifact-store", store.replace("$", "$$")]
    meta = metadata_store(options, volume)
    if meta:
        argv += ["--metadata-store", meta.replace("$", "$$")]
    parallel = shared.counts.get("max_parallelism") or options.get("max_parallelism")
    if parallel:
        argv += ["--max-parallel", str(parallel)]
    fields = {}
    if "active_deadline_seconds" in shared.counts:
        fields["activeDeadlineSeconds"] = shared.counts["active_deadline_seconds"]
    if "ttl_seconds_after_finished" in shared.counts or ttl:
        fields["ttlSecondsAfterFinished"] = shared.counts.get("ttl_seconds_after_finished", int(ttl or 0))
    if options.get("image"):
        image = options["image"]
    else:
        own = [s for s in pipeline.steps if s.settings.docker is None or not s.settings.docker.image]
        image = step_image(pipeline, (own or list(pipeline.steps))[0], context) if pipeline.steps else "python"
    return Orchestrator(image, argv, account, shared.orchestrator_pod, fields)


def _backoff_limit(step, diags: Diagnostics) -> int:
    """The step Job's backoffLimit: its retries (Kubernetes waits its own pod backoff between them)."""
    retry = step_retry(step)
    if retry is None:
        return 0
    if retry.delay > 0:
        unsupported(diags, f"step `{step.id}` waits {retry.delay:g}s (backoff {retry.backoff:g}) between retries; "
                           "a Kubernetes Job restarts a failed pod after its own backoff (10s, doubling, at most "
                           "6 minutes), so the delay is not honoured", step.span)
    return retry.max_retries


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = KubernetesTarget()
