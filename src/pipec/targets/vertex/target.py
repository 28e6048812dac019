"""The `vertex` target: a Vertex AI PipelineJob (`<pipeline>.json`) per pipeline.

The job holds the PipelineSpec of `pipec.targets.kfp_spec` (shared with `kubeflow`) with
Vertex's accelerator names and limits only (Vertex picks each step's machine type from its
CPU, memory and accelerator limits), the run-time configuration (`gcsOutputDirectory`, `parameterValues`)
and labels. It loads with ``aiplatform.PipelineJob(display_name, template_path=...)``.
A schedule becomes `<pipeline>.schedule.json` (see `schedule`).
"""

from __future__ import annotations

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline, Resources, StepInvocation
from pipec.targets.base import CompileContext, OptionSpec
from pipec.targets.common import (
    CONTAINER_OPTIONS,
    DEFAULT_ARTIFACT_STORE,
    memory_bytes,
    step_resources,
)
from pipec.targets.kfp_spec.build import (
    KFP_CACHE_OPTION,
    MAX_BACKOFF_SECONDS,
    Accelerator,
    Flavor,
    build_pipeline_spec,
)
from pipec.targets.kfp_spec.checks import gpu_warning, is_local
from pipec.targets.kfp_spec.dump import dump_json
from pipec.targets.kfp_spec.settings import engine_settings, invalid, report_unsupported, string_map
from pipec.targets.kit.capabilities import Capabilities
from pipec.targets.kit.retry import RetrySupport
from pipec.targets.kit.stores import passes_artifacts, report_unshared_store

from .accelerators import ACCELERATOR_TYPES, vertex_accelerator
from .labels import MAX_LABELS, label_problem, label_value
from .schedule import vertex_schedule

ENGINE = "vertex"
#: Vertex AI's documented ceilings for one pipeline step.
MAX_CPU = 96
MAX_MEMORY_BYTES = 624 * 10**9
#: Longest display name Vertex accepts.
MAX_DISPLAY_NAME = 128
#: Settings that configure Kubernetes pods, which Vertex AI does not run for pipeline steps.
POD_SETTINGS = ("annotations", "image_pull_policy", "image_pull_secrets", "node_selector_constraint",
                "node_selectors", "pod_settings", "secrets", "tolerations")
#: Label every job gets, so Vertex's console can filter by pipeline.
PIPELINE_LABEL = "pipec-pipeline"
#: Accelerator for steps that ask for GPUs without naming a type.
DEFAULT_ACCELERATOR = "NVIDIA_TESLA_T4"


def vertex_accelerator_of(step: StepInvocation, resources: Resources, context: CompileContext) -> Accelerator:
    """The step's GPUs as (AcceleratorType, count); PC320 for a type Vertex does not know."""
    if not resources.gpu:
        if resources.gpu_type:
            gpu_warning(step, context)
        return None
    name = resources.gpu_type or context.options.get("accelerator_type") or DEFAULT_ACCELERATOR
    kind = vertex_accelerator(name)
    if kind is None:
        context.diagnostics.error(
            "PC320", f"step `{step.id}` asks for accelerator `{name}`, which Vertex AI does not know", step.span,
            help=f"use one of: {', '.join(ACCELERATOR_TYPES)} (or e.g. nvidia-tesla-t4, l4, a100)")
        return None
    return kind, resources.gpu


VERTEX = Flavor(engine="Vertex AI", requests=False, accelerator=vertex_accelerator_of)


def gcs_output_directory(context: CompileContext) -> str | None:
    """Vertex's own output folder: the `pipeline_root` option, else the artifact store when it
    is on GCS (``gs://...``, or ``/gcs/BUCKET/...``, Vertex's Cloud Storage FUSE mount)."""
    root = context.options.get("pipeline_root")
    if root:
        return root
    store = context.options.get("artifact_store") or DEFAULT_ARTIFACT_STORE
    if store.startswith("gs://"):
        return store
    if store.startswith("/gcs/") and len(store) > len("/gcs/"):
        return "gs://" + store[len("/gcs/"):]
    return None


class VertexTarget:
    """Writes ``<pipeline>.json`` (and ``<pipeline>.schedule.json`` for a schedule)."""

    name = "vertex"
    description = "Vertex AI PipelineJob JSON (KFP PipelineSpec with Vertex resources and runtime config)"
    options: tuple[OptionSpec, ...] = CONTAINER_OPTIONS + (
        OptionSpec("pipeline_root", "gs:// folder for Vertex's own outputs (default: the artifact store "
                                    "when it is on GCS)"),
        OptionSpec("accelerator_type", "Vertex accelerator for steps that ask for GPUs without naming a type",
                   default=DEFAULT_ACCELERATOR),
        KFP_CACHE_OPTION,
    )
    capabilities = Capabilities("Vertex AI", retry=RetrySupport("Vertex AI", max_delay=MAX_BACKOFF_SECONDS),
                                settings_key="vertex")

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.json": PipelineJob}`` plus the schedule file for a scheduled pipeline."""
        build = build_pipeline_spec(pipeline, context, VERTEX)
        self._check(pipeline, context)
        display_name = pipeline.name[:MAX_DISPLAY_NAME]
        runtime_config: dict = {"parameterValues": {p.name: p.value for p in build.runtime.values() if p.has_value}}
        root = gcs_output_directory(context)
        if root is not None:
            runtime_config["gcsOutputDirectory"] = root
        job = {"displayName": display_name, "labels": self._labels(pipeline, context),
               "pipelineSpec": build.spec, "runtimeConfig": runtime_config}
        base = safe_name(pipeline.name)
        files = {f"{base}.json": dump_json(job)}
        if pipeline.schedule is not None:
            schedule = vertex_schedule(pipeline, pipeline.schedule, display_name, context)
            if schedule is not None:
                files[f"{base}.schedule.json"] = dump_json(schedule)
        return files

    def _check(self, pipeline: Pipeline, context: CompileContext) -> None:
        """Options, the artifact store, engine settings and resource ceilings."""
        root = context.options.get("pipeline_root")
        if root and not root.startswith("gs://"):
            context.diagnostics.error("PC302", f"option `pipeline_root` must be a gs:// URI, not `{root}`",
                                      help="e.g. --option pipeline_root=gs://BUCKET/pipelines")
        store = context.options.get("artifact_store") or DEFAULT_ARTIFACT_STORE
        if is_local(store) and not store.startswith("/gcs/") and passes_artifacts(pipeline):
            report_unshared_store(
                context, f"artifact store `{store}` is a folder on each Vertex AI step's own machine: steps of "
                f"`{pipeline.name}` cannot read each other's outputs", pipeline.span,
                help="pass --option artifact_store=gs://BUCKET/PATH")
        self._pod_settings(pipeline, None, engine_settings(pipeline.settings, ENGINE), context)
        for step in pipeline.steps:
            settings = engine_settings(step.settings, ENGINE)
            self._pod_settings(pipeline, step, settings, context)
            report_unsupported(pipeline, context, "vertex", set(settings) - set(POD_SETTINGS), ("labels",))
            self._resources(step, context)

    def _resources(self, step: StepInvocation, context: CompileContext) -> None:
        resources = step_resources(step)
        if resources.cpu is not None and resources.cpu > MAX_CPU:
            context.diagnostics.error("PC327", f"step `{step.id}` asks for {resources.cpu:g} CPUs; "
                                      f"a Vertex AI pipeline step has at most {MAX_CPU}", step.span)
        if resources.memory is not None and memory_bytes(resources.memory) > MAX_MEMORY_BYTES:
            context.diagnostics.error("PC327", f"step `{step.id}` asks for {resources.memory} of memory; "
                                      "a Vertex AI pipeline step has at most 624GB", step.span)

    def _pod_settings(self, pipeline: Pipeline, step: StepInvocation | None, settings: dict,
                      context: CompileContext) -> None:
        # Pipeline-level settings are in every step's too: report those once, at the pipeline.
        pod = set(settings) & set(POD_SETTINGS)
        if step is not None:
            pod -= set(engine_settings(pipeline.settings, ENGINE))
        if pod:
            where = f"step `{step.id}`" if step is not None else f"pipeline `{pipeline.name}`"
            context.diagnostics.error(
                "PC304", f"Vertex AI does not run pipeline steps as Kubernetes pods: "
                f"{', '.join(f'`{k}`' for k in sorted(pod))} of {where} cannot apply",
                step.span if step is not None else pipeline.span,
                help="use the kubeflow target for Kubernetes pod settings, or drop them")

    def _labels(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        labels = {PIPELINE_LABEL: label_value(pipeline.name)}
        raw = engine_settings(pipeline.settings, ENGINE).get("labels")
        if raw is not None:
            given = string_map(raw)
            if given is None:
                invalid(pipeline, context, "vertex", "labels", "a dict of strings to strings")
                given = {}
            for key, value in sorted(given.items()):
                problem = label_problem(key, value)
                if problem:
                    context.diagnostics.error("PC326", problem, pipeline.span,
                                              help="Vertex AI labels are lowercase; see its labelling rules")
                labels[key] = value
        if len(labels) > MAX_LABELS:
            context.diagnostics.error("PC326", f"{len(labels)} labels; Vertex AI allows at most {MAX_LABELS}",
                                      pipeline.span)
        return labels


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = VertexTarget()
