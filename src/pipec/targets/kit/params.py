"""The pipeline parameters a run can change, and the values and texts they start from.

Only a pipeline parameter that some step's input binds directly can change per run: the
others were used by the pipeline body's control flow and decided at compile time. Each
engine renders these its own way (DAG params, workflow inputs, engine parameters, KFP
inputs); what they are, the compile-time value each starts from and the text the shim
takes it as are decided here once.
"""

from __future__ import annotations

from collections.abc import Callable

from pipec.ir import ArtifactLookup, ParameterRef, Pipeline, PipelineParameter, StepInvocation
from pipec.runtime.command import encode_json


def step_parameters(step: StepInvocation) -> list[str]:
    """Names of the pipeline parameters `step` binds, first binding first, each once: as an
    input's value, or as the name or version of an artifact an input looks up."""
    names = [name for b in step.inputs for name in (
        (b.source.name,) if isinstance(b.source, ParameterRef) else
        (b.source.parameter, b.source.version_parameter) if isinstance(b.source, ArtifactLookup) else ())]
    return list(dict.fromkeys(name for name in names if name is not None))


def bound_parameters(pipeline: Pipeline) -> list[PipelineParameter]:
    """The pipeline parameters some step binds, in declaration order: those a run can change."""
    bound = {name for step in pipeline.steps for name in step_parameters(step)}
    return [param for param in pipeline.parameters if param.name in bound]


def has_value(param: PipelineParameter) -> bool:
    """True when `param` has a compile-time value or a source default."""
    return param.known or param.has_default


def compile_time_value(param: PipelineParameter) -> object:
    """The compile-time value of `param`, else its default (check :func:`has_value` first)."""
    return param.value if param.known else param.default


def parameter_text(param: PipelineParameter, value: object,
                   encode: Callable[[object], str] = encode_json) -> str | None:
    """The text the shim takes `value` of `param` as: the string itself for a ``str``
    parameter (``--param-text``), `encode` (JSON) otherwise; None for a ``str`` parameter
    whose value is not a string, which only a ``--param`` with JSON can carry."""
    if param.type == "str":
        return value if isinstance(value, str) else None
    return encode(value)
