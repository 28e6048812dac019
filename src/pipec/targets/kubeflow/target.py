"""The `kubeflow` target: a KFP v2 pipeline package (`<pipeline>.yaml`) per pipeline.

The package is the PipelineSpec (`pipec.targets.kfp_spec.build`), followed by the
Kubernetes platform spec (`platform`) when a step needs node selectors, tolerations, secrets, pod metadata or a
volume. A schedule becomes `<pipeline>.recurring-run.json` (`schedule`), because KFP keeps
recurring runs apart from pipelines.
"""

from __future__ import annotations

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline, Resources, StepInvocation
from pipec.targets.base import CompileContext, OptionSpec
from pipec.targets.common import CONTAINER_OPTIONS, DEFAULT_ARTIFACT_STORE
from pipec.targets.kfp_spec.build import (
    KFP_CACHE_OPTION,
    MAX_BACKOFF_SECONDS,
    Accelerator,
    Flavor,
    build_pipeline_spec,
)
from pipec.targets.kfp_spec.checks import gpu_warning, is_local
from pipec.targets.kfp_spec.dump import dump_json, dump_yaml
from pipec.targets.kit.capabilities import Capabilities
from pipec.targets.kit.resources import gpu_resource
from pipec.targets.kit.retry import RetrySupport
from pipec.targets.kit.stores import passes_artifacts, report_unshared_store

from .platform import build_platform
from .schedule import recurring_run

#: GKE's node label for the GPU model; other clusters use e.g. `nvidia.com/gpu.product`.
DEFAULT_ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator"


def kubeflow_accelerator(step: StepInvocation, resources: Resources, context: CompileContext) -> Accelerator:
    """GPUs as Kubernetes' extended resource (the GPU type, if it is one, else nvidia.com/gpu);
    a plain GPU model name is matched by a node selector instead (`platform`)."""
    if not resources.gpu:
        if resources.gpu_type:
            gpu_warning(step, context)
        return None
    kind = gpu_resource(resources.gpu_type)
    return kind, resources.gpu


KUBEFLOW = Flavor(engine="Kubeflow Pipelines", requests=True, accelerator=kubeflow_accelerator)


class KubeflowTarget:
    """Writes ``<pipeline>.yaml`` (and ``<pipeline>.recurring-run.json`` for a schedule)."""

    name = "kubeflow"
    description = "Kubeflow Pipelines v2 package (PipelineSpec YAML, Kubernetes platform spec)"
    options: tuple[OptionSpec, ...] = CONTAINER_OPTIONS + (
        OptionSpec("accelerator_label", "node label whose value selects a step's GPU type (empty: none)",
                   default=DEFAULT_ACCELERATOR_LABEL),
        OptionSpec("pvc", "PersistentVolumeClaim mounted at a local artifact store in every step"),
        KFP_CACHE_OPTION,
    )
    capabilities = Capabilities("Kubeflow Pipelines", retry=RetrySupport("KFP", max_delay=MAX_BACKOFF_SECONDS),
                                settings_key="kubeflow")

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.yaml": package}`` plus the recurring-run file for a scheduled pipeline."""
        build = build_pipeline_spec(pipeline, context, KUBEFLOW)
        store = context.options.get("artifact_store") or DEFAULT_ARTIFACT_STORE
        pvc = context.options.get("pvc") or None
        if pvc and not is_local(store):
            context.diagnostics.error("PC302", f"option `pvc` mounts a volume at a local artifact store, "
                                      f"but the artifact store is `{store}`",
                                      help="drop `pvc`, or set artifact_store to the folder to mount it at")
        elif is_local(store) and not pvc and passes_artifacts(pipeline):
            report_unshared_store(
                context, f"artifact store `{store}` is a folder inside each KFP pod: steps of "
                f"`{pipeline.name}` cannot read each other's outputs", pipeline.span,
                help="pass --option artifact_store=s3://BUCKET/PATH (or gs://...), or --option pvc=CLAIM "
                     "to mount a shared volume there")
        platform = build_platform(pipeline, build.names, context,
                                  accelerator_label=context.options.get("accelerator_label", ""),
                                  pvc=pvc if pvc and is_local(store) else None,
                                  mount_path=store.removeprefix("file://"))
        documents = [build.spec]
        if platform:
            documents.append({"platforms": {"kubernetes": {"deploymentSpec": {"executors": platform}}}})
        base = safe_name(pipeline.name)
        files = {f"{base}.yaml": dump_yaml(documents)}
        if pipeline.schedule is not None:
            files[f"{base}.recurring-run.json"] = dump_json(
                recurring_run(pipeline, pipeline.schedule, f"{base}.yaml", context))
        return files


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = KubeflowTarget()
