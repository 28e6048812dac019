"""Builtins, safe methods, standard-library calls and size limits of the Python subset.

:class:`SafeCalls` is a mixin of :class:`~pipec.frontend.interp.Interpreter`: the calls
it can run at compile time and the checks that a value is known (`concrete`, `truth`,
`iterate`) and small enough (`_limit`).
"""

from __future__ import annotations

import ast
import datetime as _dt
from typing import Any

from .. import known
from ..runtime_values import (
    ENV,
    RunTimeValue,
    expression_text,
    is_opaque,
)
from ..values import (
    Artifact,
    BoundMethod,
    ExternalName,
    Invocation,
    Logger,
    ParamValue,
)
from .errors import EvalError, kind_of, opaque_error, outside_root_error
from .limits import (
    MAX_LOOP_ITERATIONS,
    UNROLL_HELP,
    check_int_bits,
    check_size,
    check_tree_size,
    method_result_size,
    range_length,
)

BUILTINS = {"range", "len", "str", "int", "float", "bool", "list", "tuple", "dict", "set", "sorted", "reversed",
            "enumerate", "zip", "min", "max", "sum", "abs", "round", "any", "all", "print", "repr", "frozenset",
            "isinstance"}
CONSTANTS = {"True": True, "False": False, "None": None}


SAFE_METHODS: dict[type, set[str]] = {
    str: {"upper", "lower", "strip", "lstrip", "rstrip", "replace", "split", "rsplit", "join", "format",
          "startswith", "endswith", "title", "capitalize", "zfill", "removeprefix", "removesuffix", "splitlines",
          "count", "find", "rfind", "center", "ljust", "rjust", "casefold", "isdigit", "isalpha", "isalnum",
          "islower", "isupper", "partition", "rpartition", "swapcase", "expandtabs", "index"},
    list: {"append", "extend", "insert", "pop", "index", "count", "copy", "reverse", "remove", "clear"},
    dict: {"get", "items", "keys", "values", "copy", "update", "setdefault", "pop"},
    tuple: {"index", "count"},
    int: {"bit_length"},
    float: {"is_integer"},
}


class SafeCalls:
    """Calls of builtins, methods of plain values and known standard-library names; value checks."""

    def _method(self, method: BoundMethod, args: list, kwargs: dict, node: ast.Call,
                arg_nodes: dict[str, ast.AST]) -> Any:
        receiver, name = method.receiver, method.name
        if not isinstance(receiver, (list, dict)):
            # Containers may hold step outputs; string and number methods need real values.
            args = [self.concrete(a, node) for a in args]
            kwargs = {k: self.concrete(v, node) for k, v in kwargs.items()}
        check_size(method_result_size(receiver, name, args, kwargs), node, f"`.{name}()`")
        try:
            result = getattr(receiver, name)(*args, **kwargs)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            raise EvalError("PC102", f"`.{name}()` fails at compile time: {type(exc).__name__}: {exc}",
                            node) from None
        if isinstance(result, (type({}.items()), type({}.keys()), type({}.values()))):
            result = list(result)
        self._limit(result, node)
        return result

    def _builtin(self, name: str, args: list, kwargs: dict, node: ast.Call) -> Any:
        if name == "print":
            return None
        if name == "isinstance":
            raise EvalError("PC102", "`isinstance` cannot be evaluated statically", node)
        if name == "range":
            values = [self.concrete(a, node) for a in args]
            try:
                result = range(*values)
            except (TypeError, ValueError) as exc:
                raise EvalError("PC102", f"invalid range: {exc}", node) from None
            length = range_length(result.start, result.stop, result.step)
            if length > MAX_LOOP_ITERATIONS:
                raise EvalError("PC114", f"range of {length:,} items is too large to unroll", node, help=UNROLL_HELP)
            return result
        if name in ("enumerate", "zip", "reversed", "sorted", "list", "tuple", "set", "frozenset", "dict"):
            seqs = [self.concrete_shallow(a, node) for a in args]
        elif name in ("str", "repr"):
            seqs = [self.concrete_deep(a, node) for a in args]
        else:
            seqs = [self.concrete(a, node) for a in args]
        kwargs = {k: self.concrete_shallow(v, node) if name == "dict" else self.concrete(v, node)
                  for k, v in kwargs.items()}
        func = {"len": len, "str": str, "int": int, "float": float, "bool": bool, "list": list, "tuple": tuple,
                "dict": dict, "set": set, "frozenset": frozenset, "sorted": sorted, "min": min, "max": max,
                "sum": sum, "abs": abs, "round": round, "any": any, "all": all, "repr": repr,
                "enumerate": lambda *a, **k: list(enumerate(*a, **k)), "zip": lambda *a: list(zip(*a, strict=False)),
                "reversed": lambda a: list(reversed(a))}[name]
        try:
            result = func(*seqs, **kwargs)
        except (TypeError, ValueError, OverflowError) as exc:
            raise EvalError("PC102", f"`{name}()` fails at compile time: {type(exc).__name__}: {exc}", node) from None
        self._limit(result, node)
        return result

    def _external(self, func: ExternalName, args: list, kwargs: dict, node: ast.Call) -> Any:
        qual = func.qualname
        from ..pure_stdlib import PURE_CALLS, pure_call

        if qual in PURE_CALLS:
            return pure_call(self, qual, args, kwargs, node)
        if qual in known.LOGGER_FACTORIES:
            name = args[0] if args else kwargs.get("name")
            return Logger(name if isinstance(name, str) else None)
        if qual in known.DATETIME:
            values = [self.concrete(a, node) for a in args]
            try:
                return _dt.datetime(*values, **{k: self.concrete(v, node) for k, v in kwargs.items()}).isoformat()
            except (TypeError, ValueError) as exc:
                raise EvalError("PC102", f"invalid datetime: {exc}", node) from None
        if qual in known.TIMEDELTA:
            values = [self.concrete(a, node) for a in args]
            try:
                delta = _dt.timedelta(*values, **{k: self.concrete(v, node) for k, v in kwargs.items()})
            except (TypeError, ValueError, OverflowError) as exc:
                raise EvalError("PC102", f"invalid timedelta: {exc}", node) from None
            return delta.total_seconds()
        if qual in ("os.getenv", "os.environ.get", "os.getenvb", "os.environb.get"):
            return RunTimeValue(expression_text(self.src.text, node), ENV, self.span(node))
        if qual.startswith(known.NON_DETERMINISTIC_PREFIXES):
            raise EvalError("PC102", f"`{qual}()` gives a different value each run; it cannot be evaluated "
                            "while compiling", node,
                            help="make it a pipeline parameter (--param) or compute it inside a step")
        top = qual.split(".")[0]
        raise outside_root_error(f"`{qual}()`", top, node, self.index.root,
                                 help=f"if `{top}` is part of your project, point --root at the folder that "
                                      "contains it; otherwise pass a literal or compute the value inside a step")

    # ------------------------------------------------------------------ value helpers

    def concrete(self, value: Any, node: ast.AST) -> Any:
        """`value` as a compile-time value; PC102/PC113 when it is only known at run time."""
        if isinstance(value, ParamValue):
            if value.known:
                return value.value
            raise EvalError("PC102", f"pipeline parameter `{value.name}` has no value at compile time", node,
                            help=f"give `{value.name}` a default, or pass --param {value.name}=... "
                                 "or a value in --config")
        if isinstance(value, Artifact):
            raise EvalError("PC113", f"the output `{value.output}` of step `{value.step}` exists only at run "
                            "time; its value cannot be used while compiling", node,
                            help="pass it to a step and use it there")
        if isinstance(value, Invocation):
            raise EvalError("PC113", f"step `{value.step}` has no outputs; its result cannot be used", node)
        if is_opaque(value):
            raise opaque_error(value, node, used_at=self.span(node), root=self.index.root)
        return value

    def concrete_deep(self, value: Any, node: ast.AST) -> Any:
        """Like concrete(), and the pipeline parameters inside lists, tuples, sets and dicts are their
        values too (for text made of the value: `str([kind])`, `f"{[kind]}"`)."""
        value = self.concrete(value, node)
        check_tree_size(value, node)
        return self._parameter_values(value, node)

    def _parameter_values(self, value: Any, node: ast.AST) -> Any:
        if isinstance(value, ParamValue):
            return self.concrete(value, node)
        if isinstance(value, (list, tuple, set, frozenset)):
            return type(value)(self._parameter_values(v, node) for v in value)
        if isinstance(value, dict):
            return {self._parameter_values(k, node): self._parameter_values(v, node) for k, v in value.items()}
        return value

    def concrete_shallow(self, value: Any, node: ast.AST) -> Any:
        """Like concrete(), but containers may hold step outputs (for list/zip/enumerate)."""
        if isinstance(value, (ParamValue, Invocation, Artifact)) or is_opaque(value) and not getattr(
                value, "is_step_data", False):  # a ZenML integration object, built when its step runs
            return self.concrete(value, node)
        return value

    def truth(self, value: Any, node: ast.AST) -> bool:
        """Truthiness of a condition, which must be known at compile time."""
        if isinstance(value, Artifact):
            raise EvalError("PC113", f"cannot branch on the output `{value.output}` of step `{value.step}`: it "
                            "exists only at run time", node,
                            help="branch inside a step, or on a pipeline parameter")
        return bool(self.concrete(value, node))

    def iterate(self, value: Any, node: ast.AST) -> list:
        """The items of an iterable known at compile time."""
        if isinstance(value, Artifact):
            raise EvalError("PC113", f"cannot loop over the output `{value.output}` of step `{value.step}`: it "
                            "exists only at run time", node,
                            help="loop over a literal list, range(...) or a pipeline parameter with a default")
        from ..enum_classes import members_of

        members = members_of(self.index, value)
        if members is not None:  # `for kind in Kind`
            return members
        value = self.concrete_shallow(value, node)
        if isinstance(value, dict):
            return list(value)
        if isinstance(value, (list, tuple, range, str, set, frozenset, bytes)):
            if isinstance(value, (set, frozenset)):
                try:
                    return sorted(value)
                except TypeError:
                    raise EvalError("PC102", "cannot iterate a set of mixed types deterministically", node) from None
            length = range_length(value.start, value.stop, value.step) if isinstance(value, range) else len(value)
            if length > MAX_LOOP_ITERATIONS:
                raise EvalError("PC114", f"{length:,} items are too many to unroll at compile time", node,
                                help=UNROLL_HELP)
            return list(value)
        raise EvalError("PC102", f"cannot iterate over {kind_of(value)} at compile time", node)

    def _limit(self, value: Any, node: ast.AST) -> None:
        if isinstance(value, (str, bytes, list, tuple, dict)):
            check_size(len(value), node, "the value")
        if isinstance(value, int) and not isinstance(value, bool):
            check_int_bits(value.bit_length(), node)
