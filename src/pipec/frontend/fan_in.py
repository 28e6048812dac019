"""A list of step outputs bound to one step input: a fan-in (`OutputList`).

``combine(results=[train(seed=i, id=f"t_{i}") for i in range(k)])`` binds `results` to the
outputs of the `train` calls, in order. The number of elements is fixed when the body is
evaluated, so a pipeline parameter the list's comprehension iterates over shapes the DAG:
the compile pins it (:func:`pinned_parameters`, applied by :func:`pin_parameters`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pipec.ir.diagnostics import Diagnostics
from pipec.ir.types import format_literal

from ..ir import (
    LiteralValue,
    OutputList,
    OutputRef,
    ParameterRef,
    PipelineParameter,
    StepInvocation,
)
from .interp import EvalError
from .values import Artifact, Invocation, ParamValue, contains_symbolic


def _describe(value: Any) -> str:
    """What a non-output element is, for a message (never an internal type name)."""
    if isinstance(value, ParamValue):
        return f"pipeline parameter `{value.name}`"
    if isinstance(value, Invocation):
        return f"the call of step `{value.step}`, which has no outputs"
    if isinstance(value, tuple) and value and all(isinstance(v, Artifact) for v in value):
        return f"the {len(value)} outputs of step `{value[0].step}`"
    if contains_symbolic(value):
        return "a collection holding step outputs"
    return "a literal value"


def is_fan_in(value: Any) -> bool:
    """True when `value` is a list or tuple with a step output among its elements.

    A tuple whose elements are all outputs of one step is that step's outputs (a
    multi-output call), not a fan-in: the caller reports it.
    """
    if not isinstance(value, (list, tuple)) or not value:
        return False
    if isinstance(value, tuple) and all(isinstance(v, Artifact) for v in value) \
            and len({v.step for v in value}) == 1:
        return False
    return any(isinstance(v, Artifact) for v in value)


def output_list(value: list | tuple, name: str, step: str, node: ast.AST) -> OutputList:
    """The fan-in source of input `name` of step `step`; PC113 when an element is not a step output."""
    refs = []
    for position, item in enumerate(value):
        if not isinstance(item, Artifact):
            raise EvalError("PC113", f"element {position} of the list passed to input `{name}` of step `{step}` "
                            f"is {_describe(item)}, not a step output", node,
                            help="a list of step outputs becomes one artifact per element, so every element "
                                 "must be one output of a step called in the pipeline; pass the other values "
                                 "through their own input, or return them from a step")
        refs.append(OutputRef(item.step, item.output))
    return OutputList(tuple(refs))


def pinned_parameters(node: ast.AST, body: ast.AST, names: dict[str, Any]) -> list[str]:
    """Pipeline parameters that set how many elements the list `node` has, in order of
    appearance, each once: those the comprehensions in `node` iterate over or filter on, and,
    for a variable in `node`, those of the statements of the pipeline function `body` that
    build it (``xs = [... for i in range(k)]``, or a ``for`` loop that appends to it).

    `names` is the body's scope, where such a parameter is a :class:`ParamValue`.
    """
    variables = {leaf.id for leaf in ast.walk(node) if isinstance(leaf, ast.Name)}
    sources: list[ast.AST] = [node]
    for stmt in ast.walk(body):
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id in variables for t in targets):
                sources.append(stmt.value)
        elif isinstance(stmt, ast.For) and any(_grows(inner, variables) for inner in ast.walk(stmt)):
            sources.append(stmt)
    found: dict[str, None] = {}
    for source in sources:
        for part in _sizing_parts(source):
            for leaf in ast.walk(part):
                value = names.get(leaf.id) if isinstance(leaf, ast.Name) else None
                if isinstance(value, ParamValue):
                    found.setdefault(value.name, None)
    return list(found)


def _grows(node: ast.AST, variables: set[str]) -> bool:
    """True for ``xs.append(...)``, ``xs.extend(...)``, ``xs.insert(...)`` or ``xs += ...`` on one of `variables`."""
    if isinstance(node, ast.AugAssign):
        return isinstance(node.target, ast.Name) and node.target.id in variables
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("append", "extend", "insert") and isinstance(node.func.value, ast.Name)
            and node.func.value.id in variables)


def _sizing_parts(node: ast.AST) -> list[ast.AST]:
    """The iterables and filters of the comprehensions and ``for`` loops in `node`."""
    parts: list[ast.AST] = []
    for inner in ast.walk(node):
        if isinstance(inner, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            parts += [part for clause in inner.generators for part in (clause.iter, *clause.ifs)]
        elif isinstance(inner, ast.For):
            parts.append(inner.iter)
    return parts


def pin_parameters(steps: Iterable[StepInvocation], pinned: dict[str, tuple[str, str]],
                   parameters: dict[str, PipelineParameter], diags: Diagnostics) -> list[StepInvocation]:
    """`steps` with each binding of a pinned parameter replaced by its compile-time value.

    `pinned` maps a parameter to the (step id, input) of the fan-in it sizes. A run could
    otherwise change the value a step receives while the number of elements stays what this
    compile made, so no target offers a pinned parameter at run time; PC127 (a warning)
    says so where a step binds it.
    """
    out = []
    for inv in steps:
        inputs = []
        for binding in inv.inputs:
            source = binding.source
            param = parameters.get(source.name) if isinstance(source, ParameterRef) else None
            if param is not None and param.known and source.name in pinned:
                step, name = pinned[source.name]
                diags.warning("PC127", f"pipeline parameter `{param.name}` sets the number of elements of input "
                              f"`{name}` of step `{step}`, so this compile pins it to "
                              f"`{format_literal(param.value)}`: step `{inv.id}` input `{binding.name}` receives that "
                              "value and no run can change it", binding.span,
                              help=f"recompile with --param {param.name}=... to change it")
                binding = replace(binding, source=LiteralValue(param.value))
            inputs.append(binding)
        out.append(replace(inv, inputs=tuple(inputs)) if inputs != list(inv.inputs) else inv)
    return out
