"""Markers for values only known at run time, carried through the shim argv.

`step_argv` copies each parameter placeholder and the run id verbatim into the argv; the
airflow target passes markers (:func:`sentinel`, delimited by NUL, which no argv item can
hold) and each operator mode then replaces them with what its engine evaluates: a Jinja
expression in a container mode, a ``"$VARIABLE"`` in local mode.
"""

from __future__ import annotations

import re

#: A marker and its name.
_SENTINEL = re.compile("\x00pipec:([^\x00]*)\x00")


def sentinel(name: str) -> str:
    """A marker `step_argv` copies into the argv where a run-time value goes."""
    return f"\x00pipec:{name}\x00"


def split_sentinels(item: str) -> list[str | tuple[str]]:
    """`item` as literal text and ``(name,)`` markers for :func:`sentinel` values."""
    parts: list[str | tuple[str]] = []
    pos = 0
    for match in _SENTINEL.finditer(item):
        if match.start() > pos:
            parts.append(item[pos:match.start()])
        parts.append((match.group(1),))
        pos = match.end()
    if pos < len(item):
        parts.append(item[pos:])
    return parts
