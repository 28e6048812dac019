"""Structural checks: empty pipelines, duplicate step ids, references to unknown steps."""

from __future__ import annotations

from pipec.ir.diagnostics import Diagnostics, did_you_mean

from ..ir import Pipeline, StepInvocation
from .common import binding_span, has_span
from .registry import register


@register
def check_empty(pipeline: Pipeline, diags: Diagnostics) -> None:
    """PC210: a pipeline that invokes no step has nothing to run (ZenML refuses to compile it too)."""
    if not pipeline.steps:
        diags.error("PC210", f"pipeline `{pipeline.name}` has no steps", pipeline.span,
                    help="call at least one step inside the pipeline function")


@register
def check_duplicate_ids(pipeline: Pipeline, diags: Diagnostics) -> None:
    """PC205: two invocations share an id; reported at every invocation after the first."""
    first: dict[str, StepInvocation] = {}
    for inv in pipeline.steps:
        earlier = first.setdefault(inv.id, inv)
        if earlier is inv:
            continue
        notes = (f"first used at {earlier.span}",) if has_span(earlier.span) else ()
        diags.error("PC205", f"duplicate step id `{inv.id}`", inv.span,
                    help="give this invocation a unique `id=`", notes=notes)


@register
def check_unknown_steps(pipeline: Pipeline, diags: Diagnostics) -> None:
    """PC202: an input consumes, or an `after=` names, a step id with no invocation."""
    ids = [inv.id for inv in pipeline.steps]
    known = set(ids)
    for inv in pipeline.steps:
        for binding in inv.inputs:
            for ref in binding.upstream_outputs:
                if ref.step in known:
                    continue
                diags.error("PC202", f"step `{inv.id}` input `{binding.name}` refers to unknown step "
                            f"`{ref.step}`", binding_span(binding, inv), help=did_you_mean(ref.step, ids))
        for dep in inv.after:
            if dep not in known:
                diags.error("PC202", f"step `{inv.id}` runs after unknown step `{dep}`", inv.span,
                            help=did_you_mean(dep, ids))
