"""A SageMaker Pipelines definition (version 2020-12-01) from one IR pipeline, as data.

One step per invocation, in topological order: a ProcessingStep by default, a
TrainingStep with ``step_kind=training``, ``use_training_step`` in the step's SageMaker
settings, or the ``sagemaker`` step operator (ZenML's SageMaker step operator runs
training jobs). Each job runs the runtime shim: ``ContainerEntrypoint`` is
``python -m pipec.runtime run-step``, ``ContainerArguments`` the rest of the shim argv,
with the execution id and pipeline parameters as ``Get``/``Std:Join`` expressions.
Data moves through the artifact store, so steps only need ``DependsOn``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipec.ir import Pipeline, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import JsonLiteral, Literal, Option, ShimCall, render
from pipec.targets.base import CompileContext
from pipec.targets.common import (
    step_call,
    step_environment,
    step_image,
    step_resources,
)
from pipec.targets.kit.retry import lower_retry, whole_seconds
from pipec.targets.kit.serialize import dump_json
from pipec.targets.kit.stores import report_unshared_store, unshared_folder
from pipec.targets.kit.timeout import seconds_unit, step_timeout
from pipec.targets.kit.unsupported import unsupported

from . import instances
from .expressions import SageMakerText, literal_text
from .names import step_name
from .options import Options
from .parameters import build_parameters
from .retry import RETRY
from .settings import StepSettings, step_settings

VERSION = "2020-12-01"
#: SageMaker's API limits (botocore's service model) that the definition must respect.
MAX_ARGUMENT = 256
MAX_ARGUMENTS = 100
MAX_IMAGE_URI = 255
MAX_ENVIRONMENT = 100
MAX_ENV_VALUE = {"processing": 256, "training": 512}
MAX_PROCESSING_RUNTIME = 777600
ENV_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,255}$")
#: Characters a SageMaker argument cannot hold: its pattern is Java's `.*`, which stops at these.
LINE_BREAKS = re.compile("[\n\r\u0085\u2028\u2029]")
#: Which failures SageMaker retries (it never retries a step whose own code failed).
RETRY_EXCEPTIONS = (["SageMaker.JOB_INTERNAL_ERROR", "SageMaker.CAPACITY_ERROR", "SageMaker.RESOURCE_LIMIT"],
                    ["Step.SERVICE_FAULT", "Step.THROTTLING"])


@dataclass(frozen=True)
class StepPlan:
    """What one step's job needs, decided before it is written out."""

    # "processing" or "training".
    kind: str
    # Image URI.
    image: str
    # ContainerEntrypoint items.
    entrypoint: list[Any]
    # ContainerArguments items (strings or Get/Std:Join expressions).
    arguments: list[Any]
    # Environment variables.
    environment: dict[str, str]
    # Instance type.
    instance_type: str
    # EBS volume in GB.
    volume_size_gb: int
    # Seconds before the job is stopped.
    max_runtime_seconds: int


#: A step's timeout: its job's StoppingCondition.MaxRuntimeInSeconds (per retry: each is a job).
TIMEOUT = seconds_unit("SageMaker's MaxRuntimeInSeconds")

def build_argv(pipeline: Pipeline, step: StepInvocation, context: CompileContext,
               diagnostics: Diagnostics) -> tuple[list[Any], list[Any]]:
    """(ContainerEntrypoint, ContainerArguments) running `step` through the shim."""
    call = step_call(pipeline, step, context, runtime_params=[p.name for p in pipeline.parameters],
                     placeholder_encoding="text")
    command = render(_split_long_params(call), SageMakerText(step, diagnostics))
    for item in command.argv:
        text = literal_text(item)
        if len(text) > MAX_ARGUMENT or LINE_BREAKS.search(text):
            diagnostics.error("PC350", f"a command-line argument of step `{step.id}` does not fit SageMaker: "
                              f"{text[:60]!r}{'...' if len(text) > 60 else ''} has a line break or more than "
                              f"{MAX_ARGUMENT} characters", step.span,
                              help="pass long or multi-line values through the artifact store (an upstream "
                                   "step's output) instead of as a literal")
    if len(command.arguments) > MAX_ARGUMENTS:
        diagnostics.error("PC350", f"step `{step.id}` needs {len(command.arguments)} container arguments; "
                          f"SageMaker allows {MAX_ARGUMENTS}", step.span, help="bind fewer inputs and parameters")
    return command.entrypoint, command.arguments


#: Flags whose ``NAME=JSON`` value may be given in pieces, and the flag of a piece.
_PIECES = {"--param": "--param-part", "--model": "--model-part"}


def _split_long_params(call: ShimCall) -> ShimCall:
    """Each ``--param``, ``--input-value`` or ``--model`` ``NAME=JSON`` literal longer than one
    SageMaker argument may be, as ``--param-part`` (``--input-value-part``, ``--model-part``) pieces
    that fit (the shim joins them). JSON text has no line breaks, so the pieces need nothing else;
    a run-time parameter is left whole (reported if too long)."""
    options: list[Option] = []
    for option in call.options:
        value = option.value
        if option.flag in ("--param", "--input-value", "--model") and isinstance(value, JsonLiteral):
            text = value.text[len(value.name) + 1:]
            room = MAX_ARGUMENT - len(value.name) - 1
            if len(value.text) > MAX_ARGUMENT and room >= 16:
                options += [Option(f"{option.flag}-part", Literal(f"{value.name}={text[start:start + room]}"))
                            for start in range(0, len(text), room)]
                continue
        options.append(option)
    return ShimCall(call.python, tuple(options))


def build_environment(step: StepInvocation, settings: StepSettings, kind: str,
                      diagnostics: Diagnostics) -> dict[str, str]:
    """The job's environment: the step's docker environment, then its SageMaker settings'."""
    env = dict(step_environment(step))
    env.update(settings.environment)
    limit = MAX_ENV_VALUE[kind]
    for key, value in sorted(env.items()):
        if not ENV_KEY.match(key):
            diagnostics.error("PC350", f"environment variable name `{key}` of step `{step.id}` is not one "
                              "SageMaker accepts (letters, digits and `_`, not starting with a digit)", step.span)
        if len(value) > limit:
            diagnostics.error("PC350", f"environment variable `{key}` of step `{step.id}` is longer than the "
                              f"{limit} characters SageMaker allows for a {kind} job", step.span)
    if len(env) > MAX_ENVIRONMENT:
        diagnostics.error("PC350", f"step `{step.id}` sets {len(env)} environment variables; SageMaker allows "
                          f"{MAX_ENVIRONMENT}", step.span)
    return env


def step_kind(step: StepInvocation, settings: StepSettings, options: Options, diagnostics: Diagnostics) -> str:
    """"processing" or "training" for `step`."""
    operator = step.settings.step_operator
    if settings.use_training_step is not None:
        return "training" if settings.use_training_step else "processing"
    if operator in ("sagemaker", "default"):
        return "training"
    if operator is not None:
        unsupported(diagnostics, f"step operator `{operator}` of step `{step.id}` is not available on "
                            f"SageMaker; the step runs as a {options.step_kind} job", step.span)
    return options.step_kind


def instance_type(step: StepInvocation, settings: StepSettings, options: Options, diagnostics: Diagnostics) -> str:
    """The step's instance type: its settings, else the option, else mapped from its resources."""
    if settings.instance_type:
        return settings.instance_type
    if options.instance_type:
        return options.instance_type
    resources = step_resources(step)
    if resources.gpu and resources.gpu_type and instances.gpu_family(resources.gpu_type) is None:
        unsupported(diagnostics, f"GPU type `{resources.gpu_type}` of step `{step.id}` has no SageMaker "
                            "instance family in pipec's table; any GPU type may be chosen", step.span,
                            help='set settings={"orchestrator.sagemaker": {"instance_type": "ml...."}}')
    try:
        return instances.choose(resources)
    except instances.NoInstanceType as exc:
        diagnostics.error("PC351", f"step `{step.id}`: {exc}", step.span,
                          help='set settings={"orchestrator.sagemaker": {"instance_type": "ml...."}} '
                               "or --option instance_type=...")
        return instances.DEFAULT_INSTANCE_TYPE


def plan_step(pipeline: Pipeline, step: StepInvocation, context: CompileContext, options: Options,
              diagnostics: Diagnostics) -> StepPlan:
    """Every decision about `step`'s job."""
    settings = step_settings(step, diagnostics)
    kind = step_kind(step, settings, options, diagnostics)
    image = step_image(pipeline, step, context)
    if len(image) > MAX_IMAGE_URI:
        diagnostics.error("PC350", f"the image of step `{step.id}` is longer than SageMaker's {MAX_IMAGE_URI} "
                          "characters", step.span)
    entrypoint, arguments = build_argv(pipeline, step, context, diagnostics)
    # The sagemaker setting wins; else the step's timeout; else the option's default.
    runtime = settings.max_runtime_in_seconds or step_timeout(step, TIMEOUT, diagnostics) \
        or options.max_runtime_seconds
    if kind == "processing" and runtime > MAX_PROCESSING_RUNTIME:
        diagnostics.error("PC350", f"step `{step.id}` may run {runtime} s; a processing job runs at most "
                          f"{MAX_PROCESSING_RUNTIME} s", step.span)
    if kind == "training" and options.output_path is None:
        diagnostics.error("PC355", f"step `{step.id}` is a training job, which needs an S3 output path",
                          step.span, help="set --option artifact_store=s3://... or --option output_path=s3://...")
    return StepPlan(kind=kind, image=image, entrypoint=entrypoint, arguments=arguments,
                    environment=build_environment(step, settings, kind, diagnostics),
                    instance_type=instance_type(step, settings, options, diagnostics),
                    volume_size_gb=settings.volume_size_in_gb or options.volume_size_gb,
                    max_runtime_seconds=runtime)


def build_retry_policies(step: StepInvocation, diagnostics: Diagnostics) -> list[dict[str, Any]]:
    """``RetryPolicies`` for the step's Retry (none without one).

    SageMaker retries a step on service faults, throttling and job capacity/internal
    errors only, never when the step's own code fails; a warning says so.
    """
    retry = lower_retry(step.settings.retry, RETRY, diagnostics, step.span, f"step `{step.id}`")
    if retry is None:
        return []
    common = {"IntervalSeconds": whole_seconds(retry.delay), "BackoffRate": float(max(retry.backoff, 1)),
              "MaxAttempts": retry.max_retries}
    return [{"ExceptionType": list(types), **common} for types in RETRY_EXCEPTIONS]


def build_processing_arguments(plan: StepPlan, options: Options) -> dict[str, Any]:
    """The ``Arguments`` of a ProcessingStep (a CreateProcessingJob request without its name)."""
    args: dict[str, Any] = {
        "AppSpecification": {"ImageUri": plan.image, "ContainerEntrypoint": plan.entrypoint,
                             "ContainerArguments": plan.arguments},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": plan.instance_type,
                                                  "VolumeSizeInGB": plan.volume_size_gb}},
        "RoleArn": options.role_arn,
        "StoppingCondition": {"MaxRuntimeInSeconds": plan.max_runtime_seconds},
    }
    if plan.environment:
        args["Environment"] = plan.environment
    return args


def build_training_arguments(plan: StepPlan, options: Options) -> dict[str, Any]:
    """The ``Arguments`` of a TrainingStep (a CreateTrainingJob request without its name)."""
    args: dict[str, Any] = {
        "AlgorithmSpecification": {"TrainingImage": plan.image, "TrainingInputMode": "File",
                                   "ContainerEntrypoint": plan.entrypoint, "ContainerArguments": plan.arguments},
        "OutputDataConfig": {"S3OutputPath": options.output_path or ""},
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": plan.instance_type,
                           "VolumeSizeInGB": plan.volume_size_gb},
        "RoleArn": options.role_arn,
        "StoppingCondition": {"MaxRuntimeInSeconds": plan.max_runtime_seconds},
    }
    if plan.environment:
        args["Environment"] = plan.environment
    return args


def build_step(pipeline: Pipeline, step: StepInvocation, context: CompileContext, options: Options,
               diagnostics: Diagnostics) -> dict[str, Any]:
    """One entry of ``Steps``."""
    plan = plan_step(pipeline, step, context, options, diagnostics)
    training = plan.kind == "training"
    entry: dict[str, Any] = {
        "Name": step_name(step.id),
        "Type": "Training" if training else "Processing",
        "Description": f"pipec step `{step.id}`: {step.module}.{step.function}",
        "Arguments": (build_training_arguments if training else build_processing_arguments)(plan, options),
    }
    depends = sorted(step_name(dep) for dep in step.upstream)
    if depends:
        entry["DependsOn"] = depends
    policies = build_retry_policies(step, diagnostics)
    if policies:
        entry["RetryPolicies"] = policies
    return entry


def shares_local_store(pipeline: Pipeline, options: Options) -> bool:
    """True when steps pass data through an artifact store that is a folder inside each job."""
    return unshared_folder(pipeline, options.artifact_store)


def build_definition(pipeline: Pipeline, context: CompileContext, options: Options) -> dict[str, Any]:
    """The whole pipeline definition as JSON-compatible data."""
    diagnostics = context.diagnostics
    if shares_local_store(pipeline, options):
        report_unshared_store(context, f"artifact store `{options.artifact_store}` is a folder inside "
                              "each SageMaker job: steps cannot read their inputs", pipeline.span,
                              help="use a shared store: --option artifact_store=s3://bucket/prefix")
    return {
        "Version": VERSION,
        "Metadata": {},
        "Parameters": build_parameters(pipeline.parameters, diagnostics),
        "Steps": [build_step(pipeline, pipeline.step(sid), context, options, diagnostics)
                  for sid in pipeline.topological_order()],
    }


#: Deterministic JSON text: sorted keys, two-space indent, non-ASCII kept, final newline.
dumps = dump_json
