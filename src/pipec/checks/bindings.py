"""Arguments against signatures: unknown keywords, double bindings, missing inputs, unknown outputs."""

from __future__ import annotations

from pipec.ir.diagnostics import Diagnostics, did_you_mean

from ..ir import InputBinding, Pipeline
from .common import binding_span, defined_note, has_span, names
from .registry import register


@register
def check_unknown_keywords(pipeline: Pipeline, diags: Diagnostics) -> None:
    """PC204: an argument names no parameter of the step function."""
    for inv in pipeline.steps:
        accepted = [param.name for param in inv.signature]
        for binding in inv.inputs:
            if binding.name in accepted:
                continue
            hint = did_you_mean(binding.name, accepted)
            if hint is None:
                hint = (f"`{inv.function}` accepts {names(accepted)}" if accepted
                        else f"`{inv.function}` takes no inputs")
            diags.error("PC204", f"step `{inv.id}` has no input `{binding.name}`",
                        binding_span(binding, inv), help=hint, notes=defined_note(inv))


@register
def check_bound_twice(pipeline: Pipeline, diags: Diagnostics) -> None:
    """PC209: one input receives two values; reported at every binding after the first."""
    for inv in pipeline.steps:
        first: dict[str, InputBinding] = {}
        for binding in inv.inputs:
            earlier = first.setdefault(binding.name, binding)
            if earlier is binding:
                continue
            notes = (f"first bound at {earlier.span}",) if has_span(earlier.span) else ()
            diags.error("PC209", f"step `{inv.id}` input `{binding.name}` is bound more than once",
                        binding_span(binding, inv), help=f"pass `{binding.name}` only once", notes=notes)


@register
def check_missing_inputs(pipeline: Pipeline, diags: Diagnostics) -> None:
    """PC203: a required parameter (no default) has no binding.

    The frontend decides what is required, including old-API ``BaseParameters``
    configs (required only when their class has a field without a default).
    """
    for inv in pipeline.steps:
        bound = {binding.name for binding in inv.inputs}
        for param in inv.signature:
            if param.required and param.name not in bound:
                diags.error("PC203", f"step `{inv.id}` is missing required input `{param.name}`", inv.span,
                            help=f"pass `{param.name}=` to `{inv.function}(...)` or give the parameter "
                                 "a default", notes=defined_note(inv))


@register
def check_unknown_outputs(pipeline: Pipeline, diags: Diagnostics) -> None:
    """PC208: an input consumes an output its producing step does not have."""
    for inv in pipeline.steps:
        for binding in inv.inputs:
            for ref in binding.upstream_outputs:
                producer = pipeline.step(ref.step)
                if producer is None or producer.output_type(ref.output) is not None:
                    continue  # unknown producers are reported by the unknown-steps check
                outputs = [out.name for out in producer.outputs]
                hint = did_you_mean(ref.output, outputs)
                if hint is None:
                    hint = (f"`{producer.id}` has outputs {names(outputs)}" if outputs
                            else f"`{producer.function}` returns nothing")
                diags.error("PC208", f"step `{producer.id}` has no output `{ref.output}` "
                            f"(used by `{inv.id}` input `{binding.name}`)",
                            binding_span(binding, inv), help=hint, notes=defined_note(producer))
