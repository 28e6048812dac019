"""Errors of the static interpreter and how values it cannot use are described to users."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from ...ir import Span
from .. import root_hints
from ..modules import dotted_name
from ..runtime_values import (
    ENV,
    RunTimeValue,
    describe,
    help_for,
    message,
    notes_for,
)
from ..values import (
    ENUM_MEMBERS,
    ClassRef,
    ExternalName,
    Logger,
    ModuleRef,
    Slot,
    StepHandle,
)


class EvalError(Exception):
    """Evaluation stopped at `node` with a diagnostic."""

    def __init__(self, code: str, message: str, node: ast.AST | AttrName | None, help: str | None = None,
                 notes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.node = node
        self.help = help
        self.notes = notes


class ConstantError:
    """A module-level constant that failed to evaluate; reported where it is used."""

    def __init__(self, code: str, message: str, span: Span, help: str | None) -> None:
        self.code = code
        self.message = message
        self.span = span
        self.help = help


class AttrName:
    """The attribute name of `value.attr` as an error location (ast keeps it as a plain string)."""

    __slots__ = ("node",)

    def __init__(self, node: ast.Attribute) -> None:
        self.node = node


def describe_node(node: ast.AST) -> str:
    """How an expression node is named in a message: `name`, `a.b`, "this call"..."""
    if isinstance(node, ast.Name):
        return f"`{node.id}`"
    if isinstance(node, ast.Attribute):
        return f"`{dotted_name(node, '...')}`"
    return {
        "Lambda": "a lambda", "Yield": "`yield`", "YieldFrom": "`yield from`",
        "NamedExpr": "an assignment expression (`:=`)", "Await": "`await`", "Call": "this call",
        "Subscript": "this subscript", "Starred": "`*` unpacking",
    }.get(type(node).__name__, "this expression")


def kind_of(value: Any) -> str:
    """What kind of thing `value` is, in the user's terms ("a step", "a module", "None"...)."""
    if isinstance(value, (StepHandle, Slot)):
        return "a step"
    if isinstance(value, (ModuleRef, ExternalName)):
        return "a module"
    if value is None:
        return "None"
    if isinstance(value, ClassRef):
        return f"the class `{value.name}`"
    if isinstance(value, ENUM_MEMBERS):
        return f"the enum member `{value.cls}.{value.name}`"
    if isinstance(value, Logger):
        return "a logger"
    return describe(value)


def runtime_error(value: RunTimeValue, node: ast.AST, used_at: Span | None = None,
                  in_settings: bool = False) -> EvalError:
    """The error for a value used where it must be known at compile time."""
    return EvalError("PC102", message(value), node, help=help_for(value, in_settings),
                     notes=notes_for(value, used_at))


def outside_root_error(text: str, top: str, node: ast.AST, root: Path | None, what: str = "",
                       help: str = "pass a literal, or compute the value inside a step") -> EvalError:
    """PC102 for `text` (from package `top`, which pipec never imports); when `top` is a project package
    above the source root, the message says where it is and the help which --root reaches it, else `help`."""
    where = root_hints.above_root(top, root) if root is not None else None
    advice = root_hints.pass_root(top, root) if root is not None else None
    if where is not None and advice is not None:
        return EvalError("PC102", f"{text} cannot be evaluated statically: {where}, and pipec never imports it"
                         + (f"; {what}" if what else ""), node, help=advice)
    return EvalError("PC102", f"{text} cannot be evaluated statically: `{top}` is outside the source root and "
                     "pipec never imports it" + (f"; {what}" if what else ""), node, help=help)


def opaque_error(value: Any, node: ast.AST, what: str = "", used_at: Span | None = None,
                 root: Path | None = None) -> EvalError:
    """The error for a module, class, function, step... used as data (`what` says how); `root`, the
    source root, locates a project package above it."""
    if isinstance(value, RunTimeValue):
        return runtime_error(value, node, used_at)
    if isinstance(value, ExternalName):
        top = value.qualname.split(".")[0]
        if value.qualname in ("os.environ", "os.environb"):
            return runtime_error(RunTimeValue(value.qualname, ENV), node)
        if top == "zenml":
            from ..zenml_api import not_modelled

            return not_modelled(value.qualname, node)
        return outside_root_error(f"`{value.qualname}`", top, node, root, what)
    return EvalError("PC102", f"{describe(value)} is not a compile-time value" + (f"; {what}" if what else ""), node,
                     help="use literals, constants and pipeline parameters here")
