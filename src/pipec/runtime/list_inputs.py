"""List inputs (a fan-in): data inputs keyed ``NAME[i]``, one per element, assembled in order.

The compiler gives each element of a list of upstream outputs its own ``--input`` or
``--input-ref`` (see :func:`pipec.runtime.command.data_inputs`); the shim loads each with its
materializer and passes the step one list, ordered by index.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

_ELEMENT = re.compile(r"(?P<name>[^\[\]]+)\[(?P<index>0|[1-9][0-9]*)\]")

Value = TypeVar("Value")


def split_key(key: str) -> tuple[str, int | None]:
    """``("scores", 2)`` for ``scores[2]``; ``(key, None)`` for a plain argument name."""
    match = _ELEMENT.fullmatch(key)
    return (match["name"], int(match["index"])) if match else (key, None)


def element_problem(keys: Iterable[str]) -> str | None:
    """Why the data-input `keys` do not form whole lists, or None when they do: the elements of
    each list are numbered 0..n-1, each once, and no argument is both a list and a plain input."""
    plain: set[str] = set()
    indexes: dict[str, list[int]] = {}
    for key in keys:
        name, index = split_key(key)
        if index is None:
            plain.add(name)
        else:
            indexes.setdefault(name, []).append(index)
    for name, found in indexes.items():
        if name in plain:
            return f"argument {name!r} is given both as a whole and as list elements"
        missing = sorted(set(range(max(found) + 1)) - set(found))
        if missing:
            return f"list argument {name!r} has no element {missing[0]} (elements are numbered from 0 without gaps)"
    return None


def assemble(loaded: Mapping[str, Value], fn: Callable[..., Any] | None = None) -> dict[str, Any]:
    """`loaded` with each list's elements (``NAME[i]``) replaced by one list under NAME, in
    index order (a tuple where step function `fn` annotates NAME as one); plain arguments
    unchanged, in their order (call :func:`element_problem` first)."""
    out: dict[str, Any] = {}
    elements: dict[str, dict[int, Value]] = {}
    for key, value in loaded.items():
        name, index = split_key(key)
        if index is None:
            out[name] = value
        else:
            out.setdefault(name, None)  # keep the list where its first element was
            elements.setdefault(name, {})[index] = value
    tuples = _tuple_parameters(fn) if fn is not None and elements else set()
    for name, by_index in elements.items():
        values = [by_index[i] for i in sorted(by_index)]
        out[name] = tuple(values) if name in tuples else values
    return out


def _tuple_parameters(fn: Callable[..., Any]) -> set[str]:
    """Parameters of `fn` annotated as a tuple (``tuple[T, ...]``, ``Tuple[T, ...]``), also
    when annotations are strings (``from __future__ import annotations``)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return set()
    found = set()
    for param in parameters:
        annotation = param.annotation
        if isinstance(annotation, str):
            if re.match(r"(typing\.)?[Tt]uple\b", annotation.strip()):
                found.add(param.name)
        elif annotation is tuple or typing.get_origin(annotation) is tuple:
            found.add(param.name)
    return found
