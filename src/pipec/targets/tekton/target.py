"""The `tekton` target: a Tekton Pipelines v1 ``Pipeline`` plus a ``PipelineRun`` per pipeline.

``<pipeline>.yaml`` holds two documents. The Pipeline has one task per step with an
embedded ``taskSpec`` (one step running the runtime shim), ``runAfter`` from the DAG (data
edges and ``after=``), ``retries``, container ``computeResources``, and a ``string``
param for every pipeline parameter a step binds (non-``str`` values as JSON text, which
is what the shim's ``--param`` reads). The PipelineRun references the Pipeline by name and
passes the compile-time values. Run id: ``$(context.pipelineRun.uid)``, passed to each
task as the param ``pipec-run-id``. When the artifact store is a folder, a workspace
backed by a volume claim template is mounted there in every task so the steps share it.

How literal text survives. Tekton substitutes ``$(...)`` in a step's command, args and
env values, in several passes (params, then contexts, results, workspaces, credentials,
step paths), and it has no escape (tektoncd/pipeline#4931); Kubernetes then expands
``$(VAR)`` and ``$$`` in the same fields. So no user text that holds a ``$`` is written
into those fields: it goes into an annotation of the task's pod (``taskSpec.metadata``,
copied to the TaskRun and the pod without substitution), an env var reads it back with
``valueFrom.fieldRef``, and the argv item becomes ``$(PIPEC_ARG_<n>)``, which only
Kubernetes expands (it does not expand the value it inserts). Pipeline parameters are
substituted by Tekton by nature, so a parameter whose value or default contains ``$(`` or
``$$`` is baked into the steps as a literal instead of a param (warning PC330). The same
limit holds for values given at run time in a PipelineRun: they must not contain ``$(`` or
``$$`` (in JSON values of non-``str`` parameters, write ``$`` as ``\\u0024``). Annotations
hold at most 256 KiB per pod, which bounds the literal text of one step.
"""

from __future__ import annotations

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import render
from pipec.targets.base import CompileContext, OptionSpec
from pipec.targets.common import CONTAINER_OPTIONS, step_call, step_environment, step_image
from pipec.targets.kit.capabilities import Capabilities
from pipec.targets.kit.retry import RetrySupport, lower_retry
from pipec.targets.kit.timeout import seconds_unit, step_timeout
from pipec.targets.kube import (
    KUBE_OPTIONS,
    MAX_OBJECT_NAME,
    artifact_volume,
    dns_label,
    dump_documents,
    resources,
    unique_labels,
    volume_claim_spec,
)
from pipec.targets.kube_text import (
    EngineParameter,
    MarkedText,
    bound_parameters,
    engine_parameters,
    report_baked,
)

API_VERSION = "tekton.dev/v1"
#: A step's timeout: its pipeline task's ``timeout`` (each retry gets its own).
TIMEOUT = seconds_unit("a Tekton pipeline task's timeout")

#: Tekton's task ``retries``: a count, run at once.
RETRY = RetrySupport("Tekton", delay=False)
#: The run id every step records: one per PipelineRun.
RUN_ID = "$(context.pipelineRun.uid)"
#: Task param carrying the run id (a `-` keeps it apart from every Python identifier).
RUN_ID_PARAM = "pipec-run-id"
#: Workspace (and volume) shared by the tasks when the artifact store is a folder.
WORKSPACE = "pipec-artifacts"
#: Prefix of the pod annotations that carry literal text past Tekton's substitution.
ANNOTATION_PREFIX = "pipec/"
#: Name of the single step in each task.
STEP_NAME = "run"


def unsafe_text(text: str) -> str | None:
    """Why Tekton or Kubernetes would not pass `text` through a param unchanged, or None:
    Tekton substitutes only ``$(``...``)`` references, Kubernetes only ``$(``...``)`` and
    ``$$``; a text with neither arrives as written."""
    if "$(" in text:
        return "contains `$(`, which Tekton and Kubernetes substitute"
    if "$$" in text:
        return "contains `$$`, which Kubernetes turns into `$`"
    return None


class TektonTarget:
    """Writes ``{safe pipeline name}.yaml``: a Pipeline and a PipelineRun."""

    name = "tekton"
    description = "Tekton Pipelines v1: a Pipeline with one task per step and a PipelineRun"
    options: tuple[OptionSpec, ...] = CONTAINER_OPTIONS + KUBE_OPTIONS
    capabilities = Capabilities(
        "Tekton Pipelines", schedules=frozenset(), retry=RETRY, gpu_types=False,
        schedule_help="create the PipelineRun from a CronJob or a Tekton Triggers cron source",
        gpu_type_help="add a node selector in the PipelineRun's taskRunSpecs podTemplate")

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.yaml": Pipeline and PipelineRun as two YAML documents}``."""
        builder = _Builder(pipeline, context)
        return {f"{safe_name(pipeline.name)}.yaml": dump_documents([builder.pipeline(), builder.run()])}


class _Builder:
    """Builds the two documents of one pipeline; reports problems as it goes."""

    def __init__(self, pipeline: Pipeline, context: CompileContext) -> None:
        self.pipeline_ir = pipeline
        self.context = context
        self.diags: Diagnostics = context.diagnostics
        self.name = dns_label(pipeline.name, MAX_OBJECT_NAME)
        self.tasks = unique_labels([s.id for s in pipeline.steps])
        self.params, baked = engine_parameters(pipeline, escape="$", unsafe=unsafe_text)
        report_baked(baked, self.diags, "tekton", "a PipelineRun")
        self.volume = artifact_volume(context, self.diags)

    # ------------------------------------------------------------------ documents

    def pipeline(self) -> dict:
        """The Pipeline object."""
        spec: dict = {}
        if self.params:
            spec["params"] = [self._param_spec(p) for p in self.params.values()]
        if self.volume is not None:
            spec["workspaces"] = [{"name": WORKSPACE, "description": "artifact store shared by the steps"}]
        spec["tasks"] = [self._task(step) for step in self.pipeline_ir.steps]
        return {"apiVersion": API_VERSION, "kind": "Pipeline", "metadata": {"name": self.name}, "spec": spec}

    def run(self) -> dict:
        """The PipelineRun that starts the Pipeline with the compile-time parameter values."""
        spec: dict = {"pipelineRef": {"name": self.name}}
        values = []
        for param in self.params.values():
            if param.value is None:
                self.diags.warning("PC331", f"pipeline parameter `{param.parameter.name}` has no value, so the "
                                            "PipelineRun does not set it", param.parameter.span,
                                   help=f"compile with --param {param.parameter.name}=... or add it to the "
                                        "PipelineRun before creating it")
                continue
            values.append({"name": param.name, "value": param.value})
        if values:
            spec["params"] = values
        account = self.context.options.get("service_account")
        if account:
            spec["taskRunTemplate"] = {"serviceAccountName": account}
        if self.volume is not None:
            spec["workspaces"] = [{"name": WORKSPACE, "volumeClaimTemplate": {"spec": volume_claim_spec(self.volume)}}]
        return {"apiVersion": API_VERSION, "kind": "PipelineRun",
                "metadata": {"generateName": f"{self.name}-"}, "spec": spec}

    # ------------------------------------------------------------------ pieces

    def _param_spec(self, param: EngineParameter) -> dict:
        kind = "text" if param.parameter.type == "str" else "JSON"
        spec: dict = {"name": param.name, "type": "string",
                      "description": f"pipeline parameter {param.parameter.name} ({param.parameter.type}) as {kind}"}
        if param.default is not None:
            spec["default"] = param.default
        return spec

    def _task(self, step: StepInvocation) -> dict:
        bound = bound_parameters(step, self.params)
        task: dict = {"name": self.tasks[step.id]}
        task["params"] = [{"name": RUN_ID_PARAM, "value": RUN_ID}] + [
            {"name": p.name, "value": f"$(params.{p.name})"} for p in bound]
        after = [self.tasks[dep] for dep in step.upstream if dep in self.tasks]
        if after:
            task["runAfter"] = after
        retry = lower_retry(step.settings.retry, RETRY, self.diags, step.span, f"step `{step.id}`")
        if retry is not None:
            task["retries"] = retry.max_retries
        deadline = step_timeout(step, TIMEOUT, self.diags)
        if deadline is not None:
            task["timeout"] = f"{deadline}s"
        if self.volume is not None:
            task["workspaces"] = [{"name": WORKSPACE, "workspace": WORKSPACE}]
        task["taskSpec"] = self._task_spec(step, bound)
        return task

    def _task_spec(self, step: StepInvocation, bound: list[EngineParameter]) -> dict:
        placeholders = {p.parameter.name: f"$(params.{p.name})" for p in bound}
        call = step_call(self.pipeline_ir, step, self.context, runtime_params=placeholders,
                         placeholder_encoding="text")
        marked = render(call, MarkedText(f"$(params.{RUN_ID_PARAM})", placeholders)).argv
        user_env = step_environment(step)
        taken = {name for name, _ in user_env}
        annotations: dict[str, str] = {}
        env: list[dict] = []
        for index, (name, value) in enumerate(user_env):
            if "$" in value:
                key = f"{ANNOTATION_PREFIX}env-{index}"
                annotations[key] = value
                env.append({"name": name, "valueFrom": {"fieldRef": {"fieldPath": f"metadata.annotations['{key}']"}}})
            else:
                env.append({"name": name, "value": value})
        argv: list[str] = []
        for index, (item, templated) in enumerate(marked):
            if templated or "$" not in item:
                argv.append(item)
                continue
            key = f"{ANNOTATION_PREFIX}arg-{index}"
            annotations[key] = item
            var = f"PIPEC_ARG_{index}"
            while var in taken:  # a user variable of the same name keeps its own value
                var += "_"
            taken.add(var)
            env.append({"name": var, "valueFrom": {"fieldRef": {"fieldPath": f"metadata.annotations['{key}']"}}})
            argv.append(f"$({var})")
        image = step_image(self.pipeline_ir, step, self.context)
        if "$(" in image:  # Tekton substitutes the image field too, and it has no escape there
            self.diags.error("PC332", f"the image `{image}` of step `{step.id}` contains `$(`, which Tekton "
                             "substitutes", step.span, help="write the image reference out in full")
        container: dict = {"name": STEP_NAME, "image": image, "command": argv[:1], "args": argv[1:]}
        if env:
            container["env"] = env
        compute = resources(step)
        if compute:
            container["computeResources"] = compute
        spec: dict = {}
        if annotations:
            spec["metadata"] = {"annotations": annotations}
        spec["params"] = [{"name": RUN_ID_PARAM, "type": "string"}] + [
            {"name": p.name, "type": "string"} for p in bound]
        if self.volume is not None:
            spec["workspaces"] = [{"name": WORKSPACE, "mountPath": self.volume.path}]
        spec["steps"] = [container]
        return spec


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = TektonTarget()
