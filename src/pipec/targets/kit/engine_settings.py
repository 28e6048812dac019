"""A step's engine settings merged from several settings keys (``orchestrator.<x>``,
``step_operator.<x>``...), later keys winning key by key."""

from __future__ import annotations

from collections.abc import Iterable

from pipec.ir import StepInvocation
from pipec.ir.diagnostics import Diagnostics


def merged_settings(step: StepInvocation, keys: Iterable[str], diags: Diagnostics, code: str) -> dict[str, object]:
    """The dicts `step`'s settings hold under `keys`, merged in order; a value that is not a dict
    is an error under `code` and skipped."""
    extra = step.settings.extra_dict()
    merged: dict[str, object] = {}
    for key in keys:
        value = extra.get(key)
        if isinstance(value, dict):
            merged.update(value)
        elif value is not None:
            diags.error(code, f"settings `{key}` of step `{step.id}` must be a dict", step.span)
    return merged
