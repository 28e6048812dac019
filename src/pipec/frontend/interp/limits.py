"""The bounds of compile-time evaluation, in one place.

Every limit is checked BEFORE the value is built, from sizes known up front (a range's
length from its bounds, a padded string's width, a repetition's count), so a hostile
module is refused with a diagnostic instead of allocating gigabytes first. The work
budget counts evaluated expression nodes and loop iterations for the whole compile
(one :class:`WorkBudget` per :class:`~pipec.frontend.modules.ModuleIndex`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from .errors import EvalError

#: Loop iterations one pipeline body may unroll (PC114).
MAX_LOOP_ITERATIONS = 100_000
#: Items of a string, list, tuple or dict built at compile time (PC141).
MAX_SEQUENCE = 1_000_000
#: Bits of an integer computed at compile time (PC142).
MAX_INT_BITS = 4096
#: Step invocations one pipeline may hold (PC114).
MAX_INVOCATIONS = 20_000
#: Expression nodes and loop iterations evaluated in one compile (PC140).
MAX_WORK = 3_000_000

SIZE_HELP = "compute large values inside a step, where they exist at run time"
UNROLL_HELP = (f"loops in a pipeline body are unrolled while compiling (at most {MAX_LOOP_ITERATIONS:,} "
               "iterations); loop inside a step, or over fewer items")


class BudgetExhausted(EvalError):
    """A budget is spent (the compile's work, a body's loop iterations): reported once, then every
    later statement of the body is skipped."""


@dataclass
class WorkBudget:
    """Work units left for one compile's evaluation."""

    #: Units spent so far.
    spent: int = 0
    #: Whether the exhaustion was already reported (one diagnostic per compile).
    reported: bool = field(default=False)

    def charge(self, node: ast.AST | None, units: int = 1) -> None:
        """Spend `units`; :class:`BudgetExhausted` (PC140) once MAX_WORK is passed."""
        self.spent += units
        if self.spent > MAX_WORK:
            raise BudgetExhausted(
                "PC140", f"compile-time evaluation needs more than {MAX_WORK:,} steps of work", node,
                help="this module computes too much while compiling (deep loop nests, huge expressions); "
                     "move the computation into a step or pass the result as a parameter")


def too_large(node: ast.AST | None, what: str, size: int) -> EvalError:
    """PC141 for a value of `size` items that would pass MAX_SEQUENCE."""
    return EvalError("PC141", f"{what} would hold {size:,} items; values built at compile time are limited "
                     f"to {MAX_SEQUENCE:,}", node, help=SIZE_HELP)


def check_size(size: int, node: ast.AST | None, what: str = "the result") -> None:
    """PC141 before building a value of `size` items when it is over MAX_SEQUENCE."""
    if size > MAX_SEQUENCE:
        raise too_large(node, what, size)


def check_tree_size(value: Any, node: ast.AST | None, what: str = "the value") -> None:
    """PC141 when `value`, walked as a tree (shared parts counted each time they occur, as str() or
    JSON writes them), has more than MAX_SEQUENCE parts; stops walking at the limit."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        count += 1
        if count > MAX_SEQUENCE:
            raise EvalError("PC141", f"{what} is a structure of more than {MAX_SEQUENCE:,} parts (counting "
                            "repeated references), too large to write out at compile time", node, help=SIZE_HELP)
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)


def range_length(start: int, stop: int, step: int) -> int:
    """len(range(start, stop, step)) without building it (len() overflows past sys.maxsize)."""
    if step > 0 and stop > start:
        return (stop - start + step - 1) // step
    if step < 0 and stop < start:
        return (start - stop - step - 1) // -step
    return 0


def check_int_bits(bits: int, node: ast.AST | None) -> None:
    """PC142 when an integer of `bits` bits would pass MAX_INT_BITS."""
    if bits > MAX_INT_BITS:
        raise EvalError("PC142", f"the integer would need at least {bits:,} bits; integers computed at compile "
                        f"time are limited to {MAX_INT_BITS:,}", node, help=SIZE_HELP)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict)) else 0


def _width(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def method_result_size(receiver: Any, name: str, args: list, kwargs: dict) -> int:
    """An upper bound of the items a safe method's result holds, from its arguments alone."""
    if name in ("ljust", "rjust", "center", "zfill"):
        return max(_length(receiver), _width(args[0] if args else kwargs.get("width", 0)))
    if name == "expandtabs":
        tab = _width(args[0] if args else kwargs.get("tabsize", 8))
        return _length(receiver) * max(tab, 1)
    if name == "replace" and len(args) >= 2 and isinstance(receiver, str):
        old, new = args[0], args[1]
        if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
            count = args[2] if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0 else None
            hits = (len(receiver) + 1) if old == "" else receiver.count(old)
            hits = min(hits, count) if count is not None else hits
            return len(receiver) + hits * (len(new) - len(old))
    if name == "join" and args and isinstance(receiver, str) and isinstance(args[0], (list, tuple)):
        parts = args[0]
        return sum(_length(p) for p in parts) + len(receiver) * max(len(parts) - 1, 0)
    if name == "extend" and args:
        return _length(receiver) + _length(args[0])
    if name == "format" and isinstance(receiver, str):
        return len(receiver) + format_width_bound(receiver) + sum(_length(a) for a in args)
    return 0


def format_width_bound(spec_text: str) -> int:
    """The largest field width written in a format spec or `%` template (`>1500000000`, `%*s` excluded)."""
    digits, best = "", 0
    for char in spec_text + " ":
        if char.isdigit():
            digits += char
            continue
        if digits:
            best = max(best, int(digits) if len(digits) < 20 else 10**19)
        digits = ""
    return best
