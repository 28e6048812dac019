"""Module-level runs: the pipeline calls a script makes (`p(lr=0.1)`, `old_p(s=s()).run()`)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipec.ir.diagnostics import Diagnostics

from ..ir import Span
from .calls import Evaluator
from .entry_call_sites import call_sites
from .entry_functions import defines_step_or_pipeline, local_assignment, walk_function
from .entry_imports import pipeline_bindings
from .interp import EvalError, Scope
from .modules import ModuleIndex
from .source import SourceFile
from .stepdefs import PipelineDef
from .values import (
    OldStepInstance,
    ParamsInstance,
    PipelineHandle,
    PipelineInstance,
    PoisonSignal,
    StepHandle,
)


@dataclass(frozen=True)
class IgnoredCall:
    """A pipeline call whose arguments pipec could not evaluate, and why."""

    #: Ids of the pipeline definitions the call mentions.
    pipelines: frozenset[int]
    #: The evaluation error's code.
    code: str
    #: The evaluation error's message.
    message: str
    #: Where the argument that could not be evaluated is.
    span: Span
    #: The evaluation error's help, if any.
    help: str | None
    #: "pipeline call" or "module-level pipeline call".
    where: str


class RunScanner:
    """Finds module-level pipeline calls: `p(lr=0.1)`, `p.with_options(...)()`, `old_p(s=s()).run()`.

    Module-level code is arbitrary (argparse, logging, click...), so only expressions
    that mention a pipeline are evaluated, and failures in them are warnings.
    """

    def __init__(self, index: ModuleIndex, diags: Diagnostics, src: SourceFile, *,
                 values_from_script: bool = False) -> None:
        self.index = index
        self.diags = diags
        self.src = src
        # A running script passes the call's values (`python run.py`): arguments the compiler
        # cannot evaluate do not matter then, only the options around them.
        self.values_from_script = values_from_script
        self.scope = Scope()
        self.instances: list[PipelineInstance] = []
        # Names assigned the result of a new-API pipeline call.
        self.run_names: set[str] = set()
        # Calls with arguments pipec could not evaluate, in source order (`report_ignored`).
        self.ignored: list[IgnoredCall] = []
        # The script's calls of its own functions, whose values their parameters take.
        self.call_sites = call_sites(src.tree)

    @property
    def ignored_calls(self) -> dict[int, IgnoredCall]:
        """Pipelines (by id of their definition) called with arguments pipec could not evaluate: the first such call."""
        first: dict[int, IgnoredCall] = {}
        for call in self.ignored:
            for key in call.pipelines:
                first.setdefault(key, call)
        return first

    def report_ignored(self, diags: Diagnostics, reported: Iterable[int]) -> None:
        """Warn about each ignored call, except the first one of each pipeline (id in `reported`)
        whose build already made its reason an error (an original-API pipeline left without its instance)."""
        first = self.ignored_calls
        done = [first[key] for key in reported if key in first]
        for call in self.ignored:
            if all(call is not escalated for escalated in done):
                diags.warning(call.code, f"{call.message}; the {call.where} is ignored", call.span, help=call.help)

    def scan(self) -> list[PipelineInstance]:
        """Every pipeline instance created at module level, in source order."""
        for stmt in self.src.tree.body:
            self._walk(stmt, stmt)
        return self.instances

    def _walk(self, stmt: ast.stmt, top: ast.stmt) -> None:
        if isinstance(stmt, ast.ImportFrom) and stmt is not top:
            # `from pipelines.train import p` inside `main()`: the calls after it use that pipeline.
            self.scope.names.update(pipeline_bindings(self.index, stmt))
            return
        if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign)):
            if stmt.value is not None and not self._expression(stmt, top) and stmt is not top:
                local_assignment(self, stmt, top)  # a local constant of an entry function
            return
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not defines_step_or_pipeline(self, stmt):  # steps and pipelines are not entry points
                walk_function(self, stmt, top)
            return
        if isinstance(stmt, ast.ClassDef):
            return
        for block in _blocks(stmt):
            for inner in block:
                self._walk(inner, top)

    def _expression(self, small: ast.Expr | ast.Assign | ast.AnnAssign, top: ast.stmt) -> bool:
        """Evaluate `small` when it mentions a pipeline (True then), else leave it (False)."""
        if not (self._mentions_pipeline(small.value) or _is_configure_call(small.value)):
            return False
        ev = Evaluator(self.index, self.diags, self.src, top, self.scope, builder=self)
        try:
            value = ev.eval(small.value)
        except EvalError as err:
            if self.values_from_script and self._call_without_arguments(small.value, err.node, top):
                return True
            span = ev.span(err.node) if err.node is not None else self.src.statement_span(top)
            where = "module-level pipeline call" if small is top else "pipeline call"
            mentioned = frozenset(id(d) for d in self._pipelines_mentioned(small.value))
            self.ignored.append(IgnoredCall(mentioned, err.code, err.message, span, err.help, where))
            return True
        except (PoisonSignal, RecursionError):
            return True
        # A new-API call runs the pipeline; an original-API instance runs when `.run()` is called.
        finished_run = isinstance(value, PipelineInstance) and (not value.handle.definition.old_api
                                                                or _is_run_call(small.value))
        if isinstance(small, ast.Assign):
            for target in small.targets:
                if isinstance(target, ast.Name):
                    if finished_run:
                        # `run = training()`: the name holds a finished run, so `run.steps[...]` is no call.
                        self.run_names.add(target.id)
                    else:
                        self.scope.names[target.id] = value
                        self.run_names.discard(target.id)
        return True

    def _call_without_arguments(self, expr: ast.expr, failed: ast.AST | None, top: ast.stmt) -> bool:
        """Record the pipeline call around `failed`, an argument, with its options but no arguments."""
        if failed is None:
            return False
        for node in ast.walk(expr):
            if not (isinstance(node, ast.Call) and self._mentions_pipeline(node.func)):
                continue
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if not any(failed is inner for arg in arguments for inner in ast.walk(arg)):
                continue
            ev = Evaluator(self.index, self.diags, self.src, top, self.scope, builder=self)
            try:
                handle = ev.eval(node.func)
            except (EvalError, PoisonSignal, RecursionError):
                return False
            if isinstance(handle, PipelineHandle):
                self.instances.append(PipelineInstance(handle, [], {}, (), ev.span(node), arguments_known=False))
                return True
        return False

    def _pipeline_named(self, name: str) -> PipelineDef | None:
        """The pipeline `name` stands for here (a pipeline or an instance of one), else None."""
        value = self.scope.names.get(name)
        if value is None:
            try:
                value = self.index.resolve(self.src, name)
            except RecursionError:
                value = None
        if isinstance(value, PipelineHandle):
            return value.definition
        return value.handle.definition if isinstance(value, PipelineInstance) else None

    def _pipelines_mentioned(self, node: ast.expr) -> list[PipelineDef]:
        """The pipeline definitions the names in `node` stand for."""
        return [pdef for name in _names_mentioned(node) if (pdef := self._pipeline_named(name)) is not None]

    def _mentions_pipeline(self, node: ast.expr) -> bool:
        return any(name not in self.run_names and self._pipeline_named(name) is not None
                   for name in _names_mentioned(node))

    # Evaluator builder hooks -------------------------------------------------------

    def call_step(self, ev: Evaluator, func: Any, args: list, kwargs: dict, node: ast.Call,
                  arg_nodes: dict) -> Any:
        """At module level, calling a step makes an old-API step instance."""
        if isinstance(func, StepHandle):
            kwargs = dict(kwargs)
            if len(args) == 1 and isinstance(args[0], ParamsInstance) and "params" not in kwargs:
                kwargs["params"] = args[0]  # ZenML <= 0.39 also takes the parameters object positionally
            elif args:
                raise EvalError("PC107", "old-style step instances take keyword arguments only", node)
            return OldStepInstance(func.definition, kwargs, func.overrides, ev.span(node))
        raise EvalError("PC102", "this call cannot be evaluated at module level", node)

    def step_failed(self, func: Any, node: ast.Call) -> None:
        """A failed step call at module level needs no bookkeeping: no step ids are taken there."""

    def pipeline_call(self, ev: Evaluator, handle: PipelineHandle, args: list, kwargs: dict, node: ast.Call,
                      arg_nodes: dict) -> PipelineInstance:
        """Record a module-level pipeline call."""
        # `**values` or `*values`: a key a failed assignment left out of them may still be passed.
        unpacked = any(k.arg is None for k in node.keywords) or any(isinstance(a, ast.Starred) for a in node.args)
        instance = PipelineInstance(handle, list(args), dict(kwargs), (), ev.span(node), arguments_known=not unpacked)
        instance.arg_spans = {k: ev.span(v) for k, v in arg_nodes.items()}  # type: ignore[attr-defined]
        self.instances.append(instance)
        return instance


def _is_run_call(node: ast.expr) -> bool:
    """`<instance>.run(...)`."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run"


def _is_configure_call(node: ast.expr) -> bool:
    """`something.configure(...)`: ZenML's in-place step configuration."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "configure"


def _names_mentioned(node: ast.expr) -> list[str]:
    """Identifiers written in `node`: names, attribute names and keyword names, in source order."""
    names: list[str] = []
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.append(child.id)
        elif isinstance(child, ast.Attribute):
            names.append(child.attr)
        elif isinstance(child, ast.keyword) and child.arg is not None:
            names.append(child.arg)
    return names


def _blocks(stmt: ast.stmt) -> list:
    blocks = [getattr(stmt, name) for name in ("body", "orelse", "finalbody")
              if isinstance(getattr(stmt, name, None), list)]
    blocks[1:1] = [handler.body for handler in getattr(stmt, "handlers", ()) or ()]
    return blocks
