"""Reading `@step` and `@pipeline` definitions from the source.

A top-level definition is classified by resolving its decorators to qualified
names (`known.STEP_DECORATORS`, ...). Step signatures, outputs and decorator
options are read statically; decorator arguments go through the evaluator in
constant mode, so module-level constants and settings objects work.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from pipec.ir.diagnostics import Diagnostics

from ..ir import Output, Param, Span
from . import known
from .annotations import normalize
from .calls import Evaluator
from .interp import EvalError, call_arguments
from .modules import Definition, ModuleIndex, base_value, is_parameters_class
from .old_api import is_old_api_pipeline, old_step_outputs
from .outputs import step_outputs
from .runtime_values import RunTimeValue
from .settings import IGNORED_KEYS, UNEVALUATED, to_json_value
from .source import SourceFile
from .values import (
    ClassRef,
    ExternalName,
    FunctionRef,
    ModuleRef,
    PipelineHandle,
    PoisonSignal,
    StepHandle,
    plain_value,
)


@dataclass
class StepDef:
    """A step function as declared."""

    # Step name: the decorator's `name=`, else the function name.
    name: str
    # Function name.
    function: str
    # Dotted module.
    module: str
    # Signature (context parameters excluded).
    params: tuple[Param, ...]
    # Outputs with ZenML naming.
    outputs: tuple[Output, ...]
    # Decorator options as (key, value, span).
    options: tuple[tuple[str, Any, Span], ...]
    # Where the `def` is.
    span: Span
    # Old-API parameter classes by parameter name.
    params_classes: dict[str, ClassRef] = field(default_factory=dict)
    # The ZenML integration a built-in step comes from (its code is ZenML's, not the project's), else None.
    integration: str | None = None
    # Outputs under the original API's rules (ZenML <= 0.39), used in an original-API pipeline.
    old_outputs: tuple[Output, ...] = ()


@dataclass
class PipelineParam:
    """A parameter of a pipeline function as declared."""

    # Name.
    name: str
    # Canonical type.
    type: str
    # Whether a default exists.
    has_default: bool
    # The default value (when it is a known literal).
    default: Any
    # Whether the default could be evaluated.
    default_known: bool
    # Where it is declared.
    span: Span


@dataclass
class PipelineDef:
    """A pipeline function as declared."""

    # Pipeline name (`name=` or the function name).
    name: str
    # Function name.
    function: str
    # Dotted module.
    module: str
    # Parameters (for the old API: the step slots).
    params: tuple[PipelineParam, ...]
    # Decorator options as (key, value, span).
    options: tuple[tuple[str, Any, Span], ...]
    # True for the old (<= 0.39) API.
    old_api: bool
    # Where the `def` is.
    span: Span
    # The file.
    source: SourceFile
    # The FunctionDef (or AsyncFunctionDef) node.
    node: ast.FunctionDef | ast.AsyncFunctionDef
    # True when the decorator belongs to both APIs (`zenml.pipelines.pipeline`): `old_api` was
    # decided by the pipeline's shape, and an instance bound to step instances makes it old.
    api_by_shape: bool = False
    # What reading the definition found (decorator arguments, parameter defaults). Reported only
    # when the pipeline is used (`report_definition`), so that `--pipeline P` is not failed by
    # another pipeline the entry merely imports.
    problems: Diagnostics = field(default_factory=Diagnostics)


def report_definition(pdef: PipelineDef, diags: Diagnostics) -> None:
    """Record in `diags` what reading `pdef`'s definition found (once per `diags`: repeats are merged)."""
    diags.extend(pdef.problems)


class Classifier:
    """Turns top-level definitions into StepHandle / PipelineHandle / ClassRef / FunctionRef."""

    def __init__(self, index: ModuleIndex, diags: Diagnostics) -> None:
        self.index = index
        self.diags = diags
        #: Every pipeline definition read so far, in reading order.
        self.pipelines: list[PipelineDef] = []

    def __call__(self, definition: Definition, src: SourceFile) -> Any:
        node = definition.node
        if isinstance(node, ast.ClassDef):
            return ClassRef(src.module_name, node.name, node, src)
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for expr in node.decorator_list:
            call = expr if isinstance(expr, ast.Call) else None
            target = self.static_value(src, call.func if call else expr)
            qual = target.qualname if isinstance(target, ExternalName) else None
            if qual in known.STEP_DECORATORS:
                return StepHandle(self.step(node, src, call))
            if qual in known.PIPELINE_DECORATORS:
                ambiguous = qual in known.OLD_PIPELINE_DECORATORS
                definition = self.pipeline(node, src, call, ambiguous and is_old_api_pipeline(node, src.tree))
                definition.api_by_shape = ambiguous
                return PipelineHandle(definition)
        return FunctionRef(f"{src.module_name}.{node.name}")

    # ------------------------------------------------------------------ helpers

    def static_value(self, src: SourceFile, node: ast.expr) -> Any:
        """Resolve a Name / dotted Attribute through imports only (no evaluation)."""
        attrs: list[str] = []
        while isinstance(node, ast.Attribute):  # a loop, not recursion: `a.b.c...` may be thousands long
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        value = self.index.resolve(src, node.id)
        for attr in reversed(attrs):
            if not isinstance(value, (ModuleRef, ExternalName)):
                return None
            value = self.index.attribute(value, attr, None)
        return value

    def resolver(self, src: SourceFile):
        """A resolver for annotations in `src`."""
        return lambda node: self.static_value(src, node)

    def _options(self, src: SourceFile, node: _Def, call: ast.Call | None, diags: Diagnostics) -> tuple:
        if call is None:
            return ()
        ev = Evaluator(self.index, diags, src, node)
        options = []
        for arg in call_arguments(call):
            if not isinstance(arg, ast.keyword) or arg.arg is None:
                ev.report(EvalError("PC107", "decorator arguments must be keywords", arg))
                continue
            try:
                options.append((arg.arg, ev.eval(arg.value), ev.span(arg)))
            except EvalError as err:
                if arg.arg in IGNORED_KEYS:  # pipec drops it anyway: one warning when it is read, no error
                    options.append((arg.arg, RunTimeValue(err.message, UNEVALUATED, ev.span(arg)), ev.span(arg)))
                else:
                    ev.report(err)
            except PoisonSignal:
                pass
        return tuple(options)

    def _def_span(self, src: SourceFile, node: _Def) -> Span:
        span = src.statement_span(node)
        # The `def` keyword line; the name sits after "def " (or "async def ").
        column = 1 + (len("async def ") if isinstance(node, ast.AsyncFunctionDef) else len("def "))
        return Span(span.path, span.line, column, span.line, column + len(node.name))

    def step(self, node: _Def, src: SourceFile, call: ast.Call | None) -> StepDef:
        """Read a step definition."""
        resolve = self.resolver(src)
        options = self._options(src, node, call, self.diags)
        name = _name_option(options, node.name)
        params, classes = self._signature(node, src, resolve)
        outputs = step_outputs(node, resolve, Evaluator(self.index, self.diags, src, node))
        return StepDef(name, node.name, src.module_name, params, outputs, options, self._def_span(src, node), classes,
                       old_outputs=old_step_outputs(node, resolve))

    def _signature(self, node: _Def, src: SourceFile, resolve) -> tuple[tuple[Param, ...], dict]:
        params: list[Param] = []
        classes: dict[str, ClassRef] = {}
        ev = Evaluator(self.index, self.diags, src, node)
        star = node.args.vararg or node.args.kwarg
        if star is not None:
            ev.report(EvalError("PC107", "steps cannot take *args or **kwargs", star))
        for p, default_node in parameters(node):
            annotation = p.annotation
            target = self.static_value(src, annotation) if isinstance(annotation, (ast.Name, ast.Attribute)) else None
            if isinstance(target, ExternalName) and target.qualname in known.CONTEXT_TYPES:
                continue
            if isinstance(target, ClassRef) and is_parameters_class(target, self.index):
                defaults, missing = parameters_defaults(target, self.index, self.diags)
                classes[p.arg] = target
                params.append(Param(p.arg, target.qualname, required=bool(missing),
                                    default=defaults, kind="parameters"))
                continue
            default, required = None, default_node is None
            if default_node is not None:
                try:
                    default = to_json_value(ev.eval(default_node))
                except (EvalError, PoisonSignal, TypeError):
                    default = None
            params.append(Param(p.arg, normalize(annotation, resolve), required, default))
        return tuple(params), classes

    def pipeline(self, node: _Def, src: SourceFile, call: ast.Call | None, old_api: bool) -> PipelineDef:
        """Read a pipeline definition."""
        resolve = self.resolver(src)
        problems = Diagnostics()
        options = self._options(src, node, call, problems)
        name = _name_option(options, node.name)
        ev = Evaluator(self.index, problems, src, node)
        params: list[PipelineParam] = []
        for p, default_node in parameters(node):
            default, known_default = None, False
            if default_node is not None:
                default, known_default = _pipeline_default(ev, p.arg, default_node)
            params.append(PipelineParam(p.arg, normalize(p.annotation, resolve), default_node is not None,
                                        default, known_default, src.name_span(p, p.arg)))
        definition = PipelineDef(name, node.name, src.module_name, tuple(params), options, old_api,
                                 self._def_span(src, node), src, node, problems=problems)
        self.pipelines.append(definition)
        return definition


_Def = ast.FunctionDef | ast.AsyncFunctionDef


def _pipeline_default(ev: Evaluator, name: str, node: ast.expr) -> tuple[Any, bool]:
    """(JSON value, True) of parameter `name`'s default `node`; (None, False) once reported."""
    from .zenml_constants import unknown_value_error

    try:
        value = ev.eval(node)
    except EvalError as err:
        ev.report(err)
        return None, False
    except PoisonSignal:
        return None, False
    try:
        return to_json_value(value), True
    except TypeError:
        ev.report(unknown_value_error(value, node, f"the default of `{name}`")
                  or EvalError("PC111", f"the default of `{name}` is not a JSON value", node))
        return None, False


def _name_option(options: tuple, default: str) -> str:
    """The decorator's `name=` (an Enum member gives its value, as in ZenML), else `default`."""
    for key, value, _ in options:
        if key == "name" and isinstance(plain_value(value), str):
            return plain_value(value)
    return default


def parameters(node: _Def) -> list[tuple[ast.arg, ast.expr | None]]:
    """A function's named parameters (positional-only, regular, keyword-only) with their defaults."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    return [*zip(positional, defaults, strict=True), *zip(args.kwonlyargs, args.kw_defaults, strict=True)]


def parameters_fields(cls: ClassRef, index: ModuleIndex, diags: Diagnostics,
                      depth: int = 0) -> dict[str, tuple[bool, Any, ast.AST]]:
    """Fields of a BaseParameters class (bases first): name -> (has_default, default, node)."""
    fields: dict[str, tuple[bool, Any, ast.AST]] = {}
    if depth > 20:
        return fields
    for base in cls.node.bases:
        value = base_value(cls, base, index)
        if isinstance(value, ClassRef):
            fields.update(parameters_fields(value, index, diags, depth + 1))
    ev = Evaluator(index, diags, cls.source, cls.node)
    for stmt in cls.node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name = stmt.target.id
            if stmt.value is None:
                fields[name] = (False, None, stmt)
                continue
            try:
                fields[name] = (True, to_json_value(ev.eval(stmt.value)), stmt)
            except (EvalError, PoisonSignal, TypeError):
                fields[name] = (True, None, stmt)
    return fields


def parameters_defaults(cls: ClassRef, index: ModuleIndex, diags: Diagnostics) -> tuple[dict, list[str]]:
    """(defaults of the fields that have one, names of fields without a default)."""
    fields = parameters_fields(cls, index, diags)
    defaults = {k: v for k, (has, v, _) in fields.items() if has}
    missing = [k for k, (has, _, _) in fields.items() if not has]
    return defaults, missing
