"""ZenML's original (<= 0.39) API: telling it from the current one, and its output rules.

ZenML >= 0.40 re-exports its current decorators from `zenml.pipelines` and `zenml.steps`, the
modules the original API used, so the import alone says nothing. The pipeline's shape decides
(:func:`is_old_api_pipeline`); a module-level instance bound to step instances and `.run()`
decides too, when the pipeline is built (`pipelines.build_pipeline`).

The original API's steps name their outputs differently (ZenML <= 0.39 `BaseStepMeta`):
:func:`old_step_outputs`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..ir import Output
from . import known
from .annotations import Resolver, normalize

_Def = ast.FunctionDef | ast.AsyncFunctionDef

#: Methods only a step slot has: `trainer.after(loader)`, `trainer.configure(...)`.
_SLOT_METHODS = frozenset({"after", "configure", "with_options"})

#: The original API's names a module imports (BaseParameters, BaseStepConfig, Output).
_OLD_API_NAMES = known.BASE_PARAMETERS | known.OUTPUT_CLASSES


def is_old_api_pipeline(func: _Def, tree: ast.Module) -> bool:
    """True when pipeline function `func` (in module `tree`) is written for the original API.

    That is the case when its body calls one of its own parameters, as a step slot
    (`def p(loader): loader()`, `trainer.after(loader)`), or when its module imports the
    original API's `BaseParameters`, `BaseStepConfig` or `Output`.
    """
    return calls_a_parameter(func) or imports_old_api_names(tree)


def calls_a_parameter(func: _Def) -> bool:
    """True when the body of `func` calls one of its parameters, or a slot method on one."""
    args = func.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    if not names:
        return False
    for node in _body_nodes(func):
        if not isinstance(node, ast.Call):
            continue
        target = node.func
        if isinstance(target, ast.Attribute) and target.attr in _SLOT_METHODS:
            target = target.value
        if isinstance(target, ast.Name) and target.id in names:
            return True
    return False


def imports_old_api_names(tree: ast.Module) -> bool:
    """True when module `tree` imports `BaseParameters`, `BaseStepConfig` or `Output` from ZenML."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if any(f"{node.module}.{alias.name}" in _OLD_API_NAMES for alias in node.names):
                return True
    return False


def _body_nodes(func: _Def) -> Iterator[ast.AST]:
    """Every node of `func`'s body, nested functions and classes excluded."""
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def old_step_outputs(func: _Def, resolve: Resolver) -> tuple[Output, ...]:
    """A step's outputs under the original API's rules (ZenML <= 0.39).

    No return annotation (or `-> None`) means no output; `-> Output(a=A, b=B)` gives the named
    outputs `a` and `b`; any other annotation, `Tuple[...]` included, is ONE output `output`.
    """
    returns = func.returns
    if returns is None or (isinstance(returns, ast.Constant) and returns.value is None):
        return ()
    if isinstance(returns, ast.Call) and _qualname(returns.func, resolve) in known.OUTPUT_CLASSES:
        return tuple(Output(arg.arg, normalize(arg.value, resolve)) for arg in returns.keywords
                     if arg.arg is not None)
    return (Output("output", normalize(returns, resolve)),)


def _qualname(node: ast.expr, resolve: Resolver) -> str | None:
    value = resolve(node)
    return getattr(value, "qualname", None)
