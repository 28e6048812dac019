"""Class attributes and Enum members of the project's classes, read statically.

`Pipelines.TRAINING` or `Artifacts.TRAIN_DATASET` name pipelines and step outputs in real
ZenML projects. A class body is evaluated like a module's constants: each `NAME = value`
in order, later ones seeing the earlier ones (Python's class-body scope). An Enum class
turns its attributes into members: a str-based member (`StrEnum`, `class A(str, Enum)`)
is a str whose value is the member's value, an int-based one an int, any other an
:class:`EnumMember`; str() and f-strings give what Python (>= 3.11) gives.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipec.ir.diagnostics import did_you_mean

from .calls import Evaluator
from .interp import ConstantError, EvalError, Scope
from .values import (
    POISON,
    ClassRef,
    EnumInt,
    EnumMember,
    EnumStr,
    ExternalName,
    FunctionRef,
    ModuleRef,
    PoisonSignal,
)

if TYPE_CHECKING:
    from .modules import ModuleIndex

#: Enum base classes outside the project -> "plain", or the type their members are.
ENUM_BASES = {
    "enum.Enum": "plain", "enum.Flag": "plain", "enum.IntEnum": "int", "enum.IntFlag": "int",
    "enum.StrEnum": "str", "strenum.StrEnum": "str", "backports.strenum.StrEnum": "str",
    "zenml.utils.enum_utils.StrEnum": "str",
}
#: Bases that add no class attributes a project would read.
NEUTRAL_BASES = frozenset({"builtins.object", "abc.ABC", "typing.Generic", "typing.NamedTuple"})
AUTO = frozenset({"enum.auto"})


@dataclass
class _Shape:
    """What a class is, from its bases."""

    # True for an Enum class.
    enum: bool = False
    # "str" or "int" when members are strs or ints.
    mixin: str | None = None
    # True when str() gives the member's value (StrEnum, IntEnum, or `__str__` returning it).
    value_str: bool = False
    # True when the class defines a `__str__`/`__format__` pipec cannot read.
    custom_str: bool = False
    # The first base outside the project that may define attributes (its qualified name).
    external: str | None = None
    # True when `enum.auto()` gives the lower-cased member name (StrEnum).
    auto_lower: bool = False


def class_attribute(ev: Evaluator, cls: ClassRef, attr: str, node: ast.AST) -> Any:
    """The value of `cls.attr`; EvalError (at `node`) saying why when it has no static value."""
    table = _table(ev.index, cls)
    if attr in table:
        value = table[attr]
        if isinstance(value, ConstantError):
            raise EvalError(value.code, f"`{cls.name}.{attr}` cannot be used here: {value.message}", node,
                            help=value.help, notes=(f"`{cls.name}.{attr}` is defined at {value.span}",))
        return value
    shape = _shape(ev.index, cls)
    for base in _bases(ev.index, cls):
        if isinstance(base, ClassRef):
            try:
                return class_attribute(ev, base, attr, node)
            except _Missing:
                continue
    if shape.external is not None:
        raise EvalError("PC102", f"`{cls.name}.{attr}` is not defined in the class body; it would come from "
                        f"the base class `{shape.external}`, which is outside the source root and never "
                        "imported", node, help=f"define `{attr}` in `{cls.name}` with a literal value")
    raise _Missing("PC103", f"class `{cls.name}` has no attribute `{attr}`", node,
                   help=did_you_mean(attr, [k for k in table if not k.startswith("__")]))


class _Missing(EvalError):
    """The attribute is defined neither in the class nor in its project bases."""


def _bases(index: ModuleIndex, cls: ClassRef) -> list[Any]:
    values = []
    for base in cls.node.bases:
        values.append(_static(index, cls, base))
    return values


def _static(index: ModuleIndex, cls: ClassRef, node: ast.expr) -> Any:
    """A base-class expression resolved through imports; builtins come back as ExternalName."""
    if isinstance(node, ast.Name):
        value = index.resolve(cls.source, node.id)
        if value is None and node.id in ("str", "int", "object", "float", "bytes"):
            return ExternalName(f"builtins.{node.id}")
        return value
    if isinstance(node, ast.Attribute):
        base = _static(index, cls, node.value)
        if isinstance(base, (ModuleRef, ExternalName)):
            return index.attribute(base, node.attr, None)
    return None


def _shape(index: ModuleIndex, cls: ClassRef, depth: int = 0) -> _Shape:
    shape = _Shape()
    if depth > 20:
        return shape
    for base in _bases(index, cls):
        if isinstance(base, ExternalName):
            kind = ENUM_BASES.get(base.qualname)
            if kind is not None:
                shape.enum = True
                if kind != "plain":
                    shape.mixin, shape.value_str = kind, True
                    shape.auto_lower = shape.auto_lower or kind == "str"
            elif base.qualname in ("builtins.str", "builtins.int"):
                shape.mixin = shape.mixin or base.qualname.split(".")[1]
            elif base.qualname not in NEUTRAL_BASES and shape.external is None:
                shape.external = base.qualname
        elif isinstance(base, ClassRef):
            inner = _shape(index, base, depth + 1)
            shape.enum = shape.enum or inner.enum
            shape.mixin = shape.mixin or inner.mixin
            shape.value_str = shape.value_str or inner.value_str
            shape.custom_str = shape.custom_str or inner.custom_str
            shape.auto_lower = shape.auto_lower or inner.auto_lower
            shape.external = shape.external or inner.external
    for stmt in cls.node.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name in ("__str__", "__format__"):
            if _returns_value(stmt):
                shape.value_str, shape.custom_str = True, False
            else:
                shape.custom_str = True
    return shape


def _returns_value(func: ast.FunctionDef) -> bool:
    """True for `def __str__(self): return self.value` (or `str(self.value)`)."""
    body = [s for s in func.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return False
    value = body[0].value
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "str"
            and len(value.args) == 1 and not value.keywords):
        value = value.args[0]
    return isinstance(value, ast.Attribute) and value.attr in ("value", "_value_") and isinstance(
        value.value, ast.Name) and value.value.id == "self"


def _table(index: ModuleIndex, cls: ClassRef) -> dict[str, Any]:
    """The class's own attributes (cached): values, ConstantErrors, methods and nested classes."""
    cache: dict[str, dict[str, Any]] = index.class_tables
    key = cls.qualname
    if key in cache:
        return cache[key]
    cache[key] = {}  # a class that reads its own attributes while being built sees none
    shape = _shape(index, cls)
    ev = Evaluator(index, index.diags, cls.source, cls.node, Scope())
    table: dict[str, Any] = {}
    for stmt in cls.node.body:
        _evaluate(ev, cls, stmt, shape, table)
    if shape.enum:
        table = _members(cls, shape, table)
    cache[key] = table
    return table


def _evaluate(ev: Evaluator, cls: ClassRef, stmt: ast.stmt, shape: _Shape, table: dict[str, Any]) -> None:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        table[stmt.name] = FunctionRef(f"{cls.qualname}.{stmt.name}")
        return
    if isinstance(stmt, ast.ClassDef):
        table[stmt.name] = ClassRef(cls.module, f"{cls.name}.{stmt.name}", stmt, cls.source)
        return
    if isinstance(stmt, ast.AnnAssign) and stmt.value is None and isinstance(stmt.target, ast.Name):
        span = ev.src.statement_span(stmt)
        table[stmt.target.id] = ConstantError("PC102", "it is declared without a value", span,
                                              f"give `{stmt.target.id}` a literal value in the class body")
        return
    if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None:
        return
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    if not names:
        return
    try:
        if shape.enum and _is_auto(ev, stmt.value):
            value: Any = _auto_value(cls, shape, names[0], table)
        else:
            value = ev.eval(stmt.value)
    except EvalError as err:
        span = ev.span(err.node) if err.node is not None else ev.src.statement_span(stmt)
        value = ConstantError(err.code, err.message, span, err.help)
    except (PoisonSignal, RecursionError):
        value = ConstantError("PC102", "its value depends on an attribute that cannot be evaluated statically",
                              ev.src.statement_span(stmt), None)
    for name in names:
        table[name] = value
        ev.scope.names[name] = POISON if isinstance(value, ConstantError) else value


def _auto_value(cls: ClassRef, shape: _Shape, name: str, table: dict[str, Any]) -> Any:
    """What `enum.auto()` gives: the lower-cased name in a StrEnum, else the last int value + 1."""
    if shape.auto_lower:
        return name.lower()
    if shape.mixin == "str":
        return ConstantError("PC102", "`auto()` of a `(str, Enum)` class gives no str value",
                             cls.source.statement_span(cls.node), "give the member a literal str value")
    ints = [v for k, v in table.items() if not k.startswith("_") and isinstance(v, int) and not isinstance(v, bool)]
    return (ints[-1] if ints else 0) + 1


def _is_auto(ev: Evaluator, node: ast.expr) -> bool:
    if not isinstance(node, ast.Call) or node.args or node.keywords:
        return False
    try:
        func = ev.eval(node.func)
    except (EvalError, PoisonSignal):
        return False
    return isinstance(func, ExternalName) and func.qualname in AUTO


def _members(cls: ClassRef, shape: _Shape, table: dict[str, Any]) -> dict[str, Any]:
    """Enum attributes as members (an equal value makes an alias, as in Python)."""
    members: dict[str, Any] = {}
    by_value: dict[Any, Any] = {}
    for name, raw in table.items():
        if name.startswith("_") or isinstance(raw, (FunctionRef, ClassRef, ConstantError)):
            members[name] = raw
            continue
        try:
            existing = by_value.get(raw)
        except TypeError:  # an unhashable value: never an alias
            existing = None
        if existing is not None:
            members[name] = existing
            continue
        member = _member(cls, shape, name, raw)
        members[name] = member
        if not isinstance(member, ConstantError):
            try:
                by_value[raw] = member
            except TypeError:
                pass
    return members


def _member(cls: ClassRef, shape: _Shape, name: str, raw: Any) -> Any:
    str_form = None if shape.custom_str else (str(raw) if shape.value_str else f"{cls.name}.{name}")
    if shape.mixin == "str":
        if not isinstance(raw, str):
            return ConstantError("PC102", f"the member's value `{raw!r}` is not a str",
                                 cls.source.statement_span(cls.node), None)
        return EnumStr.make(raw, cls.name, name, str_form)
    if shape.mixin == "int":
        if not isinstance(raw, int) or isinstance(raw, bool):
            return ConstantError("PC102", f"the member's value `{raw!r}` is not an int",
                                 cls.source.statement_span(cls.node), None)
        return EnumInt.make(raw, cls.name, name, str_form)
    return EnumMember(cls.name, name, raw, str_form)


def enum_members(index: ModuleIndex, cls: ClassRef) -> list[Any] | None:
    """The members of Enum class `cls` in definition order, aliases once (what iterating the class
    gives in Python); None when `cls` is not an Enum class."""
    if not _shape(index, cls).enum:
        return None
    members: dict[int, Any] = {}
    for name, value in _table(index, cls).items():
        if not name.startswith("_") and isinstance(value, (EnumMember, EnumStr, EnumInt)):
            members.setdefault(id(value), value)
    return list(members.values())
