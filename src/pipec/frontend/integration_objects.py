"""ZenML integration objects written in a pipeline body, kept as calls the shim makes at run time.

`EvidentlyColumnMapping(target="label")` and `EvidentlyMetricConfig.metric("DataQualityPreset")`
are configuration objects of ZenML's integration steps. pipec never imports ZenML, and a
classmethod factory needs the integration's own library to compute its result, so neither
is evaluated: the call is recorded (:class:`IntegrationObject`) and becomes a deferred call
in the step parameter's JSON value (`pipec.runtime.deferred_calls`), made by the shim where
the step runs. Only classes that ZenML's installed source defines under
`zenml.integrations.` as pydantic models, and their classmethods, are accepted
(`integration_steps.find_callable`); ZenML itself passes such objects as their JSON and
rebuilds them with pydantic when the step starts.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from pipec.runtime.deferred_calls import (
    CALL,
    LITERAL,
    RESERVED,
    call_marker,
    escape,
    holds_reserved,
    short_name,
)

from .integration_steps import find_callable
from .values import ParamValue, SettingsObject, plain_value


@dataclass(frozen=True)
class IntegrationObject:
    """A ZenML integration object as the body writes it: made when the step runs."""

    #: Dotted name of the callable where ZenML defines it (`module.Class` or `module.Class.method`).
    callable: str
    #: How messages show it (`Class` or `Class.method`).
    shown: str
    #: Positional arguments, encoded (JSON data, deferred calls included).
    args: tuple[Any, ...]
    #: Keyword arguments, encoded, in the order written.
    kwargs: tuple[tuple[str, Any], ...]

    #: Passed through containers and `dict(...)` like data (see `Interpreter.concrete_shallow`).
    is_step_data: ClassVar[bool] = True

    @property
    def user_label(self) -> str:
        """How messages name it (see `runtime_values.describe`)."""
        return f"the ZenML integration object `{self.shown}(...)`, built only when the step it is passed to runs,"

    def encoded(self) -> dict[str, Any]:
        """The deferred call as JSON."""
        return call_marker(self.callable, list(self.args), dict(self.kwargs))


def construct(qual: str, args: list, kwargs: dict, node: ast.Call) -> IntegrationObject | None:
    """The object `qual(*args, **kwargs)` when `qual` names an integration class or classmethod
    that pipec may defer; None for anything else (the caller reports it)."""
    from .interp import EvalError

    found = find_callable(qual)
    if found is None:
        return None
    if args and "." not in found.shown:
        raise EvalError("PC108", f"`{found.shown}` takes keyword arguments only", node,
                        help="ZenML's integration configuration classes are pydantic models: name each field")
    try:
        encoded_args = tuple(step_value(a) for a in args)
        encoded_kwargs = tuple((k, step_value(v)) for k, v in kwargs.items())
    except TypeError as exc:
        raise EvalError("PC111", f"the arguments of `{found.shown}` must be JSON data, built when the step runs: "
                        f"{exc}", node, help="pass literals, or pipeline parameters whose values are known") from None
    return IntegrationObject(found.name, found.shown, encoded_args, encoded_kwargs)


def step_value(value: Any) -> Any:
    """The JSON value of a step parameter: integration objects as deferred calls, a dict that
    has a reserved key escaped (see `pipec.runtime.deferred_calls`). Raises TypeError."""
    from .settings import to_json_value

    if isinstance(value, ParamValue) and value.known:
        value = value.value
    if isinstance(value, IntegrationObject):
        return value.encoded()
    if isinstance(value, (list, tuple)) and _holds_object(value):
        return [step_value(v) for v in value]
    if isinstance(value, SettingsObject) and _holds_object(value):
        value = dict(value.fields)
    if isinstance(value, dict) and _holds_object(value):
        if not all(isinstance(k, str) for k in value):
            return to_json_value(value)  # raises: a non-string key
        out = {plain_value(k): step_value(v) for k, v in value.items()}
        return {LITERAL: out} if RESERVED.intersection(out) else out
    return escape(to_json_value(value))


def shown(value: Any) -> str:
    """A step parameter's JSON value as messages show it: JSON (keys sorted), with each deferred
    call written as the body wrote it (`EvidentlyMetricConfig.metric("Q")`)."""
    if not holds_reserved(value):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if not isinstance(value, dict):
        return json.dumps(value)
    if set(value) == {LITERAL} and isinstance(value[LITERAL], dict):
        value = value[LITERAL]
    elif CALL in value and isinstance(value[CALL], str):
        name = short_name(value[CALL])
        args = [shown(a) for a in value.get("args") or []]
        args += [f"{k}={shown(v)}" for k, v in (value.get("kwargs") or {}).items()]
        return f"{name}({', '.join(args)})"
    return "{" + ", ".join(f"{json.dumps(k)}: {shown(v)}" for k, v in sorted(value.items())) + "}"


def _holds_object(value: Any) -> bool:
    if isinstance(value, IntegrationObject):
        return True
    if isinstance(value, ParamValue) and value.known:
        return _holds_object(value.value)
    if isinstance(value, (list, tuple)):
        return any(_holds_object(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_object(v) for v in value.values())
    if isinstance(value, SettingsObject):
        return any(_holds_object(v) for _, v in value.fields)
    return False
