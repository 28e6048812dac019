"""Pipeline parameters that are Enum members: what the body sees.

ZenML validates the values a pipeline is called with (the call's arguments and the run
configuration's `parameters:`) against the function's signature with pydantic before it runs
the body: a value given for an Enum parameter becomes the member with that value (pydantic's
enum validation), and a value no member has is a validation error. A default is not validated:
the body sees the default as written (`kind: Kind = Kind.A` gives the member). The IR keeps
the parameter's JSON value (the member's value, what ZenML stores); only the body's view of
the parameter is the member, so `kind == Kind.A` and `kind is Kind.A` are what Python gives.
Annotations read: `Kind`, `Optional[Kind]`, `Kind | None`, `Annotated[Kind, ...]` and lists of them.
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
    """(`resolved` with each Enum parameter's value as its members' values, {name: what the body sees
    instead of the JSON value}); a value no member has is an error at its origin listing the
    members' values (and the body sees POISON)."""
    declared = {arg.arg: (arg, default) for arg, default in parameters(pdef.node)}
    out: list[PipelineParameter] = []
    body: dict[str, Any] = {}
    for param in resolved:
        arg, default = declared.get(param.name, (None, None))
        origin = origins.get(param.name)
        if not param.known or param.value is None or arg is None:
            out.append(param)
            continue
        if origin is None:  # the default, whatever the annotation says
            written = _default_as_written(index, pdef, default)
            if written is not None:
                body[param.name] = written
            out.append(param)
            continue
        shape = _enum_shape(index, pdef, arg.annotation)
        if shape is None:
            out.append(param)
            continue
        cls, many = shape
        choices = enum_members(index, cls) or []
        given = param.value if many else [param.value]
        if not isinstance(given, list):
            out.append(param)  # not a list for `list[Kind]`: the type check reports it
            continue
        found = [member_for(choices, item, origin.text if not many else None) for item in given]
        if any(member is None for member in found):
            bad = next(item for item, member in zip(given, found, strict=True) if member is None)
            _report(param.name, bad if origin.text is None or many else origin.text, cls, choices, origin, diags)
            body[param.name] = POISON  # reported once: the body does not echo it
            out.append(param)
            continue
        body[param.name] = found if many else found[0]
        out.append(replace(param, value=[plain_value(m) for m in found] if many else plain_value(found[0])))
    return out, body


def member_for(choices: list[Any], value: Any, text: str | None = None) -> Any:
    """The member whose value is `value` (pydantic's enum validation), else the one whose value is
    the --param `text` as typed; None when no member fits."""
    member = member_with_value(choices, value)
    if member is None and text is not None:
        member = member_with_value(choices, text)
    return member


def default_as_written(index: ModuleIndex, pdef: PipelineDef, name: str) -> Any:
    """The default of parameter `name` as the body sees it when it holds Enum members, else None."""
    for arg, default in parameters(pdef.node):
        if arg.arg == name:
            return _default_as_written(index, pdef, default)
    return None


def _default_as_written(index: ModuleIndex, pdef: PipelineDef, default: ast.expr | None) -> Any:
    """The default as written when it holds Enum members (ZenML does not validate defaults: the body
    sees `Kind.A` itself, not its value), else None (the JSON value is the same thing)."""
    if default is None:
        return None
    ev = Evaluator(index, Diagnostics(), pdef.source, pdef.node)  # already evaluated and reported once
    try:
        value = ev.eval(default)
    except (EvalError, PoisonSignal, RecursionError):
        return None
    return value if _holds_member(value) else None


def _holds_member(value: Any) -> bool:
    if isinstance(value, ENUM_MEMBERS):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_member(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_member(k) or _holds_member(v) for k, v in value.items())
    return False


def _enum_shape(index: ModuleIndex, pdef: PipelineDef, node: ast.expr | None) -> tuple[ClassRef, bool] | None:
    """(the Enum class, whether the annotation is a list of it) for `Kind`, `Optional[Kind]`,
    `list[Kind]`, `List[Kind] | None`, `Annotated[Kind, ...]`; None for any other annotation."""
    node = _unwrapped(index, pdef, node)
    if isinstance(node, ast.Subscript) and _qualname(index, pdef, node.value) in LISTS:
        args = subscript_args(node)
        cls = _enum_class(index, pdef, _unwrapped(index, pdef, args[0])) if len(args) == 1 else None
        return (cls, True) if cls is not None else None
    cls = _enum_class(index, pdef, node)
    return (cls, False) if cls is not None else None


#: Annotations of a list (what a JSON array validates into).
LISTS = frozenset({"list", "typing.List", "typing.Sequence", "collections.abc.Sequence"})


def _unwrapped(index: ModuleIndex, pdef: PipelineDef, node: ast.expr | None) -> ast.expr | None:
    """`X` for `Optional[X]`, `X | None`, `Union[X, None]` and `Annotated[X, ...]`; else `node`."""
    while True:
        inner = None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [side for side in (node.left, node.right) if not _is_none(side)]
            inner = sides[0] if len(sides) == 1 else None
        elif isinstance(node, ast.Subscript):
            qual = _qualname(index, pdef, node.value)
            args = [a for a in subscript_args(node) if a is not None and not _is_none(a)]
            if qual in known.OPTIONAL | known.UNION and len(args) == 1 or qual in known.ANNOTATED and args:
                inner = args[0]
        if inner is None:
            return node
        node = inner


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _qualname(index: ModuleIndex, pdef: PipelineDef, node: ast.expr) -> str | None:
    value = Classifier(index, index.diags).static_value(pdef.source, node)
    if isinstance(value, ExternalName):
        return value.qualname
    return node.id if value is None and isinstance(node, ast.Name) and node.id == "list" else None


def _enum_class(index: ModuleIndex, pdef: PipelineDef, node: ast.expr | None) -> ClassRef | None:
    """The project Enum class `node` names, else None."""
    if not isinstance(node, (ast.Name, ast.Attribute)):
        return None
    value = Classifier(index, index.diags).static_value(pdef.source, node)
    return value if isinstance(value, ClassRef) and enum_members(index, value) is not None else None


def _report(name: str, shown: Any, cls: ClassRef, choices: list[Any], origin: ValueOrigin,
            diags: Diagnostics) -> None:
    given, code = _GIVEN_BY[origin.kind]
    allowed = ", ".join(repr(plain_value(m)) for m in choices)
    diags.error(code, f"parameter `{name}` expects a member of the Enum `{cls.name}` but {given} "
                f"{shown!r}, which is not the value of any member", origin.span,
                help=f"pass one of the values of `{cls.name}`: {allowed}")
