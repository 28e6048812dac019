"""Pipeline parameters annotated with a project Enum: what the body sees.

ZenML validates the values a pipeline is called with (the call's arguments and the run
configuration's `parameters:`) against the function's signature with pydantic before it runs
the body: a value given for an Enum parameter becomes the member with that value (pydantic's
enum validation), and a value no member has is a validation error. A default is not validated:
the body sees the default as written (`kind: Kind = Kind.A` gives the member). The IR keeps
the parameter's JSON value (the member's value, what ZenML stores); only the body's view of
the parameter is the member, so `kind == Kind.A` and `kind is Kind.A` are what Python gives.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pipec.ir.diagnostics import Diagnostics

from ..ir import PipelineParameter
from . import known
from .annotations import subscript_args
from .calls import Evaluator
from .classattrs import enum_members
from .enum_classes import member_with_value
from .interp import EvalError
from .parameters import ValueOrigin
from .stepdefs import Classifier, PipelineDef, parameters
from .values import ENUM_MEMBERS, POISON, ClassRef, ExternalName, PoisonSignal, plain_value

if TYPE_CHECKING:
    from .modules import ModuleIndex

#: Where each kind of value comes from, as messages say it, and the code of a value that does not fit.
_GIVEN_BY = {"call": ("the call passes", "PC303"), "config": ("the run configuration gives", "PC110"),
             "cli": ("--param gives", "PC303")}


def enum_parameter_values(pdef: PipelineDef, resolved: list[PipelineParameter], origins: dict[str, ValueOrigin],
                          index: ModuleIndex, diags: Diagnostics) -> tuple[list[PipelineParameter], dict[str, Any]]:
    """(`resolved` with each Enum parameter's value as its member's value, {name: the member the body
    sees}); a value no member has is an error at its origin listing the members' values (and the
    body sees POISON)."""
    annotations = {arg.arg: (arg, default) for arg, default in parameters(pdef.node)}
    out: list[PipelineParameter] = []
    members: dict[str, Any] = {}
    for param in resolved:
        arg, default = annotations.get(param.name, (None, None))
        cls = _enum_class(index, pdef, arg.annotation) if arg is not None else None
        choices = enum_members(index, cls) if cls is not None else None
        if not choices or not param.known or param.value is None:
            out.append(param)
            continue
        origin = origins.get(param.name)
        if origin is None:
            member = _default_member(index, pdef, default)
        else:
            member = member_for(choices, param.value, origin.text)
            if member is None:
                _report(param, cls, choices, origin, diags)
                members[param.name] = POISON  # reported once: the body does not echo it
        if member is not None:
            members[param.name] = member
            param = replace(param, value=plain_value(member))
        out.append(param)
    return out, members


def member_for(choices: list[Any], value: Any, text: str | None = None) -> Any:
    """The member whose value is `value` (pydantic's enum validation), else the one whose value is
    the --param `text` as typed; None when no member fits."""
    member = member_with_value(choices, value)
    if member is None and text is not None:
        member = member_with_value(choices, text)
    return member


def default_member(index: ModuleIndex, pdef: PipelineDef, name: str) -> Any:
    """The default of parameter `name` when it is an Enum member (the body sees it as written), else None."""
    for arg, default in parameters(pdef.node):
        if arg.arg == name:
            return _default_member(index, pdef, default)
    return None


def _default_member(index: ModuleIndex, pdef: PipelineDef, default: ast.expr | None) -> Any:
    if default is None:
        return None
    ev = Evaluator(index, Diagnostics(), pdef.source, pdef.node)  # already evaluated and reported once
    try:
        value = ev.eval(default)
    except (EvalError, PoisonSignal, RecursionError):
        return None
    return value if isinstance(value, ENUM_MEMBERS) else None


def _enum_class(index: ModuleIndex, pdef: PipelineDef, node: ast.expr | None) -> ClassRef | None:
    """The project class an annotation names (through `Optional[...]`, `X | None`, `Annotated[X, ...]`)."""
    if node is None:
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [side for side in (node.left, node.right)
                 if not (isinstance(side, ast.Constant) and side.value is None)]
        return _enum_class(index, pdef, sides[0]) if len(sides) == 1 else None
    if isinstance(node, ast.Subscript):
        origin = Classifier(index, index.diags).static_value(pdef.source, node.value)
        qual = origin.qualname if isinstance(origin, ExternalName) else None
        args = [a for a in subscript_args(node) if not (isinstance(a, ast.Constant) and a.value is None)]
        if qual in known.OPTIONAL | known.UNION and len(args) == 1 or qual in known.ANNOTATED and args:
            return _enum_class(index, pdef, args[0])
        return None
    value = Classifier(index, index.diags).static_value(pdef.source, node)
    return value if isinstance(value, ClassRef) else None


def _report(param: PipelineParameter, cls: ClassRef, choices: list[Any], origin: ValueOrigin,
            diags: Diagnostics) -> None:
    given, code = _GIVEN_BY[origin.kind]
    shown = origin.text if origin.text is not None else param.value
    allowed = ", ".join(repr(plain_value(m)) for m in choices)
    diags.error(code, f"parameter `{param.name}` expects a member of the Enum `{cls.name}` but {given} "
                f"{shown!r}, which is not the value of any member", origin.span,
                help=f"pass one of the values of `{cls.name}`: {allowed}")
