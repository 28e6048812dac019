"""Type annotations -> canonical type strings (output naming is in `outputs.py`).

The canonical form (what `pipec.ir.types` parses): builtins bare ("int"),
other classes fully qualified ("pandas.DataFrame"), generics subscripted
("dict[str, float]"), unions with " | " ("int | None"), and "Any" when unknown.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from . import known
from .values import ClassRef, ExternalName, ModuleRef

Resolver = Callable[[ast.expr], Any]


def normalize(node: ast.expr | None, resolve: Resolver) -> str:
    """The canonical type string of annotation `node` ("Any" when absent or unknown)."""
    if node is None:
        return "Any"
    try:
        return _normalize(node, resolve)
    except (RecursionError, ValueError, SyntaxError):
        return "Any"


def _qualname(node: ast.expr, resolve: Resolver) -> str | None:
    value = resolve(node)
    if isinstance(value, ExternalName):
        return value.qualname
    if isinstance(value, ClassRef):
        return value.qualname
    if isinstance(value, ModuleRef):
        return value.name
    if value is None and isinstance(node, ast.Name):
        return node.id if node.id in known.BUILTIN_TYPES or node.id in ("None", "Any") else None
    return None


def _normalize(node: ast.expr, resolve: Resolver) -> str:
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a forward reference: "pd.DataFrame"
        return _normalize(ast.parse(node.value.strip(), mode="eval").body, resolve)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([_normalize(node.left, resolve), _normalize(node.right, resolve)])
    if isinstance(node, (ast.Name, ast.Attribute)):
        qual = _qualname(node, resolve)
        if qual is None:
            return "Any"
        return known.TYPING_ALIASES.get(qual, _strip_builtins(qual))
    if isinstance(node, ast.Subscript):
        origin = _qualname(node.value, resolve)
        args = subscript_args(node)
        if origin in known.ANNOTATED:
            return _normalize(args[0], resolve) if args and args[0] is not None else "Any"
        if origin in known.OPTIONAL:
            return _union([_normalize(args[0], resolve), "None"]) if args and args[0] is not None else "Any"
        if origin in known.UNION:
            return _union([_normalize(a, resolve) if a is not None else "Any" for a in args])
        if origin in known.LITERAL or origin is None:
            return "Any"
        base = known.TYPING_ALIASES.get(origin, _strip_builtins(origin))
        parts = []
        for arg in args:
            if isinstance(arg, ast.Constant) and arg.value is Ellipsis:
                parts.append("...")
            elif isinstance(arg, (ast.List, ast.Tuple)):  # Callable[[a, b], c]
                parts.append("[" + ", ".join(_normalize(e, resolve) for e in arg.elts) + "]")
            elif arg is None:
                parts.append("Any")
            else:
                parts.append(_normalize(arg, resolve))
        return f"{base}[{', '.join(parts)}]"
    return "Any"


def subscript_args(node: ast.Subscript) -> list[ast.expr | None]:
    """The elements of `X[a, b]` (None for a slice `a:b`). `X[(a, b)]` is read like `X[a, b]`:
    typing treats both the same."""
    elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    return [None if isinstance(e, ast.Slice) else e for e in elements]


def _strip_builtins(qual: str) -> str:
    return qual[len("builtins."):] if qual.startswith("builtins.") else qual


def _union(members: list[str]) -> str:
    flat: list[str] = []
    for member in members:
        for part in member.split(" | ") if "[" not in member else [member]:
            if part == "Any":
                return "Any"
            if part not in flat:
                flat.append(part)
    if "None" in flat:  # keep None last: "int | None"
        flat = [m for m in flat if m != "None"] + ["None"]
    return " | ".join(flat)
