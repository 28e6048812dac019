"""Pipeline parameters: values from the call, --param (coerced to the type) and --config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipec.ir.diagnostics import Diagnostics, did_you_mean

from ..ir import (
    PipelineParameter,
    Span,
)
from .config_numbers import coerce_config_value
from .interp import lone_surrogate
from .run_config import RunConfig
from .settings import to_json_value
from .stepdefs import PipelineDef
from .values import (
    ParamValue,
    PipelineInstance,
)

if TYPE_CHECKING:
    from .pipelines import PipelineCall


@dataclass(frozen=True)
class ValueOrigin:
    """Where a pipeline parameter's value comes from, when it is not its default."""

    #: "call" (the pipeline call), "config" (the run configuration) or "cli" (--param).
    kind: str
    #: Where a wrong value is reported.
    span: Span
    #: The --param text as typed (None for the other kinds).
    text: str | None = None


def coerce_param(raw: str, type_: str) -> Any:
    """Convert a `--param` string to the parameter's declared type; ValueError when it does not fit
    (or has no JSON form: NaN, infinities, text that is not valid UTF-8)."""
    if lone_surrogate(raw) is not None:  # undecodable bytes in argv (surrogateescape)
        raise ValueError("the value is not valid UTF-8 text")
    base = type_.replace(" | None", "")
    if type_.endswith(" | None") and raw in ("null", "None", "~"):
        return None
    if base == "str":
        return raw
    if base == "int":
        return int(raw)
    if base == "float":
        try:
            return to_json_value(float(raw))
        except TypeError as exc:  # NaN and infinities
            raise ValueError(f"{exc}, so no engine can carry them") from None
    if base == "bool":
        lowered = raw.lower()
        if lowered in ("true", "yes", "1", "on"):
            return True
        if lowered in ("false", "no", "0", "off"):
            return False
        raise ValueError("expected true or false")
    import yaml

    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    except RecursionError:
        raise ValueError("the value is nested too deeply") from None
    try:
        value = to_json_value(value)
    except TypeError:
        return raw
    except RecursionError:
        raise ValueError("the value is nested too deeply") from None
    if _has_surrogate(value):  # a JSON escape such as "\ud800" that is no character
        raise ValueError("the value holds a lone surrogate escape, which is not text")
    return value


def _has_surrogate(value: Any) -> bool:
    """True when a string anywhere in the JSON value `value` holds a lone surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if lone_surrogate(item) is not None:
                return True
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
    return False


def parameter_help(name: str, pdef: PipelineDef) -> str:
    """Did-you-mean for a parameter `pdef` lacks, else the parameters it declares."""
    names = [p.name for p in pdef.params]
    return did_you_mean(name, names) or (f"`{pdef.name}` declares {', '.join(f'`{n}`' for n in names)}"
                                         if names else f"`{pdef.name}` declares no parameters")


def resolve_parameters(pdef: PipelineDef, instance: PipelineInstance | None, config: RunConfig | None,
                       cli: dict[str, str], diags: Diagnostics, call: PipelineCall | None = None,
                       origins: dict[str, ValueOrigin] | None = None) -> list[PipelineParameter]:
    """Parameter values: --param > --config > the call (a running script's, else module-level) > default.

    `origins`, when given, is filled with where each value that is not the default comes from."""
    origins = {} if origins is None else origins
    call_values: dict[str, tuple[Any, Span]] = {}
    if call is not None and not pdef.old_api:
        call_values = _script_call_values(pdef, call, diags)
    elif instance is not None and not pdef.old_api:
        spans = getattr(instance, "arg_spans", {})
        for position, value in enumerate(instance.args):
            if position < len(pdef.params):
                call_values[pdef.params[position].name] = (value, spans.get(f"#{position}", instance.span))
        for name, value in instance.kwargs.items():
            if not any(p.name == name for p in pdef.params):
                diags.error("PC109", f"pipeline `{pdef.name}` has no parameter `{name}`",
                            spans.get(name, instance.span), help=parameter_help(name, pdef))
                continue
            call_values[name] = (value, spans.get(name, instance.span))
    config_values = config.parameters if config else {}
    for name in config_values:
        if not any(p.name == name for p in pdef.params):
            diags.error("PC109", f"pipeline `{pdef.name}` has no parameter `{name}`", config.span("parameters", name),
                        help=parameter_help(name, pdef))
    out = []
    for p in pdef.params:
        known, value = p.default_known, p.default
        if p.name in call_values:
            raw, span = call_values[p.name]
            if isinstance(raw, ParamValue):
                raw = raw.value if raw.known else None
            try:
                value, known = to_json_value(raw), True
                origins[p.name] = ValueOrigin("call", span)
            except TypeError as exc:
                diags.error("PC111", f"value of parameter `{p.name}` is not JSON-serialisable: {exc}", span)
        if p.name in config_values:
            from pipec.ir.types import describe_literal, literal_is_compatible

            try:
                candidate = to_json_value(config_values[p.name])
            except TypeError as exc:
                diags.error("PC111", f"value of parameter `{p.name}` is not JSON-serialisable: {exc}",
                            config.span("parameters", p.name))
            else:
                candidate = coerce_config_value(candidate, p.type, f"parameter `{p.name}`",
                                                config.span("parameters", p.name), diags)
                if literal_is_compatible(candidate, p.type):
                    value, known = candidate, True
                    origins[p.name] = ValueOrigin("config", config.span("parameters", p.name))
                else:
                    diags.error("PC110", f"parameter `{p.name}` expects `{p.type}` but the run configuration gives "
                                f"`{describe_literal(candidate)}`", config.span("parameters", p.name))
        if p.name in cli:
            try:
                value, known = coerce_param(cli[p.name], p.type), True
                origins[p.name] = ValueOrigin("cli", p.span, cli[p.name])
            except ValueError as exc:
                shown = cli[p.name] if len(cli[p.name]) <= 80 else cli[p.name][:77] + "..."
                diags.error("PC303", f"--param {p.name}={shown!r} does not fit type `{p.type}`: {exc}", p.span)
        out.append(PipelineParameter(p.name, p.type, p.has_default, p.default if p.default_known else None,
                                     value if known else None, known, p.span))
    if instance is not None and call is None and not pdef.old_api:
        given = set(call_values) | set(config_values) | set(cli)
        _check_call_complete(pdef, instance, given, diags)
    return out


def _check_call_complete(pdef: PipelineDef, instance: PipelineInstance, given: set[str], diags: Diagnostics) -> None:
    """PC203: the script's call leaves a parameter without a default unset (ZenML's
    `validate_function_args` refuses it: "Invalid or missing pipeline function entrypoint arguments")."""
    if not instance.arguments_known:
        return  # what the call passes is decided at run time
    options = [*pdef.options, *instance.handle.overrides, *instance.run_options]
    if any(key == "parameters" for key, *_ in options):
        return  # `with_options(parameters=...)` gives values pipec does not read here
    missing = [p.name for p in pdef.params if not p.has_default and p.name not in given]
    if not missing:
        return
    names = ", ".join(f"`{name}`" for name in missing)
    verb = "have" if len(missing) > 1 else "has"
    first = missing[0]
    diags.error("PC203", f"the call of pipeline `{pdef.name}` does not pass {names}, which {verb} no default: "
                "ZenML refuses the call (invalid or missing pipeline function entrypoint arguments)",
                instance.span or pdef.span,
                help=f"pass {first}=... in the call, set `{first}` under `parameters:` in the run configuration "
                     f"(--config), or give it with --param {first}=VALUE")


def _script_call_values(pdef: PipelineDef, call: PipelineCall, diags: Diagnostics) -> dict[str, tuple[Any, Span]]:
    """The values a running script passed, as JSON; ones that are not JSON or do not fit the type are errors."""
    from pipec.ir.types import describe_literal, literal_is_compatible

    types = {p.name: p.type for p in pdef.params}
    out: dict[str, tuple[Any, Span]] = {}
    for name, raw in call.values.items():
        if name not in types:
            diags.error("PC109", f"pipeline `{pdef.name}` has no parameter `{name}`", call.span,
                        help=did_you_mean(name, list(types)))
            continue
        try:
            value = to_json_value(raw)
        except TypeError as exc:
            diags.error("PC111", f"value of parameter `{name}` is not JSON-serialisable: {exc}", call.span,
                        help="pass plain data (numbers, strings, booleans, None, lists, dicts with string keys) "
                             "and load anything bigger inside a step")
            continue
        if not literal_is_compatible(value, types[name]):
            diags.error("PC303", f"parameter `{name}` expects `{types[name]}` but the call passes "
                        f"`{describe_literal(value)}`", call.span)
            continue
        out[name] = (value, call.span)
    return out
