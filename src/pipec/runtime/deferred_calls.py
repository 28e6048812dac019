"""Calls deferred to the step's run time: ZenML integration objects in step parameters.

A pipeline body may pass ZenML integration objects as step parameters:
`column_mapping=EvidentlyColumnMapping(target="label")`,
`metrics=[EvidentlyMetricConfig.metric("DataQualityPreset")]`. pipec never imports ZenML,
and a classmethod such as `EvidentlyMetricConfig.metric` needs the integration's library
(evidently) to compute its result, so the compiler records the call itself and the shim
makes it where the step runs (ZenML and the integration are installed there: the step
needs them). In a parameter's JSON value a deferred call is

    {"$pipec.call": "zenml.integrations.evidently.metrics.EvidentlyMetricConfig.metric",
     "args": [...], "kwargs": {...}}

nested anywhere (arguments are encoded the same way). A user's own dict that has one of
the reserved keys is wrapped as ``{"$pipec.literal": {...}}`` so that it reaches the step
exactly. The shim decodes only the parameters the compiler names with ``--construct``:
values given at run time (an engine's pipeline-parameter placeholder) are never decoded.

This module imports nothing heavy: the shim loads it only for a step that needs it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

#: The key of a deferred call: its value is the callable's dotted name.
CALL = "$pipec.call"
#: The key of an escaped user dict: its value is the dict, its values encoded.
LITERAL = "$pipec.literal"
#: Keys that make a dict one of ours (a user's dict holding one is escaped).
RESERVED = frozenset({CALL, LITERAL})
#: The only callables the shim makes: names under this package.
ALLOWED_PREFIX = "zenml.integrations."


class DeferredCallError(Exception):
    """A deferred call the shim cannot make (its message is one line, for the step's log)."""


def call_marker(name: str, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The JSON form of calling `name(*args, **kwargs)` at run time (arguments already encoded)."""
    return {CALL: name, "args": list(args), "kwargs": dict(kwargs)}


def escape(value: Any) -> Any:
    """`value` (plain JSON data) encoded: every dict with a reserved key wrapped, at any depth."""
    if isinstance(value, (list, tuple)):
        return type(value)(escape(v) for v in value)
    if isinstance(value, dict):
        out = {k: escape(v) for k, v in value.items()}
        return {LITERAL: out} if RESERVED.intersection(out) else out
    return value


def holds_reserved(value: Any) -> bool:
    """True when encoded `value` holds a deferred call or an escaped dict (it needs decoding)."""
    if isinstance(value, list):
        return any(holds_reserved(v) for v in value)
    if isinstance(value, dict):
        return bool(RESERVED.intersection(value)) or any(holds_reserved(v) for v in value.values())
    return False


def holds_call(value: Any) -> bool:
    """True when encoded `value` holds a deferred call (not only escaped dicts)."""
    return next(called_names(value), None) is not None


def called_names(value: Any) -> Iterator[str]:
    """The dotted names of the deferred calls in encoded `value`, in order (arguments after their call)."""
    if isinstance(value, list):
        for item in value:
            yield from called_names(item)
    elif isinstance(value, dict):
        if set(value) == {LITERAL} and isinstance(value[LITERAL], dict):
            value = value[LITERAL]
        elif isinstance(value.get(CALL), str):
            yield value[CALL]
        for item in value.values():
            yield from called_names(item)


def short_name(name: str) -> str:
    """A deferred call's name as a user writes it: `Class` or `Class.method` (the module dropped)."""
    parts = name.split(".")
    start = next((i for i, p in enumerate(parts) if p[:1].isupper()), len(parts) - 1)
    return ".".join(parts[start:])


def decode(value: Any) -> Any:
    """The value the step receives: deferred calls made (their callables imported only now),
    escaped dicts unwrapped. Raises :class:`DeferredCallError`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if LITERAL in value and len(value) == 1 and isinstance(value[LITERAL], dict):
        return {k: decode(v) for k, v in value[LITERAL].items()}
    if CALL in value:
        name, args, kwargs = value.get(CALL), value.get("args", []), value.get("kwargs", {})
        if not isinstance(name, str) or not isinstance(args, list) or not isinstance(kwargs, dict) \
                or set(value) - {CALL, "args", "kwargs"}:
            raise DeferredCallError(f"malformed deferred call {value!r}")
        return resolve(name)(*[decode(a) for a in args], **{k: decode(v) for k, v in kwargs.items()})
    if RESERVED.intersection(value):
        raise DeferredCallError(f"malformed escaped value {value!r}")
    return {k: decode(v) for k, v in value.items()}


def resolve(name: str) -> Any:
    """The callable `name` (`module.Class` or `module.Class.method`), imported now."""
    if not name.startswith(ALLOWED_PREFIX):
        raise DeferredCallError(f"`{name}` is not a ZenML integration object; pipec only builds those")
    parts = name.split(".")
    for cut in range(len(parts) - 1, 2, -1):  # the longest prefix that is a module
        module_name = ".".join(parts[:cut])
        try:
            value: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # a class of a shorter prefix
            raise DeferredCallError(f"`{name}` needs the package `{exc.name}`, which is not installed where "
                                    f"the step runs; {_install_hint(name)}") from None
        except ImportError as exc:
            raise DeferredCallError(f"cannot import `{module_name}` for `{name}`: {exc}; "
                                    f"{_install_hint(name)}") from None
        if getattr(value, "__file__", None) is None:  # pipec's ZenML stand-in: its objects are placeholders
            raise DeferredCallError(f"`{name}` needs the package `zenml`, which is not installed where the step "
                                    f"runs; {_install_hint(name)}")
        for attr in parts[cut:]:
            try:
                value = getattr(value, attr)
            except AttributeError:
                raise DeferredCallError(f"`{name}`: `{attr}` is not in the installed ZenML; "
                                        f"{_install_hint(name)}") from None
        if not callable(value):
            raise DeferredCallError(f"`{name}` is not callable")
        return value
    raise DeferredCallError(f"`{name}` names no importable module; {_install_hint(name)}")


def _install_hint(name: str) -> str:
    integration = name[len(ALLOWED_PREFIX):].split(".")[0]
    return (f"the step's image needs ZenML and its {integration} integration "
            f"(`pip install zenml` and `zenml integration install {integration}`)")


def as_annotated(annotation: Any, value: Any) -> Any:
    """`value` (JSON data) validated by pydantic against a step parameter's `annotation` when the
    annotation holds a pydantic model (`Optional[Model]`, `List[Model]`...), as ZenML does when it
    calls a step; `value` unchanged otherwise. Raises :class:`DeferredCallError` when it does not fit."""
    if not _mentions_model(annotation, 0):
        return value
    import pydantic

    try:
        return pydantic.TypeAdapter(annotation).validate_python(value)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())) or "value"
        raise DeferredCallError(f"the value does not fit `{_shown(annotation)}` ({where}: "
                                f"{first.get('msg', exc)})") from None
    except (pydantic.PydanticSchemaGenerationError, TypeError):
        return value  # an annotation pydantic cannot check: ZenML's arbitrary types pass as given


def _mentions_model(annotation: Any, depth: int) -> bool:
    import typing

    if depth > 10:
        return False
    if isinstance(annotation, type):
        return callable(getattr(annotation, "model_validate", None))
    return any(_mentions_model(a, depth + 1) for a in typing.get_args(annotation))


def _shown(annotation: Any) -> str:
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


def decode_params(params: dict[str, Any], names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """`params` with the ones named in `names` (``--construct``) decoded."""
    return {name: decode(value) if name in names else value for name, value in params.items()}
