"""ZenML's Model Control Plane, read statically: `Model(...)` and where it is given.

`Model(name=, version=, license=, ...)` (ZenML's `zenml.Model`, its older `ModelVersion`,
and pipec's own `pipec.Model`) evaluates to a :class:`ModelValue` holding an IR
:class:`~pipec.ir.ModelSpec`. It is read in `@pipeline(model=)`, `@step(model=)`,
`.with_options(model=)`, `.configure(model=)` and the run configuration's `model:` section
(top level, or `steps.<id>.model`), whose keys update the code's model field by field, as
ZenML's configuration update does.

A version pipec cannot know while compiling, such as ``f"run-{datetime.now()}"``, names a
new version on every run in ZenML: pipec gives each run a new numbered version instead and
says so (PC126), so the pipeline still compiles.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from ..ir import ArtifactLookup, ModelSpec, Span
from ..ir.nodes import LATEST, MODEL_STAGES
from .runtime_values import RunTimeValue, expression_text
from .values import ENUM_MEMBERS, ExternalName, ParamValue, plain_value

if TYPE_CHECKING:
    from pipec.ir.diagnostics import Diagnostics

    from .calls import Evaluator

#: Qualified names of the Model class: ZenML's current and older spellings, and pipec's own.
MODEL_CLASSES = frozenset({"zenml.Model", "zenml.model.model.Model", "zenml.ModelVersion",
                           "zenml.model_version.ModelVersion", "zenml.model.model_version.ModelVersion",
                           "pipec.Model", "pipec.model.Model"})
#: RunTimeValue reason of a `version=` pipec cannot evaluate (it differs each run).
PER_RUN = "per-run version"
#: `Model(...)` keywords that are text fields of the spec.
TEXT_FIELDS = ("license", "description", "audience", "use_cases", "limitations", "trade_offs", "ethics")
#: `Model(...)` keywords ZenML takes that change nothing pipec records.
IGNORED = frozenset({"suppress_class_validation_warnings", "model_version_id", "was_created_in_this_run",
                     "ethic", "limitations_", "model_id"})
MODEL_HELP = "write `Model(name=\"...\", version=...)` with literal values"


@dataclass(frozen=True)
class ModelValue:
    """`Model(...)` evaluated: the spec, and where it was written."""

    #: The model; None for `get_pipeline_context().model` of a pipeline without one (reported).
    spec: ModelSpec | None
    #: Where `Model(...)` is.
    span: Span | None = None

    #: How messages name this value (see runtime_values.describe).
    user_label = "ZenML's `Model`"

    def static_attribute(self, ev: Evaluator, attr: str, node: ast.Attribute) -> Any:
        """`model.name`, `model.version`, ... as written; `model.get_artifact` in a pipeline body."""
        from .interp import EvalError

        if attr == "get_artifact":
            return ModelArtifactGetter()
        if self.spec is not None and attr == "tags":
            return list(self.spec.tags)
        if self.spec is not None and attr in {f.name for f in fields(ModelSpec)}:
            return getattr(self.spec, attr)
        raise EvalError("PC102", f"`{attr}` of ZenML's `Model` is resolved when the pipeline runs; pipec reads "
                        "`.get_artifact(name)` and the fields given to `Model(...)`", node,
                        help="load the value inside a step, or pass the artifact with `.get_artifact(name)`")


@dataclass(frozen=True)
class ModelArtifactGetter:
    """`model.get_artifact`: calling it makes an input resolved from the run's model version."""

    user_label = "ZenML's `Model.get_artifact`"

    def static_call(self, ev: Evaluator, args: list, kwargs: dict, node: ast.Call) -> ArtifactLookup:
        """`get_artifact(name, version=None)`: the artifact linked to the model version, at run time."""
        from .interp import EvalError

        names = ("name", "version")
        if len(args) > 2 or any(k not in names for k in kwargs):
            raise EvalError("PC102", "`get_artifact` takes the artifact's name and optionally its version", node,
                            help="write `get_artifact(\"name\")` or `get_artifact(\"name\", version=\"3\")`")
        values = dict(zip(names, args, strict=False)) | kwargs
        name, version = (plain_value(_known(values.get(k))) for k in names)
        if not isinstance(name, str) or not name:
            raise EvalError("PC102", "`get_artifact` needs the artifact's name as a literal string", node)
        if version is not None and not isinstance(version, (str, int)) or isinstance(version, bool):
            raise EvalError("PC102", "the artifact version must be a name or a number", node)
        return ArtifactLookup(scope="model", name=name, version=None if version is None else str(version))


def _known(value: Any) -> Any:
    return value.value if isinstance(value, ParamValue) and value.known else value


def is_model_class(value: Any) -> bool:
    """True for ZenML's (or pipec's) `Model` class."""
    return isinstance(value, ExternalName) and value.qualname in MODEL_CLASSES


def is_dotted_name(node: ast.expr) -> bool:
    """True for `name` or `a.b.name`: an expression that evaluates without side effects."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def lenient_version(ev: Evaluator, arg: ast.keyword) -> Any:
    """The value of `Model(version=...)`; one pipec cannot evaluate becomes a per-run version."""
    from .interp import EvalError

    try:
        return ev.eval(arg.value)
    except EvalError:
        return RunTimeValue(expression_text(ev.src.text, arg.value), PER_RUN, ev.span(arg.value))


def model_call(ev: Evaluator, args: list, kwargs: dict, node: ast.Call) -> ModelValue:
    """`Model(...)` evaluated statically (EvalError when its fields are not usable)."""
    from .interp import EvalError

    if len(args) > 1:
        raise EvalError("PC125", "`Model` takes the name as its only positional argument", node, help=MODEL_HELP)
    fields_ = dict(zip(("name",), args, strict=False)) | kwargs
    span = ev.span(node)
    try:
        spec = spec_from_fields(fields_, None, ev.diags, span)
    except ValueError as exc:
        raise EvalError("PC125", str(exc), node, help=MODEL_HELP) from None
    return ModelValue(spec, span)


def spec_from_fields(values: dict[str, Any], base: ModelSpec | None, diags: Diagnostics, span: Span) -> ModelSpec:
    """`base` updated with `values` (Model's keywords or a `model:` section); ValueError when unusable."""
    out: dict[str, Any] = {} if base is None else {f.name: getattr(base, f.name) for f in fields(ModelSpec)}
    for key, raw in values.items():
        value = plain_value(_known(raw))
        if key == "name":
            if not isinstance(value, str) or not value:
                raise ValueError("the model's `name` must be a non-empty string")
            out["name"] = value
        elif key in ("version", "model_version"):
            out["version"] = _version(value, values.get("name", out.get("name")), diags, span)
        elif key in TEXT_FIELDS or key == "ethic":
            if value is not None and not isinstance(value, str):
                raise ValueError(f"the model's `{key}` must be a string")
            out["ethics" if key == "ethic" else key] = value
        elif key == "tags":
            if value is None:
                value = []
            if not isinstance(value, (list, tuple)) or not all(isinstance(t, str) for t in map(plain_value, value)):
                raise ValueError("the model's `tags` must be a list of strings")
            out["tags"] = tuple(plain_value(t) for t in value)
        elif key == "save_models_to_registry":
            if not isinstance(value, bool):
                raise ValueError("`save_models_to_registry` must be True or False")
            out["save_models_to_registry"] = value
        elif key not in IGNORED:
            known = ", ".join(("name", "version", *TEXT_FIELDS, "tags", "save_models_to_registry"))
            raise ValueError(f"ZenML's `Model` has no field `{key}` (it takes {known})")
    if "name" not in out:
        raise ValueError("a model needs a `name`")
    return ModelSpec(**out)


def _version(value: Any, name: Any, diags: Diagnostics, span: Span) -> str | None:
    """A version as the IR keeps it: a name, a number as text, "latest", a stage, or None (new per run)."""
    if isinstance(value, RunTimeValue):
        diags.warning("PC126", f"the version of model `{name}` (`{value.expr}`) is only known when the pipeline "
                      "runs; ZenML names a new version with it on every run, pipec gives every run a new numbered "
                      "version instead", value.span or span,
                      help="leave `version=` out for a new numbered version per run, or name a version literally")
        return None
    if isinstance(value, ENUM_MEMBERS) or isinstance(value, ExternalName):
        text = str(getattr(value, "name", None) or value.qualname.rsplit(".", 1)[-1]).lower()
        if text in MODEL_STAGES or text == LATEST:
            return text
        raise ValueError(f"`{text}` is not a model stage (ZenML's stages: {', '.join(MODEL_STAGES)}, and latest)")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError("the model's `version` must be a name, a number or a stage")
    text = str(value)
    return text.lower() if text.lower() in (*MODEL_STAGES, LATEST) else text


def config_model(code: ModelSpec | None, section: Any, diags: Diagnostics, span: Span) -> ModelSpec | None:
    """The model after a run configuration's `model:` section (None: no section) updates `code`."""
    if section is None:
        return code
    if not isinstance(section, dict):
        diags.error("PC110", "`model` must be a mapping of Model fields such as `name` and `version`", span)
        return code
    try:
        return spec_from_fields(section, code, diags, span)
    except ValueError as exc:
        diags.error("PC110", str(exc), span, help="give `model:` a `name` and the Model fields to set")
        return code


def spec_of(value: Any) -> ModelSpec | None:
    """The spec of a `model=` option value; None for None (no model)."""
    if isinstance(value, ModelValue):
        return value.spec
    return None
