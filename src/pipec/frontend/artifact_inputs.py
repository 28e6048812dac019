"""Step inputs resolved when the step starts, read statically in a pipeline body (issue 14).

ZenML lets a pipeline body pass a step an artifact it finds in its store, or a value it
stores for the run; pipec compiles each into an input source the shim resolves:

- `Client().get_artifact_version(name_id_or_prefix[, version])` and ZenML's older
  `Client().get_artifact(...)` (also through `client = Client()`), `ExternalArtifact(name=,
  version=)` and `ExternalArtifact(id=)`: an :class:`~pipec.ir.ArtifactLookup` (an
  argument that parses as a UUID is an artifact version id);
- `ExternalArtifact(value=V)` and `save_artifact(V, name)`: an :class:`~pipec.ir.ExternalValue`,
  stored once per run before the first step that reads it.

Their arguments must be known at compile time (literals, constants), except that the name or
id given to `get_artifact_version` and the version given to either may be a pipeline parameter:
the step then looks up what the parameter holds when it starts, so a run-time value is
followed on every target. The result is only a handle: reading `.id`, `.load()` or any other attribute
in the body is an error, since the artifact exists only when the step runs. pipec's own
spellings (`from pipec import Client, ExternalArtifact, save_artifact`) mean the same.
"""

from __future__ import annotations

import ast
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..ir import ArtifactLookup, ExternalValue, Span
from .runtime_values import ARTIFACT, STACK, RunTimeValue, expression_text

if TYPE_CHECKING:
    from .calls import Evaluator

#: Client methods that look one artifact version up (ZenML's current and older name).
LOOKUP_METHODS = frozenset({"get_artifact_version", "get_artifact"})
EXTERNAL_ARTIFACT = frozenset({"zenml.ExternalArtifact", "zenml.artifacts.external_artifact.ExternalArtifact",
                               "zenml.steps.external_artifact.ExternalArtifact", "pipec.ExternalArtifact"})
SAVE_ARTIFACT = frozenset({"zenml.save_artifact", "zenml.artifacts.utils.save_artifact", "pipec.save_artifact"})
EXTERNAL_ARTIFACT |= {"pipec.artifacts.ExternalArtifact"}
SAVE_ARTIFACT |= {"pipec.artifacts.save_artifact"}
#: pipec's client, read as ZenML's.
PIPEC_CLIENTS = frozenset({"pipec.Client", "pipec.runtime.Client", "pipec.runtime.client.Client"})
#: `ExternalArtifact` options that change how ZenML stores the value, which pipec chooses itself.
_STORAGE_OPTIONS = ("materializer", "store_artifact_metadata", "store_artifact_visualizations")
#: `save_artifact` options pipec does not record.
_SAVE_OPTIONS = ("version", "artifact_type", "tags", "extract_metadata", "include_visualizations",
                 "user_metadata", "materializer", "uri")


@dataclass(frozen=True)
class ClientValue(RunTimeValue):
    """`Client()`: known only at run time, except for the artifact lookups a body passes to steps."""


@dataclass(frozen=True)
class LookupMethod(RunTimeValue):
    """`Client().get_artifact_version` (or `.get_artifact`), not yet called."""

    #: The method name.
    method: str = ""


@dataclass(frozen=True)
class ResolvedInput:
    """The value of a lookup or stored value in a pipeline body: an input source for a step."""

    #: What the shim resolves.
    source: ArtifactLookup | ExternalValue
    #: The expression as written, for messages.
    expr: str
    #: Where it is written.
    span: Span

    @property
    def user_label(self) -> str:
        """How messages name this value (see runtime_values.describe)."""
        return f"the artifact `{self.expr}`"

    def static_attribute(self, ev: Evaluator, attr: str, node: ast.Attribute) -> Any:
        """`lookup.attr`: the artifact exists only when the step runs."""
        from .interp import EvalError

        raise EvalError("PC113", f"`{self.expr}` is resolved when the step that reads it starts; `.{attr}` "
                        "cannot be read while compiling", node,
                        help="pass the result itself to a step input and use the value inside the step")


def client_method(base: RunTimeValue, attr: str) -> LookupMethod | None:
    """`Client().attr` when it is an artifact lookup method; None for anything else."""
    if isinstance(base, ClientValue) and attr in LOOKUP_METHODS:
        return LookupMethod(f"{base.expr}.{attr}", ARTIFACT, base.span, attr)
    return None


def lookup_call(ev: Evaluator, method: LookupMethod, args: list, kwargs: dict, node: ast.Call,
                arg_nodes: dict[str, ast.AST]) -> Any:
    """`Client().get_artifact_version(name_id_or_prefix, version=None)` in a pipeline body."""
    from .interp import EvalError

    expr = expression_text(ev.src.text, node)
    if getattr(ev.builder, "pdef", None) is None:
        return method.extended(expr[len(method.expr):] if expr.startswith(method.expr) else "()")
    names = ("name_id_or_prefix", "version") if method.method == "get_artifact_version" else ("name_id_or_prefix",)
    bound = _bind(ev, f"`.{method.method}()`", names, args, kwargs, node, arg_nodes,
                  ignored=("project", "hydrate", "workspace", "allow_name_prefix_match"))
    if "name_id_or_prefix" not in bound:
        raise EvalError("PC102", f"`.{method.method}()` needs the artifact's name or id", node)
    version = _version(bound.get("version"), expr, _where(arg_nodes, "version", node, 1))
    from .values import ParamValue

    named = bound["name_id_or_prefix"]
    if isinstance(named, ParamValue):
        # A run script often looks the artifact up itself and passes its id: the step looks
        # up whatever the parameter holds when it starts, on every target.
        return ResolvedInput(replace(version, parameter=named.name), expr, ev.span(node))
    key = _text(named, "the artifact's name or id", expr, _where(arg_nodes, "name_id_or_prefix", node, 0))
    return ResolvedInput(_lookup(key, version), expr, ev.span(node))


def external_artifact(ev: Evaluator, args: list, kwargs: dict, node: ast.Call,
                      arg_nodes: dict[str, ast.AST]) -> ResolvedInput:
    """`ExternalArtifact(value=...)` or `ExternalArtifact(name=..., version=...)` / `(id=...)`."""
    from .interp import EvalError

    expr = expression_text(ev.src.text, node)
    if args:
        raise EvalError("PC102", "`ExternalArtifact` takes keyword arguments only", node,
                        help="write `ExternalArtifact(value=...)`")
    for key in ("model_name", "model_version", "model"):
        if key in kwargs:
            raise EvalError("PC102", f"`ExternalArtifact({key}=...)` looks the artifact up in ZenML's Model "
                            "Control Plane, which pipec does not resolve here", _where(arg_nodes, key, node),
                            help="look it up by artifact name: `ExternalArtifact(name=..., version=...)`")
    for key in _STORAGE_OPTIONS:
        if key in kwargs:
            ev.diags.warning("PC116", f"`ExternalArtifact({key}=...)` has no effect: pipec stores the value with "
                             "the materializer its type selects", ev.span(_where(arg_nodes, key, node)))
    unknown = sorted(set(kwargs) - {"value", "name", "version", "id", *_STORAGE_OPTIONS})
    if unknown:
        raise EvalError("PC204", f"`ExternalArtifact` has no argument `{unknown[0]}`",
                        _where(arg_nodes, unknown[0], node), help="it takes `value=`, `name=`/`version=` or `id=`")
    if "value" in kwargs:
        if any(k in kwargs for k in ("name", "version", "id")):
            raise EvalError("PC102", "`ExternalArtifact` takes either `value=` or a reference (`name=`, `id=`), "
                            "not both", node)
        return ResolvedInput(ExternalValue(_json(ev, kwargs["value"], _where(arg_nodes, "value", node), expr)),
                             expr, ev.span(node))
    if "id" in kwargs:
        return ResolvedInput(ArtifactLookup("store", id=_text(kwargs["id"], "the artifact id", expr,
                                                              _where(arg_nodes, "id", node))), expr, ev.span(node))
    if "name" not in kwargs:
        raise EvalError("PC102", "`ExternalArtifact` needs `value=`, `name=` or `id=`", node)
    name = _text(kwargs["name"], "the artifact name", expr, _where(arg_nodes, "name", node))
    version = _version(kwargs.get("version"), expr, _where(arg_nodes, "version", node))
    return ResolvedInput(replace(version, name=name), expr, ev.span(node))


def save_artifact(ev: Evaluator, args: list, kwargs: dict, node: ast.Call,
                  arg_nodes: dict[str, ast.AST]) -> Any:
    """`save_artifact(data, name)` in a pipeline body: stored for the run, read by the step it is passed to."""
    from .interp import EvalError
    from .zenml_api import not_modelled

    if getattr(ev.builder, "pdef", None) is None:
        raise not_modelled("zenml.save_artifact", node)
    expr = expression_text(ev.src.text, node)
    bound = _bind(ev, "`save_artifact()`", ("data", "name"), args, kwargs, node, arg_nodes, ignored=_SAVE_OPTIONS)
    if "data" not in bound or "name" not in bound:
        raise EvalError("PC102", "`save_artifact()` needs the data and the artifact's name", node,
                        help="write `save_artifact(value, \"name\")`")
    name = _text(bound["name"], "the artifact name", expr, _where(arg_nodes, "name", node, 1))
    return ResolvedInput(ExternalValue(_json(ev, bound["data"], _where(arg_nodes, "data", node, 0), expr), name),
                         expr, ev.span(node))


def unused_error(value: Any, node: ast.AST) -> Exception | None:
    """The error for a stored value whose result no step reads (a bare `save_artifact(...)`)."""
    from .interp import EvalError

    if isinstance(value, ResolvedInput) and isinstance(value.source, ExternalValue) and value.source.name:
        return EvalError("PC102", f"`{value.expr}` is not passed to any step; pipec stores the value when the "
                         "first step that reads it starts", node,
                         help="pass the result to the input of the step that uses it: "
                              "`step(data=save_artifact(value, \"name\"))`")
    return None


# ---------------------------------------------------------------------- arguments


def _bind(ev: Evaluator, what: str, names: tuple[str, ...], args: list, kwargs: dict, node: ast.Call,
          arg_nodes: dict[str, ast.AST], ignored: tuple[str, ...]) -> dict[str, Any]:
    from .interp import EvalError

    if len(args) > len(names):
        raise EvalError("PC102", f"{what} takes at most {len(names)} positional argument(s) here", node)
    bound = dict(zip(names, args, strict=False))  # fewer positional arguments than names
    for key, value in kwargs.items():
        if key in ignored:
            if key == "version" and what == "`save_artifact()`" and value is not None:
                ev.diags.warning("PC116", "`save_artifact(version=...)` has no effect: pipec numbers the versions "
                                 "of a name itself", ev.span(_where(arg_nodes, key, node)))
            continue
        if key not in names:
            raise EvalError("PC204", f"{what} has no argument `{key}`", _where(arg_nodes, key, node))
        bound[key] = value
    return bound


def _where(arg_nodes: dict[str, ast.AST], key: str, node: ast.AST, position: int | None = None) -> ast.AST:
    found = arg_nodes.get(key) or (arg_nodes.get(f"#{position}") if position is not None else None)
    found = found if found is not None else node
    return found.value if isinstance(found, ast.keyword) else found


def _text(value: Any, what: str, expr: str, node: ast.AST) -> str:
    """A lookup argument as text; it must be known at compile time."""
    from .interp import EvalError
    from .values import Artifact, ParamValue

    if isinstance(value, ParamValue):
        if not value.known:
            raise EvalError("PC102", f"{what} in `{expr}` is pipeline parameter `{value.name}`, which has no value "
                            "at compile time", node,
                            help=f"give `{value.name}` a default or pass --param {value.name}=...: pipec compiles "
                                 f"{what} into the step and looks the artifact up when the step starts")
        value = value.value
    if isinstance(value, Artifact):
        raise EvalError("PC113", f"{what} in `{expr}` is the output `{value.output}` of step `{value.step}`, which "
                        "exists only at run time", node,
                        help="look the artifact up inside the step, or give its name as a literal or parameter")
    if isinstance(value, bool) or not isinstance(value, (str, int, uuid.UUID)):
        from .runtime_values import describe

        raise EvalError("PC102", f"{what} in `{expr}` must be text known at compile time, not {describe(value)}",
                        node, help="write it as a literal string, a constant or a pipeline parameter")
    return str(value)


def _json(ev: Evaluator, value: Any, node: ast.AST, expr: str) -> Any:
    """The value to store, which must be JSON-compatible data known at compile time."""
    from .interp import EvalError
    from .settings import to_json_value
    from .values import ParamValue

    if isinstance(value, ParamValue):
        value = ev.concrete(value, node)
    try:
        return to_json_value(value)
    except TypeError as exc:
        raise EvalError("PC111", f"the value `{expr}` stores must be data known at compile time: {exc}", node,
                        help="pass JSON data (numbers, strings, lists, dicts) or a pipeline parameter; produce "
                             "other values with a step") from None


def _version(value: Any, expr: str, node: ast.AST) -> ArtifactLookup:
    """A store lookup holding only the version argument: fixed text, or the pipeline parameter
    that gives it when the step starts (so a run-time change of the parameter is followed)."""
    from .values import ParamValue

    if value is None:
        return ArtifactLookup("store")
    if isinstance(value, ParamValue):
        return ArtifactLookup("store", version_parameter=value.name)
    return ArtifactLookup("store", version=_text(value, "the artifact version", expr, node))


def _lookup(key: str, version: ArtifactLookup) -> ArtifactLookup:
    """`version` looking up `key`: an artifact version id when it parses as a UUID (the version
    argument then means nothing), else an artifact name."""
    try:
        uuid.UUID(key)
    except ValueError:
        return replace(version, name=key)
    return ArtifactLookup("store", id=key)


def is_client(qual: str) -> bool:
    """Whether `qual` names ZenML's (or pipec's) client class."""
    from .zenml_api import CLIENT

    return qual in CLIENT or qual in PIPEC_CLIENTS


def client_value(ev: Evaluator, node: ast.Call) -> ClientValue:
    """`Client()`."""
    return ClientValue(expression_text(ev.src.text, node), STACK, ev.span(node))


def artifact_call(ev: Evaluator, func: Any, args: list, kwargs: dict, node: ast.Call,
                  arg_nodes: dict[str, ast.AST]) -> Any:
    """The value of calling `func` when it is a client, a lookup method, `ExternalArtifact` or
    `save_artifact` (ZenML's or pipec's); None for anything else."""
    from .values import ExternalName

    if isinstance(func, LookupMethod):
        return lookup_call(ev, func, args, kwargs, node, arg_nodes)
    if not isinstance(func, ExternalName):
        return None
    qual = func.qualname
    if qual in EXTERNAL_ARTIFACT:
        return external_artifact(ev, args, kwargs, node, arg_nodes)
    if qual in SAVE_ARTIFACT:
        return save_artifact(ev, args, kwargs, node, arg_nodes)
    if is_client(qual):
        return client_value(ev, node)
    return None
