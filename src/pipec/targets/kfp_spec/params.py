"""Pipeline parameters as KFP run-time inputs.

A pipeline parameter some step binds becomes a `root.inputDefinitions` parameter and
reaches the step's component through `componentInputParameter`; the executor reads it
with KFP's ``{{$.inputs.parameters['name']}}`` placeholder. KFP expands a STRING raw and
every other type as JSON text, hence the shim's ``"text"`` placeholder encoding.
Parameters only the pipeline body's control flow used (no step binds them) were decided
at compile time and are not offered as run-time inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipec.ir import Pipeline, PipelineParameter
from pipec.targets.kit.params import bound_parameters, compile_time_value, has_value

#: IR type names (before any subscript) -> KFP `parameterType`.
_BY_TYPE = {
    "int": "NUMBER_INTEGER", "float": "NUMBER_DOUBLE", "bool": "BOOLEAN", "str": "STRING",
    "list": "LIST", "tuple": "LIST", "dict": "STRUCT",
}


@dataclass(frozen=True)
class RuntimeParameter:
    """A pipeline parameter offered as a KFP run-time input."""

    # The pipeline parameter (name, type, value, span).
    parameter: PipelineParameter
    # KFP `parameterType`, e.g. "NUMBER_INTEGER".
    kfp_type: str

    @property
    def name(self) -> str:
        """The input's name (the pipeline parameter's name)."""
        return self.parameter.name

    @property
    def placeholder(self) -> str:
        """KFP's placeholder for this input inside a component that declares it."""
        return "{{$.inputs.parameters['" + self.name + "']}}"

    @property
    def has_value(self) -> bool:
        """True when a compile-time value or a default exists."""
        return has_value(self.parameter)

    @property
    def value(self):
        """The compile-time value, else the default (check `has_value` first)."""
        return compile_time_value(self.parameter)


def kfp_type(parameter: PipelineParameter) -> str | None:
    """The KFP `parameterType` for `parameter`, None when its type has no faithful KFP form.

    ``Any`` is decided by the value, except for strings: the shim passes a placeholder raw
    only for parameters declared ``str``.
    """
    known = has_value(parameter)
    value = compile_time_value(parameter)
    if known and value is None:  # KFP has no null parameter value
        return None
    base = parameter.type.split("[", 1)[0]
    if base in _BY_TYPE:
        return _BY_TYPE[base]
    if base != "Any" or not known:
        return None
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "NUMBER_INTEGER"
    if isinstance(value, float):
        return "NUMBER_DOUBLE"
    if isinstance(value, list):
        return "LIST"
    if isinstance(value, dict):
        return "STRUCT"
    return None


def runtime_parameters(pipeline: Pipeline) -> tuple[dict[str, RuntimeParameter], list[PipelineParameter]]:
    """``({name: RuntimeParameter}, [fixed])`` for the parameters steps bind, in declaration
    order; `fixed` are those whose type KFP cannot carry (their compile-time value is used)."""
    runtime: dict[str, RuntimeParameter] = {}
    fixed: list[PipelineParameter] = []
    for parameter in bound_parameters(pipeline):
        kind = kfp_type(parameter)
        if kind is None:
            fixed.append(parameter)
        else:
            runtime[parameter.name] = RuntimeParameter(parameter, kind)
    return runtime, fixed
