"""Named artifact versions and step-input lineage in the metadata store (schema version 2).

:class:`ArtifactVersionQueries` is mixed into :class:`pipec.runtime.metadata.MetadataStore`:
it finds and adds rows of ``pipec_artifact_versions`` (ZenML's artifact name and version
number), records which artifact version each resolved input of a step run read
(``pipec_step_inputs``; data inputs are recorded by :mod:`pipec.runtime.lineage`), and
backfills versions for the completed outputs of a version-1 store when it is upgraded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: The status of a step run that made its outputs (metadata.COMPLETED; this module is imported by it).
_COMPLETED = "completed"


@dataclass(frozen=True)
class ArtifactVersionRecord:
    """One row of pipec_artifact_versions."""

    #: Row id (the artifact version's id).
    id: int
    #: Artifact name.
    name: str
    #: Version number, 1 for the first of the name.
    version: int
    #: "output" (a step output), "external" (`ExternalArtifact(value=)`) or "saved" (`save_artifact`).
    origin: str
    #: The pipec_artifacts row of a step output, None for a stored value.
    artifact_id: int | None
    #: Run that made it.
    run_id: str | None
    #: Payload URI when it was written.
    uri: str
    #: Payload path relative to the artifact store root.
    payload: str
    #: Static type string.
    type: str
    #: Materializer that wrote the payload.
    materializer: str
    #: "sha256:<hex>" of the payload.
    content_hash: str
    #: Payload size in bytes.
    size: int
    #: Epoch seconds.
    created_at: float


#: Columns an artifact version copies from the payload's description.
_PAYLOAD_FIELDS = ("uri", "payload", "type", "materializer", "content_hash", "size")


class ArtifactVersionQueries:
    """Artifact versions and lineage; needs the store's `engine`, `t`, `_sa` and `_read()`."""

    engine: Any
    t: Any
    _sa: Any

    def _read(self) -> Any:  # provided by MetadataStore
        raise NotImplementedError

    def find_artifact_version(self, name: str | None = None, version: str | int | None = None,
                              id: str | int | None = None) -> ArtifactVersionRecord | None:
        """The version `version` (a number; None or "latest" for the highest) of artifact `name`,
        or the version with row id `id`; None when there is none."""
        versions = self.t["pipec_artifact_versions"]
        query = self._sa.select(versions)
        if id is not None:
            if not str(id).isdigit():
                return None
            query = query.where(versions.c.id == int(id))
        else:
            query = query.where(versions.c.name == name)
            if version is not None and str(version) != "latest":
                if not str(version).isdigit():
                    return None
                query = query.where(versions.c.version == int(version))
            query = query.order_by(versions.c.version.desc()).limit(1)
        with self._read() as conn:
            row = conn.execute(query).first()
        return _version_record(row) if row is not None else None

    def list_artifact_versions(self, name: str | None = None) -> list[ArtifactVersionRecord]:
        """Artifact versions (of one name), by name then version number."""
        versions = self.t["pipec_artifact_versions"]
        query = self._sa.select(versions).order_by(versions.c.name, versions.c.version)
        if name is not None:
            query = query.where(versions.c.name == name)
        with self._read() as conn:
            return [_version_record(row) for row in conn.execute(query)]

    def add_artifact_version(self, name: str, origin: str, run_id: str, info: Any) -> ArtifactVersionRecord:
        """The version of `name` run `run_id` stored with `info`'s payload hash: the existing one,
        else a new one numbered after the last (idempotent, so parallel readers of one stored
        value add a single row)."""
        sa = self._sa
        versions = self.t["pipec_artifact_versions"]
        for attempt in range(20):
            try:
                with self.engine.begin() as conn:
                    row = conn.execute(sa.select(versions).where(
                        versions.c.name == name, versions.c.run_id == run_id,
                        versions.c.content_hash == info.content_hash)).first()
                    if row is not None:
                        return _version_record(row)
                    last = conn.execute(sa.select(sa.func.max(versions.c.version))
                                        .where(versions.c.name == name)).scalar()
                    number = (last or 0) + 1
                    conn.execute(versions.insert().values(
                        name=name, version=number, origin=origin, artifact_id=None, run_id=run_id,
                        created_at=time.time(), **{key: getattr(info, key) for key in _PAYLOAD_FIELDS}))
                    return _version_record(conn.execute(sa.select(versions).where(
                        versions.c.name == name, versions.c.version == number)).one())
            except sa.exc.IntegrityError:
                # Another reader took the next version first (servers): look again.
                if attempt == 19:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise RuntimeError("unreachable")  # pragma: no cover - the loop returns or raises

    def record_step_inputs(self, step_run_id: int, inputs: Iterable[tuple[str, int | None, int, str,
                                                                         dict[str, Any] | None]]) -> None:
        """Record lineage: (input name, list position or None, artifact version id, source, detail)."""
        rows = [{"step_run_id": step_run_id, "name": name, "position": position, "artifact_version_id": version,
                 "source": source, "detail": None if detail is None else json.dumps(detail, sort_keys=True)}
                for name, position, version, source, detail in inputs]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(self.t["pipec_step_inputs"].insert(), rows)

    def _backfill_versions(self, conn: Any) -> None:
        """One artifact version per output of every completed step run that has none yet, in the
        order the runs finished (the upgrade of a version-1 store; running it again adds nothing)."""
        from .metadata import artifact_name

        sa = self._sa
        steps, runs, arts = self.t["pipec_step_runs"], self.t["pipec_pipeline_runs"], self.t["pipec_artifacts"]
        versions = self.t["pipec_artifact_versions"]
        done = sa.select(versions.c.artifact_id).where(versions.c.artifact_id.is_not(None))
        rows = conn.execute(
            sa.select(arts, steps.c.run_id, steps.c.step_id, steps.c.ended_at, runs.c.pipeline)
            .join(steps, steps.c.id == arts.c.step_run_id).join(runs, runs.c.id == steps.c.run_id)
            .where(steps.c.status == _COMPLETED, arts.c.id.not_in(done))
            .order_by(steps.c.ended_at, arts.c.id)).all()
        for row in rows:
            name = artifact_name(row.pipeline, row.step_id, row.name)
            last = conn.execute(sa.select(sa.func.max(versions.c.version)).where(versions.c.name == name)).scalar()
            conn.execute(versions.insert().values(
                name=name, version=(last or 0) + 1, origin="output", artifact_id=row.id, run_id=row.run_id,
                created_at=row.ended_at if row.ended_at is not None else time.time(),
                **{key: getattr(row, key) for key in _PAYLOAD_FIELDS}))


def _version_record(row: Any) -> ArtifactVersionRecord:
    return ArtifactVersionRecord(row.id, row.name, row.version, row.origin, row.artifact_id, row.run_id, row.uri,
                                 row.payload, row.type, row.materializer, row.content_hash, row.size, row.created_at)
