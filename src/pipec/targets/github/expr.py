"""GitHub Actions expressions: user text kept literal, the compiler's own `${{ }}` marked.

GitHub reads every string of a workflow through its template reader: wherever ``${{``
appears, the text up to the next ``}}`` outside a single-quoted string is an expression
(env values, names and input defaults included). A user value containing ``${{`` must
therefore be escaped. We write such a value as one string-literal expression,
``${{ '<value with ' doubled>' }}``: GitHub's reader turns a scalar that is exactly one
string-literal expression back into a plain literal while parsing (the documented escape
``${{ '{{ ... }}' }}``), so it works even where no expression is allowed, and the value
may hold anything (``}}``, quotes, newlines) inside the quotes.

Values the compiler means to be evaluated are :class:`Expression` instances built by
:func:`expression` from a dotted name only; :func:`escape_tree` escapes every other string.
"""

from __future__ import annotations

import re
from typing import Any

#: What starts an expression in any workflow string.
OPEN = "${{"

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*")


class Expression(str):
    """A ``${{ ... }}`` the compiler wrote on purpose; never contains user text."""


def expression(path: str) -> Expression:
    """``${{ path }}`` for a context path such as ``github.run_id`` or ``inputs.alpha``."""
    if not _DOTTED.fullmatch(path):
        raise ValueError(f"not a plain context path: {path!r}")
    return Expression(f"{OPEN} {path} }}}}")


def literal(text: str) -> str:
    """`text` written so that GitHub reads it back unchanged (as a literal, never evaluated)."""
    if OPEN not in text:
        return text
    return OPEN + " '" + text.replace("'", "''") + "' }}"


def escape_tree(node: Any) -> Any:
    """A copy of `node` with every string value made literal, except :class:`Expression` values.

    Mapping keys are never escaped (the compiler only writes validated identifiers there);
    a key containing ``${{`` is a bug and raises ValueError. String subclasses other than
    Expression keep their type (the YAML writer uses it for the block style of scripts).
    """
    if isinstance(node, Expression):
        return str(node)
    if isinstance(node, str):
        return type(node)(literal(node))
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if OPEN in str(key):
                raise ValueError(f"workflow key {key!r} would be evaluated as an expression")
            out[key] = escape_tree(value)
        return out
    if isinstance(node, (list, tuple)):
        return [escape_tree(item) for item in node]
    return node
