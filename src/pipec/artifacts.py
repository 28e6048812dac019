"""pipec's spellings of ZenML's run-time-resolved step inputs, for a pipeline body::

    from pipec import Client, ExternalArtifact, save_artifact

    @pipeline
    def report_pipeline():
        report(numbers=Client().get_artifact_version("numbers"),    # looked up when the step starts
               settings=ExternalArtifact(value={"scale": 2}),        # stored once per run
               title=save_artifact("Squares", "report_title"))       # stored once per run, named

The compiler reads these calls statically (they are never executed: a pipeline body is
compiled, not run); these definitions only let the module import where the step runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExternalArtifact:
    """A step input given as a value stored for the run (`value=`) or an existing artifact
    version (`name=` and optional `version=`, or `id=`)."""

    #: The value to store, or None for a reference.
    value: Any = None
    #: Artifact name to look up.
    name: str | None = None
    #: Version number of `name` (None: the latest).
    version: str | int | None = None
    #: Artifact version id to look up.
    id: str | None = None


def save_artifact(data: Any, name: str, **options: Any) -> Any:
    """In a pipeline body, `data` stored as a new version of artifact `name` and passed to the
    step input it is given to; the compiler reads it, so calling it anywhere else is an error."""
    raise RuntimeError("pipec's save_artifact(data, name) is read by the compiler in a pipeline body, where its "
                       "result is passed to a step input; inside a step, return the value as an output instead")
