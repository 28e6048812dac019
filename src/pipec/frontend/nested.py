"""A pipeline called inside another pipeline's body: inlined, as ZenML does.

ZenML (`Pipeline.__call__` while a pipeline is being compiled) calls the inner pipeline's
function as a plain Python function: its steps join the outer pipeline, with ids given by the
same rule (the step name, then `name_2`, `name_3`, ... across the whole outer pipeline), the
outer pipeline's configuration applies to them, the inner pipeline's own options are ignored,
and whatever the inner function returns (its steps' outputs) is the call's value.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from .calls import Evaluator
from .enum_parameters import default_as_written
from .interp import EvalError, Scope
from .parameters import parameter_help
from .stepdefs import PipelineDef, report_definition
from .values import POISON, PipelineHandle, ReturnSignal

if TYPE_CHECKING:
    from .builder import PipelineBuilder


def inline_pipeline(builder: PipelineBuilder, ev: Evaluator, handle: PipelineHandle, args: list, kwargs: dict,
                    node: ast.Call, arg_nodes: dict) -> Any:
    """Evaluate `handle`'s body into `builder`'s pipeline with the call's arguments; its return value."""
    inner: PipelineDef = handle.definition
    report_definition(inner, builder.diags)
    outer = builder.active[0]
    if outer.old_api or inner.old_api:
        raise EvalError("PC101", f"pipeline `{inner.name}` is called inside pipeline `{outer.name}`, and one of them "
                        "uses ZenML's original API, which cannot compose pipelines", node,
                        help="call the inner pipeline's steps directly in the outer pipeline")
    if any(active is inner for active in builder.active):
        chain = " -> ".join(f"`{p.name}`" for p in [*builder.active, inner])
        raise EvalError("PC101", f"pipeline `{inner.name}` calls itself ({chain}); inlining it would never end",
                        node)
    scope = Scope(_bind(inner, args, kwargs, node, arg_nodes, builder, ev))
    _warn_ignored_options(inner, handle, outer, builder, ev, node)
    inner_ev = Evaluator(builder.index, builder.diags, inner.source, inner.node, scope, builder)
    builder.active.append(inner)
    try:
        inner_ev.run_block(inner.node.body)
    except ReturnSignal as ret:
        return ret.value
    finally:
        builder.active.pop()
    return None


def _bind(inner: PipelineDef, args: list, kwargs: dict, node: ast.Call, arg_nodes: dict,
          builder: PipelineBuilder, ev: Evaluator) -> dict[str, Any]:
    """The inner pipeline's parameters: the call's arguments, else their defaults (Python's binding)."""
    signature = inner.node.args
    positional = [a.arg for a in (*signature.posonlyargs, *signature.args)]
    if len(args) > len(positional):
        raise EvalError("PC204", f"pipeline `{inner.name}` takes {len(positional)} positional argument"
                        f"{'s' if len(positional) != 1 else ''} but {len(args)} were given", node)
    values: dict[str, Any] = dict(zip(positional, args, strict=False))
    declared = {p.name for p in inner.params}
    for name, value in kwargs.items():
        if name not in declared:
            raise EvalError("PC204", f"pipeline `{inner.name}` has no parameter `{name}`",
                            arg_nodes.get(name, node), help=parameter_help(name, inner))
        if name in values:
            raise EvalError("PC209", f"parameter `{name}` of pipeline `{inner.name}` is given twice",
                            arg_nodes.get(name, node))
        values[name] = value
    for param in inner.params:
        if param.name in values:
            continue
        if not param.has_default:
            raise EvalError("PC203", f"pipeline `{inner.name}` is called without its required parameter "
                            f"`{param.name}`", node, help=f"pass {param.name}=... in the call")
        # A default that could not be evaluated was reported with the definition; one that is an
        # Enum member stays the member (the inner function runs as plain Python, nothing is validated).
        written = default_as_written(builder.index, inner, param.name) if param.default_known else None
        values[param.name] = written if written is not None else param.default if param.default_known else POISON
    return values


def _warn_ignored_options(inner: PipelineDef, handle: PipelineHandle, outer: PipelineDef, builder: PipelineBuilder,
                          ev: Evaluator, node: ast.Call) -> None:
    options = [key for key, _value, _span in inner.options if key != "name"]
    options += [key for key, *_ in handle.overrides if key not in options]
    warned = builder.warned_inlined
    if options and (inner.name, tuple(options)) not in warned:
        warned.add((inner.name, tuple(options)))
        keys = ", ".join(f"`{key}`" for key in options)
        builder.diags.warning("PC116", f"options {keys} of pipeline `{inner.name}` do not apply where it is called "
                              f"inside `{outer.name}`: ZenML runs its steps with `{outer.name}`'s configuration",
                              ev.span(node), help=f"set them on `{outer.name}`, or on the steps themselves")
