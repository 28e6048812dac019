"""Expressions of the Python subset, and the dispatch of calls.

:class:`Expressions` evaluates every expression node the subset has (`_e_<Node>`),
gathers call arguments and dispatches calls; what a call does is decided by
:meth:`call`, which :class:`~pipec.frontend.calls.Evaluator` extends with ZenML's
semantics.
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Iterator
from typing import Any

from pipec.ir.diagnostics import did_you_mean

from .. import known
from ..runtime_values import (
    ENV,
    RunTimeValue,
    expression_text,
    is_opaque,
)
from ..values import (
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
    ParamValue,
    PipelineHandle,
    PipelineInstance,
    PoisonSignal,
    RuntimeOnly,
    SettingsObject,
    Slot,
    StepHandle,
    contains_symbolic,
)
from .errors import AttrName, ConstantError, EvalError, describe_node, kind_of, opaque_error
from .limits import MAX_INT_BITS, check_int_bits, check_size, format_width_bound
from .safe_calls import BUILTINS, CONSTANTS, SAFE_METHODS, SafeCalls

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


class Expressions(SafeCalls):
    """Evaluates expressions; calls go through :meth:`call`."""

    # ------------------------------------------------------------------ expressions

    def eval(self, node: ast.expr) -> Any:
        """The value of expression `node`."""
        self.budget.charge(node)
        method = getattr(self, f"_e_{type(node).__name__}", None)
        if method is None:
            raise EvalError("PC102", f"{describe_node(node)} cannot be evaluated statically", node)
        value = method(node)
        if value is POISON:
            raise PoisonSignal()
        if isinstance(value, RuntimeOnly):
            raise EvalError("PC102", value.message, node, help=value.help)
        return value

    def _e_Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, complex):
            raise EvalError("PC111", "complex numbers are not supported", node)
        if isinstance(node.value, str) and (bad := lone_surrogate(node.value)) is not None:
            raise EvalError("PC111", f"the string holds a lone surrogate (U+{ord(bad):04X}), which no UTF-8 "
                            "artifact can carry", node,
                            help="write the character it stands for, or escape it as text (e.g. '\\\\ud800')")
        return node.value

    def _e_JoinedStr(self, node: ast.JoinedStr) -> Any:
        result = self._joined(node)
        self._limit(result, node)
        return result

    def _joined(self, node: ast.JoinedStr) -> str:
        pieces: list[str] = []
        size = 0
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                pieces.append(self._format_part(part))
            elif isinstance(part, ast.Constant) and isinstance(part.value, str):
                pieces.append(part.value)
            else:
                raise EvalError("PC102", "this f-string part cannot be evaluated statically", part)
            size += len(pieces[-1])
            check_size(size, node, "the f-string")
        return "".join(pieces)

    def _format_part(self, part: ast.FormattedValue) -> str:
        value = self.eval(part.value)
        if isinstance(value, Artifact):
            raise EvalError("PC113", f"the output `{value.output}` of step `{value.step}` exists only at run "
                            "time; it cannot be formatted into a string here", part.value,
                            help="pass it to a step and format it inside the step")
        value = self.concrete_deep(value, part.value)
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
        check_size(format_width_bound(spec), part, "the formatted value")
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
        if isinstance(base, Artifact) and attr in ("invocation_id", "output_name"):
            # ZenML's StepArtifact knows both while the pipeline is composed (`after=out.invocation_id`).
            return base.step if attr == "invocation_id" else base.output
        if isinstance(base, Invocation):
            raise EvalError("PC102", f"step `{base.step}` has no outputs: its call gives an empty list, which has no "
                            f"`.{attr}`", node, help=f"write its invocation id: after=\"{base.step}\"")
        if isinstance(base, Artifact):
            raise EvalError("PC113", f"the output `{base.output}` of step `{base.step}` exists only at run time; "
                            f"`.{attr}` cannot be read while compiling", node,
                            help="do this inside a step that takes the output as an input")
        if isinstance(base, (StepHandle, PipelineHandle, Slot, OldStepInstance, PipelineInstance)):
            return BoundMethod(base, attr)
        if isinstance(base, RunTimeValue):
            from ..zenml_api import runtime_attribute

            return runtime_attribute(base, attr)
        if hasattr(base, "static_attribute"):  # e.g. ZenML's pipeline context
            return base.static_attribute(self, attr, node)
        if isinstance(base, Logger) and attr in known.LOGGER_METHODS:
            return BoundMethod(base, attr)
        if isinstance(base, ParamValue):
            base = self.concrete(base, node.value)
            if hasattr(base, "static_attribute"):  # a parameter object's field
                return base.static_attribute(self, attr, node)
        if isinstance(base, ClassRef):
            from ..classattrs import class_attribute

            return class_attribute(self, base, attr, AttrName(node))
        if isinstance(base, ENUM_MEMBERS) and attr in ("value", "name"):
            return base.value if attr == "value" else base.name
        for kind, methods in SAFE_METHODS.items():
            if isinstance(base, kind) and not isinstance(base, bool) and attr in methods:
                return BoundMethod(base, attr)
        if isinstance(base, SettingsObject):
            return base.get(attr)
        if isinstance(base, Artifact | ParamValue) or not is_opaque(base):
            raise EvalError("PC102", f"`.{attr}` cannot be evaluated statically on {kind_of(base)}", node)
        raise opaque_error(base, node, f"`.{attr}` cannot be read", root=self.index.root)

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
        if isinstance(base, ClassRef):
            from ..enum_classes import by_name, members_of

            members = members_of(self.index, base)
            if members is not None:  # `Kind["A"]`
                return by_name(self, base, members, self.concrete(self.eval(node.slice), node.slice), node)
        base = self.concrete_shallow(base, node.value)
        if is_opaque(base):
            raise opaque_error(base, node.value, "it cannot be indexed", root=self.index.root)
        element = node.slice  # `d[a, b]` is `d[(a, b)]`, as in Python
        if isinstance(element, ast.Slice):
            parts = [None if p is None else self.concrete(self.eval(p), p)
                     for p in (element.lower, element.upper, element.step)]
            key: Any = slice(*parts)
        else:
            key = self.concrete(self.eval(element), element)
        try:
            return base[key]
        except KeyError as exc:
            help_text = getattr(base, "missing_key_help", None)
            if help_text is not None:
                text = expression_text(self.src.text, node.value)
                what = base.label if text == base.label.strip("`") else f"`{text}` ({base.label})"
                raise EvalError("PC102", f"{what} has no key {key!r} in this compile", node, help=help_text) from None
            raise EvalError("PC102", f"subscript fails at compile time: KeyError: {exc}", node) from None
        except (IndexError, TypeError, ValueError) as exc:
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
        _check_operands(op_type, left, right, node)
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
        from ..enum_classes import compare, members_of

        left, left_node = self.eval(node.left), node.left
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if not (isinstance(op, (ast.Is, ast.IsNot)) and isinstance(left, Artifact)):
                left = self.concrete(left, left_node)  # reported before the right side is evaluated
            right = self.eval(comparator)
            ok = self._output_is_none(op, left, right, node)
            if ok is None:
                left = self.concrete(left, left_node)
                if not (isinstance(op, (ast.In, ast.NotIn)) and members_of(self.index, right) is not None):
                    right = self.concrete(right, comparator)
                ok = compare(self.index, op, left, right, node)
            if not ok:
                return False
            left, left_node = right, comparator
        return True

    def _output_is_none(self, op: ast.cmpop, left: Any, right: Any, node: ast.Compare) -> bool | None:
        """`output is None` (False) or `output is not None` (True), as in ZenML, where a step
        output is a placeholder that is never None while the pipeline is composed; None for any
        other comparison."""
        if not isinstance(op, (ast.Is, ast.IsNot)):
            return None
        output = left if right is None else right if left is None else None
        if not isinstance(output, Artifact):
            return None
        result = isinstance(op, ast.IsNot)
        self.diags.warning("PC113", f"the output `{output.output}` of step `{output.step}` is never None while the "
                           f"pipeline is composed: this test is always {result}, whatever the step returns at "
                           "run time", self.span(node),
                           help="test the value inside a step that takes the output as an input")
        return result

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
            for name in [n for clause in node.generators for n in target_names(clause.target)]:
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
        if is_log_call(func):
            # Printing and logging do nothing at compile time; their arguments may exist only at run
            # time, so they are not evaluated, but a name Python could not find is still an error,
            # and a step called inside them still joins the pipeline (`print(train())`).
            self._check_names_defined(node)
            for argument in [*node.args, *(k.value for k in node.keywords)]:
                self._run_step_calls(argument)
            return None
        return self._call_with_arguments(func, node)

    def _run_step_calls(self, node: ast.AST) -> None:
        """Evaluate the step and pipeline calls inside `node` (in source order), nothing else; a
        comprehension that calls a step is evaluated whole (the step is called per item)."""
        if isinstance(node, ast.Lambda):
            return  # never called here
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            if any(self._calls_step(child) for child in ast.walk(node)):
                self.eval(node)
            return
        if self._calls_step(node):
            self.eval(node)
            return
        for child in ast.iter_child_nodes(node):
            self._run_step_calls(child)

    def _calls_step(self, node: ast.AST) -> bool:
        if not (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))):
            return False
        try:
            func = self.eval(node.func)
        except (EvalError, PoisonSignal):
            return False
        return isinstance(func, (StepHandle, Slot, PipelineHandle))

    def _check_names_defined(self, node: ast.Call) -> None:
        """PC103 for a name read in `node`'s arguments that is defined nowhere (NameError in Python)."""
        arguments = [*node.args, *(k.value for k in node.keywords)]
        bound = {n for arg in arguments for n in locally_bound(arg)}
        for arg in arguments:
            for child in ast.walk(arg):
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load) and child.id not in bound:
                    try:
                        self._e_Name(child)
                    except EvalError as err:
                        if err.code == "PC103":
                            raise
                    except PoisonSignal:
                        pass

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
        """A keyword argument's value."""
        return self.eval(arg.value)

    def call(self, func: Any, args: list, kwargs: dict, node: ast.Call, arg_nodes: dict[str, ast.AST]) -> Any:
        """Call `func` statically: safe builtins, methods and standard-library names."""
        if isinstance(func, BoundMethod):
            return self._method(func, args, kwargs, node, arg_nodes)
        if isinstance(func, Builtin):
            return self._builtin(func.name, args, kwargs, node)
        if isinstance(func, ExternalName):
            return self._external(func, args, kwargs, node)
        if hasattr(func, "static_call"):  # e.g. `.get` of ZenML's pipeline context `extra`
            return func.static_call(self, args, kwargs, node)
        if isinstance(func, ClassRef):
            raise EvalError("PC102", f"class `{func.name}` cannot be instantiated at compile time", node,
                            help="create it inside a step")
        if isinstance(func, FunctionRef):
            raise EvalError("PC104", f"`{func.qualname.rsplit('.', 1)[-1]}` is a plain function, not a step; "
                            "pipec does not run it while compiling", node,
                            help="decorate it with @step, or inline a literal value")
        raise EvalError("PC104", f"{describe_node(node.func)} is not a step and cannot be called statically", node.func)


# ---------------------------------------------------------------------- helpers


def is_log_call(func: Any) -> bool:
    """`print`, `logger.info`, `logging.warning`, ...: a call that only prints or logs."""
    if isinstance(func, Builtin):
        return func.name == "print"
    if isinstance(func, BoundMethod):
        return isinstance(func.receiver, Logger) and func.name in known.LOGGER_METHODS
    return isinstance(func, ExternalName) and func.qualname in known.LOGGING_CALLS


def call_arguments(node: ast.Call) -> list[ast.expr | ast.keyword]:
    """A call's arguments in Python's evaluation order: positional (and `*`) ones, then keywords."""
    return [*node.args, *node.keywords]


def locally_bound(node: ast.AST) -> set[str]:
    """Names an expression binds for its own parts: comprehension targets, lambda parameters, `:=`."""
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.comprehension):
            names.update(target_names(child.target))
        elif isinstance(child, ast.Lambda):
            names.update(a.arg for a in ast.walk(child.args) if isinstance(a, ast.arg))
        elif isinstance(child, ast.NamedExpr):
            names.add(child.target.id)
    return names


def target_names(node: ast.AST | None) -> list[str]:
    """Names bound by an assignment target (`a`, `a, (b, *c)`)."""
    if node is None:
        return []
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for e in node.elts for n in target_names(e)]
    if isinstance(node, ast.Starred):
        return target_names(node.value)
    return []


def _int_operand(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_operands(op_type: type, left: Any, right: Any, node: ast.AST) -> None:
    """PC141/PC142 before a binary operation whose result would be too large to build."""
    if op_type is ast.Pow and _int_operand(left) and _int_operand(right) and right > 0 and abs(left) > 1:
        # left**right needs at least (bits(left) - 1) * right + 1 bits
        check_int_bits((left.bit_length() - 1) * min(right, MAX_INT_BITS + 1) + 1, node)
    if op_type is ast.LShift and _int_operand(left) and _int_operand(right) and left:
        check_int_bits(left.bit_length() + min(right, MAX_INT_BITS + 1), node)
    if op_type is ast.Mult:
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, bytes, list, tuple)) and _int_operand(count):
                check_size(len(seq) * max(count, 0), node, "the repetition")
    if op_type is ast.Add:
        for seq in (left, right):
            if isinstance(seq, (str, bytes, list, tuple)) and type(left) is type(right):
                check_size(len(left) + len(right), node, "the concatenation")
                break
    if op_type is ast.Mod and isinstance(left, str):
        items = right if isinstance(right, tuple) else (right,)
        widths = sum(v for v in items if _int_operand(v) and v > 0)
        texts = sum(len(v) for v in items if isinstance(v, str))
        check_size(len(left) + format_width_bound(left) + widths + texts, node, "the formatted string")


@functools.lru_cache(maxsize=4096)  # a literal in a loop body is checked once, not per iteration
def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in `text` (a `"\\ud800"` escape), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return text[exc.start]
    return None
