"""Step-input lineage: which artifact version each data input of a step run read.

One ``pipec_step_inputs`` row per input, and per element of a list input (a fan-in) with its
``position``. An input is matched to its artifact version by payload and content hash, so a
cached producer (which makes no new version) points at the version its payload was first
stored as.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .artifacts import ArtifactInfo
from .list_inputs import split_key


@dataclass(frozen=True)
class InputRecord:
    """One row of pipec_step_inputs with the artifact version it names."""

    #: The step run that read it.
    step_run_id: int
    #: The step argument.
    name: str
    #: Index in a list input, None for a whole input.
    position: int | None
    #: How the artifact was found: "output" for an upstream step's output.
    source: str
    #: Artifact name of the version (ZenML's `{pipeline}::{step}::{output}` for an output).
    artifact_name: str
    #: Version number.
    version: int
    #: The payload as stored (for :class:`ArtifactInfo`).
    info: ArtifactInfo
    #: Id of the artifact version.
    artifact_version_id: int | None = None
    #: Run that made the version.
    run_id: str | None = None


def record_inputs(meta: Any, step_run_id: int, inputs: Mapping[str, ArtifactInfo]) -> None:
    """Record the data inputs `inputs` (keyed by argument, or ``NAME[i]`` per list element) that
    step run `step_run_id` of store `meta` read from upstream outputs; one whose version is
    unknown (a store written before versions existed) is skipped."""
    sa, versions, table = meta._sa, meta.t["pipec_artifact_versions"], meta.t["pipec_step_inputs"]
    with meta.engine.begin() as conn:
        rows = []
        for key, info in inputs.items():
            version_id = conn.execute(
                sa.select(versions.c.id).where(versions.c.payload == info.payload,
                                               versions.c.content_hash == info.content_hash)
                .order_by(versions.c.id).limit(1)).scalar()
            if version_id is not None:
                name, position = split_key(key)
                rows.append({"step_run_id": step_run_id, "name": name, "position": position,
                             "artifact_version_id": version_id, "source": "output", "detail": None})
        if rows:
            conn.execute(table.insert(), rows)


def read_inputs(meta: Any, step_run_ids: Iterable[int]) -> dict[int, list[InputRecord]]:
    """The recorded inputs per step run of store `meta`, each run's in the order recorded."""
    ids = list(step_run_ids)
    if not ids:
        return {}
    sa, versions, table = meta._sa, meta.t["pipec_artifact_versions"], meta.t["pipec_step_inputs"]
    query = (sa.select(table.c.step_run_id, table.c.name.label("input"), table.c.position, table.c.source,
                       versions.c.name, versions.c.version, versions.c.type, versions.c.materializer,
                       versions.c.content_hash, versions.c.size, versions.c.payload, versions.c.uri,
                       versions.c.id.label("version_id"), versions.c.run_id)
             .join(versions, versions.c.id == table.c.artifact_version_id)
             .where(table.c.step_run_id.in_(ids)).order_by(table.c.id))
    out: dict[int, list[InputRecord]] = {}
    with meta._read() as conn:
        for row in conn.execute(query):
            info = ArtifactInfo(row.name, row.type, row.materializer, row.content_hash, row.size, row.payload, row.uri)
            out.setdefault(row.step_run_id, []).append(
                InputRecord(row.step_run_id, row.input, row.position, row.source, row.name, row.version, info,
                            row.version_id, row.run_id))
    return out
