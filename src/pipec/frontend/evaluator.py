"""Partial evaluation of Python expressions and pipeline-body statements.

Known values are ordinary Python objects; step outputs, parameters and references
are the symbolic values of `values.py`. Whatever cannot be evaluated statically
raises :class:`EvalError`, which the statement loop turns into a diagnostic at the
offending expression, then carries on with the next statement so one run reports
every problem. Names assigned from a failed statement become :data:`POISON`, which
propagates silently so one mistake is reported once.
"""

from __future__ import annotations

import ast
import datetime as _dt
import operator
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pipec.ir.diagnostics import Diagnostics, did_you_mean

from ..ir import Span
from . import known
from .modules import dotted_name, is_parameters_class
from .runtime_values import (
    ENV,
    RunTimeValue,
    describe,
    expression_text,
    help_for,
    is_opaque,
    message,
    notes_for,
)
from .source import SourceFile
from .values import (
    ENUM_MEMBERS,
    POISON,
    Artifact,
    BoundMethod,
    Builtin,
    ClassRef,
    ExternalName,
    FunctionRef,
    Invocation,
    Logger,
    ModuleRef,
    OldStepInstance,
    ParamsInstance,
    ParamValue,
    PipelineHandle,
    PipelineInstance,
    PoisonSignal,
    ReturnSignal,
    RuntimeOnly,
    SettingsObject,
    Slot,
    StepHandle,
    contains_symbolic,
)

if TYPE_CHECKING:
    from .modules import ModuleIndex

MAX_LOOP_ITERATIONS = 100_000
MAX_SEQUENCE = 1_000_000
MAX_INT_BITS = 4096


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


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


BUILTINS = {"range", "len", "str", "int", "float", "bool", "list", "tuple", "dict", "set", "sorted", "reversed",
            "enumerate", "zip", "min", "max", "sum", "abs", "round", "any", "all", "print", "repr", "frozenset",
            "isinstance"}
CONSTANTS = {"True": True, "False": False, "None": None}

BIN_OPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_, ast.BitXor: operator.xor,
}
COMPARE_OPS = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
}

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


class Scope:
    """Local names of a pipeline body (one flat scope, as in a Python function)."""

    def __init__(self, names: dict[str, Any] | None = None) -> None:
        self.names: dict[str, Any] = dict(names or {})


class Evaluator:
    """Evaluates expressions and statements of one file, inside one top-level statement."""

    def __init__(self, index: ModuleIndex, diags: Diagnostics, src: SourceFile, top: ast.stmt,
                 scope: Scope | None = None, builder: Any = None) -> None:
        self.index = index
        self.diags = diags
        self.src = src
        self.top = top
        self.scope = scope or Scope()
        #: The pipeline builder when evaluating a pipeline body; None for constants.
        self.builder = builder
        self.iterations = 0
        #: Tests of the `if` statements being run, outermost first.
        self.conditions: list[ast.expr] = []

    # ------------------------------------------------------------------ spans and errors

    def span(self, node: ast.AST | AttrName) -> Span:
        """The source span of `node`."""
        if isinstance(node, AttrName):
            return self.src.attr_span(node.node)
        return self.src.span(node, self.top)

    def report(self, err: EvalError) -> None:
        """Record `err` as an error diagnostic."""
        span = self.span(err.node) if err.node is not None else self.src.statement_span(self.top)
        self.diags.error(err.code, err.message, span, help=err.help, notes=err.notes)

    # ------------------------------------------------------------------ statements

    def run_block(self, statements: Any) -> None:
        """Run a sequence of statements, reporting errors statement by statement."""
        for stmt in statements:
            self.run_statement(stmt)

    def run_statement(self, stmt: ast.stmt) -> None:
        """Run one statement; a failure is reported and its assigned names poisoned."""
        try:
            self._statement(stmt)
        except (_Break, _Continue, ReturnSignal):
            raise
        except EvalError as err:
            self.report(err)
            self._poison_targets(stmt)
        except PoisonSignal:
            self._poison_targets(stmt)
        except RecursionError:
            self.report(EvalError("PC102", "expression is too deeply nested to evaluate", stmt))
            self._poison_targets(stmt)

    def _statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Expr):
            value = self.eval(node.value)
            if isinstance(value, RunTimeValue):  # e.g. a ZenML client call whose effect would be lost
                raise EvalError("PC102", f"`{value.expr}` acts on ZenML's client or the environment when the "
                                "pipeline is defined; pipec does not run it while compiling", node.value,
                                help="call it inside a step, where it runs with the step")
        elif isinstance(node, ast.Assign):
            value = self.eval(node.value)
            for target in node.targets:
                self.assign(target, value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.eval(node.value))
        elif isinstance(node, ast.AugAssign):
            current = self.eval(node.target)
            value = self.eval(node.value)
            op = type(node.op)
            result = self.binary(op, current, value, node)
            if isinstance(current, list) and op is ast.Add and isinstance(value, (list, tuple)):
                current.extend(value)  # `xs += [...]` mutates in place, like Python
                result = current
            self.assign(node.target, result)
        elif isinstance(node, ast.If):
            self._if(node)
        elif isinstance(node, ast.For):
            self._for(node)
        elif isinstance(node, ast.Pass):
            pass
        elif isinstance(node, ast.Return):
            raise ReturnSignal(self.eval(node.value) if node.value is not None else None)
        elif isinstance(node, ast.Break):
            raise _Break()
        elif isinstance(node, ast.Continue):
            raise _Continue()
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                for name in _names_in(target):
                    self.scope.names.pop(name, None)
        elif isinstance(node, ast.AsyncFor):
            raise EvalError("PC101", "`async for` is not supported in a pipeline body", node)
        elif isinstance(node, ast.While):
            raise EvalError("PC101", "`while` loops cannot be evaluated statically", node,
                            help="loop with `for` over a literal list or `range(...)`")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            raise EvalError("PC101", "definitions inside a pipeline body are not supported", node,
                            help="define steps and helpers at module level")
        elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            # Nothing fails at compile time the way it would raise in Python (failures are reported),
            # so the handlers never run: the `try` body, then `else`, then `finally`.
            self.run_block(node.body)
            self.run_block(node.orelse)
            self.run_block(node.finalbody)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            raise EvalError("PC101", "`with` is not supported in a pipeline body", node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            raise EvalError("PC101", "imports inside a pipeline body are not supported", node,
                            help="move the import to the top of the module")
        elif isinstance(node, ast.Raise):
            raise self._raised(node)
        elif isinstance(node, ast.Assert):
            if not self.truth(self.eval(node.test), node.test):
                raise EvalError("PC101", "assertion fails during static evaluation", node)
        else:
            raise EvalError("PC101", f"`{_keyword(node)}` statements are not supported in a pipeline body", node)

    def _if(self, node: ast.If) -> None:
        taken = self.truth(self.eval(node.test), node.test)
        self.conditions.append(node.test)  # the branch taken depends on it (see _raised)
        try:
            if taken:
                self.run_block(node.body)
            elif _elif(self.src, node) is not None:
                self._if(node.orelse[0])  # `elif`: errors propagate to the enclosing statement
            elif node.orelse:
                self.run_block(node.orelse)
        finally:
            self.conditions.pop()

    def _raised(self, node: ast.Raise) -> EvalError:
        """PC101 for a `raise` reached while evaluating: the exception's text and the parameters that led there."""
        from .body_raise import raised_error

        return raised_error(self, node)

    def _for(self, node: ast.For) -> None:
        iterable = self.iterate(self.eval(node.iter), node.iter)
        broke = False
        for item in iterable:
            self.tick(node)
            self.assign(node.target, item)
            try:
                self.run_block(node.body)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke and node.orelse:
            self.run_block(node.orelse)

    def tick(self, node: ast.AST) -> None:
        """Count one loop iteration; PC114 past the limit."""
        self.iterations += 1
        if self.iterations > MAX_LOOP_ITERATIONS:
            raise EvalError("PC114", f"more than {MAX_LOOP_ITERATIONS:,} loop iterations", node)

    def _poison_targets(self, stmt: ast.stmt) -> None:
        for name in _assigned_names(stmt, self.src):
            self.scope.names[name] = POISON

    # ------------------------------------------------------------------ assignment

    def assign(self, target: ast.expr, value: Any) -> None:
        """Bind `value` to an assignment target (names, tuples, subscripts)."""
        if isinstance(target, ast.Name):
            self.scope.names[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value)
        elif isinstance(target, ast.Subscript):
            container = self.eval(target.value)
            if isinstance(target.slice, ast.Slice):
                raise EvalError("PC102", "only simple subscript assignment is supported", target)
            key = self.concrete(self.eval(target.slice), target.slice)
            if not isinstance(container, (list, dict)):
                raise EvalError("PC102", "only list and dict items can be assigned", target)
            try:
                container[key] = value
            except (IndexError, TypeError, KeyError) as exc:
                raise EvalError("PC102", f"cannot assign item: {exc}", target) from None
        else:
            raise EvalError("PC101", "only names, tuples and subscripts can be assigned in a pipeline body", target)

    def _unpack(self, target: ast.Tuple | ast.List, value: Any) -> None:
        if value is POISON:
            raise PoisonSignal()
        elements = target.elts
        items = self._as_sequence_for_unpack(value, target, len(elements))
        starred = [i for i, e in enumerate(elements) if isinstance(e, ast.Starred)]
        n = len(elements)
        if not starred:
            if len(items) != n:
                raise EvalError("PC112", _unpack_message(value, n, len(items)), target)
            for element, item in zip(elements, items, strict=False):
                self.assign(element, item)
            return
        star = starred[0]
        after = n - star - 1
        if len(items) < n - 1:
            raise EvalError("PC112", _unpack_message(value, n - 1, len(items), at_least=True), target)
        for element, item in zip(elements[:star], items[:star], strict=False):
            self.assign(element, item)
        self.assign(elements[star].value, list(items[star: len(items) - after]))
        for element, item in zip(elements[star + 1:], items[len(items) - after:], strict=False):
            self.assign(element, item)

    def _as_sequence_for_unpack(self, value: Any, node: ast.AST, wanted: int) -> list:
        if isinstance(value, Artifact):
            help = "annotate the step's return type as Tuple[...] to declare several outputs"
            if value.type.startswith("tuple["):
                help = ("the return type is a Tuple, but ZenML declares several outputs only when the step "
                        "returns a tuple literal (`return a, b`); return one, or index the output inside a step")
            raise EvalError("PC112", f"step `{value.step}` has a single output (`{value.output}`); "
                            f"it cannot be unpacked into {wanted} names", node, help=help)
        if isinstance(value, Invocation):
            raise EvalError("PC112", f"step `{value.step}` has no outputs to unpack", node)
        return list(self.iterate(value, node))

    # ------------------------------------------------------------------ expressions

    def eval(self, node: ast.expr) -> Any:
        """The value of expression `node`."""
        method = getattr(self, f"_e_{type(node).__name__}", None)
        if method is None:
            raise EvalError("PC102", f"{_describe(node)} cannot be evaluated statically", node)
        value = method(node)
        if value is POISON:
            raise PoisonSignal()
        if isinstance(value, RuntimeOnly):
            raise EvalError("PC102", value.message, node, help=value.help)
        return value

    def _e_Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, complex):
            raise EvalError("PC111", "complex numbers are not supported", node)
        return node.value

    def _e_JoinedStr(self, node: ast.JoinedStr) -> Any:
        result = self._joined(node)
        self._limit(result, node)
        return result

    def _joined(self, node: ast.JoinedStr) -> str:
        pieces: list[str] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                pieces.append(self._format_part(part))
            elif isinstance(part, ast.Constant) and isinstance(part.value, str):
                pieces.append(part.value)
            else:
                raise EvalError("PC102", "this f-string part cannot be evaluated statically", part)
        return "".join(pieces)

    def _format_part(self, part: ast.FormattedValue) -> str:
        value = self.eval(part.value)
        if isinstance(value, Artifact):
            raise EvalError("PC113", f"the output `{value.output}` of step `{value.step}` exists only at run "
                            "time; it cannot be formatted into a string here", part.value,
                            help="pass it to a step and format it inside the step")
        value = self.concrete(value, part.value)
        if contains_symbolic(value):
            raise EvalError("PC113", "a collection holding step outputs cannot be formatted into a string: its "
                            "values exist only at run time", part.value)
        if part.conversion == ord("r"):
            value = repr(value)
        elif part.conversion == ord("s"):
            value = str(value)
        elif part.conversion == ord("a"):
            value = ascii(value)
        spec = self._joined(part.format_spec) if isinstance(part.format_spec, ast.JoinedStr) else ""
        try:
            return format(value, spec)
        except (ValueError, TypeError) as exc:
            raise EvalError("PC102", f"invalid format: {exc}", part) from None

    def _e_Name(self, node: ast.Name) -> Any:
        name = node.id
        if name in self.scope.names:
            return self.scope.names[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name == "__name__":
            return self.src.module_name
        if name == "__doc__" and name not in self.index.symbols(self.src):
            return ast.get_docstring(self.src.tree, clean=False)
        value = self.index.resolve(self.src, name)
        if isinstance(value, ConstantError):
            raise EvalError(value.code, f"`{name}` cannot be used here: {value.message}", node, help=value.help,
                            notes=(f"`{name}` is defined at {value.span}",))
        if value is not None:
            return value
        if name in self.index.symbols(self.src):
            raise PoisonSignal()  # defined but failed to resolve: reported where it is defined
        if name in BUILTINS:
            return Builtin(name)
        candidates = list(self.scope.names) + list(self.index.symbols(self.src))
        raise EvalError("PC103", f"name `{name}` is not defined", node, help=did_you_mean(name, candidates))

    def _e_Attribute(self, node: ast.Attribute) -> Any:
        base = self.eval(node.value)
        attr = node.attr
        if isinstance(base, (ModuleRef, ExternalName)):
            value = self.index.attribute(base, attr, None)
            if value is None:
                module = base.name if isinstance(base, ModuleRef) else base.qualname
                raise EvalError("PC103", f"`{attr}` is not defined in module `{module}`", AttrName(node))
            return value
        if isinstance(base, Artifact):
            raise EvalError("PC113", f"the output `{base.output}` of step `{base.step}` exists only at run time; "
                            f"`.{attr}` cannot be read while compiling", node,
                            help="do this inside a step that takes the output as an input")
        if isinstance(base, (StepHandle, PipelineHandle, Slot, OldStepInstance, PipelineInstance)):
            return BoundMethod(base, attr)
        if isinstance(base, RunTimeValue):
            from .zenml_api import runtime_attribute

            return runtime_attribute(base, attr)
        if hasattr(base, "static_attribute"):  # e.g. ZenML's pipeline context
            return base.static_attribute(self, attr, node)
        if isinstance(base, Logger) and attr in known.LOGGER_METHODS:
            return BoundMethod(base, attr)
        if isinstance(base, ParamValue):
            base = self.concrete(base, node.value)
        if isinstance(base, ClassRef):
            from .classattrs import class_attribute

            return class_attribute(self, base, attr, AttrName(node))
        if isinstance(base, ENUM_MEMBERS) and attr in ("value", "name"):
            return base.value if attr == "value" else base.name
        for kind, methods in SAFE_METHODS.items():
            if isinstance(base, kind) and not isinstance(base, bool) and attr in methods:
                return BoundMethod(base, attr)
        if isinstance(base, SettingsObject):
            return base.get(attr)
        if isinstance(base, Artifact | ParamValue) or not is_opaque(base):
            raise EvalError("PC102", f"`.{attr}` cannot be evaluated statically on {_kind(base)}", node)
        raise opaque_error(base, node, f"`.{attr}` cannot be read")

    def _e_Subscript(self, node: ast.Subscript) -> Any:
        base = self.eval(node.value)
        if isinstance(base, Artifact):
            raise EvalError("PC113", f"the output `{base.output}` of step `{base.step}` exists only at run time; "
                            "it cannot be indexed while compiling", node,
                            help="index it inside a step, or declare several outputs with Tuple[...]")
        if isinstance(base, ExternalName) and base.qualname == "os.environ":
            return RunTimeValue(expression_text(self.src.text, node), ENV, self.span(node))
        if isinstance(base, RunTimeValue):
            return base.extended(f"[{expression_text(self.src.text, node.slice)}]")
        base = self.concrete_shallow(base, node.value)
        if is_opaque(base):
            raise opaque_error(base, node.value, "it cannot be indexed")
        element = node.slice  # `d[a, b]` is `d[(a, b)]`, as in Python
        if isinstance(element, ast.Slice):
            parts = [None if p is None else self.concrete(self.eval(p), p)
                     for p in (element.lower, element.upper, element.step)]
            key: Any = slice(*parts)
        else:
            key = self.concrete(self.eval(element), element)
        try:
            return base[key]
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            raise EvalError("PC102", f"subscript fails at compile time: {type(exc).__name__}: {exc}", node) from None

    def _e_Tuple(self, node: ast.Tuple) -> Any:
        return tuple(self._elements(node.elts))

    def _e_List(self, node: ast.List) -> Any:
        return list(self._elements(node.elts))

    def _e_Set(self, node: ast.Set) -> Any:
        items = list(self._elements(node.elts))
        try:
            return set(items)
        except TypeError as exc:
            raise EvalError("PC102", f"unhashable set element: {exc}", node) from None

    def _elements(self, elements: Any) -> Iterator[Any]:
        for element in elements:
            if isinstance(element, ast.Starred):
                yield from self.iterate(self.eval(element.value), element.value)
            else:
                yield self.eval(element)

    def _e_Dict(self, node: ast.Dict) -> Any:
        out: dict = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:  # `**mapping`
                value = self.concrete(self.eval(value_node), value_node)
                if not isinstance(value, dict):
                    raise EvalError("PC102", "`**` needs a dict", value_node)
                out.update(value)
            else:
                key = self.concrete(self.eval(key_node), key_node)
                try:
                    out[key] = self.eval(value_node)
                except TypeError as exc:
                    raise EvalError("PC102", f"unhashable dict key: {exc}", key_node) from None
        return out

    def _e_BinOp(self, node: ast.BinOp) -> Any:
        return self.binary(type(node.op), self.eval(node.left), self.eval(node.right), node)

    def binary(self, op_type: type, left: Any, right: Any, node: ast.AST) -> Any:
        """Apply a binary operator to known values, with size limits."""
        for operand in (left, right):
            if isinstance(operand, Artifact):
                raise EvalError("PC113", f"the output `{operand.output}` of step `{operand.step}` exists only at "
                                "run time; arithmetic on it cannot happen while compiling", node,
                                help="compute it inside a step")
        left, right = self.concrete(left, node), self.concrete(right, node)
        func = BIN_OPS.get(op_type)
        if func is None:
            raise EvalError("PC102", "the `@` operator cannot be evaluated statically", node)
        if op_type is ast.Pow and isinstance(right, int) and isinstance(left, int) and abs(right) > 10_000:
            raise EvalError("PC102", "exponent too large to evaluate at compile time", node)
        if op_type is ast.LShift and isinstance(right, int) and right > MAX_INT_BITS:
            raise EvalError("PC102", "shift too large to evaluate at compile time", node)
        if op_type is ast.Mult:
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(count, int) \
                        and len(seq) * max(count, 0) > MAX_SEQUENCE:
                    raise EvalError("PC102", "result too large to build at compile time", node)
        try:
            result = func(left, right)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, IndexError, KeyError) as exc:
            raise EvalError("PC102", f"cannot evaluate: {type(exc).__name__}: {exc}", node) from None
        self._limit(result, node)
        return result

    def _e_UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.eval(node.operand)
        if isinstance(node.op, ast.Not):
            return not self.truth(value, node.operand)
        value = self.concrete(value, node.operand)
        try:
            if isinstance(node.op, ast.USub):
                return -value
            if isinstance(node.op, ast.UAdd):
                return +value
            return ~value
        except TypeError as exc:
            raise EvalError("PC102", f"cannot evaluate: {exc}", node) from None

    def _e_BoolOp(self, node: ast.BoolOp) -> Any:
        is_and = isinstance(node.op, ast.And)
        value = self.eval(node.values[0])
        for tested, operand in zip(node.values, node.values[1:], strict=False):
            if self.truth(value, tested) != is_and:  # `and` stops at a false value, `or` at a true one
                return value
            value = self.eval(operand)
        return value

    def _e_Compare(self, node: ast.Compare) -> Any:
        left = self.concrete(self.eval(node.left), node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.concrete(self.eval(comparator), comparator)
            try:
                ok = COMPARE_OPS[type(op)](left, right)
            except TypeError as exc:
                raise EvalError("PC102", f"cannot compare: {exc}", node) from None
            if not ok:
                return False
            left = right
        return True

    def _e_IfExp(self, node: ast.IfExp) -> Any:
        return self.eval(node.body) if self.truth(self.eval(node.test), node.test) else self.eval(node.orelse)

    def _e_ListComp(self, node: ast.ListComp) -> Any:
        return [item for item in self._comprehension(node, lambda: self.eval(node.elt))]

    def _e_SetComp(self, node: ast.SetComp) -> Any:
        return set(self._comprehension(node, lambda: self.eval(node.elt)))

    def _e_GeneratorExp(self, node: ast.GeneratorExp) -> Any:
        return list(self._comprehension(node, lambda: self.eval(node.elt)))

    def _e_DictComp(self, node: ast.DictComp) -> Any:
        pairs = self._comprehension(node, lambda: (self.concrete(self.eval(node.key), node.key),
                                                   self.eval(node.value)))
        return dict(pairs)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
                       produce: Any) -> list:
        saved = dict(self.scope.names)
        out: list = []
        try:
            self._comp_loop(node, node.generators, produce, out)
        finally:
            # Comprehension variables do not leak, but list.append side effects on outer lists stay.
            for name in [n for clause in node.generators for n in _names_in(clause.target)]:
                if name in saved:
                    self.scope.names[name] = saved[name]
                else:
                    self.scope.names.pop(name, None)
        return out

    def _comp_loop(self, node: ast.expr, clauses: list[ast.comprehension], produce: Any, out: list) -> None:
        clause = clauses[0]
        if clause.is_async:
            raise EvalError("PC102", "async comprehensions are not supported", node)
        for item in self.iterate(self.eval(clause.iter), clause.iter):
            self.tick(clause.target)
            self.assign(clause.target, item)
            if all(self.truth(self.eval(cond), cond) for cond in clause.ifs):
                if len(clauses) > 1:
                    self._comp_loop(node, clauses[1:], produce, out)
                else:
                    out.append(produce())

    def _e_Lambda(self, node: ast.Lambda) -> Any:
        raise EvalError("PC102", "lambdas cannot be evaluated statically", node)

    def _e_Await(self, node: ast.Await) -> Any:
        raise EvalError("PC102", "`await` is not supported in a pipeline body", node)

    # ------------------------------------------------------------------ calls

    def _e_Call(self, node: ast.Call) -> Any:
        func = self.eval(node.func)
        if _is_log_call(func):
            return None  # logging does nothing at compile time; its arguments may exist only at run time
        if isinstance(func, (StepHandle, Slot)) and hasattr(self.builder, "step_failed"):
            try:
                return self._call_with_arguments(func, node)
            except (EvalError, PoisonSignal):
                self.builder.step_failed(func, node)  # no "runs after unknown step" echo later
                raise
        return self._call_with_arguments(func, node)

    def _call_with_arguments(self, func: Any, node: ast.Call) -> Any:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        arg_nodes: dict[str, ast.AST] = {}
        for position, arg in enumerate(call_arguments(node)):
            if isinstance(arg, ast.Starred):
                args.extend(self.iterate(self.eval(arg.value), arg.value))
            elif isinstance(arg, ast.keyword) and arg.arg is None:
                mapping = self.concrete(self.eval(arg.value), arg.value)
                if not isinstance(mapping, dict) or not all(isinstance(k, str) for k in mapping):
                    raise EvalError("PC102", "`**` needs a dict with string keys", arg)
                kwargs.update(mapping)
            elif isinstance(arg, ast.keyword):
                kwargs[arg.arg] = self._keyword_value(node, arg)
                arg_nodes[arg.arg] = arg
            else:
                args.append(self.eval(arg))
                arg_nodes[f"#{position}"] = arg
        return self.call(func, args, kwargs, node, arg_nodes)

    def _keyword_value(self, node: ast.Call, arg: ast.keyword) -> Any:
        """A keyword argument's value; an option pipec ignores may fail to evaluate (it only warns then)."""
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in ("with_options", "configure", "run")):
            return self.eval(arg.value)
        from .settings import IGNORED_KEYS, UNEVALUATED

        if arg.arg not in IGNORED_KEYS:
            return self.eval(arg.value)
        try:
            return self.eval(arg.value)
        except EvalError as err:
            return RunTimeValue(err.message, UNEVALUATED, self.span(arg))

    def call(self, func: Any, args: list, kwargs: dict, node: ast.Call, arg_nodes: dict[str, ast.AST]) -> Any:
        """Call `func` statically: steps, settings classes, safe builtins and methods."""
        if isinstance(func, (StepHandle, Slot)):
            if self.builder is None:
                name = func.definition.name if isinstance(func, StepHandle) else func.name
                raise EvalError("PC102", f"step `{name}` can only be called inside a pipeline body", node)
            return self.builder.call_step(self, func, args, kwargs, node, arg_nodes)
        if isinstance(func, BoundMethod):
            return self._method(func, args, kwargs, node, arg_nodes)
        if isinstance(func, Builtin):
            return self._builtin(func.name, args, kwargs, node)
        if isinstance(func, ExternalName):
            return self._external(func, args, kwargs, node)
        if isinstance(func, RunTimeValue):
            from .zenml_api import runtime_call

            return runtime_call(func, node, self.src.text)
        if hasattr(func, "static_call"):  # e.g. `.get` of ZenML's pipeline context `extra`
            return func.static_call(self, args, kwargs, node)
        if isinstance(func, ClassRef):
            if is_parameters_class(func, self.index):
                if args:
                    raise EvalError("PC102", "parameter classes take keyword arguments only", node)
                return ParamsInstance(func, tuple(kwargs.items()))
            raise EvalError("PC102", f"class `{func.name}` cannot be instantiated at compile time", node,
                            help="create it inside a step")
        if isinstance(func, FunctionRef):
            raise EvalError("PC104", f"`{func.qualname.rsplit('.', 1)[-1]}` is a plain function, not a step; "
                            "pipec does not run it while compiling", node,
                            help="decorate it with @step, or inline a literal value")
        if isinstance(func, PipelineHandle):
            if self.builder is not None:  # a module-level call, or a pipeline inlined into another
                return self.builder.pipeline_call(self, func, args, kwargs, node, arg_nodes)
            return func
        if isinstance(func, OldStepInstance):
            raise EvalError("PC102", "an old-style step instance is called inside the pipeline body "
                            "through its pipeline parameter", node)
        raise EvalError("PC104", f"{_describe(node.func)} is not a step and cannot be called statically", node.func)

    def _method(self, method: BoundMethod, args: list, kwargs: dict, node: ast.Call,
                arg_nodes: dict[str, ast.AST]) -> Any:
        receiver, name = method.receiver, method.name
        if isinstance(receiver, (StepHandle, Slot, OldStepInstance, PipelineHandle, PipelineInstance)):
            return self._handle_method(receiver, name, args, kwargs, node, arg_nodes)
        if not isinstance(receiver, (list, dict)):
            # Containers may hold step outputs; string and number methods need real values.
            args = [self.concrete(a, node) for a in args]
            kwargs = {k: self.concrete(v, node) for k, v in kwargs.items()}
        try:
            result = getattr(receiver, name)(*args, **kwargs)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            raise EvalError("PC102", f"`.{name}()` fails at compile time: {type(exc).__name__}: {exc}",
                            node) from None
        if isinstance(result, (type({}.items()), type({}.keys()), type({}.values()))):
            result = list(result)
        self._limit(result, node)
        return result

    def _handle_method(self, receiver: Any, name: str, args: list, kwargs: dict, node: ast.Call,
                       arg_nodes: dict[str, ast.AST]) -> Any:
        options = tuple((k, v, self.span(arg_nodes[k]) if k in arg_nodes else self.span(node))
                        for k, v in kwargs.items())
        if name in ("submit", "map", "product", "unmapped"):
            raise EvalError("PC105", f"`.{name}()` builds a dynamic pipeline, which cannot be compiled "
                            "statically", node, help="call the step directly; for fan-out, loop over a literal list")
        if name in ("with_options", "configure"):
            if args:
                raise EvalError("PC107", f"`.{name}()` takes keyword arguments only", node)
            if isinstance(receiver, StepHandle) and name == "configure":
                # ZenML's configure() changes the step itself, for every later use.
                receiver.definition.options = receiver.definition.options + options
                return receiver
            if isinstance(receiver, StepHandle):
                return StepHandle(receiver.definition, receiver.overrides + options)
            if isinstance(receiver, PipelineHandle):
                return PipelineHandle(receiver.definition, receiver.overrides + options)
            if isinstance(receiver, OldStepInstance):
                receiver.overrides = receiver.overrides + options
                return receiver
            if isinstance(receiver, Slot):
                receiver.instance.overrides = receiver.instance.overrides + options
                return receiver
        if name == "after" and isinstance(receiver, Slot):
            for other in args:
                if not isinstance(other, Slot):
                    raise EvalError("PC119", "`.after()` takes the pipeline's step parameters", node)
                receiver.after.append(other.name)
            return None
        if isinstance(receiver, PipelineInstance) and name in ("run", "with_options", "configure"):
            receiver.run_options = receiver.run_options + options
            return receiver
        if name == "run" and isinstance(receiver, PipelineHandle):
            return receiver
        raise EvalError("PC102", f"`.{name}()` cannot be evaluated statically", node)

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
            if len(result) > MAX_LOOP_ITERATIONS:
                raise EvalError("PC114", f"range of {len(result):,} items is too large to unroll", node)
            return result
        if name in ("enumerate", "zip", "reversed", "sorted", "list", "tuple", "set", "frozenset", "dict"):
            seqs = [self.concrete_shallow(a, node) for a in args]
        else:
            seqs = [self.concrete(a, node) for a in args]
        kwargs = {k: self.concrete(v, node) for k, v in kwargs.items()}
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
        if qual in known.LOGGER_FACTORIES:
            name = args[0] if args else kwargs.get("name")
            return Logger(name if isinstance(name, str) else None)
        kind = known.SETTINGS_CLASSES.get(qual)
        if kind is not None:
            if args:
                raise EvalError("PC108", f"`{qual.rsplit('.', 1)[-1]}` takes keyword arguments only", node)
            return SettingsObject(kind, qual, tuple(kwargs.items()))
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
        if qual.endswith("Settings") or qual.endswith("Config"):
            # A target's own settings class (e.g. KubeflowOrchestratorSettings): kept as options.
            if args:
                raise EvalError("PC108", f"`{qual.rsplit('.', 1)[-1]}` takes keyword arguments only", node)
            return SettingsObject("other", qual, tuple(kwargs.items()))
        if qual in ("os.getenv", "os.environ.get", "os.getenvb", "os.environb.get"):
            return RunTimeValue(expression_text(self.src.text, node), ENV, self.span(node))
        if qual.split(".")[0] == "zenml":
            from .zenml_api import zenml_call

            return zenml_call(self, qual, args, kwargs, node)
        if qual.startswith(known.NON_DETERMINISTIC_PREFIXES):
            raise EvalError("PC102", f"`{qual}()` gives a different value each run; it cannot be evaluated "
                            "while compiling", node,
                            help="make it a pipeline parameter (--param) or compute it inside a step")
        top = qual.split(".")[0]
        raise EvalError("PC102", f"`{qual}()` cannot be evaluated statically: `{top}` is outside the source "
                        "root and pipec never imports it", node,
                        help=f"if `{top}` is part of your project, point --root at the folder that contains it; "
                             "otherwise pass a literal or compute the value inside a step")

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
            raise opaque_error(value, node, used_at=self.span(node))
        return value

    def concrete_shallow(self, value: Any, node: ast.AST) -> Any:
        """Like concrete(), but containers may hold step outputs (for list/zip/enumerate)."""
        if isinstance(value, (ParamValue, Invocation, Artifact)) or is_opaque(value):
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
        value = self.concrete_shallow(value, node)
        if isinstance(value, dict):
            return list(value)
        if isinstance(value, (list, tuple, range, str, set, frozenset, bytes)):
            if isinstance(value, (set, frozenset)):
                try:
                    return sorted(value)
                except TypeError:
                    raise EvalError("PC102", "cannot iterate a set of mixed types deterministically", node) from None
            if len(value) > MAX_LOOP_ITERATIONS:
                raise EvalError("PC114", "iterable too large to unroll at compile time", node)
            return list(value)
        raise EvalError("PC102", f"cannot iterate over {_kind(value)} at compile time", node)

    def _limit(self, value: Any, node: ast.AST) -> None:
        if isinstance(value, (str, bytes, list, tuple, dict)) and len(value) > MAX_SEQUENCE:
            raise EvalError("PC102", "value too large to build at compile time", node)
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
            raise EvalError("PC102", "integer too large to evaluate at compile time", node)


# ---------------------------------------------------------------------- helpers


def _is_log_call(func: Any) -> bool:
    """`logger.info`, `logging.warning`, ...: a call that only logs."""
    if isinstance(func, BoundMethod):
        return isinstance(func.receiver, Logger) and func.name in known.LOGGER_METHODS
    return isinstance(func, ExternalName) and func.qualname in known.LOGGING_CALLS


class AttrName:
    """The attribute name of `value.attr` as an error location (ast keeps it as a plain string)."""

    __slots__ = ("node",)

    def __init__(self, node: ast.Attribute) -> None:
        self.node = node


def call_arguments(node: ast.Call) -> list[ast.expr | ast.keyword]:
    """A call's arguments in Python's evaluation order: positional (and `*`) ones, then keywords."""
    return [*node.args, *node.keywords]


def _keyword(node: ast.AST) -> str:
    name = type(node).__name__
    return {"Global": "global", "Nonlocal": "nonlocal", "Match": "match", "TypeAlias": "type"}.get(
        name, name.lower())


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return f"`{node.id}`"
    if isinstance(node, ast.Attribute):
        return f"`{dotted_name(node, '...')}`"
    return {
        "Lambda": "a lambda", "Yield": "`yield`", "YieldFrom": "`yield from`",
        "NamedExpr": "an assignment expression (`:=`)", "Await": "`await`", "Call": "this call",
        "Subscript": "this subscript", "Starred": "`*` unpacking",
    }.get(type(node).__name__, "this expression")


def _kind(value: Any) -> str:
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


def opaque_error(value: Any, node: ast.AST, what: str = "", used_at: Span | None = None) -> EvalError:
    """The error for a module, class, function, step... used as data (`what` says how)."""
    if isinstance(value, RunTimeValue):
        return runtime_error(value, node, used_at)
    if isinstance(value, ExternalName):
        top = value.qualname.split(".")[0]
        if value.qualname in ("os.environ", "os.environb"):
            return runtime_error(RunTimeValue(value.qualname, ENV), node)
        if top == "zenml":
            from .zenml_api import not_modelled

            return not_modelled(value.qualname, node)
        return EvalError("PC102", f"`{value.qualname}` cannot be evaluated statically: `{top}` is outside the "
                         f"source root and pipec never imports it" + (f"; {what}" if what else ""), node,
                         help="pass a literal, or compute the value inside a step")
    return EvalError("PC102", f"{describe(value)} is not a compile-time value" + (f"; {what}" if what else ""), node,
                     help="use literals, constants and pipeline parameters here")


def _unpack_message(value: Any, wanted: int, got: int, at_least: bool = False) -> str:
    need = f"at least {wanted}" if at_least else str(wanted)
    if isinstance(value, tuple) and value and all(isinstance(v, Artifact) for v in value):
        return f"step `{value[0].step}` has {got} outputs, but {need} names are unpacked"
    return f"cannot unpack {got} values into {need} names"


def _names_in(node: ast.AST | None) -> list[str]:
    if node is None:
        return []
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for e in node.elts for n in _names_in(e)]
    if isinstance(node, ast.Starred):
        return _names_in(node.value)
    return []


def _elif(src: SourceFile, node: ast.If) -> ast.If | None:
    """The `elif` branch of `node`, if it has one (`else:` holding an `if` is not one)."""
    if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) and src.is_elif(node.orelse[0]):
        return node.orelse[0]
    return None


def _assigned_names(stmt: ast.stmt, src: SourceFile) -> list[str]:
    names: list[str] = []
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            names += _names_in(target)
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        names += _names_in(stmt.target)
    elif isinstance(stmt, ast.For):
        names += _names_in(stmt.target)
        for inner in stmt.body:
            names += _assigned_names(inner, src)
    elif isinstance(stmt, ast.If):
        for inner in stmt.body:
            names += _assigned_names(inner, src)
        for inner in stmt.orelse:
            names += _assigned_names(inner, src)
    return names
