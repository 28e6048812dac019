"""Qualified names the frontend recognises without importing anything.

pipec's own API and ZenML's current and old (<= 0.39) APIs map onto the same few
roles. A name is recognised by where it was imported from, never by its spelling
alone, so `from zenml import step as s` and `@zenml.step` both work.
"""

from __future__ import annotations

from pipec.ir import Docker, Resources, Retry, Schedule

_RESOURCES, _DOCKER, _RETRY, _SCHEDULE = Resources.key, Docker.key, Retry.key, Schedule.key

STEP_DECORATORS = frozenset({
    "pipec.step", "pipec.decorators.step",
    "zenml.step", "zenml.steps.step", "zenml.steps.base_step.step", "zenml.steps.step_decorator.step",
    "zenml.new.steps.step_decorator.step",
})

PIPELINE_DECORATORS = frozenset({
    "pipec.pipeline", "pipec.decorators.pipeline",
    "zenml.pipeline", "zenml.pipelines.pipeline", "zenml.pipelines.base_pipeline.pipeline",
    "zenml.pipelines.pipeline_decorator.pipeline", "zenml.new.pipelines.pipeline_decorator.pipeline",
})

#: Decorators of both the original (<= 0.39) API and the current one (ZenML >= 0.40 re-exports it
#: there): the pipeline's shape decides which (`old_api.is_old_api_pipeline`).
OLD_PIPELINE_DECORATORS = frozenset({
    "zenml.pipelines.pipeline", "zenml.pipelines.base_pipeline.pipeline",
    "zenml.pipelines.pipeline_decorator.pipeline",
})

#: Settings classes: qualified name -> settings kind.
SETTINGS_CLASSES: dict[str, str] = {
    "pipec.Resources": _RESOURCES, "pipec.settings.Resources": _RESOURCES,
    "zenml.config.ResourceSettings": _RESOURCES,
    "zenml.config.resource_settings.ResourceSettings": _RESOURCES,
    "pipec.Docker": _DOCKER, "pipec.settings.Docker": _DOCKER,
    "zenml.config.DockerSettings": _DOCKER, "zenml.config.docker_settings.DockerSettings": _DOCKER,
    "pipec.Retry": _RETRY, "pipec.settings.Retry": _RETRY,
    "zenml.config.StepRetryConfig": _RETRY, "zenml.config.retry_config.StepRetryConfig": _RETRY,
    "pipec.Schedule": _SCHEDULE, "pipec.settings.Schedule": _SCHEDULE,
    "zenml.config.Schedule": _SCHEDULE, "zenml.config.schedule.Schedule": _SCHEDULE,
    "zenml.pipelines.Schedule": _SCHEDULE, "zenml.pipelines.schedule.Schedule": _SCHEDULE,
    "zenml.Schedule": _SCHEDULE,
}

#: Base classes of old-API step parameter classes.
BASE_PARAMETERS = frozenset({
    "zenml.steps.BaseParameters", "zenml.steps.base_parameters.BaseParameters",
    "zenml.steps.BaseStepConfig", "zenml.steps.base_step_config.BaseStepConfig",
})

#: The old API's multi-output return annotation `Output(a=int, b=float)`.
OUTPUT_CLASSES = frozenset({"zenml.steps.Output", "zenml.steps.step_output.Output"})

#: Run-time-only parameters a step may declare; they are not inputs.
CONTEXT_TYPES = frozenset({
    "zenml.steps.StepContext", "zenml.steps.step_context.StepContext", "zenml.StepContext",
})

#: `typing` names, normalised to what the type checks use.
TYPING_ALIASES: dict[str, str] = {
    "typing.List": "list", "typing.Dict": "dict", "typing.Tuple": "tuple", "typing.Set": "set",
    "typing.FrozenSet": "frozenset", "typing.Any": "Any", "typing.Type": "type",
    "typing_extensions.List": "list", "typing_extensions.Dict": "dict", "typing_extensions.Tuple": "tuple",
    "typing_extensions.Set": "set", "typing_extensions.FrozenSet": "frozenset", "typing_extensions.Any": "Any",
    "typing_extensions.Type": "type",
    "builtins.list": "list", "builtins.dict": "dict", "builtins.tuple": "tuple", "builtins.set": "set",
}

#: Return annotations that declare several outputs (with `return a, b` in the body).
TUPLE_TYPES = frozenset({"typing.Tuple", "typing_extensions.Tuple", "tuple", "builtins.tuple"})

#: ZenML's output configuration in `Annotated[T, ArtifactConfig(name=...)]` (older releases'
#: subclasses included).
ARTIFACT_CONFIGS = frozenset({
    "zenml.ArtifactConfig", "zenml.artifacts.artifact_config.ArtifactConfig",
    "zenml.model.artifact_config.ArtifactConfig", "zenml.model.artifact_config.DataArtifactConfig",
    "zenml.model.artifact_config.ModelArtifactConfig", "zenml.model.artifact_config.DeploymentArtifactConfig",
    "zenml.model.DataArtifactConfig", "zenml.model.ModelArtifactConfig", "zenml.model.DeploymentArtifactConfig",
})

ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
UNION = frozenset({"typing.Union", "typing_extensions.Union"})
LITERAL = frozenset({"typing.Literal", "typing_extensions.Literal"})

BUILTIN_TYPES = frozenset({
    "int", "float", "str", "bool", "bytes", "list", "dict", "tuple", "set", "frozenset", "object", "complex",
    "bytearray", "type",
})

DATETIME = frozenset({"datetime.datetime"})
TIMEDELTA = frozenset({"datetime.timedelta"})

#: Calls that are never static (listed to give a pointed message).
NON_DETERMINISTIC_PREFIXES = ("random.", "time.", "uuid.", "os.", "datetime.datetime.now", "datetime.date.today",
                              "secrets.", "numpy.random.", "subprocess.", "requests.")

#: Calls that make a logger (see values.Logger); its LOGGER_METHODS do nothing at compile time.
LOGGER_FACTORIES = frozenset({"logging.getLogger", "zenml.logger.get_logger"})
LOGGER_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
#: The logging module's own functions, also no-ops at compile time.
LOGGING_CALLS = frozenset(f"logging.{name}" for name in LOGGER_METHODS)
