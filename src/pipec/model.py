"""`pipec.Model`: ZenML's `Model(...)` in pipec's own spelling.

The compiler reads it statically (like `zenml.Model`) in `@pipeline(model=)` and
`@step(model=)`; at run time it only has to exist, holding what it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Model:
    """A model of ZenML's Model Control Plane: the version a run links its outputs to."""

    #: Model name.
    name: str
    #: None for a new numbered version per run; a version name, a number, "latest" or a stage.
    version: str | int | None = None
    #: The model's license.
    license: str | None = None
    #: Its description.
    description: str | None = None
    #: Who it is for.
    audience: str | None = None
    #: What it is for.
    use_cases: str | None = None
    #: What it cannot do.
    limitations: str | None = None
    #: Its trade-offs.
    trade_offs: str | None = None
    #: Ethical considerations.
    ethics: str | None = None
    #: Tags.
    tags: list[str] = field(default_factory=list)
    #: ZenML's switch for copying model artifacts into a model registry.
    save_models_to_registry: bool = True
