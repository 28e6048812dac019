"""ZenML's Model Control Plane, serverless: models and their versions in pipec's metadata store.

A step whose IR has a model gets ``--model NAME=JSON`` (the model's fields, the version it
asks for, and the kinds of its outputs). When the step starts, the shim resolves the model
version of the run (:func:`resolve_model_version`); when it completes (or is served from the
cache), every output is linked to that version (:func:`link_step_outputs`), as ZenML links
every output artifact: as a model artifact, a deployment artifact or a data artifact.

Which version a run uses, after ZenML's ``Model(version=...)``:

- None: a new version numbered after the highest, created once per run (parallel steps of
  one run find the one the first created; writers retry on the unique number);
- a version name: that version, created when missing;
- a number: that version, which must exist;
- "latest": the highest-numbered version, which must exist;
- a stage ("staging", "production", "archived"): the version in that stage, which must exist.

The run is recorded with the version (``pipec_model_version_runs``). A version asked for
that does not exist is a :class:`ModelError`, one line naming the model and its versions.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .artifacts import ArtifactInfo

if TYPE_CHECKING:  # the IR is not imported at run time: the shim loads this module on its hot path
    from pipec.ir import StepInvocation

    from .metadata import MetadataStore

#: Stages a version can be in (ZenML's ModelStages besides "latest" and none).
STAGES = ("staging", "production", "archived")
#: The version that means the highest number.
LATEST = "latest"
#: Text fields of a model, as ``Model(...)`` and the table name them.
MODEL_FIELDS = ("license", "description", "audience", "use_cases", "limitations", "trade_offs", "ethics")
#: Kinds an artifact is linked as.
KINDS = ("data", "model", "deployment")


class ModelError(LookupError):
    """A model or model version that does not exist, or a stage already taken."""


@dataclass(frozen=True)
class ModelRecord:
    """One model."""

    #: Row id.
    id: int
    #: Model name.
    name: str
    #: License, description, audience, use cases, limitations, trade-offs, ethics (None when unset).
    fields: tuple[tuple[str, str | None], ...]
    #: Tags.
    tags: tuple[str, ...]
    #: Epoch seconds.
    created_at: float


@dataclass(frozen=True)
class ModelVersionRecord:
    """One version of a model."""

    #: Row id.
    id: int
    #: The model's name.
    model: str
    #: Version number (1, 2, ...).
    number: int
    #: Version name (the number as text unless one was given).
    name: str
    #: Stage, None when none.
    stage: str | None
    #: Description, None when none.
    description: str | None
    #: Tags.
    tags: tuple[str, ...]
    #: Epoch seconds.
    created_at: float


@dataclass(frozen=True)
class LinkedArtifact:
    """An artifact version linked to a model version."""

    #: Artifact version row id.
    id: int
    #: Artifact name.
    name: str
    #: Artifact version number.
    version: int
    #: "data", "model" or "deployment".
    kind: str
    #: Run that produced it, None when unknown.
    run_id: str | None
    #: Where the payload is, to load it.
    info: ArtifactInfo

    def __getattr__(self, field: str) -> Any:
        """The payload's fields (``uri``, ``type``, ``materializer``, ...), as an artifact version row has them."""
        if field in ArtifactInfo.__dataclass_fields__ and field != "name":
            return getattr(self.info, field)
        raise AttributeError(field)


# --------------------------------------------------------------------------- writing


def resolve_model_version(store: MetadataStore, model: Mapping[str, Any], run_id: str) -> ModelVersionRecord:
    """The version of `model` (``{"name", "version"?, fields...}``) run `run_id` uses, recorded
    with the run; created when ZenML would create it. ModelError when it must exist and does not."""
    sa = store._sa
    for attempt in range(30):
        try:
            with store.engine.begin() as conn:
                model_id = _ensure_model(store, conn, model)
                version = _new_in_run(store, conn, model_id, run_id) if model.get("version") is None else None
                if version is None:
                    version = _picked(store, conn, model_id, model, run_id)
                _record_run(store, conn, version.id, run_id)
                return version
        except (sa.exc.IntegrityError, sa.exc.OperationalError):  # a unique violation, or a deadlock (MariaDB)
            # A parallel step of this run (or another run) created the same row first, or the server
            # chose this transaction as a deadlock victim: look again.
            if attempt == 29:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def _ensure_model(store: MetadataStore, conn: Any, model: Mapping[str, Any]) -> int:
    table = store.t["pipec_models"]
    # Locked (servers; SQLite's writers are serialised already): the steps of one run then see the
    # version the first of them made before they look for the highest number.
    found = conn.execute(store._sa.select(table.c.id).where(table.c.name == model["name"]).with_for_update()).scalar()
    if found is not None:
        return int(found)
    result = conn.execute(table.insert().values(
        name=model["name"], tags=json.dumps(list(model.get("tags") or [])), created_at=time.time(),
        **{key: model.get(key) for key in MODEL_FIELDS}))
    return int(result.inserted_primary_key[0])


def _new_in_run(store: MetadataStore, conn: Any, model_id: int, run_id: str) -> ModelVersionRecord | None:
    """The new numbered version this run already made (another step of the run made it first)."""
    versions, links = store.t["pipec_model_versions"], store.t["pipec_model_version_runs"]
    rows = conn.execute(_version_query(store).where(versions.c.model_id == model_id).join(
        links, links.c.model_version_id == versions.c.id).where(links.c.run_id == run_id)
        .order_by(versions.c.number)).all()
    runs = store.t["pipec_pipeline_runs"]
    started = conn.execute(store._sa.select(runs.c.started_at).where(runs.c.id == run_id)).scalar() or 0
    # A version the run only read (by number, "latest" or a stage) was made before the run started.
    made = [row for row in rows if row.name == str(row.number) and row.created_at >= started]
    return _version_record(made[-1]) if made else None


def _picked(store: MetadataStore, conn: Any, model_id: int, model: Mapping[str, Any],
            run_id: str) -> ModelVersionRecord:
    """The version `model` names for run `run_id`. "latest" and a stage move while a run goes on
    (a new version, a promotion), so the first step's answer is recorded and every later step
    of the run gets it, as ZenML resolves the model version once per run."""
    wanted = model.get("version")
    if wanted != LATEST and wanted not in STAGES:
        return _pick_or_create(store, conn, model_id, model)
    picks, versions = store.t["pipec_model_version_picks"], store.t["pipec_model_versions"]
    row = conn.execute(_version_query(store).join(picks, picks.c.model_version_id == versions.c.id).where(
        picks.c.run_id == run_id, picks.c.model_id == model_id, picks.c.wanted == wanted)).first()
    if row is not None:
        return _version_record(row)
    version = _pick_or_create(store, conn, model_id, model)
    conn.execute(picks.insert().values(run_id=run_id, model_id=model_id, wanted=wanted, model_version_id=version.id))
    return version


def _pick_or_create(store: MetadataStore, conn: Any, model_id: int, model: Mapping[str, Any]) -> ModelVersionRecord:
    versions = store.t["pipec_model_versions"]
    wanted = model.get("version")
    query = _version_query(store).where(versions.c.model_id == model_id)
    if wanted is None:
        return _create_version(store, conn, model_id, None, model)
    if wanted == LATEST:
        row = conn.execute(query.order_by(versions.c.number.desc()).limit(1)).first()
    elif wanted in STAGES:
        row = conn.execute(query.where(versions.c.stage == wanted)).first()
    else:
        row = conn.execute(query.where(versions.c.name == wanted)).first()
        if row is None and wanted.isdigit():
            row = conn.execute(query.where(versions.c.number == int(wanted))).first()
            if row is None:
                raise ModelError(_missing(store, conn, model_id, model["name"], f"no version {wanted}"))
        if row is None:
            return _create_version(store, conn, model_id, wanted, model)
    if row is None:
        what = "no versions yet" if wanted == LATEST else f"no version in stage `{wanted}`"
        raise ModelError(_missing(store, conn, model_id, model["name"], what))
    return _version_record(row)


def _create_version(store: MetadataStore, conn: Any, model_id: int, name: str | None,
                    model: Mapping[str, Any]) -> ModelVersionRecord:
    versions = store.t["pipec_model_versions"]
    last = conn.execute(store._sa.select(store._sa.func.max(versions.c.number))
                        .where(versions.c.model_id == model_id)).scalar()
    number = (last or 0) + 1
    result = conn.execute(versions.insert().values(
        model_id=model_id, number=number, name=name or str(number), stage=None,
        description=model.get("description"), tags=json.dumps(list(model.get("tags") or [])),
        created_at=time.time()))
    row = conn.execute(_version_query(store).where(versions.c.id == result.inserted_primary_key[0])).one()
    return _version_record(row)


def _record_run(store: MetadataStore, conn: Any, version_id: int, run_id: str) -> None:
    links = store.t["pipec_model_version_runs"]
    sa = store._sa
    if conn.execute(sa.select(links.c.run_id).where(links.c.model_version_id == version_id,
                                                    links.c.run_id == run_id)).first() is None:
        conn.execute(links.insert().values(model_version_id=version_id, run_id=run_id))


def _missing(store: MetadataStore, conn: Any, model_id: int, model: str, what: str) -> str:
    versions = store.t["pipec_model_versions"]
    rows = conn.execute(_version_query(store).where(versions.c.model_id == model_id)
                        .order_by(versions.c.number)).all()
    return f"model `{model}` has {what}; its versions: {_describe(rows) or 'none'}"


def _describe(rows: Iterable[Any]) -> str:
    return ", ".join(f"{r.number}" + (f" ({r.name})" if r.name != str(r.number) else "")
                     + (f" [{r.stage}]" if r.stage else "") for r in rows)


def link_step_outputs(store: MetadataStore, version_id: int, step_run_id: int,
                      kinds: Mapping[str, str] | None = None) -> list[int]:
    """Link the output artifact versions of step run `step_run_id` (of the run it was served from,
    for a cache hit) to model version `version_id`, as `kinds` (output name -> kind; "data" when
    absent) says; returns the linked artifact version ids. Linking twice changes nothing."""
    sa = store._sa
    steps, arts = store.t["pipec_step_runs"], store.t["pipec_artifacts"]
    versions, links = store.t["pipec_artifact_versions"], store.t["pipec_model_version_artifacts"]
    kinds = kinds or {}
    for attempt in range(30):
        try:
            with store.engine.begin() as conn:
                cached_from = conn.execute(sa.select(steps.c.cached_from).where(steps.c.id == step_run_id)).scalar()
                source = cached_from or step_run_id
                rows = conn.execute(sa.select(versions.c.id, arts.c.name).join(arts, arts.c.id == versions.c.artifact_id)
                                    .where(arts.c.step_run_id == source).order_by(versions.c.id)).all()
                done = set(conn.execute(sa.select(links.c.artifact_version_id)
                                        .where(links.c.model_version_id == version_id)).scalars())
                for row in rows:
                    if row.id not in done:
                        conn.execute(links.insert().values(model_version_id=version_id, artifact_version_id=row.id,
                                                           kind=kinds.get(row.name) or "data"))
                return [row.id for row in rows]
        except (sa.exc.IntegrityError, sa.exc.OperationalError):  # a unique violation, or a deadlock (MariaDB)
            if attempt == 29:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def set_stage(store: MetadataStore, version_id: int, stage: str | None, force: bool = False) -> None:
    """Put version `version_id` in `stage` (None: no stage). As in ZenML, another version of the
    model already in "staging" or "production" is a ModelError unless `force`, which archives it."""
    if stage is not None and stage not in STAGES:
        raise ValueError(f"`{stage}` is not a stage; stages are {', '.join(STAGES)}")
    sa = store._sa
    versions = store.t["pipec_model_versions"]
    with store.engine.begin() as conn:
        model_id = conn.execute(sa.select(versions.c.model_id).where(versions.c.id == version_id)).scalar_one()
        if stage not in (None, "archived"):
            other = conn.execute(_version_query(store).where(
                versions.c.model_id == model_id, versions.c.stage == stage, versions.c.id != version_id)).first()
            if other is not None and not force:
                raise ModelError(f"version {other.name} of model `{other.model}` is in stage `{stage}`; pass "
                                 "force=True to move it to `archived`")
            if other is not None:
                conn.execute(versions.update().where(versions.c.id == other.id).values(stage="archived"))
        conn.execute(versions.update().where(versions.c.id == version_id).values(stage=stage))


# --------------------------------------------------------------------------- reading


def resolve_model_artifact(store: MetadataStore, model: Mapping[str, Any], run_id: str, name: str,
                           version: str | None = None) -> LinkedArtifact:
    """`get_pipeline_context().model.get_artifact(name, version)` for run `run_id`: the artifact
    `name` linked to the run's version of `model` (the newest such artifact version, or the one
    numbered `version`). The model version is resolved (and recorded) as for a step of the run.
    ModelError naming the artifacts the version has when there is none."""
    return linked_artifact(store, resolve_model_version(store, model, run_id), name, version)


def linked_artifact(store: MetadataStore, model_version: ModelVersionRecord, name: str,
                    version: str | None = None) -> LinkedArtifact:
    """The artifact `name` linked to `model_version`: its newest version, or the one numbered `version`."""
    linked = version_artifacts(store, model_version.id)
    matches = [a for a in linked if a.name == name and (version is None or str(a.version) == str(version))]
    if not matches:
        have = ", ".join(sorted({f"{a.name}" for a in linked})) or "none"
        wanted = f"`{name}`" + (f" version {version}" if version is not None else "")
        raise ModelError(f"version {model_version.name} of model `{model_version.model}` has no artifact {wanted}; "
                         f"its artifacts: {have}")
    return max(matches, key=lambda a: a.version)


def list_models(store: MetadataStore) -> list[ModelRecord]:
    """Every model, by name."""
    table = store.t["pipec_models"]
    with store._read() as conn:
        return [_model_record(row) for row in conn.execute(store._sa.select(table).order_by(table.c.name))]


def get_model(store: MetadataStore, name: str) -> ModelRecord:
    """The model `name`; ModelError naming the models there are when there is none."""
    table = store.t["pipec_models"]
    with store._read() as conn:
        row = conn.execute(store._sa.select(table).where(table.c.name == name)).first()
    if row is None:
        names = ", ".join(m.name for m in list_models(store)) or "none"
        raise ModelError(f"there is no model `{name}`; models: {names}")
    return _model_record(row)


def list_versions(store: MetadataStore, model: str) -> list[ModelVersionRecord]:
    """The versions of model `model`, by number (ModelError when there is no such model)."""
    found = get_model(store, model)
    versions = store.t["pipec_model_versions"]
    with store._read() as conn:
        rows = conn.execute(_version_query(store).where(versions.c.model_id == found.id)
                            .order_by(versions.c.number)).all()
    return [_version_record(row) for row in rows]


def get_version(store: MetadataStore, model: str, version: str | int | None = None) -> ModelVersionRecord:
    """A version of `model` by name, number, "latest" (also for None) or stage; ModelError when none."""
    versions = list_versions(store, model)
    wanted = LATEST if version is None else str(version).lower() if str(version).lower() in (
        *STAGES, LATEST) else str(version)
    if wanted == LATEST:
        found = versions[-1:]
    elif wanted in STAGES:
        found = [v for v in versions if v.stage == wanted]
    else:
        found = [v for v in versions if v.name == wanted] or [v for v in versions if str(v.number) == wanted]
    if not found:
        raise ModelError(f"model `{model}` has no version `{wanted}`; its versions: {_describe(versions) or 'none'}")
    return found[0]


def version_artifacts(store: MetadataStore, version_id: int) -> list[LinkedArtifact]:
    """The artifact versions linked to model version `version_id`, in link order."""
    versions, links = store.t["pipec_artifact_versions"], store.t["pipec_model_version_artifacts"]
    with store._read() as conn:
        rows = conn.execute(store._sa.select(versions, links.c.kind).join(
            links, links.c.artifact_version_id == versions.c.id).where(links.c.model_version_id == version_id)
            .order_by(links.c.id)).all()
    return [LinkedArtifact(row.id, row.name, row.version, row.kind, row.run_id, ArtifactInfo(
        name=row.name, type=row.type, materializer=row.materializer, content_hash=row.content_hash,
        size=row.size, payload=row.payload, uri=row.uri)) for row in rows]


def version_runs(store: MetadataStore, version_id: int) -> list[str]:
    """Ids of the runs recorded with model version `version_id`, oldest first."""
    links, runs = store.t["pipec_model_version_runs"], store.t["pipec_pipeline_runs"]
    with store._read() as conn:
        return list(conn.execute(store._sa.select(links.c.run_id).join(runs, runs.c.id == links.c.run_id)
                                 .where(links.c.model_version_id == version_id)
                                 .order_by(runs.c.started_at, runs.c.id)).scalars())


def run_model_versions(store: MetadataStore, run_id: str) -> list[ModelVersionRecord]:
    """The model versions run `run_id` used."""
    versions, links = store.t["pipec_model_versions"], store.t["pipec_model_version_runs"]
    with store._read() as conn:
        rows = conn.execute(_version_query(store).join(links, links.c.model_version_id == versions.c.id)
                            .where(links.c.run_id == run_id).order_by(versions.c.id)).all()
    return [_version_record(row) for row in rows]


def _version_query(store: MetadataStore) -> Any:
    versions, models = store.t["pipec_model_versions"], store.t["pipec_models"]
    return store._sa.select(versions, models.c.name.label("model")).join(models, models.c.id == versions.c.model_id)


def _version_record(row: Any) -> ModelVersionRecord:
    return ModelVersionRecord(row.id, row.model, row.number, row.name, row.stage, row.description,
                              tuple(json.loads(row.tags or "[]")), row.created_at)


def _model_record(row: Any) -> ModelRecord:
    return ModelRecord(row.id, row.name, tuple((key, getattr(row, key)) for key in MODEL_FIELDS),
                       tuple(json.loads(row.tags or "[]")), row.created_at)


# --------------------------------------------------------------------------- the shim's part


@dataclass(frozen=True)
class StepModel:
    """The model of one step run: what ``--model`` asked for and the version the run uses."""

    #: The model as ``--model`` gives it: ``{"name", "version"?, fields..., "kinds"?}``.
    model: dict[str, Any]
    #: The run's version of it.
    version: ModelVersionRecord
    #: The metadata store.
    store: MetadataStore

    @classmethod
    def start(cls, store: MetadataStore | None, flag: tuple[str, str], run_id: str) -> StepModel | None:
        """Resolve the version for `run_id` from ``--model``'s (name, JSON); None without a store."""
        model = from_flag(flag)
        if store is None or model is None:
            return None
        return cls(model, resolve_model_version(store, model, run_id), store)

    def link(self, step_run_id: int) -> None:
        """Link the outputs of the finished step run to the version."""
        link_step_outputs(self.store, self.version.id, step_run_id, self.model.get("kinds"))


def from_flag(flag: tuple[str, str] | None) -> dict[str, Any] | None:
    """The model ``--model NAME=JSON`` gives, as ``{"name", ...}``; None without one."""
    return None if flag is None else {**json.loads(flag[1]), "name": flag[0]}


def step_model(step: StepInvocation) -> dict[str, Any] | None:
    """The model of IR step `step` as ``--model`` carries it, with its name; None without one."""
    from .command import model_json

    return None if step.model is None else {**model_json(step), "name": step.model.name}


class LocalModels:
    """The Model Control Plane for `pipec run`, whose steps record nothing themselves: the local
    orchestrator resolves each step's model version (recording the run) before the step starts,
    which is also when its model-artifact inputs are resolved, and links its outputs when it is done."""

    def __init__(self, store: MetadataStore, run_id: str) -> None:
        self.store, self.run_id = store, run_id
        self.versions: dict[str, ModelVersionRecord] = {}

    def before(self, step: StepInvocation) -> None:
        """Resolve `step`'s model version; ModelError when it must exist and does not."""
        model = step_model(step)
        if model is not None:
            self.versions[step.id] = resolve_model_version(self.store, model, self.run_id)

    def after(self, step: StepInvocation, step_run_id: int) -> None:
        """Link the outputs of `step`'s finished run to its model version."""
        version = self.versions.get(step.id)
        if version is not None and step.model is not None:
            kinds = {o.name: o.kind for o in step.outputs if o.kind is not None}
            link_step_outputs(self.store, version.id, step_run_id, kinds)
