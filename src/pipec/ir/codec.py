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
        "span",
        "steps": [{
            "id", "function", "module",
            "inputs": {name: {"step": id, "output": name, "span"} | {"value": literal, "span"}
                             | {"parameter": name, "span"}},
            "outputs": {name: type},
            "upstream": [ids],          # derived from inputs and after; ignored when loading
            "after": [ids],
            "signature": [{"name", "type", "required", "default"?, "kind"}],
            "settings": {...},
            "definition_span", "span"}]}]}

Settings objects leave out unset (None or empty) fields. A span is ``null`` when
unknown, else ``"path:line:col"`` or ``"path:line:col-end_line:end_col"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from . import (
    NO_SPAN,
    Docker,
    InputBinding,
    LiteralValue,
    Output,
    OutputRef,
    Param,
    ParameterRef,
    Pipeline,
    PipelineParameter,
    Program,
    Resources,
    Retry,
    Schedule,
    Settings,
    Span,
    StepInvocation,
)

# --------------------------------------------------------------------------- dumping


def dumps(data: Any) -> str:
    """`data` as deterministic JSON text: 2-space indent, UTF-8 characters kept, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def program_to_json(program: Program) -> dict[str, Any]:
    """The JSON-compatible form of `program` (see the module docstring for the shape).

    Raises ValueError for IR that JSON cannot represent exactly: repeated parameter,
    input or output names, or literals that are not JSON-compatible.
    """
    return {"pipelines": [pipeline_to_json(p) for p in program.pipelines]}


def pipeline_to_json(pipe: Pipeline) -> dict[str, Any]:
    """The JSON-compatible form of one pipeline."""
    where = f"pipeline `{pipe.name}`"
    return {
        "name": pipe.name,
        "function": pipe.function,
        "module": pipe.module,
        "parameters": _unique(((p.name, _parameter_to_json(p, where)) for p in pipe.parameters),
                              f"{where}: parameter"),
        "schedule": _schedule_to_json(pipe.schedule) if pipe.schedule is not None else None,
        "settings": _settings_to_json(pipe.settings, where),
        "span": _span_to_json(pipe.span),
        "steps": [_step_to_json(inv, where) for inv in pipe.steps],
    }


def _unique(pairs, what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"{what} `{key}` appears more than once; JSON cannot represent it")
        out[key] = value
    return out


def _span_to_json(span: Span) -> str | dict[str, Any] | None:
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
    where = f"{where}, parameter `{param.name}`"
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


def _schedule_to_json(schedule: Schedule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("cron", "interval_seconds", "start_time", "end_time"):
        value = getattr(schedule, key)
        if value is not None:
            out[key] = value
    out["catchup"] = schedule.catchup
    out["span"] = _span_to_json(schedule.span)
    return out


def _settings_to_json(settings: Settings, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if settings.resources is not None:
        res = settings.resources
        out["resources"] = {k: getattr(res, k) for k in ("cpu", "memory", "gpu", "gpu_type")
                            if getattr(res, k) is not None}
    if settings.docker is not None:
        dock = settings.docker
        docker: dict[str, Any] = {}
        for key in ("image", "parent_image", "requirements", "requirements_file", "apt_packages",
                    "environment", "dockerignore"):
            value = getattr(dock, key)
            if value is None or value == ():
                continue
            if key == "environment":
                value = _unique(value, f"{where}: docker environment variable")
            elif isinstance(value, tuple):
                value = list(value)
            docker[key] = value
        out["docker"] = docker
    if settings.retry is not None:
        retry = settings.retry
        out["retry"] = {"max_retries": retry.max_retries, "delay": retry.delay, "backoff": retry.backoff}
    if settings.enable_cache is not None:
        out["enable_cache"] = settings.enable_cache
    if settings.step_operator is not None:
        out["step_operator"] = settings.step_operator
    if settings.extra:
        out["extra"] = _unique(((k, _value_to_json(v, f"{where}, setting `{k}`")) for k, v in settings.extra),
                               f"{where}: extra setting")
    return out


def _binding_to_json(binding: InputBinding, where: str) -> dict[str, Any]:
    src = binding.source
    if isinstance(src, OutputRef):
        out: dict[str, Any] = {"step": src.step, "output": src.output}
    elif isinstance(src, LiteralValue):
        out = {"value": _value_to_json(src.value, f"{where}, input `{binding.name}`")}
    elif isinstance(src, ParameterRef):
        out = {"parameter": src.name}
    else:
        raise ValueError(f"{where}, input `{binding.name}`: unknown source {src!r}")
    out["span"] = _span_to_json(binding.span)
    return out


def _param_to_json(param: Param, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": param.name, "type": param.type, "required": param.required}
    if param.default is not None:
        out["default"] = _value_to_json(param.default, f"{where}, parameter `{param.name}`")
    out["kind"] = param.kind
    return out


def _step_to_json(inv: StepInvocation, where: str) -> dict[str, Any]:
    where = f"{where}, step `{inv.id}`"
    return {
        "id": inv.id,
        "function": inv.function,
        "module": inv.module,
        "inputs": _unique(((b.name, _binding_to_json(b, where)) for b in inv.inputs), f"{where}: input"),
        "outputs": _unique(((o.name, o.type) for o in inv.outputs), f"{where}: output"),
        "upstream": list(inv.upstream),
        "after": list(inv.after),
        "signature": [_param_to_json(p, where) for p in inv.signature],
        "settings": _settings_to_json(inv.settings, where),
        "definition_span": _span_to_json(inv.definition_span),
        "span": _span_to_json(inv.span),
    }


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
    obj = _object(data, "$", required=("pipelines",))
    pipes = _list(obj["pipelines"], "pipelines")
    return Program(tuple(_pipeline_from_json(p, f"pipelines[{i}]") for i, p in enumerate(pipes)))


def pipeline_from_json(data: Any, where: str = "pipeline") -> Pipeline:
    """The Pipeline that :func:`pipeline_to_json` turned into `data`; ValueError when malformed."""
    return _pipeline_from_json(data, where)


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


def _opt_str(data: Any, where: str) -> str | None:
    return None if data is None else _str(data, where)


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


def _opt(convert: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    return lambda data, where: None if data is None else convert(data, where)


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


def _pipeline_from_json(data: Any, where: str) -> Pipeline:
    obj = _object(data, where, required=("name", "function", "module", "parameters", "steps"),
                  optional=("schedule", "settings", "span"))
    params = _mapping(obj["parameters"], f"{where}.parameters")
    schedule = obj.get("schedule")
    return Pipeline(
        name=_str(obj["name"], f"{where}.name"),
        function=_str(obj["function"], f"{where}.function"),
        module=_str(obj["module"], f"{where}.module"),
        parameters=tuple(_parameter_from_json(name, p, f"{where}.parameters.{name}") for name, p in params.items()),
        steps=tuple(_step_from_json(s, f"{where}.steps[{i}]")
                    for i, s in enumerate(_list(obj["steps"], f"{where}.steps"))),
        schedule=None if schedule is None else _schedule_from_json(schedule, f"{where}.schedule"),
        settings=_settings_from_json(obj.get("settings", {}), f"{where}.settings"),
        span=_span(obj.get("span"), f"{where}.span"),
    )


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


def _schedule_from_json(data: Any, where: str) -> Schedule:
    obj = _object(data, where, optional=("cron", "interval_seconds", "start_time", "end_time", "catchup", "span"))
    return Schedule(
        cron=_opt_str(obj.get("cron"), f"{where}.cron"),
        interval_seconds=_opt(_number)(obj.get("interval_seconds"), f"{where}.interval_seconds"),
        start_time=_opt_str(obj.get("start_time"), f"{where}.start_time"),
        end_time=_opt_str(obj.get("end_time"), f"{where}.end_time"),
        catchup=_bool(obj.get("catchup", False), f"{where}.catchup"),
        span=_span(obj.get("span"), f"{where}.span"),
    )


def _settings_from_json(data: Any, where: str) -> Settings:
    obj = _object(data, where, optional=("resources", "docker", "retry", "enable_cache", "step_operator", "extra"))
    resources = docker = retry = None
    if "resources" in obj:
        w = f"{where}.resources"
        res = _object(obj["resources"], w, optional=("cpu", "memory", "gpu", "gpu_type"))
        resources = Resources(
            cpu=_opt(_number)(res.get("cpu"), f"{w}.cpu"),
            memory=_opt_str(res.get("memory"), f"{w}.memory"),
            gpu=_opt(_int)(res.get("gpu"), f"{w}.gpu"),
            gpu_type=_opt_str(res.get("gpu_type"), f"{w}.gpu_type"),
        )
    if "docker" in obj:
        w = f"{where}.docker"
        dock = _object(obj["docker"], w, optional=("image", "parent_image", "requirements", "requirements_file",
                                                   "apt_packages", "environment", "dockerignore"))
        env = _mapping(dock.get("environment", {}), f"{w}.environment")
        docker = Docker(
            image=_opt_str(dock.get("image"), f"{w}.image"),
            parent_image=_opt_str(dock.get("parent_image"), f"{w}.parent_image"),
            requirements=_str_list(dock.get("requirements", []), f"{w}.requirements"),
            requirements_file=_opt_str(dock.get("requirements_file"), f"{w}.requirements_file"),
            apt_packages=_str_list(dock.get("apt_packages", []), f"{w}.apt_packages"),
            environment=tuple((k, _str(v, f"{w}.environment.{k}")) for k, v in env.items()),
            dockerignore=_opt_str(dock.get("dockerignore"), f"{w}.dockerignore"),
        )
    if "retry" in obj:
        w = f"{where}.retry"
        ret = _object(obj["retry"], w, optional=("max_retries", "delay", "backoff"))
        retry = Retry(
            max_retries=_int(ret.get("max_retries", 0), f"{w}.max_retries"),
            delay=_number(ret.get("delay", 0), f"{w}.delay"),
            backoff=_number(ret.get("backoff", 1), f"{w}.backoff"),
        )
    extra = _mapping(obj.get("extra", {}), f"{where}.extra")
    return Settings(
        resources=resources,
        docker=docker,
        retry=retry,
        enable_cache=_opt(_bool)(obj.get("enable_cache"), f"{where}.enable_cache"),
        step_operator=_opt_str(obj.get("step_operator"), f"{where}.step_operator"),
        extra=tuple((k, _value(v, f"{where}.extra.{k}")) for k, v in extra.items()),
    )


def _binding_from_json(name: str, data: Any, where: str) -> InputBinding:
    obj = _object(data, where, optional=("step", "output", "value", "parameter", "span"))
    kinds = [k for k in (("step", "output"), ("value",), ("parameter",)) if any(key in obj for key in k)]
    if len(kinds) != 1:
        raise _fail(where, "expected exactly one of {\"step\", \"output\"}, {\"value\"} or {\"parameter\"}")
    if kinds[0] == ("step", "output"):
        if "step" not in obj or "output" not in obj:
            raise _fail(where, "an output reference needs both \"step\" and \"output\"")
        source: Any = OutputRef(_str(obj["step"], f"{where}.step"), _str(obj["output"], f"{where}.output"))
    elif kinds[0] == ("value",):
        source = LiteralValue(_value(obj["value"], f"{where}.value"))
    else:
        source = ParameterRef(_str(obj["parameter"], f"{where}.parameter"))
    return InputBinding(name, source, _span(obj.get("span"), f"{where}.span"))


def _signature_param_from_json(data: Any, where: str) -> Param:
    obj = _object(data, where, required=("name",), optional=("type", "required", "default", "kind"))
    return Param(
        name=_str(obj["name"], f"{where}.name"),
        type=_str(obj.get("type", "Any"), f"{where}.type"),
        required=_bool(obj.get("required", True), f"{where}.required"),
        default=_value(obj.get("default"), f"{where}.default"),
        kind=_str(obj.get("kind", "artifact"), f"{where}.kind"),
    )


def _step_from_json(data: Any, where: str) -> StepInvocation:
    obj = _object(data, where, required=("id", "function", "module", "inputs", "outputs"),
                  optional=("upstream", "after", "signature", "settings", "definition_span", "span"))
    inputs = _mapping(obj["inputs"], f"{where}.inputs")
    outputs = _mapping(obj["outputs"], f"{where}.outputs")
    if "upstream" in obj:  # derived data: only its type is checked
        _str_list(obj["upstream"], f"{where}.upstream")
    return StepInvocation(
        id=_str(obj["id"], f"{where}.id"),
        function=_str(obj["function"], f"{where}.function"),
        module=_str(obj["module"], f"{where}.module"),
        signature=tuple(_signature_param_from_json(p, f"{where}.signature[{i}]")
                        for i, p in enumerate(_list(obj.get("signature", []), f"{where}.signature"))),
        inputs=tuple(_binding_from_json(n, b, f"{where}.inputs.{n}") for n, b in inputs.items()),
        outputs=tuple(Output(n, _str(t, f"{where}.outputs.{n}")) for n, t in outputs.items()),
        after=_str_list(obj.get("after", []), f"{where}.after"),
        settings=_settings_from_json(obj.get("settings", {}), f"{where}.settings"),
        definition_span=_span(obj.get("definition_span"), f"{where}.definition_span"),
        span=_span(obj.get("span"), f"{where}.span"),
    )
