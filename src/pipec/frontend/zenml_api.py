"""ZenML's own API met while evaluating: what pipec models, and what it says about the rest.

pipec never imports ZenML. Its decorators and settings classes are recognised by name
(`known.py`); this module covers the other calls a ZenML project writes at compile time:

- `Client()` and everything reached from it is a :class:`RunTimeValue` that depends on
  the active ZenML stack (`Client().active_stack.step_operator.name`); artifact and model
  lookups on it (`Client().get_artifact_version(...)`) are resolved at run time.
- `Model(...)` is ZenML's Model Control Plane, read statically (`model_control.py`).
- `get_pipeline_context()` is read statically in a pipeline body (`pipeline_context.py`).
- ZenML's integration steps are read from ZenML's source (`integration_steps.py`); when
  they cannot be, the error names the packages to install. Their configuration objects
  (pydantic models of `zenml.integrations.*` and their classmethod factories) are made
  by the shim when the step runs (`integration_objects.py`).
- Anything else is "not modelled", with the closest form pipec supports, never the
  generic "point --root at it" help meant for the user's own packages.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from .model_control import MODEL_CLASSES, model_call
from .runtime_values import ARTIFACT, MODEL, STACK, RunTimeValue, expression_text

if TYPE_CHECKING:
    from .calls import Evaluator
    from .interp import EvalError

CLIENT = frozenset({"zenml.client.Client", "zenml.Client", "zenml.repository.Repository",
                    "zenml.Repository"})  # Repository: the client's name in ZenML <= 0.20
PIPELINE_CONTEXT = frozenset({
    "zenml.get_pipeline_context", "zenml.pipelines.get_pipeline_context",
    "zenml.pipelines.pipeline_context.get_pipeline_context",
    "zenml.new.pipelines.pipeline_context.get_pipeline_context",
})
STEP_CONTEXT = frozenset({"zenml.get_step_context", "zenml.steps.get_step_context",
                          "zenml.steps.step_context.get_step_context",
                          "zenml.new.steps.step_context.get_step_context"})
#: Client methods that look up artifacts or models (resolved at run time, issue 14).
CLIENT_LOOKUPS = {
    "get_artifact_version": ARTIFACT, "get_artifact": ARTIFACT, "list_artifact_versions": ARTIFACT,
    "list_artifacts": ARTIFACT, "get_model": MODEL, "get_model_version": MODEL, "list_model_versions": MODEL,
}
#: ZenML functions that act on ZenML's server or store, with the closest form pipec supports.
SIDE_EFFECTS = {
    "save_artifact": "pass its result to the step that uses it (`step(data=save_artifact(value, \"name\"))`) in a "
                     "pipeline body",
    "load_artifact": "produce the value with a step of this pipeline, or pass it as a literal input",
    "register_artifact": "return the value from a step of this pipeline",
    "ExternalArtifact": "pass it to a step input in a pipeline body",
    "log_metadata": "call it inside a step, where it runs with the step",
    "log_artifact_metadata": "call it inside a step, where it runs with the step",
    "log_model_metadata": "call it inside a step, where it runs with the step",
    "log_step_metadata": "call it inside a step, where it runs with the step",
    "link_artifact_to_model": "call it inside a step, where it runs with the step",
    "add_tags": "call it inside a step, where it runs with the step",
    "remove_tags": "call it inside a step, where it runs with the step",
}


def zenml_call(ev: Evaluator, qual: str, args: list, kwargs: dict, node: ast.Call) -> Any:
    """Evaluate a call of a ZenML name `qual` (not a decorator or settings class)."""
    from .interp import EvalError

    text = expression_text(ev.src.text, node)
    if qual in CLIENT:
        return RunTimeValue(text, STACK, ev.span(node))
    if qual in MODEL_CLASSES:
        return model_call(ev, args, kwargs, node)
    if qual in PIPELINE_CONTEXT:
        from .pipeline_context import pipeline_context

        return pipeline_context(ev, node)
    if qual in STEP_CONTEXT:
        raise EvalError("PC102", "`get_step_context()` exists only while a step runs", node,
                        help="call it inside the step's function")
    if qual.startswith("zenml.integrations."):
        from .integration_objects import construct

        made = construct(qual, args, kwargs, node)
        if made is not None:
            return made
    raise not_modelled(qual, node)


def not_modelled(qual: str, node: ast.AST) -> EvalError:
    """The error for a ZenML name pipec does not model, with the closest supported form."""
    from .interp import EvalError

    short = qual.rsplit(".", 1)[-1]
    if qual.startswith("zenml.integrations."):
        from .integration_steps import is_integration_step_name, missing_step_error, zenml_package

        if zenml_package() is None or is_integration_step_name(qual) and qual.rsplit(".", 1)[-1] in (
                "with_options", "configure"):
            return missing_step_error(qual, node)
        name = qual[len("zenml.integrations."):].split(".")[0]
        return EvalError("PC102", f"`{qual}` is part of ZenML's {name} integration; pipec does not evaluate its "
                         "objects statically, and builds at run time only its configuration classes (pydantic "
                         "models) and their classmethods", node,
                         help="give the value as plain data (a dict with the object's fields) in the run "
                              "configuration's `steps.<id>.parameters`, or build it inside a step")
    if short in SIDE_EFFECTS:
        what = "is resolved at run time" if short == "ExternalArtifact" else "acts on ZenML's server and stores"
        return EvalError("PC102", f"ZenML's `{short}` {what}; pipec does not model it yet (`{qual}`)", node,
                         help=SIDE_EFFECTS[short])
    return EvalError("PC102", f"ZenML's `{short}` is not modelled by pipec (`{qual}`); pipec reads ZenML's "
                     "@step, @pipeline and settings classes, not the rest of its API", node,
                     help="compute the value inside a step, or pass it as a literal or a pipeline parameter")


def runtime_attribute(base: RunTimeValue, attr: str) -> RunTimeValue:
    """`base.attr` for a value known only at run time."""
    from .artifact_inputs import client_method

    method = client_method(base, attr)
    if method is not None:
        return method
    reason = CLIENT_LOOKUPS.get(attr) if base.reason == STACK else None
    return base.extended(f".{attr}", reason)


def runtime_call(func: RunTimeValue, node: ast.Call, source_text: str) -> RunTimeValue:
    """Calling a method of a value known only at run time: still known only at run time."""
    parts = [expression_text(source_text, a) for a in node.args]
    parts += [f"{k.arg}={expression_text(source_text, k.value)}" if k.arg else f"**{expression_text(source_text, k.value)}"
              for k in node.keywords]
    return func.extended(f"({', '.join(parts)})")
