"""The IR as JSON: what `pipec inspect` prints and the `ir` target writes.

:func:`program_to_json` and :func:`program_from_json` are exact inverses for every
well-formed IR (unique parameter, input and output names; JSON-compatible literals):
``program_from_json(program_to_json(p)) == p``, spans included.

Shape (keys appear in this order; ``?`` marks keys left out when unset)::

    {"pipelines": [{
        "name", "function", "module",
        "parameters": {name: {"type", "default"?, "value"?, "known", "span"}},
        "schedule": null | {"cron"?, "interval_seconds"?, "start_time"?, "end_time"?, "catchup", "span"},
        "settings": {...},
        "model"?: {"name", "version"?, "license"?, ..., "tags"?, "save_models_to_registry"},
        "span",
        "steps": [{
            "id", "function", "module",
            "inputs": {name: {"step": id, "output": name, "span"} | {"value": literal, "span"}
                             | {"parameter": name, "span"}},
            "outputs": {name: type | {"type", "kind"}},   # the object when the output has a kind
            "upstream": [ids],          # derived from inputs and after; ignored when loading
            "after": [ids],
            "signature": [{"name", "type", "required", "default"?, "kind"}],
            "settings": {...},
            "model"?: {...},            # the step's effective model
            "definition_span", "span"}]}]}

Settings objects leave out unset (None or empty) fields. A span is ``null`` when
unknown, else ``"path:line:col"`` or ``"path:line:col-end_line:end_col"``.

The codec is generic (as sqlglot's dump/load): it walks ``dataclasses.fields`` and their
resolved types, and each field's :class:`~pipec.ir.json_hints.JsonHint` says when it is
left out and whether a tuple of named nodes becomes an object keyed by name. Only spans,
pipeline parameters and input bindings have hand-written forms.
"""

from __future__ import annotations

import json
import re
import types
import typing
import weakref
from dataclasses import MISSING, Field, fields, is_dataclass
from functools import cache
from typing import Any

from . import nodes
from .json_hints import JsonHint, hint_of
from .nodes import (
    NO_SPAN,
    ArtifactLookup,
    ExternalValue,
    InputBinding,
    LiteralValue,
    OutputList,
    OutputRef,
    ParameterRef,
    Pipeline,
    PipelineParameter,
    Program,
    Span,
)

# --------------------------------------------------------------------------- field plans


@cache
def _plan(cls: type) -> tuple[tuple[str, Field | None, Any, JsonHint], ...]:
    """(JSON key, field or None for a derived key, resolved type, hint) of `cls`, in JSON order."""
    hints = typing.get_type_hints(cls, vars(nodes))
    by_name = {f.name: f for f in fields(cls)}
    keys = getattr(cls, "json_keys", None) or tuple(by_name)
    out = []
    for key in keys:
        fld = by_name.get(key)
        out.append((key, fld, hints[key] if fld is not None else None, hint_of(fld) if fld else JsonHint()))
    return tuple(out)


def _optional_of(tp: Any) -> Any | None:
    """X for ``X | None``, else None."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0]
    return None


def _label(obj: Any, where: str) -> str:
    """`where` extended with how `obj` is named in messages, e.g. "pipeline `p`, step `s`"."""
    label = getattr(type(obj), "json_label", None)
    if label is None:
        return where
    text = f"{label[0]} `{getattr(obj, label[1])}`"
    return f"{where}, {text}" if where else text


# --------------------------------------------------------------------------- dumping


def dumps(data: Any) -> str:
    """`data` as deterministic JSON text: 2-space indent, UTF-8 characters kept, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def program_to_json(program: Program) -> dict[str, Any]:
    """The JSON-compatible form of `program` (see the module docstring for the shape).

    Raises ValueError for IR that JSON cannot represent exactly: repeated parameter,
    input or output names, or literals that are not JSON-compatible.
    """
    return _dump_node(program, "")


def pipeline_to_json(pipe: Pipeline) -> dict[str, Any]:
    """The JSON-compatible form of one pipeline."""
    return _dump_node(pipe, "")


#: :func:`pipeline_text` of each live pipeline, by id, with a weak reference that drops the entry
#: when the pipeline goes.
_TEXTS: dict[int, tuple[weakref.ref[Pipeline], str]] = {}


def pipeline_text(pipe: Pipeline) -> str:
    """``dumps(pipeline_to_json(pipe))``, remembered while `pipe` lives: the targets that carry the
    run plan (Kubernetes and each SkyPilot cloud) embed the same text of the same pipeline."""
    key = id(pipe)
    entry = _TEXTS.get(key)
    if entry is not None and entry[0]() is pipe:
        return entry[1]
    text = dumps(pipeline_to_json(pipe))
    _TEXTS[key] = (weakref.ref(pipe, lambda _, key=key: _TEXTS.pop(key, None)), text)
    return text


def _dump_node(obj: Any, where: str) -> Any:
    custom = _DUMPERS.get(type(obj))
    if custom is not None:
        return custom(obj, where)
    where = _label(obj, where)
    out: dict[str, Any] = {}
    for key, fld, tp, hint in _plan(type(obj)):
        value = getattr(obj, key)
        if fld is None:  # derived, e.g. a step's upstream ids
            out[key] = list(value)
        elif not (hint.omit == "none" and value is None or hint.omit == "empty" and value in (None, ())):
            out[key] = _dump_field(value, tp, hint, where)
    return out


def _dump_field(value: Any, tp: Any, hint: JsonHint, where: str) -> Any:
    if value is None:
        return None
    inner = _optional_of(tp)
    if inner is not None:
        tp = inner
    if typing.get_origin(tp) is tuple:
        item = typing.get_args(tp)[0]
        if hint.keyed_by is not None:
            pairs = ((getattr(v, hint.keyed_by),
                      getattr(v, hint.scalar) if hint.scalar and _only_scalar(v, hint) else _dump_keyed(v, hint, where))
                     for v in value)
            return _unique(pairs, f"{where}: {hint.noun}")
        if typing.get_origin(item) is tuple:  # (key, value) pairs
            value_type = typing.get_args(item)[1]
            return _unique(((k, _dump_field(v, value_type, JsonHint(), f"{where}, {hint.item_label} `{k}`"))
                            for k, v in value), f"{where}: {hint.noun}")
        return [_dump_field(v, item, JsonHint(), where) for v in value]
    if tp is Any:
        return _value_to_json(value, where)
    if is_dataclass(tp):
        return _dump_node(value, where)
    return value


def _dump_keyed(node: Any, hint: JsonHint, where: str) -> dict[str, Any]:
    """A keyed node's object, without the key (it is the object's key already)."""
    return {k: v for k, v in _dump_node(node, where).items() if k != hint.keyed_by}


def _only_scalar(node: Any, hint: JsonHint) -> bool:
    """True when every field of `node` but its key and scalar is at its default (the short form)."""
    return all(getattr(node, f.name) == f.default for f in fields(node)
               if f.name not in (hint.keyed_by, hint.scalar))


def _unique(pairs, what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"{what} `{key}` appears more than once; JSON cannot represent it")
        out[key] = value
    return out


def _span_to_json(span: Span, where: str = "") -> str | dict[str, Any] | None:
    if span == NO_SPAN:
        return None
    numbers = (span.line, span.column, span.end_line, span.end_column)
    if any(type(n) is not int or n < 0 for n in numbers):
        # Not representable as the compact string; keep it exact as an object.
        return {"path": span.path, "line": span.line, "column": span.column,
                "end_line": span.end_line, "end_column": span.end_column}
    text = f"{span.path}:{span.line}:{span.column}"
    if span.end_line or span.end_column:
        text += f"-{span.end_line}:{span.end_column}"
    return text


def _value_to_json(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{where}: {value!r} is not a JSON number")
        return value
    if isinstance(value, (list, tuple)):
        return [_value_to_json(v, where) for v in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: dict key {key!r} is not a string")
            out[key] = _value_to_json(item, where)
        return out
    raise ValueError(f"{where}: {type(value).__name__} value {value!r} is not JSON-compatible")


def _parameter_to_json(param: PipelineParameter, where: str) -> dict[str, Any]:
    where = _label(param, where)
    out: dict[str, Any] = {"type": param.type}
    if param.has_default or param.default is not None:
        out["default"] = _value_to_json(param.default, where)
        if not param.has_default:  # unusual: a default recorded without the flag; keep it exact
            out["has_default"] = False
    if param.known or param.value is not None:
        out["value"] = _value_to_json(param.value, where)
    out["known"] = param.known
    out["span"] = _span_to_json(param.span)
    return out


def _binding_to_json(binding: InputBinding, where: str) -> dict[str, Any]:
    src = binding.source
    if isinstance(src, OutputRef):
        out: dict[str, Any] = {"step": src.step, "output": src.output}
    elif isinstance(src, LiteralValue):
        out = {"value": _value_to_json(src.value, _label(binding, where))}
    elif isinstance(src, ParameterRef):
        out = {"parameter": src.name}
    elif isinstance(src, ArtifactLookup):
        out = {"lookup": {key: value for key, value in (("scope", src.scope), ("name", src.name),
                                                        ("version", src.version), ("id", src.id),
                                                        ("parameter", src.parameter),
                                                        ("version_parameter", src.version_parameter))
                          if value is not None}}
    elif isinstance(src, ExternalValue):
        out = {"external": {"value": _value_to_json(src.value, _label(binding, where))}}
        if src.name is not None:
            out["external"]["name"] = src.name
    elif isinstance(src, OutputList):
        out = {"items": [{"step": ref.step, "output": ref.output} for ref in src.items]}
    else:
        raise ValueError(f"{where}, input `{binding.name}`: unknown source {src!r}")
    out["span"] = _span_to_json(binding.span)
    return out


_DUMPERS = {Span: _span_to_json, PipelineParameter: _parameter_to_json, InputBinding: _binding_to_json}


# --------------------------------------------------------------------------- loading


def loads(text: str) -> Program:
    """Parse JSON text (as written by :func:`dumps`) into a Program; ValueError when malformed."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    return program_from_json(data)


def program_from_json(data: Any) -> Program:
    """The Program that :func:`program_to_json` turned into `data`.

    Strict: unknown keys, missing keys and wrongly typed values raise ValueError
    naming the offending location, e.g. ``pipelines[0].steps[2].inputs.x``.
    """
    return _load_node(Program, data, "$")


def pipeline_from_json(data: Any, where: str = "pipeline") -> Pipeline:
    """The Pipeline that :func:`pipeline_to_json` turned into `data`; ValueError when malformed."""
    return _load_node(Pipeline, data, where)


def _child(where: str, key: str) -> str:
    return key if where == "$" else f"{where}.{key}"


def _required(fld: Field, hint: JsonHint) -> bool:
    return fld.default is MISSING and fld.default_factory is MISSING and not hint.optional


def _load_node(cls: type, data: Any, where: str, name: str | None = None) -> Any:
    custom = _LOADERS.get(cls)
    if custom is not None:
        return custom(data, where) if name is None else custom(name, data, where)
    plan = _plan(cls)
    obj = _object(data, where, required=tuple(k for k, f, _, h in plan if f is not None and _required(f, h)),
                  optional=tuple(k for k, f, _, h in plan if f is None or not _required(f, h)))
    kwargs: dict[str, Any] = {}
    for key, fld, tp, hint in plan:
        if fld is None:
            if key in obj:  # derived data: only its type is checked
                _str_list(obj[key], _child(where, key))
        elif key in obj:
            kwargs[key] = _load_field(obj[key], tp, hint, _child(where, key))
        elif hint.optional:
            kwargs[key] = ()
    return cls(**kwargs)


def _load_field(data: Any, tp: Any, hint: JsonHint, where: str) -> Any:
    inner = _optional_of(tp)
    if inner is not None:
        if data is None:
            return None
        tp = inner
    if typing.get_origin(tp) is tuple:
        item = typing.get_args(tp)[0]
        if hint.keyed_by is not None:
            items = _mapping(data, where)
            if hint.scalar:  # the short form {key: scalar}, or the whole node when it has more
                return tuple(item(**{hint.keyed_by: k, hint.scalar: _str(v, f"{where}.{k}")})
                             if not isinstance(v, dict) else _load_node(item, {**v, hint.keyed_by: k}, f"{where}.{k}")
                             for k, v in items.items())
            return tuple(_load_node(item, v, f"{where}.{k}", name=k) for k, v in items.items())
        if typing.get_origin(item) is tuple:  # (key, value) pairs
            value_type = typing.get_args(item)[1]
            return tuple((k, _load_field(v, value_type, JsonHint(), f"{where}.{k}"))
                         for k, v in _mapping(data, where).items())
        return tuple(_load_field(v, item, JsonHint(), f"{where}[{i}]") for i, v in enumerate(_list(data, where)))
    if tp is Any:
        return _value(data, where)
    if is_dataclass(tp):
        return _load_node(tp, data, where)
    return _SCALARS[tp](data, where)


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"{where}: {message}")


def _describe(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _object(data: Any, where: str, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
            ) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _fail(where, f"expected an object, got {_describe(data)}")
    for key in data:
        if not isinstance(key, str):
            raise _fail(where, f"key {key!r} is not a string")
    missing = [k for k in required if k not in data]
    if missing:
        raise _fail(where, f"missing key{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}")
    unknown = sorted(k for k in data if k not in required and k not in optional)
    if unknown:
        raise _fail(where, f"unexpected key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}")
    return data


def _mapping(data: Any, where: str) -> dict[str, Any]:
    """An object whose keys are free (names), not a fixed set."""
    if not isinstance(data, dict):
        raise _fail(where, f"expected an object, got {_describe(data)}")
    for key in data:
        if not isinstance(key, str):
            raise _fail(where, f"key {key!r} is not a string")
    return data


def _list(data: Any, where: str) -> list[Any]:
    if not isinstance(data, list):
        raise _fail(where, f"expected a list, got {_describe(data)}")
    return data


def _str(data: Any, where: str) -> str:
    if not isinstance(data, str):
        raise _fail(where, f"expected a string, got {_describe(data)}")
    return data


def _bool(data: Any, where: str) -> bool:
    if not isinstance(data, bool):
        raise _fail(where, f"expected true or false, got {_describe(data)}")
    return data


def _int(data: Any, where: str) -> int:
    if isinstance(data, bool) or not isinstance(data, int):
        raise _fail(where, f"expected an integer, got {_describe(data)}")
    return data


def _number(data: Any, where: str) -> int | float:
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        raise _fail(where, f"expected a number, got {_describe(data)}")
    return data


#: Loaders of the scalar field types (a float field also takes an integer, kept as written).
_SCALARS = {str: _str, bool: _bool, int: _int, float: _number}


def _str_list(data: Any, where: str) -> tuple[str, ...]:
    return tuple(_str(v, f"{where}[{i}]") for i, v in enumerate(_list(data, where)))


def _value(data: Any, where: str) -> Any:
    if data is None or isinstance(data, (bool, int, str)):
        return data
    if isinstance(data, float):
        if data != data or data in (float("inf"), float("-inf")):
            raise _fail(where, f"{data!r} is not a JSON number")
        return data
    if isinstance(data, list):
        return [_value(v, f"{where}[{i}]") for i, v in enumerate(data)]
    if isinstance(data, dict):
        return {k: _value(v, f"{where}.{k}") for k, v in _mapping(data, where).items()}
    raise _fail(where, f"{_describe(data)} is not a JSON value")


_SPAN_RE = re.compile(r"(.*):(\d+):(\d+)(?:-(\d+):(\d+))?", re.DOTALL)


def _span(data: Any, where: str) -> Span:
    if data is None:
        return NO_SPAN
    if isinstance(data, str):
        match = _SPAN_RE.fullmatch(data)
        if match is None:
            raise _fail(where, f"expected \"path:line:col\" or \"path:line:col-end_line:end_col\", got {data!r}")
        path, line, col, end_line, end_col = match.groups()
        return Span(path, int(line), int(col), int(end_line or 0), int(end_col or 0))
    obj = _object(data, where, required=("path", "line", "column"), optional=("end_line", "end_column"))
    return Span(_str(obj["path"], f"{where}.path"), _int(obj["line"], f"{where}.line"),
                _int(obj["column"], f"{where}.column"), _int(obj.get("end_line", 0), f"{where}.end_line"),
                _int(obj.get("end_column", 0), f"{where}.end_column"))


def _parameter_from_json(name: str, data: Any, where: str) -> PipelineParameter:
    obj = _object(data, where, required=("type", "known"), optional=("default", "has_default", "value", "span"))
    has_default = _bool(obj.get("has_default", "default" in obj), f"{where}.has_default")
    return PipelineParameter(
        name=name,
        type=_str(obj["type"], f"{where}.type"),
        has_default=has_default,
        default=_value(obj.get("default"), f"{where}.default"),
        value=_value(obj.get("value"), f"{where}.value"),
        known=_bool(obj["known"], f"{where}.known"),
        span=_span(obj.get("span"), f"{where}.span"),
    )


def _binding_from_json(name: str, data: Any, where: str) -> InputBinding:
    obj = _object(data, where, optional=("step", "output", "value", "parameter", "lookup", "external", "items",
                                         "span"))
    kinds = [k for k in (("step", "output"), ("value",), ("parameter",), ("lookup",), ("external",), ("items",))
             if any(key in obj for key in k)]
    if len(kinds) != 1:
        raise _fail(where, "expected exactly one of {\"step\", \"output\"}, {\"value\"}, {\"parameter\"}, "
                           "{\"lookup\"}, {\"external\"} or {\"items\"}")
    if kinds[0] == ("step", "output"):
        source: Any = _output_ref(obj, where)
    elif kinds[0] == ("value",):
        source = LiteralValue(_value(obj["value"], f"{where}.value"))
    elif kinds[0] == ("parameter",):
        source = ParameterRef(_str(obj["parameter"], f"{where}.parameter"))
    elif kinds[0] == ("lookup",):
        source = _lookup(obj["lookup"], f"{where}.lookup")
    elif kinds[0] == ("external",):
        ext = _object(obj["external"], f"{where}.external", required=("value",), optional=("name",))
        source = ExternalValue(_value(ext["value"], f"{where}.external.value"),
                               _optional_str(ext.get("name"), f"{where}.external.name"))
    else:
        source = OutputList(tuple(
            _output_ref(_object(item, f"{where}.items[{i}]", required=("step", "output")), f"{where}.items[{i}]")
            for i, item in enumerate(_list(obj["items"], f"{where}.items"))))
    return InputBinding(name, source, _span(obj.get("span"), f"{where}.span"))


def _output_ref(obj: dict[str, Any], where: str) -> OutputRef:
    if "step" not in obj or "output" not in obj:
        raise _fail(where, "an output reference needs both \"step\" and \"output\"")
    return OutputRef(_str(obj["step"], f"{where}.step"), _str(obj["output"], f"{where}.output"))


def _lookup(data: Any, where: str) -> ArtifactLookup:
    obj = _object(data, where, optional=("scope", "name", "version", "id", "parameter", "version_parameter"))
    scope = _str(obj.get("scope", "store"), f"{where}.scope")
    if scope not in ("store", "model"):
        raise _fail(f"{where}.scope", "expected \"store\" or \"model\"")
    lookup = ArtifactLookup(scope, *(_optional_str(obj.get(key), f"{where}.{key}")
                                     for key in ("name", "version", "id", "parameter", "version_parameter")))
    if lookup.name is None and lookup.id is None and lookup.parameter is None:
        raise _fail(where, "a lookup needs \"name\", \"id\" or \"parameter\"")
    return lookup


def _optional_str(value: Any, where: str) -> str | None:
    return None if value is None else _str(value, where)


_LOADERS: dict[type, Any] = {Span: _span, PipelineParameter: _parameter_from_json, InputBinding: _binding_from_json}
