"""ZenML's `get_pipeline_context()` in a pipeline body, read statically.

ZenML builds the context from the pipeline's configuration before it runs the body, so
what the body reads from it is known at compile time:

- `.name`: the pipeline's name;
- `.enable_cache`: the `enable_cache` option (decorator, `.with_options()`, run config), or None;
- `.extra`: the `extra=` option merged with the run configuration's `extra:` (a dict, so
  `.extra["key"]` and `.extra.get("key", default)` work as in Python).

- `.model`: the pipeline's `Model(...)` (decorator, `.with_options()`, run config), whose
  `.get_artifact(name)` is an input resolved from the run's model version when the step starts.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..ir import ModelSpec
from .model_control import ModelValue

if TYPE_CHECKING:
    from .calls import Evaluator

#: Context attributes ZenML has that pipec does not read (settings objects, logging switches...).
NOT_READ = ("enable_artifact_metadata", "enable_artifact_visualization", "enable_step_logs", "settings")


class ContextExtra(dict):
    """`get_pipeline_context().extra`: a dict whose missing keys say where they come from."""

    #: How the message names it.
    label = "`get_pipeline_context().extra`"
    #: The help of a missing key (see the evaluator's subscript).
    missing_key_help = ("set it in the run configuration's `extra:` section (--config) or in "
                        "`@pipeline(extra={...})`; ZenML fails the same way without it")


@dataclass(frozen=True)
class PipelineContext:
    """The value of `get_pipeline_context()` inside a pipeline body."""

    # Pipeline name.
    name: str
    # `enable_cache` as configured, None when unset.
    enable_cache: bool | None
    # `extra=` merged with the run configuration's `extra:`.
    extra: Any
    # Where `get_pipeline_context()` is.
    span: Any = None
    # The pipeline's model (ZenML's `model=`), None without one.
    model: ModelSpec | None = None

    #: How messages name this value (see runtime_values.describe).
    user_label = "ZenML's pipeline context"

    def static_attribute(self, ev: Evaluator, attr: str, node: ast.Attribute) -> Any:
        """`get_pipeline_context().attr`."""
        from .interp import EvalError

        if attr == "name":
            return self.name
        if attr == "enable_cache":
            return self.enable_cache
        if attr == "extra":
            # The body may mutate its copy, as in Python.
            return ContextExtra(copy.deepcopy(self.extra)) if isinstance(self.extra, dict) else copy.deepcopy(self.extra)
        if attr in ("model", "model_version"):
            if self.model is None:
                # ZenML projects often give the model in the run configuration only: compile, and say so.
                ev.diags.warning("PC125", f"`get_pipeline_context().{attr}` is read, but pipeline `{self.name}` has "
                                 "no model here: the steps that read its artifacts fail when they run", ev.span(node),
                                 help="give the pipeline one: `@pipeline(model=Model(name=...))` or the run "
                                      "configuration's `model:` section")
            return ModelValue(self.model, ev.span(node))
        if attr in NOT_READ:
            raise EvalError("PC102", f"`get_pipeline_context().{attr}` is not modelled by pipec", node,
                            help="read `.name`, `.enable_cache` or `.extra` instead")
        raise EvalError("PC103", f"ZenML's pipeline context has no attribute `{attr}`", node,
                        help="it has `.name`, `.enable_cache`, `.extra` and `.model`")


def pipeline_context(ev: Evaluator, node: ast.Call) -> PipelineContext:
    """`get_pipeline_context()` evaluated in `ev`: only a pipeline body has one."""
    from .interp import EvalError

    builder = ev.builder
    pdef = getattr(builder, "pdef", None)
    if pdef is None or node.args or node.keywords:
        raise EvalError("PC102", "`get_pipeline_context()` exists only inside a pipeline body", node,
                        help="call it in the body of the @pipeline function")
    partial = builder.pipeline_partial
    extra = (partial.get("extra") or {}).get("extra") or {}
    return PipelineContext(pdef.name, partial.get("enable_cache"), extra, ev.span(node), partial.get("model"))
