"""The three escapers between a user's string and the command a task runs.

1. Python: every value in the DAG file is a Python literal (:func:`py`), ASCII only, so the
   file is the same on every Python (no dependence on the Unicode tables behind ``repr``)
   and no bidirectional or invisible character hides in it.
2. Jinja: Airflow renders every string of an operator's template fields, so a user string
   there must render to itself (:func:`jinja_text`). Plain text does unless it holds a Jinja
   delimiter, a carriage return (Jinja normalizes newlines), a trailing newline (Jinja drops
   it) or ends with one of the operator's ``template_ext`` (Airflow then loads a template
   *file* of that name); such text becomes a Jinja string literal, ``{{ '...' }}``.
3. Shell: a BashOperator command is built from words quoted by :func:`sh_word`; values only
   known at run time reach the shell as ``"$VARIABLE"`` references, never as text.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


class Code(str):
    """Python source text that is already safe to paste into the DAG file."""


class Spread(Code):
    """``*NAME`` in a list or ``**NAME`` (as a dict key; its value is unused) in a dict literal:
    the items of a module-level constant, written once."""


# --------------------------------------------------------------------------- Python literals

_PY_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def py_str(text: str) -> Code:
    """A double-quoted, ASCII-only Python string literal equal to `text`."""
    out = []
    for ch in text:
        if ch in _PY_ESCAPES:
            out.append(_PY_ESCAPES[ch])
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000
                       else f"\\U{code:08x}")
    return Code('"' + "".join(out) + '"')


#: Line width the DAG file aims at: longer lists and dicts are written one item per line.
WIDTH = 100


def py(value: object, indent: int = 0) -> Code:
    """`value` as Python source: Code as is; None, bools, numbers, strings, lists, tuples and
    dicts (keys in their order) as literals, one item per line (indented from `indent`) when
    one line would pass :data:`WIDTH`. Anything else is a bug in the caller."""
    if isinstance(value, Code):
        return value
    if value is None or isinstance(value, bool):
        return Code(repr(value))
    if isinstance(value, int):
        return Code(str(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"no Python literal for {value!r}")
        return Code(repr(value))
    if isinstance(value, str):
        return py_str(value)
    if isinstance(value, (list, tuple, dict)):
        return _container(value, indent)
    raise TypeError(f"no Python literal for {type(value).__name__}")


def _container(value: list | tuple | dict, indent: int) -> Code:
    open_, close = {list: "[]", tuple: "()", dict: "{}"}[type(value)]
    inner = indent + 4
    if isinstance(value, dict):
        items = [k if isinstance(k, Spread) else f"{py(k)}: {py(v, inner)}" for k, v in value.items()]
    else:
        items = [py(v, inner) for v in value]
    one_line = ", ".join(items) + ("," if isinstance(value, tuple) and len(items) == 1 else "")
    if not items or (indent + len(one_line) + 2 <= WIDTH and "\n" not in one_line):
        return Code(open_ + one_line + close)
    pad = " " * inner
    return Code(open_ + "\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + close)


def call(function: str, *args: object, indent_: int = 0, **kwargs: object) -> Code:
    """Python source of the call ``function(args..., key=value...)``, every value through :func:`py`;
    one argument per line (indented from `indent_`) when one line would pass :data:`WIDTH`."""
    parts = [py(a) for a in args] + [f"{k}={py(v)}" for k, v in kwargs.items()]
    one_line = f"{function}({', '.join(parts)})"
    if indent_ + len(one_line) <= WIDTH and "\n" not in one_line:
        return Code(one_line)
    inner = indent_ + 4
    parts = [py(a, inner) for a in args] + [f"{k}={py(v, inner)}" for k, v in kwargs.items()]
    pad = " " * inner
    return Code(f"{function}(\n" + "".join(f"{pad}{p},\n" for p in parts) + " " * indent_ + ")")


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def dedent(code: Code, columns: int) -> Code:
    """`code` written at `columns` less indentation: a literal holds no raw newline (see
    :func:`py_str`), so each line break in Code is layout."""
    return Code(code.replace("\n" + " " * columns, "\n"))


def identifier(name: str) -> Code:
    """`name` as Python source when it is an ASCII identifier; ValueError otherwise."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not an ASCII identifier: {name!r}")
    return Code(name)


# --------------------------------------------------------------------------- Jinja

@dataclass(frozen=True)
class Expr:
    """A Jinja expression Airflow should evaluate, e.g. ``params['n'] | tojson``."""

    # The expression, without the ``{{ }}`` around it.
    source: str


_DELIMITERS = ("{{", "{%", "{#")
_JINJA_STRING_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r"}


def jinja_string(text: str) -> str:
    """`text` as a Jinja string literal (Jinja decodes it with ``unicode-escape`` after
    normalizing raw newlines, so backslashes, quotes and line breaks are escaped)."""
    return "'" + "".join(_JINJA_STRING_ESCAPES.get(ch, ch) for ch in text) + "'"


def _needs_literal(text: str, last: bool, template_ext: Sequence[str]) -> bool:
    if any(d in text for d in _DELIMITERS) or "\r" in text or text.endswith("{"):
        return True
    return last and (text.endswith("\n") or text.endswith(tuple(template_ext)))


def jinja_concat(parts: Iterable[str | Expr], template_ext: Sequence[str] = (), final: bool = True) -> str:
    """A template that renders to the concatenation of `parts`: strings verbatim, each
    :class:`Expr` evaluated by Airflow. `final` false: more template text follows."""
    items: list[str | Expr] = []
    for part in parts:  # adjacent strings merge: a delimiter or an ending may span them
        if isinstance(part, str) and items and isinstance(items[-1], str):
            items[-1] += part
        elif part != "":
            items.append(part)
    out = []
    for i, part in enumerate(items):
        if isinstance(part, Expr):
            out.append("{{ " + part.source + " }}")
        elif _needs_literal(part, final and i == len(items) - 1, template_ext):
            out.append("{{ " + jinja_string(part) + " }}")
        else:
            out.append(part)
    return "".join(out)


def jinja_text(text: str, template_ext: Sequence[str] = ()) -> str:
    """A template that renders to exactly `text`."""
    return jinja_concat([text], template_ext)


def jinja_dict(values: Mapping[str, str], template_ext: Sequence[str] = ()) -> dict[str, str]:
    """`values` with every value through :func:`jinja_text` (keys are not templated)."""
    return {key: jinja_text(value, template_ext) for key, value in values.items()}


# --------------------------------------------------------------------------- shell

def sh_word(text: str, template_ext: Sequence[str] = ()) -> str:
    """`text` as one shell word; quoted also when it would end the command with a template
    extension (BashOperator runs a command ending in ``.sh`` as a script file)."""
    word = shlex.quote(text)
    if word == text and text.endswith(tuple(template_ext)):
        word = f"'{text}'"
    return word
