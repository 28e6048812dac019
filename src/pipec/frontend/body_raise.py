"""PC101 for a `raise` reached while evaluating a pipeline body.

The message quotes the exception as the body would raise it (class and text, with the
text's f-string evaluated when it can be), and a note lists the pipeline parameters the
enclosing `if` tests read, with the values that led there.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from .runtime_values import expression_text
from .values import ParamValue

if TYPE_CHECKING:
    from .calls import Evaluator
    from .interp import EvalError


def raised_error(ev: Evaluator, node: ast.Raise) -> EvalError:
    """The PC101 error for `node`, evaluated in `ev`'s scope."""
    from .interp import EvalError

    text = _exception_text(ev, node.exc)
    message = "the pipeline body raises an exception during static evaluation"
    if text:
        message += f": {text}"
    names = _parameters_read(ev, [*ev.conditions, *([node.exc] if node.exc is not None else [])])
    notes = ()
    if names:
        values = ", ".join(f"{name}={_show(value)}" for name, value in names)
        notes = (f"with {values}",)
    return EvalError("PC101", message, node, notes=notes,
                     help="pass parameter values for which the body does not raise (--param or --config)")


def _exception_text(ev: Evaluator, exc: ast.expr | None) -> str:
    if exc is None:
        return "a bare `raise`"
    if isinstance(exc, ast.Call):
        name = expression_text(ev.src.text, exc.func)
        if not exc.args:
            return f"`{name}`"
        detail = _value_text(ev, exc.args[0])
        return f"{name}: {detail}"
    return f"`{expression_text(ev.src.text, exc)}`"


def _value_text(ev: Evaluator, node: ast.expr) -> str:
    from .interp import EvalError
    from .values import PoisonSignal

    try:
        value = ev.eval(node)
    except (EvalError, PoisonSignal, RecursionError):
        return expression_text(ev.src.text, node)
    if isinstance(value, ParamValue) and value.known:
        value = value.value
    return value if isinstance(value, str) else expression_text(ev.src.text, node)


def _parameters_read(ev: Evaluator, nodes: list[ast.expr]) -> list[tuple[str, Any]]:
    seen: dict[str, Any] = {}
    for tree in nodes:
        for child in ast.walk(tree):
            if isinstance(child, ast.Name) and child.id not in seen:
                value = ev.scope.names.get(child.id)
                if isinstance(value, ParamValue):
                    seen[child.id] = value
    return list(seen.items())


def _show(value: ParamValue) -> str:
    return repr(value.value) if value.known else "<no value>"
