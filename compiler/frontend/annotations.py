"""Type annotations -> canonical type strings, and ZenML's output naming.

The canonical form (what `pipec.compiler.types` parses): builtins bare ("int"),
other classes fully qualified ("pandas.DataFrame"), generics subscripted
("dict[str, float]"), unions with " | " ("int | None"), and "Any" when unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from ..ir import Output
from . import known
from .values import ClassRef, ExternalName, ModuleRef

Resolver = Callable[[cst.BaseExpression], Any]


def normalize(node: cst.BaseExpression | None, resolve: Resolver) -> str:
    """The canonical type string of annotation `node` ("Any" when absent or unknown)."""
    if node is None:
        return "Any"
    try:
        return _normalize(node, resolve)
    except (RecursionError, ValueError, cst.ParserSyntaxError):
        return "Any"


def _qualname(node: cst.BaseExpression, resolve: Resolver) -> str | None:
    value = resolve(node)
    if isinstance(value, ExternalName):
        return value.qualname
    if isinstance(value, ClassRef):
        return value.qualname
    if isinstance(value, ModuleRef):
        return value.name
    if value is None and isinstance(node, cst.Name):
        return node.value if node.value in known.BUILTIN_TYPES or node.value in ("None", "Any") else None
    return None


def _normalize(node: cst.BaseExpression, resolve: Resolver) -> str:
    if isinstance(node, cst.Name) and node.value == "None":
        return "None"
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        text = node.evaluated_value if isinstance(node, cst.SimpleString) else None
        if not isinstance(text, str):
            return "Any"
        return _normalize(cst.parse_expression(text), resolve)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        return _union([_normalize(node.left, resolve), _normalize(node.right, resolve)])
    if isinstance(node, (cst.Name, cst.Attribute)):
        qual = _qualname(node, resolve)
        if qual is None:
            return "Any"
        return known.TYPING_ALIASES.get(qual, _strip_builtins(qual))
    if isinstance(node, cst.Subscript):
        origin = _qualname(node.value, resolve)
        args = [_slice_expr(e) for e in node.slice]
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
            if isinstance(arg, cst.Ellipsis):
                parts.append("...")
            elif isinstance(arg, (cst.List, cst.Tuple)):  # Callable[[a, b], c]
                parts.append("[" + ", ".join(_normalize(e.value, resolve) for e in arg.elements) + "]")
            elif arg is None:
                parts.append("Any")
            else:
                parts.append(_normalize(arg, resolve))
        return f"{base}[{', '.join(parts)}]"
    return "Any"


def _slice_expr(element: cst.SubscriptElement) -> cst.BaseExpression | None:
    return element.slice.value if isinstance(element.slice, cst.Index) else None


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


def annotated_name(node: cst.BaseExpression, resolve: Resolver) -> tuple[cst.BaseExpression, str | None]:
    """For `Annotated[T, "name"]` return (T, "name"); otherwise (node, None)."""
    if isinstance(node, cst.Subscript) and _qualname(node.value, resolve) in known.ANNOTATED:
        args = [_slice_expr(e) for e in node.slice]
        name = None
        for meta in args[1:]:
            if isinstance(meta, cst.SimpleString) and isinstance(meta.evaluated_value, str):
                name = meta.evaluated_value
                break
        if args and args[0] is not None:
            return args[0], name
    return node, None


def outputs_of(returns: cst.BaseExpression | None, resolve: Resolver) -> tuple[Output, ...]:
    """A step's outputs with ZenML's naming: `output`, `output_0..n`, or Annotated names."""
    if returns is None:
        return (Output("output", "Any"),)
    if isinstance(returns, cst.Name) and returns.value == "None":
        return ()
    if isinstance(returns, cst.Call) and _qualname(returns.func, resolve) in known.OUTPUT_CLASSES:
        return tuple(Output(arg.keyword.value, normalize(arg.value, resolve))
                     for arg in returns.args if arg.keyword is not None)
    inner, name = annotated_name(returns, resolve)
    if name is not None:
        return (Output(name, normalize(inner, resolve)),)
    if isinstance(returns, cst.Subscript):
        origin = _qualname(returns.value, resolve)
        if origin in ("typing.Tuple", "tuple", "builtins.tuple"):
            elements = [_slice_expr(e) for e in returns.slice]
            if any(isinstance(e, cst.Ellipsis) for e in elements) or not elements:
                return (Output("output", normalize(returns, resolve)),)
            outputs = []
            for index, element in enumerate(elements):
                if element is None:
                    outputs.append(Output(f"output_{index}", "Any"))
                    continue
                element_type, element_name = annotated_name(element, resolve)
                outputs.append(Output(element_name or f"output_{index}", normalize(element_type, resolve)))
            return tuple(outputs)
    return (Output("output", normalize(returns, resolve)),)
