"""The context of the step being executed: `get_step_context()` inside a step.

Metadata a step logs (``get_step_context().add_metadata(...)``, or ZenML's
``log_metadata`` / ``log_step_metadata`` / ``add_output_metadata`` through the
compatibility module) is recorded as run metadata of that step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

_current: StepContext | None = None

#: True while the shim imports the user's step module (set by the shim).
importing_step_module = False


@dataclass
class StepContext:
    """Who is running: pipeline, run and step; plus the metadata the step logged."""

    # Pipeline name.
    pipeline_name: str
    # Run id.
    run_id: str
    # Step invocation id.
    step_id: str
    # 1-based attempt number, 0 when the engine does not say.
    attempt: int = 0
    # Metadata logged by the step, JSON-compatible values.
    metadata: dict[str, Any] = field(default_factory=dict)

    def add_metadata(self, metadata: dict[str, Any] | None = None, **items: Any) -> None:
        """Record key/value metadata for this step run."""
        self.metadata.update(metadata or {})
        self.metadata.update(items)

    # ZenML-shaped accessors, so `get_step_context().pipeline_run.name` works unchanged.
    @property
    def step_name(self) -> str:
        return self.step_id

    @property
    def pipeline(self) -> SimpleNamespace:
        return SimpleNamespace(name=self.pipeline_name)

    @property
    def pipeline_run(self) -> SimpleNamespace:
        return SimpleNamespace(name=self.run_id, id=self.run_id)

    @property
    def step_run(self) -> SimpleNamespace:
        return SimpleNamespace(name=self.step_id, id=f"{self.run_id}/{self.step_id}")

    @property
    def model(self) -> None:
        return None

    def add_output_metadata(self, metadata: dict[str, Any] | None = None,
                            output_name: str | None = None, **_: Any) -> None:
        """ZenML's spelling; recorded as step metadata (prefixed by the output name when given)."""
        prefix = f"{output_name}." if output_name else ""
        self.add_metadata({f"{prefix}{k}": v for k, v in (metadata or {}).items()})

    def add_output_tags(self, *_: Any, **__: Any) -> None:
        """Accepted and ignored."""


def get_step_context() -> StepContext:
    """The context of the running step; RuntimeError outside a step."""
    if _current is None:
        raise RuntimeError("get_step_context() called outside a running step")
    return _current


def inside_step() -> bool:
    """Whether this process is running a step: the shim is importing its module or calling it."""
    return importing_step_module or _current is not None


def set_current(context: StepContext | None) -> None:
    """Install (or clear) the context of the running step; used by the shim."""
    global _current
    _current = context
