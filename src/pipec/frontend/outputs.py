"""A step's outputs, named as ZenML names them.

ZenML (`parse_return_type_annotations`) reads the return annotation and, for a `Tuple[...]`,
the function body:

- no annotation: no output when every `return` gives None, else one output `output` (Any);
- `-> None`: no output;
- `-> Tuple[A, B]` declares one output per element (`output_0`, `output_1`, ...) only when the
  body returns a tuple literal (`return a, b`); otherwise the tuple is one output `output`;
- `Annotated[T, meta]` names an output: `meta` is a str or an `ArtifactConfig(name=...)`
  (at most two such items, one name, never empty); names are unique within a step.

A stub body (`...`, a docstring, `raise NotImplementedError`) says nothing about what the step
returns, so there the annotation alone decides: `Tuple[A, B]` is two outputs, no annotation
one `output`. Annotation metadata is evaluated statically: literals, module constants, constants imported
from project modules, class attributes and Enum members, `ArtifactConfig(name=...)`.
What ZenML rejects is reported as PC118; wrong names would be silent data bugs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from ..ir import Output
from . import known
from .annotations import Resolver, normalize, subscript_args
from .calls import Evaluator
from .interp import EvalError, runtime_error
from .runtime_values import RunTimeValue
from .values import ENUM_MEMBERS, ClassRef, ExternalName, ModuleRef, PoisonSignal, plain_value

_Def = ast.FunctionDef | ast.AsyncFunctionDef
ANNOTATION_HELP = ("name an output with `Annotated[T, \"name\"]` or "
                   "`Annotated[T, ArtifactConfig(name=\"name\")]`")


def step_outputs(func: _Def, resolve: Resolver, ev: Evaluator) -> tuple[Output, ...]:
    """The outputs of step function `func` under ZenML's rules (current API); errors go to `ev`."""
    returns = func.returns
    stub = is_stub(func)
    if returns is None:
        return () if only_none_returns(func) and not stub else (Output("output", "Any"),)
    if isinstance(returns, ast.Constant) and returns.value is None:
        return ()
    if isinstance(returns, ast.Call) and _qualname(returns.func, resolve) in known.OUTPUT_CLASSES:
        # The old API's `Output(a=int, b=float)`.
        return tuple(Output(arg.arg, normalize(arg.value, resolve)) for arg in returns.keywords if arg.arg is not None)
    if isinstance(returns, ast.Subscript) and _qualname(returns.value, resolve) in known.TUPLE_TYPES \
            and (stub or has_tuple_return(func)):
        return _tuple_outputs(func, returns, resolve, ev)
    if _qualname(returns, resolve) in known.TUPLE_TYPES - {"tuple", "builtins.tuple"} and has_tuple_return(func):
        ev.report(EvalError("PC118", f"step `{func.name}` returns several values but its return type is a bare "
                            "`Tuple`: ZenML needs one type per output", returns,
                            help="write `Tuple[A, B]` with one type per returned value"))
        return (Output("output", "Any"),)
    inner, name, kind = _annotated(returns, resolve, ev)
    return (Output(name or "output", normalize(inner, resolve), kind),)


def _tuple_outputs(func: _Def, returns: ast.Subscript, resolve: Resolver, ev: Evaluator) -> tuple[Output, ...]:
    elements = subscript_args(returns)
    if not elements:
        return (Output("output", normalize(returns, resolve)),)
    if any(isinstance(e, ast.Constant) and e.value is Ellipsis for e in elements):
        ev.report(EvalError("PC118", f"step `{func.name}` returns several values but its return type is a "
                            "variable-length `Tuple[..., ...]`: ZenML cannot name the outputs", returns,
                            help="write `Tuple[A, B]` with one type per returned value"))
        return (Output("output", normalize(returns, resolve)),)
    outputs: list[Output] = []
    seen: set[str] = set()
    for index, element in enumerate(elements):
        if element is None:
            outputs.append(Output(f"output_{index}", "Any"))
            continue
        element_type, name, kind = _annotated(element, resolve, ev)
        name = name or f"output_{index}"
        if name in seen:
            ev.report(EvalError("PC118", f"step `{func.name}` has two outputs named `{name}`", element,
                                help="give every output of a step its own name"))
        seen.add(name)
        outputs.append(Output(name, normalize(element_type, resolve), kind))
    return tuple(outputs)


def _annotated(node: ast.expr, resolve: Resolver, ev: Evaluator) -> tuple[ast.expr, str | None, str | None]:
    """For `Annotated[T, meta...]`: (T, the output name the metadata gives, the model-control kind of its
    `ArtifactConfig`); otherwise (node, None, None)."""
    metadata: list[ast.expr] = []
    inner = node
    # Annotated[Annotated[T, a], b] is Annotated[T, a, b]
    while isinstance(inner, ast.Subscript) and _qualname(inner.value, resolve) in known.ANNOTATED:
        args = subscript_args(inner)
        if not args or args[0] is None:
            return inner, None, None
        metadata[:0] = [a for a in args[1:] if a is not None]
        inner = args[0]
    if inner is node:
        return node, None, None
    return inner, _output_name(metadata, node, resolve, ev), _output_kind(metadata, resolve, ev)


def _output_name(metadata: list[ast.expr], where: ast.expr, resolve: Resolver, ev: Evaluator) -> str | None:
    """ZenML's consolidation of the metadata items into one output name (None: unnamed or unknown)."""
    if len(metadata) > 2:
        ev.report(EvalError("PC118", "`Annotated[...]` of a step output takes the type and at most two items: "
                            "an output name and an `ArtifactConfig`", where, help=ANNOTATION_HELP))
        return None
    names: list[tuple[str, ast.expr]] = []
    configs: list[tuple[str | None, ast.expr]] = []
    for meta in metadata:
        try:
            kind, value = _metadata_item(meta, resolve, ev)
        except EvalError as err:
            ev.report(err)
            return None
        except PoisonSignal:
            return None
        (configs if kind == "config" else names).append((value, meta))
    if len(names) > 1 or len(configs) > 1:
        twice = "output names" if len(names) > 1 else "`ArtifactConfig`s"
        ev.report(EvalError("PC118", f"`Annotated[...]` of a step output holds two {twice}; ZenML takes one",
                            where, help=ANNOTATION_HELP))
        return None
    # ZenML's order: a config's non-empty name wins (and may not meet a str name); else a
    # non-empty str name; an empty str is no name, but a config left named "" is refused.
    config_name, config_node = configs[0] if configs else (None, where)
    if config_name:
        if names:
            ev.report(EvalError("PC118", f"the output is named twice: `{names[0][0]}` and `ArtifactConfig(name="
                                f"\"{config_name}\")`; ZenML takes one", where, help=ANNOTATION_HELP))
            return None
        return config_name
    if names and names[0][0]:
        return names[0][0]
    if config_name == "":
        ev.report(EvalError("PC118", "an output name cannot be empty", config_node, help=ANNOTATION_HELP))
        return None
    return None


def _output_kind(metadata: list[ast.expr], resolve: Resolver, ev: Evaluator) -> str | None:
    """How ZenML's Model Control Plane files the output: "model", "deployment", or None (data)."""
    for meta in metadata:
        if isinstance(meta, ast.Call) and _qualname(meta.func, resolve) in known.ARTIFACT_CONFIGS:
            return artifact_config_kind(_qualname(meta.func, resolve), meta, resolve)
    return None


def artifact_config_kind(qual: str, call: ast.Call, resolve: Resolver) -> str | None:
    """The kind an `ArtifactConfig(...)` call gives: its class, `is_model_artifact=True`,
    `is_deployment_artifact=True` or `artifact_type=ArtifactType.MODEL/SERVICE`."""
    short = qual.rsplit(".", 1)[-1]
    kind = {"ModelArtifactConfig": "model", "DeploymentArtifactConfig": "deployment"}.get(short)
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg in ("is_model_artifact", "is_deployment_artifact") and isinstance(value, ast.Constant) \
                and value.value is True:
            kind = "model" if keyword.arg == "is_model_artifact" else "deployment"
        elif keyword.arg == "artifact_type" and isinstance(value, ast.Attribute):
            kind = {"MODEL": "model", "SERVICE": "deployment"}.get(value.attr, kind)
    return kind


def _metadata_item(meta: ast.expr, resolve: Resolver, ev: Evaluator) -> tuple[str, str | None]:
    """("name", the str) or ("config", its `name=` or None); EvalError for anything else."""
    if isinstance(meta, ast.Call):
        func = _qualname(meta.func, resolve)
        if func in known.ARTIFACT_CONFIGS:
            return "config", _config_name(meta, ev)
        if func is not None:
            raise EvalError("PC118", f"ZenML accepts only an output name or an `ArtifactConfig` in "
                            f"`Annotated[...]` of a step output, not `{func.rsplit('.', 1)[-1]}(...)`", meta,
                            help=ANNOTATION_HELP)
    value = ev.eval(meta)
    if isinstance(value, RunTimeValue):  # e.g. a name read from the environment
        raise runtime_error(value, meta, ev.span(meta))
    if isinstance(value, str):
        return "name", plain_value(value)
    raise EvalError("PC118", f"ZenML accepts only an output name (a str) or an `ArtifactConfig` in "
                    f"`Annotated[...]` of a step output; this is {_what(value)}", meta, help=ANNOTATION_HELP)


def _config_name(call: ast.Call, ev: Evaluator) -> str | None:
    if call.args:
        raise EvalError("PC118", "`ArtifactConfig` takes keyword arguments only", call,
                        help="write `ArtifactConfig(name=\"...\")`")
    for keyword in call.keywords:
        if keyword.arg == "name":
            value = ev.eval(keyword.value)
        elif keyword.arg is None:
            mapping = ev.concrete(ev.eval(keyword.value), keyword.value)
            if not isinstance(mapping, dict) or "name" not in mapping:
                continue
            value = mapping["name"]
        else:
            continue
        if isinstance(value, RunTimeValue):
            raise runtime_error(value, keyword.value, ev.span(keyword.value))
        if value is not None and not isinstance(value, str):
            raise EvalError("PC118", f"`ArtifactConfig(name=...)` must be a str; this is {_what(value)}",
                            keyword.value)
        return plain_value(value)
    return None


def _what(value: Any) -> str:
    if isinstance(value, ENUM_MEMBERS):
        return f"the enum member `{value.cls}.{value.name}`, which is not a str"
    if isinstance(value, ClassRef):
        return f"the class `{value.name}`"
    if isinstance(value, (ModuleRef, ExternalName)):
        return "a module or class outside the project"
    if value is None:
        return "None"
    if isinstance(value, (bool, int, float, list, tuple, dict)):
        return f"a {type(value).__name__}"
    return "not a str"


def _qualname(node: ast.expr, resolve: Resolver) -> str | None:
    value = resolve(node)
    if isinstance(value, (ExternalName, ClassRef)):
        return value.qualname
    if isinstance(value, ModuleRef):
        return value.name
    if value is None and isinstance(node, ast.Name) and node.id in known.BUILTIN_TYPES:
        return node.id
    return None


def _returns(func: _Def) -> Iterator[ast.Return]:
    """The `return` statements of `func` itself (nested functions excluded, as ZenML does)."""
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Return):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def has_tuple_return(func: _Def) -> bool:
    """True when some `return` gives a tuple literal of two or more items (`return a, b`)."""
    return any(isinstance(r.value, ast.Tuple) and len(r.value.elts) > 1 for r in _returns(func))


def only_none_returns(func: _Def) -> bool:
    """True when every `return` gives None (or there is none)."""
    return all(r.value is None or (isinstance(r.value, ast.Constant) and r.value.value is None)
               for r in _returns(func))


def is_stub(func: _Def) -> bool:
    """True for a body that is only a docstring, `...`, `pass` or `raise NotImplementedError`."""
    for stmt in func.body:
        if isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
                                          and (stmt.value.value is Ellipsis or isinstance(stmt.value.value, str))):
            continue
        if isinstance(stmt, ast.Raise) and stmt.exc is not None and "NotImplementedError" in ast.dump(stmt.exc):
            continue
        return False
    return True
