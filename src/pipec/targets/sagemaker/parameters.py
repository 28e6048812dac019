"""Pipeline parameters as SageMaker pipeline parameters.

``str`` -> String (the text itself), ``int`` -> Integer, ``float`` -> Float, ``bool`` ->
Boolean; every other type (lists, dicts, unions, ``Any``) and a value that does not fit
the declared type -> String holding the value's JSON. This matches what the shim
expects with ``placeholder_encoding="text"``: a ``str`` parameter arrives as
``--param-text`` (raw), any other as ``--param`` (JSON), so a String parameter of a
non-``str`` type must hold JSON text.
"""

from __future__ import annotations

from typing import Any

from pipec.ir import PipelineParameter
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import encode_json

from .names import PARAMETER_NAME

#: The longest String default the definition schema allows.
MAX_STRING_DEFAULT = 4096


def _value(param: PipelineParameter) -> tuple[bool, Any]:
    """(has a value, the value): the compile-time value, else the default."""
    if param.known:
        return True, param.value
    return param.has_default, param.default


def sagemaker_type(param: PipelineParameter) -> str:
    """"String", "Integer", "Float" or "Boolean" for `param`."""
    present, value = _value(param)
    fits = {
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
    }
    if param.type in fits and (not present or fits[param.type](value)):
        return {"int": "Integer", "float": "Float", "bool": "Boolean"}[param.type]
    return "String"


def is_raw_text(param: PipelineParameter) -> bool:
    """True when the parameter's String value is the text itself (a ``str``), not JSON."""
    return param.type == "str"


def value_text(param: PipelineParameter, value: Any) -> str:
    """`value` as the string StartPipelineExecution takes for `param`."""
    if is_raw_text(param) and isinstance(value, str):
        return value
    if sagemaker_type(param) == "Boolean":
        return "true" if value else "false"
    if sagemaker_type(param) in ("Integer", "Float"):
        return repr(float(value)) if sagemaker_type(param) == "Float" else str(int(value))
    return encode_json(value)


def _default(param: PipelineParameter, kind: str, value: Any) -> Any:
    if kind == "Float":
        return float(value)
    if kind == "String" and not is_raw_text(param):
        return encode_json(value)
    return value


def build_parameters(parameters: tuple[PipelineParameter, ...], diagnostics: Diagnostics) -> list[dict[str, Any]]:
    """The definition's ``Parameters``, in declaration order; problems are PC353 errors."""
    out: list[dict[str, Any]] = []
    for param in parameters:
        if not PARAMETER_NAME.match(param.name):
            diagnostics.error("PC353", f"pipeline parameter `{param.name}` cannot be a SageMaker parameter: "
                              "names may only use ASCII letters, digits, `_` and `-` (at most 64)", param.span,
                              help="rename the parameter")
        kind = sagemaker_type(param)
        entry: dict[str, Any] = {"Name": param.name, "Type": kind}
        present, value = _value(param)
        if present and is_raw_text(param) and not isinstance(value, str):
            diagnostics.error("PC353", f"pipeline parameter `{param.name}` is a `str` whose value is "
                              f"{encode_json(value)}; a SageMaker String parameter carries only text",
                              param.span, help="give it a string value, or annotate it as optional (`str | None`)")
        elif present:
            entry["DefaultValue"] = _default(param, kind, value)
            if kind == "String" and len(entry["DefaultValue"]) > MAX_STRING_DEFAULT:
                diagnostics.error("PC353", f"the value of pipeline parameter `{param.name}` is longer than "
                                  f"SageMaker's {MAX_STRING_DEFAULT} characters", param.span)
        out.append(entry)
    return out
