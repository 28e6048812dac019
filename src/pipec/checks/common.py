"""Small helpers shared by the checks: where to point, and how to say "defined here"."""

from __future__ import annotations

from ..ir import InputBinding, Span, StepInvocation


def has_span(span: Span) -> bool:
    """True when `span` points into a source file."""
    return span.line > 0


def binding_span(binding: InputBinding, invocation: StepInvocation) -> Span:
    """Where to report a problem with `binding`: the argument itself, else the call."""
    return binding.span if has_span(binding.span) else invocation.span


def defined_note(invocation: StepInvocation) -> tuple[str, ...]:
    """A note pointing at the step function's definition, when its span is known."""
    if not has_span(invocation.definition_span):
        return ()
    return (f"`{invocation.function}` is defined at {invocation.definition_span}",)


def names(items: list[str] | tuple[str, ...]) -> str:
    """`a`, `b`, `c` -- for listing candidates in a help text."""
    return ", ".join(f"`{item}`" for item in items)
