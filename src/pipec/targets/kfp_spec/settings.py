"""Engine settings from `Settings.extra`: ``settings={"orchestrator.kubeflow": {...}}`` or
``options={"kubeflow": {...}}`` (stored as ``"target.kubeflow"``).

The two are merged key by key, ``target.*`` last. Problems are reported once per pipeline
at its span (step settings include the pipeline's, so a per-step report would repeat).
"""

from __future__ import annotations

from collections.abc import Iterable

from pipec.ir import JSONValue, Pipeline, Settings
from pipec.targets.base import CompileContext


def engine_settings(settings: Settings, engine: str) -> dict[str, JSONValue]:
    """``orchestrator.<engine>`` merged with ``target.<engine>`` (the latter wins)."""
    extra = settings.extra_dict()
    merged: dict[str, JSONValue] = {}
    for key in (f"orchestrator.{engine}", f"target.{engine}"):
        value = extra.get(key)
        if isinstance(value, dict):
            merged.update(value)
    return merged


def report_unsupported(pipeline: Pipeline, context: CompileContext, engine: str, keys: Iterable[str],
                       supported: Iterable[str], where: str = "") -> None:
    """A PC321 warning per key of `keys` not in `supported`."""
    allowed = sorted(set(supported))
    for key in sorted(set(keys) - set(allowed)):
        context.diagnostics.warning(
            "PC321", f"{engine} setting `{where}{key}` is not supported and is ignored", pipeline.span,
            help=f"supported: {', '.join(allowed)}" if allowed else None)


def invalid(pipeline: Pipeline, context: CompileContext, engine: str, key: str, expected: str) -> None:
    """A PC321 error: setting `key` does not have the `expected` form."""
    context.diagnostics.error("PC321", f"{engine} setting `{key}` must be {expected}", pipeline.span)


def string_map(value: JSONValue) -> dict[str, str] | None:
    """`value` when it is a dict of strings to strings, else None."""
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return dict(value)
    return None
