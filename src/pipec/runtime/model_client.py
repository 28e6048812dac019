"""Models and model versions as `pipec.Client` returns them (ZenML's Model Control Plane).

    client = pipec.Client()
    client.list_models()                                    # [Model(name="iris", ...)]
    version = client.get_model_version("iris", "production")   # or a name, a number, "latest"
    version.get_artifact("classifier").load()               # the value, through its materializer
    version.artifacts                                       # {"classifier": LinkedArtifactVersion(...)}
    version.runs                                            # run ids, oldest first
    version.set_stage("production", force=True)             # ZenML's rules: one version per stage
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from . import models

if TYPE_CHECKING:
    from .metadata import MetadataStore


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


@dataclass(frozen=True)
class LinkedArtifactVersion:
    """An artifact version linked to a model version."""

    #: Artifact name.
    name: str
    #: Artifact version number.
    version: int
    #: "data", "model" or "deployment".
    kind: str
    #: Run that produced it.
    run_id: str | None
    #: Payload URI.
    uri: str
    #: Declared static type.
    type: str
    #: Materializer that wrote it.
    materializer: str
    #: "sha256:<hex>" of the payload, checked before it is read.
    content_hash: str | None = None

    def load(self) -> Any:
        """Read the artifact's value (its materializer must be registered in this process);
        ArtifactCorrupted when its bytes changed since it was written."""
        from .artifacts import load_uri

        return load_uri(self.uri, self.materializer, content_hash=self.content_hash)


@dataclass(frozen=True)
class ModelVersion:
    """One version of a model, read from the metadata store."""

    #: The model's name.
    model_name: str
    #: Version number.
    number: int
    #: Version name (the number as text unless one was given).
    name: str
    #: Stage, None when none.
    stage: str | None
    #: Description, None when none.
    description: str | None
    #: Tags.
    tags: tuple[str, ...]
    #: Creation time (UTC).
    created: datetime
    #: Row id.
    id: int
    #: The store it was read from.
    store: MetadataStore

    @property
    def artifacts(self) -> dict[str, LinkedArtifactVersion]:
        """The linked artifacts by name (the newest version of each)."""
        out: dict[str, LinkedArtifactVersion] = {}
        for found in sorted(models.version_artifacts(self.store, self.id), key=lambda a: a.version):
            out[found.name] = _linked(found)
        return out

    def get_artifact(self, name: str, version: str | int | None = None) -> LinkedArtifactVersion:
        """The linked artifact `name` (its newest version, or `version`); KeyError naming what exists."""
        record = models.ModelVersionRecord(self.id, self.model_name, self.number, self.name, self.stage,
                                           self.description, self.tags, self.created.timestamp())
        try:
            return _linked(models.linked_artifact(self.store, record, name, None if version is None else str(version)))
        except models.ModelError as exc:
            raise KeyError(str(exc)) from None

    @property
    def data_artifacts(self) -> dict[str, LinkedArtifactVersion]:
        """The linked data artifacts."""
        return {k: v for k, v in self.artifacts.items() if v.kind == "data"}

    @property
    def model_artifacts(self) -> dict[str, LinkedArtifactVersion]:
        """The linked model artifacts."""
        return {k: v for k, v in self.artifacts.items() if v.kind == "model"}

    @property
    def deployment_artifacts(self) -> dict[str, LinkedArtifactVersion]:
        """The linked deployment artifacts."""
        return {k: v for k, v in self.artifacts.items() if v.kind == "deployment"}

    @property
    def runs(self) -> list[str]:
        """Ids of the runs recorded with this version, oldest first."""
        return models.version_runs(self.store, self.id)

    def set_stage(self, stage: str | None, force: bool = False) -> ModelVersion:
        """Put this version in `stage` ("staging", "production", "archived"; None for none) and
        return it re-read. Another version in "staging" or "production" is a RuntimeError unless
        `force`, which archives it (ZenML's rule)."""
        stage = getattr(stage, "value", stage)
        try:
            models.set_stage(self.store, self.id, None if stage is None else str(stage).lower(), force)
        except models.ModelError as exc:
            raise RuntimeError(str(exc)) from None
        return version_of(self.store, models.get_version(self.store, self.model_name, self.name))


@dataclass(frozen=True)
class Model:
    """One model, read from the metadata store."""

    #: Model name.
    name: str
    #: License, None when unset.
    license: str | None
    #: Description, None when unset.
    description: str | None
    #: The other text fields (audience, use_cases, limitations, trade_offs, ethics).
    fields: dict[str, str | None]
    #: Tags.
    tags: tuple[str, ...]
    #: Creation time (UTC).
    created: datetime
    #: The store it was read from.
    store: MetadataStore

    @property
    def versions(self) -> list[ModelVersion]:
        """Its versions, by number."""
        return [version_of(self.store, v) for v in models.list_versions(self.store, self.name)]

    def get_model_version(self, version: str | int | None = None) -> ModelVersion:
        """A version by name, number, "latest" (also for None) or stage; KeyError when none."""
        return get_model_version(self.store, self.name, version)


def model_of(store: MetadataStore, record: models.ModelRecord) -> Model:
    """The Client's view of a model row."""
    fields = dict(record.fields)
    return Model(record.name, fields.pop("license"), fields.pop("description"), fields, record.tags,
                 _when(record.created_at), store)


def version_of(store: MetadataStore, record: models.ModelVersionRecord) -> ModelVersion:
    """The Client's view of a model version row."""
    return ModelVersion(record.model, record.number, record.name, record.stage, record.description, record.tags,
                        _when(record.created_at), record.id, store)


def get_model(store: MetadataStore, name: str) -> Model:
    """The model `name`; KeyError naming the models there are."""
    try:
        return model_of(store, models.get_model(store, name))
    except models.ModelError as exc:
        raise KeyError(str(exc)) from None


def get_model_version(store: MetadataStore, model: str, version: str | int | None = None) -> ModelVersion:
    """A version of `model`; KeyError naming the versions there are."""
    version = getattr(version, "value", version)  # ZenML's ModelStages members
    try:
        return version_of(store, models.get_version(store, model, version))
    except models.ModelError as exc:
        raise KeyError(str(exc)) from None


def _linked(found: models.LinkedArtifact) -> LinkedArtifactVersion:
    return LinkedArtifactVersion(found.name, found.version, found.kind, found.run_id, found.info.uri,
                                 found.info.type, found.info.materializer, found.info.content_hash)
