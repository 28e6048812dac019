"""Numeric strings in a run configuration, coerced as ZenML's pydantic validation does.

PyYAML follows YAML 1.1, where a float needs a dot: `3e-4` is read as the string "3e-4".
ZenML validates pipeline and step parameters with pydantic in lax mode, which turns such
strings into numbers. The rules, checked against pydantic 2 (``TypeAdapter(...).validate_python``):
surrounding whitespace is ignored; ``float`` accepts what Python's ``float()`` accepts
(exponents, ``_`` between digits, ``5.``, ``.5``); ``int`` accepts only integral strings,
``_`` between digits and a fraction of zeros (``"10"``, ``"1_000"``, ``"1.0"``), not ``"1e3"``.
Non-finite values (``inf``, ``nan``) are not coerced: they have no JSON form for the IR.
"""

from __future__ import annotations

import math
import re

from pipec.ir.diagnostics import Diagnostics
from pipec.ir.nodes import Span
from pipec.ir.types import UnionType, format_literal, literal_is_compatible, parse_type

__all__ = ["coerce_config_value", "lax_number"]

_INTEGRAL = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?")


def _as_int(text: str) -> int | None:
    return int(text.partition(".")[0]) if _INTEGRAL.fullmatch(text) else None


def _as_float(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def lax_number(value: object, type_str: str) -> int | float | None:
    """The number pydantic's lax mode makes of the string `value` for a parameter of type
    `type_str` (`float`, `int`, or a union of them with None); None when it makes none."""
    if not isinstance(value, str) or not value.isascii():
        return None
    expr = parse_type(type_str)
    names = {member.name for member in (expr.members if isinstance(expr, UnionType) else (expr,))}
    if names - {"int", "float", "None"}:
        return None  # `str` (or anything else) in the type: the string stays a string
    text = value.strip()
    number: int | float | None = _as_int(text) if "int" in names else None
    if number is None and "float" in names:
        number = _as_float(text)
    return number


def coerce_config_value(value: object, type_str: str, what: str, span: Span, diags: Diagnostics) -> object:
    """`value` from a run configuration for `what` (e.g. "parameter `lr`") of type `type_str`:
    the number pydantic makes of a numeric string, with a warning that says so; else unchanged."""
    if literal_is_compatible(value, type_str):
        return value
    number = lax_number(value, type_str)
    if number is None:
        return value
    diags.warning("PC110", f"{what} expects `{type_str}` and the run configuration gives the string "
                  f"`{format_literal(value)}`: ZenML's pydantic validation reads it as {number!r}, and so does pipec",
                  span, help=f"PyYAML reads an exponent without a dot (`3e-4`) or a quoted number as a string; "
                             f"write {number!r} to give a number")
    return number
