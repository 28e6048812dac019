"""What Python does with a project Enum class in an expression: `Kind("a")`, `Kind["A"]`,
`x in Kind`, `for k in Kind`, and comparisons of members.

Members compare by identity (`==`, `is`), except that a member of a str- or int-based Enum is
that str or int and compares as one (`Mixed.A == "a"`); ordering plain members is a TypeError.
`value in Kind` is True for a member of `Kind`, and for another value when a member has it as
its value (Python >= 3.12; 3.11 raises TypeError there, a deprecation of the same rule).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from .interp.errors import EvalError, kind_of
from .interp.expressions import COMPARE_OPS
from .values import ENUM_MEMBERS, ClassRef

if TYPE_CHECKING:
    from .modules import ModuleIndex

#: Operators Python writes as text in a comparison's TypeError.
_SYMBOLS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
            ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


def members_of(index: ModuleIndex, value: Any) -> list[Any] | None:
    """The members of `value` when it is a project Enum class, else None."""
    if not isinstance(value, ClassRef):
        return None
    from .classattrs import enum_members

    return enum_members(index, value)


def compare(index: ModuleIndex, op: ast.cmpop, left: Any, right: Any, node: ast.AST) -> bool:
    """`left op right` as Python evaluates it, with Enum classes on the right of `in`."""
    members = members_of(index, right) if isinstance(op, (ast.In, ast.NotIn)) else None
    if members is not None:
        found = any(left is m for m in members) or not isinstance(left, ENUM_MEMBERS) and any(
            _equal(m.value, left) for m in members)
        return found if isinstance(op, ast.In) else not found
    func = COMPARE_OPS[type(op)]
    try:
        return bool(func(left, right))
    except TypeError as exc:
        if isinstance(left, ENUM_MEMBERS) or isinstance(right, ENUM_MEMBERS):
            raise EvalError("PC102", f"cannot compare: `{_SYMBOLS[type(op)]}` is not supported between "
                            f"{kind_of(left)} and {kind_of(right)} (Enum members are not ordered)", node) from None
        raise EvalError("PC102", f"cannot compare: {exc}", node) from None


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def member_with_value(members: list[Any], value: Any) -> Any:
    """The member that is `value` or whose value equals it (Python's `Kind(value)`, which pydantic's
    enum validation calls too), else None."""
    for member in members:
        if value is member or not isinstance(value, ENUM_MEMBERS) and _equal(member.value, value):
            return member
    return None


def by_value(cls: ClassRef, members: list[Any], args: list, kwargs: dict, node: ast.AST) -> Any:
    """`Kind(value)`: the member with that value (or the member itself), else Python's ValueError."""
    if kwargs or len(args) != 1:
        raise EvalError("PC102", f"`{cls.name}(...)` takes one value here: the value of a member", node)
    member = member_with_value(members, args[0])
    if member is not None:
        return member
    value = args[0]
    raise EvalError("PC102", f"cannot evaluate: ValueError: {value!r} is not a valid {cls.name}", node,
                    help=f"the values of `{cls.name}`: " + ", ".join(repr(m.value) for m in members))


def by_name(ev: Any, cls: ClassRef, members: list[Any], key: Any, node: ast.AST) -> Any:
    """`Kind["A"]`: the member of that name (an alias's name too), else Python's KeyError."""
    from .classattrs import class_attribute

    if isinstance(key, str) and not key.startswith("_"):
        try:
            value = class_attribute(ev, cls, key, node)
        except EvalError:
            value = None
        if isinstance(value, ENUM_MEMBERS):
            return value
    raise EvalError("PC102", f"subscript fails at compile time: KeyError: {key!r}", node,
                    help=f"the members of `{cls.name}`: " + ", ".join(m.name for m in members))

