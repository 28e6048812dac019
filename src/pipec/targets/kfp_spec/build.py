"""The KFP PipelineSpec (IR YAML schema 2.1.0) of a pipeline, as plain dicts.

One task, one component and one container executor per step invocation; the executor
runs the runtime shim, which keeps the data in pipec's artifact store. Pipeline parameters
steps bind are `root.inputDefinitions` flowing in through `componentInputParameter` (see
`params`).

Data edges are `dependentTasks` and KFP artifacts, so KFP's UI shows lineage: every step
output is a `system.Artifact` output of its component, into which the shim writes a pointer
to the committed payload (`--output-ref`, see `pipec.runtime.pointers`); every data input
is an input artifact fed by `taskOutputArtifact`, which the shim reads (`--input-ref`).
The pointer names the producer's run, so KFP's own cache is sound for the data: with
`--option kfp_cache=true` it follows `enable_cache`, and on a cache hit the shim does not run
and the consumers read the earlier run's payload. It is off by default, as ZenML's and
Metaflow's Kubeflow compilers have it: a step KFP skips leaves no step run in pipec's
metadata store, so that run never looks finished there; the shim's own cache (which does
record cached steps) follows `enable_cache` either way.

Everything that differs between engines running this schema (Kubeflow Pipelines and
Vertex AI) is a :class:`Flavor`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from pipec.ir import Pipeline, Resources, Retry, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import PlainText, Rendered, data_inputs, render
from pipec.targets.base import CompileContext, OptionSpec
from pipec.targets.common import (
    k8s_cpu,
    k8s_memory,
    memory_bytes,
    step_call,
    step_environment,
    step_image,
    step_resources,
)
from pipec.targets.kit.params import step_parameters
from pipec.targets.kit.retry import RetrySupport, lower_retry

from .names import StepNames, io_keys, pipeline_name, step_names
from .params import RuntimeParameter, runtime_parameters

#: The IR schema version KFP >= 2.1 writes and every current backend reads.
SCHEMA_VERSION = "2.1.0"
#: KFP's placeholder for the pipeline run's id (the shim's --run-id).
RUN_ID = "{{$.pipeline_job_uuid}}"
#: KFP's default cap on the delay between retries (its SDK's `set_retry` default).
MAX_BACKOFF_SECONDS = 3600

#: The artifact type of step outputs: KFP's generic artifact (the file is a pipec pointer).
ARTIFACT_TYPE = {"schemaTitle": "system.Artifact", "schemaVersion": "0.0.1"}

#: (accelerator resource type, count) of a step, or None for no accelerator.
Accelerator = tuple[str, int] | None


@dataclass(frozen=True)
class Flavor:
    """What differs between the engines that run a PipelineSpec."""

    # Engine name for messages, e.g. "Kubeflow Pipelines".
    engine: str
    # True to emit resource requests next to the limits (Vertex AI reads limits only).
    requests: bool
    # The step's accelerator from its resources; reports unknown types to the context.
    accelerator: Callable[[StepInvocation, Resources, CompileContext], Accelerator]


@dataclass(frozen=True)
class StepIO:
    """A step's KFP artifacts: its output keys and its data inputs."""

    # KFP output artifact key per output name.
    outputs: dict[str, str]
    # (KFP input artifact key, producer task, producer's output key) per data input (argument
    # name, or ``NAME[i]`` for element i of a list of outputs).
    inputs: dict[str, tuple[str, str, str]]

    def input_refs(self) -> dict[str, str]:
        """The shim's `--input-ref` paths: KFP's local path of each input artifact."""
        return {arg: "{{$.inputs.artifacts['" + key + "'].path}}" for arg, (key, _, _) in self.inputs.items()}

    def output_refs(self) -> dict[str, str]:
        """The shim's `--output-ref` paths: KFP's local path of each output artifact."""
        return {name: "{{$.outputs.artifacts['" + key + "'].path}}" for name, key in self.outputs.items()}


def step_io(pipeline: Pipeline, names: dict[str, StepNames], params: dict[str, list]) -> dict[str, StepIO]:
    """The artifacts of every step; `params` are the run-time parameters each step's component
    declares (input keys are unique against them)."""
    outputs = {step.id: io_keys([o.name for o in step.outputs], "output") for step in pipeline.steps}
    result: dict[str, StepIO] = {}
    for step in pipeline.steps:
        # One input artifact per data input, each element of a list of outputs its own.
        edges = [(key, ref) for key, ref in data_inputs(step) if ref.step in names and ref.output in outputs[ref.step]]
        keys = io_keys([key for key, _ in edges], "input", {p.name for p in params[step.id]})
        inputs = {key: (keys[key], names[ref.step].task, outputs[ref.step][ref.output]) for key, ref in edges}
        result[step.id] = StepIO(outputs[step.id], inputs)
    return result


@dataclass(frozen=True)
class SpecBuild:
    """A built PipelineSpec and what engines' wrappers need besides it."""

    # The PipelineSpec as JSON-compatible dicts.
    spec: dict
    # Names per step id.
    names: dict[str, StepNames]
    # Run-time parameters, by name.
    runtime: dict[str, RuntimeParameter]


#: The option both KFP-schema targets take for KFP's own step cache (see the module docstring).
KFP_CACHE_OPTION = OptionSpec(
    "kfp_cache", "let KFP skip a step whose component and inputs match an earlier run (follows enable_cache; "
    "skipped steps leave no step run in pipec's metadata store)", default="false", choices=("false", "true"))


def build_pipeline_spec(pipeline: Pipeline, context: CompileContext, flavor: Flavor) -> SpecBuild:
    """The PipelineSpec of `pipeline`; problems go to `context.diagnostics`."""
    names = step_names(pipeline)
    runtime, fixed = runtime_parameters(pipeline)
    for parameter in runtime.values():
        if parameter.has_value and "{{$" in json.dumps(parameter.value, ensure_ascii=False):
            context.diagnostics.error(
                "PC323", f"the value of pipeline parameter `{parameter.name}` contains `{{{{$`, which KFP's launcher "
                "would expand as a placeholder once it is inserted into a step", parameter.parameter.span,
                help="KFP has no escape for `{{$`: change the value, or pass it as a file or artifact")
    for parameter in fixed:
        context.diagnostics.warning(
            "PC322", f"pipeline parameter `{parameter.name}` of type `{parameter.type}` has no "
            f"{flavor.engine} parameter type: its compile-time value is fixed in the spec", parameter.span,
            help="annotate it as int, float, bool, str, list or dict to make it a run-time input")
    components: dict[str, dict] = {}
    executors: dict[str, dict] = {}
    tasks: dict[str, dict] = {}
    params = {step.id: [runtime[name] for name in step_parameters(step) if name in runtime]
              for step in pipeline.steps}
    artifacts = step_io(pipeline, names, params)
    for step in pipeline.steps:
        step_names_ = names[step.id]
        io = artifacts[step.id]
        components[step_names_.component] = build_component(step_names_, params[step.id], io)
        executors[step_names_.executor] = build_executor(pipeline, step, params[step.id], io, context, flavor)
        tasks[step_names_.task] = build_task(step, names, params[step.id], io,
                                             kfp_cache=context.options.get("kfp_cache") == "true",
                                             diags=context.diagnostics, engine=flavor.engine)
    root: dict = {"dag": {"tasks": tasks}}
    if runtime:
        root["inputDefinitions"] = {"parameters": {p.name: build_root_input(p) for p in runtime.values()}}
    spec = {
        "pipelineInfo": {"name": pipeline_name(pipeline), "displayName": pipeline.name},
        "root": root,
        "components": components,
        "deploymentSpec": {"executors": executors},
        "schemaVersion": SCHEMA_VERSION,
    }
    return SpecBuild(spec, names, runtime)


def build_root_input(parameter: RuntimeParameter) -> dict:
    """`root.inputDefinitions.parameters[name]`: the type, and the value this compile used."""
    entry: dict = {"parameterType": parameter.kfp_type}
    if parameter.has_value:
        entry["defaultValue"] = parameter.value
        entry["isOptional"] = True
    return entry


def build_component(names: StepNames, params: list[RuntimeParameter], io: StepIO) -> dict:
    """A step's component: its executor, the run-time parameters and artifacts it reads, the
    artifacts it writes."""
    component: dict = {"executorLabel": names.executor}
    inputs: dict = {}
    if io.inputs:
        inputs["artifacts"] = {key: {"artifactType": dict(ARTIFACT_TYPE)} for key, _, _ in io.inputs.values()}
    if params:
        inputs["parameters"] = {p.name: {"parameterType": p.kfp_type} for p in params}
    if inputs:
        component["inputDefinitions"] = inputs
    if io.outputs:
        component["outputDefinitions"] = {
            "artifacts": {key: {"artifactType": dict(ARTIFACT_TYPE)} for key in io.outputs.values()}}
    return component


def build_task(step: StepInvocation, names: dict[str, StepNames], params: list[RuntimeParameter],
               io: StepIO, *, kfp_cache: bool = False, diags: Diagnostics | None = None,
               engine: str = "KFP") -> dict:
    """A step's task in `root.dag`: its component, caching, upstream tasks, inputs and retry policy."""
    task: dict = {
        "taskInfo": {"name": step.id},
        "componentRef": {"name": names[step.id].component},
        # `enable_cache` is already the step's own, else the pipeline's (ZenML's precedence).
        "cachingOptions": {"enableCache": kfp_cache and step.settings.enable_cache is not False},
    }
    upstream = sorted({names[dep].task for dep in step.upstream if dep in names})
    if upstream:
        task["dependentTasks"] = upstream
    inputs: dict = {}
    if io.inputs:
        inputs["artifacts"] = {key: {"taskOutputArtifact": {"producerTask": producer, "outputArtifactKey": output}}
                               for key, producer, output in io.inputs.values()}
    if params:
        inputs["parameters"] = {p.name: {"componentInputParameter": p.name} for p in params}
    if inputs:
        task["inputs"] = inputs
    support = RetrySupport(engine, max_delay=MAX_BACKOFF_SECONDS)
    retry = lower_retry(step.settings.retry, support, diags if diags is not None else Diagnostics(), step.span,
                        f"step `{step.id}`")
    if retry is not None:
        task["retryPolicy"] = build_retry(retry)
    return task


def build_retry(retry: Retry) -> dict:
    """`retryPolicy`: retries, first delay and growth factor, delays capped at an hour (or the first)."""
    return {
        "maxRetryCount": retry.max_retries,
        "backoffDuration": duration(retry.delay),
        "backoffFactor": float(retry.backoff),
        "backoffMaxDuration": duration(max(MAX_BACKOFF_SECONDS, retry.delay)),
    }


def duration(seconds: float) -> str:
    """A protobuf Duration in JSON form: 10 -> "10s", 1.5 -> "1.5s"."""
    text = f"{float(seconds):.9f}".rstrip("0").rstrip(".")
    return f"{text}s"


def build_executor(pipeline: Pipeline, step: StepInvocation, params: list[RuntimeParameter], io: StepIO,
                   context: CompileContext, flavor: Flavor) -> dict:
    """A step's container executor: image, the shim's argv, environment and resources."""
    placeholders = {p.name: p.placeholder for p in params}
    inputs, outputs = io.input_refs(), io.output_refs()
    try:
        call = step_call(pipeline, step, context, runtime_params=placeholders, placeholder_encoding="text",
                         input_refs=inputs, output_refs=outputs)
    except ValueError as exc:  # a parameter without a value that cannot be a run-time input
        context.diagnostics.error("PC322", f"step `{step.id}`: {exc}", step.span,
                                  help="give the parameter a default or pass it with --param")
        command = Rendered([])
    else:
        command = render(call, KfpText(RUN_ID, placeholders, inputs, outputs, step=step, context=context))
    container: dict = {"image": step_image(pipeline, step, context), "command": command.entrypoint,
                       "args": command.arguments}
    env = step_environment(step)
    if env:
        # Kubernetes expands `$(VAR)` and `$$` in env values too.
        container["env"] = [{"name": name, "value": value.replace("$", "$$")} for name, value in env]
    resources = build_resources(step, context, flavor)
    if resources:
        container["resources"] = resources
    return {"container": container}


@dataclass
class KfpText(PlainText):
    """Shim argv items for KFP: placeholders as KFP writes them; in literal text every ``$`` is
    doubled, since Kubernetes (and Vertex AI's container spec) turns ``$$`` into ``$`` and expands
    ``$(VAR)`` in a container's args; a literal holding ``{{$`` (which KFP would expand, and has no
    escape for) is refused (PC323, once per step)."""

    #: The step whose call is rendered.
    step: StepInvocation | None = None
    #: Where the refusal goes.
    context: CompileContext | None = None
    #: Whether the step's refusal was reported.
    refused: bool = False

    def literal(self, text: str) -> str:
        """`text` with ``$`` doubled, or PC323 when KFP would expand part of it."""
        if "{{$" in text and not self.refused:
            self.refused = True
            self.context.diagnostics.error(
                "PC323", f"a value of step `{self.step.id}` contains `{{{{$`, which KFP would expand as a "
                "placeholder", self.step.span,
                help="KFP has no escape for `{{$`: change the value, or pass it as a file or artifact")
        return text.replace("$", "$$")


def build_resources(step: StepInvocation, context: CompileContext, flavor: Flavor) -> dict:
    """The container's resources: the current string fields, the deprecated numbers next to
    them (as KFP's own compiler writes both), requests when the flavor has them, accelerator."""
    resources = step_resources(step)
    out: dict = {}
    kinds = ("Limit", "Request") if flavor.requests else ("Limit",)
    if resources.cpu is not None:
        for kind in kinds:
            out[f"resourceCpu{kind}"] = k8s_cpu(resources.cpu)
            out[f"cpu{kind}"] = float(resources.cpu)
    if resources.memory is not None:
        for kind in kinds:
            out[f"resourceMemory{kind}"] = k8s_memory(resources.memory)
            out[f"memory{kind}"] = memory_bytes(resources.memory) / 10**9
    accelerator = flavor.accelerator(step, resources, context)
    if accelerator is not None:
        kind, count = accelerator
        out["accelerator"] = {"resourceType": kind, "resourceCount": str(count), "type": kind, "count": str(count)}
    return out
