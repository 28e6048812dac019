"""Statements of the Python subset: the interpreter of a pipeline body or a constant."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from pipec.ir.diagnostics import Diagnostics

from ...ir import Span
from ..runtime_values import (
    RunTimeValue,
)
from ..source import SourceFile
from ..values import (
    POISON,
    Artifact,
    Invocation,
    PoisonSignal,
    ReturnSignal,
)

if TYPE_CHECKING:
    from ..modules import ModuleIndex


from .errors import AttrName, EvalError
from .expressions import Expressions, target_names
from .limits import MAX_LOOP_ITERATIONS, UNROLL_HELP, BudgetExhausted, WorkBudget


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class Scope:
    """Local names of a pipeline body (one flat scope, as in a Python function)."""

    def __init__(self, names: dict[str, Any] | None = None) -> None:
        self.names: dict[str, Any] = dict(names or {})


class Interpreter(Expressions):
    """Evaluates the Python subset of one file, inside one top-level statement.

    Calls of anything but builtins, safe methods and a few standard-library names fail
    here; :class:`pipec.frontend.calls.Evaluator` adds ZenML's call semantics.
    """

    def __init__(self, index: ModuleIndex, diags: Diagnostics, src: SourceFile, top: ast.stmt,
                 scope: Scope | None = None) -> None:
        self.index = index
        self.diags = diags
        self.src = src
        self.top = top
        self.scope = scope or Scope()
        self.iterations = 0
        #: Codes of the limits this evaluator has reported (each once).
        self.limits_reported: set[str] = set()
        #: The compile's work budget, shared by every evaluator of the same module index.
        if index.work_budget is None:
            index.work_budget = WorkBudget()
        self.budget: WorkBudget = index.work_budget
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
        except BudgetExhausted as err:
            # One diagnostic per limit (the work budget: per compile); later statements are skipped silently.
            reported = self.budget.reported if err.code == "PC140" else err.code in self.limits_reported
            if not reported:
                self.budget.reported |= err.code == "PC140"
                self.limits_reported.add(err.code)
                self.report(err)
            self._poison_targets(stmt)
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
            from ..artifact_inputs import unused_error

            unused = unused_error(value, node.value)  # a bare `save_artifact(...)`
            if unused is not None:
                raise unused
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
                for name in target_names(target):
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
        from ..body_raise import raised_error

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
        self.budget.charge(node)
        if self.iterations > MAX_LOOP_ITERATIONS:
            raise BudgetExhausted("PC114", f"more than {MAX_LOOP_ITERATIONS:,} loop iterations", node,
                                  help=UNROLL_HELP)

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


def _keyword(node: ast.AST) -> str:
    name = type(node).__name__
    return {"Global": "global", "Nonlocal": "nonlocal", "Match": "match", "TypeAlias": "type"}.get(
        name, name.lower())


def _unpack_message(value: Any, wanted: int, got: int, at_least: bool = False) -> str:
    need = f"at least {wanted}" if at_least else str(wanted)
    if isinstance(value, tuple) and value and all(isinstance(v, Artifact) for v in value):
        return f"step `{value[0].step}` has {got} outputs, but {need} names are unpacked"
    return f"cannot unpack {got} values into {need} names"


def _elif(src: SourceFile, node: ast.If) -> ast.If | None:
    """The `elif` branch of `node`, if it has one (`else:` holding an `if` is not one)."""
    if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) and src.is_elif(node.orelse[0]):
        return node.orelse[0]
    return None


def _assigned_names(stmt: ast.stmt, src: SourceFile) -> list[str]:
    names: list[str] = []
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            names += target_names(target)
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        names += target_names(stmt.target)
    elif isinstance(stmt, ast.For):
        names += target_names(stmt.target)
        for inner in stmt.body:
            names += _assigned_names(inner, src)
    elif isinstance(stmt, ast.If):
        for inner in stmt.body:
            names += _assigned_names(inner, src)
        for inner in stmt.orelse:
            names += _assigned_names(inner, src)
    return names
