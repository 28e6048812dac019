"""`Client`: read runs, steps, outputs and metadata back from the metadata store.

    from pipec import Client          # re-exported from pipec.runtime
    run = Client().get_pipeline_run("training")     # a run id, or a pipeline name (its latest run)
    run.status                                      # "completed"
    run.steps["train"].outputs["model"].load()      # the artifact's value
    run.run_metadata                                # {"orchestrator_url": ...}
    run.steps["report"].inputs                      # what each input read, and from where
    Client().get_artifact_version("numbers")        # the latest version of a named artifact
    Client().list_pipeline_runs()                   # newest first
    Client().get_model_version("iris", "production").get_artifact("classifier").load()
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import metadata as md
from .artifacts import ArtifactInfo, load_uri
from .lineage import InputRecord, read_inputs
from .runner_liveness import cancel_orphaned_runs

if TYPE_CHECKING:
    from .model_client import Model, ModelVersion

#: Environment variable naming the metadata store URL when none is passed.
ENV_METADATA_STORE = "PIPEC_METADATA_STORE"


def _when(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, tz=timezone.utc) if epoch is not None else None


def find_default_url(start: str | os.PathLike[str] | None = None) -> str:
    """$PIPEC_METADATA_STORE, else the nearest `.pipec/metadata.db` above `start` (the cwd),
    else the default store in `start` itself."""
    if os.environ.get(ENV_METADATA_STORE):
        return os.environ[ENV_METADATA_STORE]
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".pipec" / "metadata.db").exists():
            return md.default_url(folder)
    return md.default_url(here)


@dataclass(frozen=True)
class ArtifactVersion:
    """One output of a step run, or one numbered version of a named artifact (ZenML's artifact
    version: what `Client.get_artifact_version` returns and what a step input read)."""

    # Output name; for a named version or an input, the artifact's name (ZenML's: the output's
    # own name, or `{pipeline}::{step}::output`).
    name: str
    # Payload URI.
    uri: str
    # Declared static type.
    type: str
    # Materializer that wrote it.
    materializer: str
    # "sha256:<hex>" of the payload.
    content_hash: str
    # Payload size in bytes.
    size: int
    # Version number of a named artifact version (an input's), None for a step run's output.
    version: int | None = None
    # Artifact version id, None for a step run's output.
    id: int | None = None
    # How the version was made: "output" (a step output), "external" (`ExternalArtifact(value=)`)
    # or "saved" (`save_artifact`); None for a step run's output.
    origin: str | None = None
    # Run that made it, when known.
    run_id: str | None = None
    # For a step input, how it was found: "output" (an upstream step's), "lookup"
    # (`Client().get_artifact_version`), "external", "saved" or "model"; else None.
    source: str | None = None
    # When the version was made (UTC), when known.
    created: datetime | None = None

    def load(self) -> Any:
        """Read the artifact's value (its materializer must be registered in this process);
        ArtifactCorrupted when its bytes changed since it was written."""
        return load_uri(self.uri, self.materializer, content_hash=self.content_hash)


@dataclass(frozen=True)
class StepRun:
    """The latest attempt of one step in a run."""

    # Step invocation id.
    name: str
    # completed / cached / failed / skipped / cancelled / running.
    status: str
    # Attempts made.
    attempts: int
    # Start time (UTC).
    start_time: datetime | None
    # End time (UTC), None while running.
    end_time: datetime | None
    # Cache key, None when caching was off.
    cache_key: str | None
    # Where the step's log is.
    logs_uri: str | None
    # First line of the error, for failed, skipped or cancelled steps.
    error: str | None
    # Outputs by name.
    outputs: dict[str, ArtifactVersion]
    # Metadata the step logged.
    run_metadata: dict[str, Any] = field(default_factory=dict)
    # Inputs it read, by argument: an artifact version, or a list of them (in order) for a list
    # of upstream outputs. Its `name` is the artifact's name, `source` how it was found.
    inputs: dict[str, ArtifactVersion | list[ArtifactVersion]] = field(default_factory=dict)

    @property
    def is_cached(self) -> bool:
        """Whether the outputs were reused from an earlier run."""
        return self.status == md.CACHED


@dataclass(frozen=True)
class PipelineRun:
    """One run of a pipeline."""

    # Run id.
    id: str
    # Pipeline name.
    pipeline_name: str
    # running / completed / failed / cancelled.
    status: str
    # Who ran it ("local", or the engine that called the shims).
    orchestrator: str
    # Start time (UTC).
    start_time: datetime | None
    # End time (UTC), None while running.
    end_time: datetime | None
    # Pipeline parameter values.
    parameters: dict[str, Any]
    # Steps by id (latest attempt each), in the order they started.
    steps: dict[str, StepRun]
    # Run-level metadata (e.g. orchestrator_url).
    run_metadata: dict[str, Any]

    @property
    def name(self) -> str:
        """The run id (ZenML calls it the run name)."""
        return self.id


class Client:
    """Reads the metadata store (default: found from the current directory, see find_default_url)."""

    def __init__(self, metadata_store: str | None = None, *, root: str | os.PathLike[str] | None = None) -> None:
        self.url = metadata_store or (md.default_url(root) if root is not None else find_default_url())
        self._store: md.MetadataStore | None = None

    @property
    def store(self) -> md.MetadataStore:
        """The underlying metadata store (opened on first use)."""
        if self._store is None:
            self._store = md.MetadataStore(self.url)
            cancel_orphaned_runs(self._store)  # a run whose `pipec run` was killed is not running
        return self._store

    def list_pipeline_runs(self, pipeline: str | None = None, limit: int | None = None) -> list[PipelineRun]:
        """Runs, newest first (optionally of one pipeline), without their steps loaded eagerly."""
        return [self._run(record) for record in self.store.list_runs(pipeline, limit)]

    def get_pipeline_run(self, name_or_id: str) -> PipelineRun:
        """The run with this id, or the latest run of the pipeline with this name; KeyError if none."""
        record = self.store.get_run(name_or_id)
        if record is None:
            latest = self.store.list_runs(name_or_id, limit=1)
            if not latest:
                raise KeyError(f"no pipeline run or pipeline named {name_or_id!r} in {self.url}")
            record = latest[0]
        return self._run(record)

    def list_models(self) -> list[Model]:
        """Every model (ZenML's Model Control Plane), by name."""
        from .model_client import model_of
        from .models import list_models

        return [model_of(self.store, record) for record in list_models(self.store)]

    def get_model(self, name: str) -> Model:
        """The model `name`; KeyError naming the models there are."""
        from .model_client import get_model

        return get_model(self.store, name)

    def get_model_version(self, model: str, version: str | int | None = None) -> ModelVersion:
        """A version of `model` by name, number, "latest" (also for None) or stage such as
        "production"; KeyError naming the versions there are."""
        from .model_client import get_model_version

        return get_model_version(self.store, model, version)

    def _run(self, record: md.RunRecord) -> PipelineRun:
        attempts = self.store.step_runs(record.id)
        latest: dict[str, md.StepRecord] = {}
        counts: dict[str, int] = {}
        for step in attempts:
            latest[step.step_id] = step
            if step.attempt > 0 and step.status not in (md.CACHED, md.SKIPPED):
                counts[step.step_id] = counts.get(step.step_id, 0) + 1
        arts = self.store.artifacts(s.id for s in latest.values())
        run_meta: dict[str, Any] = {}
        step_meta: dict[str, dict[str, Any]] = {}
        for step_id, key, value in self.store.run_metadata(record.id):
            (run_meta if step_id is None else step_meta.setdefault(step_id, {}))[key] = value
        inputs = read_inputs(self.store, (s.id for s in latest.values()))
        steps = {
            sid: StepRun(sid, s.status, counts.get(sid, 0), _when(s.started_at), _when(s.ended_at), s.cache_key,
                         s.logs_uri, s.error, {a.name: _version(a) for a in arts.get(s.id, [])},
                         step_meta.get(sid, {}), _inputs(inputs.get(s.id, [])))
            for sid, s in latest.items()
        }
        return PipelineRun(record.id, record.pipeline, _run_status(record, steps), record.orchestrator,
                           _when(record.started_at), _when(record.ended_at), record.parameters, steps,
                           run_meta)

    def get_artifact_version(self, name_or_id: str | int, version: str | int | None = None) -> ArtifactVersion:
        """Version `version` (a number; None or "latest": the highest) of the artifact named
        `name_or_id`, else the artifact version with that id; KeyError naming the versions that
        exist when there is none."""
        record = self.store.find_artifact_version(str(name_or_id), version)
        if record is None and version is None:
            record = self.store.find_artifact_version(id=name_or_id)
        if record is None:
            existing = [str(v.version) for v in self.store.list_artifact_versions(str(name_or_id))]
            label = f"{name_or_id!r}" + (f" version {version}" if version is not None else "")
            raise KeyError(f"no artifact {label} in {self.url} ("
                           + (f"versions that exist: {', '.join(existing)}" if existing else "no versions") + ")")
        return _named(record)

    def list_artifact_versions(self, name: str | None = None) -> list[ArtifactVersion]:
        """Artifact versions (of one name), by name then version number."""
        return [_named(record) for record in self.store.list_artifact_versions(name)]

    def close(self) -> None:
        """Release the database connections."""
        if self._store is not None:
            self._store.close()
            self._store = None


def _version(info: ArtifactInfo) -> ArtifactVersion:
    return ArtifactVersion(info.name, info.uri, info.type, info.materializer, info.content_hash, info.size)


def _named(record: Any) -> ArtifactVersion:
    return ArtifactVersion(record.name, record.uri, record.type, record.materializer, record.content_hash,
                           record.size, record.version, record.id, record.origin, record.run_id,
                           created=_when(record.created_at))


def _inputs(records: list[InputRecord]) -> dict[str, ArtifactVersion | list[ArtifactVersion]]:
    """A step run's inputs by argument; the elements of a list input in position order."""
    out: dict[str, Any] = {}
    for record in records:
        version = replace(_version(record.info), version=record.version, id=record.artifact_version_id,
                          run_id=record.run_id, source=record.source)
        if record.position is None:
            out[record.name] = version
        else:
            out.setdefault(record.name, {})[record.position] = version
    return {name: [value[i] for i in sorted(value)] if isinstance(value, dict) else value
            for name, value in out.items()}


def _run_status(record: md.RunRecord, steps: dict[str, StepRun]) -> str:
    """The recorded status; for runs driven by an external engine (whose shims never close the
    run), derived from the steps: failed once any step failed, else cancelled once any step was
    cancelled, completed once all are done."""
    if record.status != md.RUNNING or record.orchestrator == "local":
        return record.status
    if any(s.status == md.FAILED for s in steps.values()):
        return md.FAILED
    if any(s.status == md.CANCELLED for s in steps.values()):
        return md.CANCELLED
    if record.num_steps is not None and len(steps) >= record.num_steps \
            and all(s.status in md.DONE for s in steps.values()):
        return md.COMPLETED
    return record.status
