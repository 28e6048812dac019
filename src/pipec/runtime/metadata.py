"""The metadata store: runs, step runs, artifacts and run metadata, through SQLAlchemy.

Any SQLAlchemy URL works (``postgresql://...``, ``mysql+pymysql://...``); the default
is SQLite at ``{source root}/.pipec/metadata.db``. SQLite is set up for several
processes writing at once (parallel local steps, or shims sharing a file):
WAL journal, a 30 s busy timeout, and ``BEGIN IMMEDIATE`` transactions so a writer
waits for the lock up front instead of failing on a read-to-write upgrade.

Tables (all prefixed ``pipec_`` so they can share a database):

* ``pipec_pipeline_runs``: id, pipeline, status, orchestrator, started/ended, parameters, step count
* ``pipec_step_runs``: run, step id, attempt, status, started/ended, cache key, cached-from,
  logs location, module/function, error
* ``pipec_artifacts``: the outputs of a step run: name, URI, type, materializer, content hash, size
* ``pipec_run_metadata``: key/value (JSON) per run, or per step when ``step_id`` is set
  (e.g. ``orchestrator_url``)

Since schema version 2 (issue 14; a version-1 store is upgraded in place when opened, and
keeps every row):

* ``pipec_artifact_versions``: named, numbered artifact versions (ZenML's artifact name and
  version): a step output (``origin`` "output", ``artifact_id`` its ``pipec_artifacts`` row),
  a value stored by the run itself (``ExternalArtifact(value=)``: "external"; ``save_artifact``:
  "saved"), with the payload's location and hash
* ``pipec_step_inputs``: lineage, one row per input a step run read (per element of a list
  input, with its ``position``): which artifact version, and how it was found (``source``:
  "output", "lookup", "external", "saved", "model"; ``detail``: the lookup as JSON)
* ``pipec_models``, ``pipec_model_versions`` (numbered per model, optional name and stage),
  ``pipec_model_version_artifacts`` (the artifact versions linked to a model version, with their
  kind: "data", "model" or "deployment"), ``pipec_model_version_runs`` and
  ``pipec_model_version_picks`` (the version a run's "latest" or stage meant when its first step
  asked, so every step of the run gets the same one): ZenML's Model Control Plane
* ``pipec_run_runners``: the `pipec run` process of a local run (host, pid, the pid's start
  time), so a run whose runner was killed is recorded cancelled later (:mod:`.runner_liveness`)

Statuses: ``running``, ``completed``, ``cached``, ``failed``, ``cancelled`` (the run was
interrupted: SIGINT/SIGTERM to `pipec run`, or its `pipec run` was found gone; a step stopped
mid-run, or never started, has it too),
and ``skipped`` for steps never started because an upstream step failed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .artifact_versions import ArtifactVersionQueries
from .artifacts import ArtifactInfo
from .store_errors import StoreUnavailable, masked

RUNNING = "running"
COMPLETED = "completed"
CACHED = "cached"
FAILED = "failed"
SKIPPED = "skipped"
CANCELLED = "cancelled"
#: Step statuses whose outputs are usable.
DONE = frozenset({COMPLETED, CACHED})

_SCHEMA_VERSION = 2
#: Schema versions this code can read and upgrade from.
_UPGRADABLE = (1,)


def artifact_name(pipeline: str, step_id: str, output: str) -> str:
    """ZenML's name for the artifact of output `output`: the output's own name when the step
    named it (``Annotated[T, "name"]``), else ``{pipeline}::{step}::{output}`` for the default
    names ``output`` and ``output_<n>``."""
    default = output == "output" or (output.startswith("output_") and output[len("output_"):].isdigit())
    return f"{pipeline}::{step_id}::{output}" if default else output


def default_url(root: str | os.PathLike[str]) -> str:
    """The SQLite URL of the default store under `root`/.pipec/."""
    return f"sqlite:///{os.path.join(os.path.abspath(root), '.pipec', 'metadata.db')}"


def _tables() -> Any:
    from sqlalchemy import (
        BigInteger,
        Column,
        Double,
        Float,
        ForeignKey,
        Index,
        Integer,
        MetaData,
        String,
        Table,
        Text,
        UniqueConstraint,
    )

    # Epoch seconds need a double: MySQL/MariaDB's FLOAT is single precision (minutes apart today).
    Seconds = Float().with_variant(Double(), "mysql", "mariadb")  # noqa: N806
    meta = MetaData()
    Table("pipec_schema", meta, Column("version", Integer, primary_key=True, autoincrement=False))
    Table("pipec_pipeline_runs", meta,
          Column("id", String(255), primary_key=True),
          Column("pipeline", String(255), nullable=False, index=True),
          Column("status", String(16), nullable=False),
          Column("orchestrator", String(64), nullable=False),
          Column("started_at", Seconds, nullable=False),
          Column("ended_at", Seconds),
          Column("parameters", Text, nullable=False, default="{}"),
          Column("num_steps", Integer))
    Table("pipec_step_runs", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("run_id", String(255), ForeignKey("pipec_pipeline_runs.id"), nullable=False),
          Column("step_id", String(255), nullable=False),
          Column("attempt", Integer, nullable=False),
          Column("status", String(16), nullable=False),
          Column("started_at", Seconds, nullable=False),
          Column("ended_at", Seconds),
          Column("cache_key", String(64)),
          Column("cached_from", Integer),
          Column("logs_uri", Text),
          Column("module", String(255)),
          Column("function", String(255)),
          Column("error", Text),
          Index("ix_pipec_step_runs_run", "run_id", "step_id"),
          Index("ix_pipec_step_runs_cache", "cache_key", "status"))
    Table("pipec_artifacts", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("step_run_id", Integer, ForeignKey("pipec_step_runs.id"), nullable=False, index=True),
          Column("name", String(255), nullable=False),
          Column("uri", Text, nullable=False),
          Column("payload", Text, nullable=False),
          Column("type", Text, nullable=False),
          Column("materializer", String(64), nullable=False),
          Column("content_hash", String(80), nullable=False),
          Column("size", BigInteger, nullable=False))
    Table("pipec_run_metadata", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("run_id", String(255), ForeignKey("pipec_pipeline_runs.id"), nullable=False, index=True),
          Column("step_id", String(255)),
          Column("key", String(255), nullable=False),
          Column("value", Text, nullable=False))
    # ---- schema version 2: tables only added, never changed, so a version-1 store upgrades in place.
    Table("pipec_artifact_versions", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("name", String(255), nullable=False),
          Column("version", Integer, nullable=False),
          Column("origin", String(16), nullable=False),
          Column("artifact_id", Integer, ForeignKey("pipec_artifacts.id"), index=True),
          Column("run_id", String(255), ForeignKey("pipec_pipeline_runs.id"), index=True),
          Column("uri", Text, nullable=False),
          Column("payload", Text, nullable=False),
          Column("type", Text, nullable=False),
          Column("materializer", String(64), nullable=False),
          Column("content_hash", String(80), nullable=False),
          Column("size", BigInteger, nullable=False),
          Column("created_at", Seconds, nullable=False),
          UniqueConstraint("name", "version", name="uq_pipec_artifact_versions_name_version"))
    Table("pipec_step_inputs", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("step_run_id", Integer, ForeignKey("pipec_step_runs.id"), nullable=False, index=True),
          Column("name", String(255), nullable=False),
          Column("position", Integer),
          Column("artifact_version_id", Integer, ForeignKey("pipec_artifact_versions.id"), nullable=False,
                 index=True),
          Column("source", String(16), nullable=False),
          Column("detail", Text))
    Table("pipec_models", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("name", String(255), nullable=False, unique=True),
          Column("license", Text),
          Column("description", Text),
          Column("audience", Text),
          Column("use_cases", Text),
          Column("limitations", Text),
          Column("trade_offs", Text),
          Column("ethics", Text),
          Column("tags", Text, nullable=False, default="[]"),
          Column("created_at", Seconds, nullable=False))
    Table("pipec_model_versions", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("model_id", Integer, ForeignKey("pipec_models.id"), nullable=False, index=True),
          Column("number", Integer, nullable=False),
          Column("name", String(255), nullable=False),
          Column("stage", String(32)),
          Column("description", Text),
          Column("tags", Text, nullable=False, default="[]"),
          Column("created_at", Seconds, nullable=False),
          UniqueConstraint("model_id", "number", name="uq_pipec_model_versions_number"),
          UniqueConstraint("model_id", "name", name="uq_pipec_model_versions_name"))
    Table("pipec_model_version_artifacts", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("model_version_id", Integer, ForeignKey("pipec_model_versions.id"), nullable=False, index=True),
          Column("artifact_version_id", Integer, ForeignKey("pipec_artifact_versions.id"), nullable=False),
          Column("kind", String(16), nullable=False),
          UniqueConstraint("model_version_id", "artifact_version_id", name="uq_pipec_model_version_artifacts"))
    Table("pipec_model_version_runs", meta,
          Column("model_version_id", Integer, ForeignKey("pipec_model_versions.id"), primary_key=True),
          Column("run_id", String(255), ForeignKey("pipec_pipeline_runs.id"), primary_key=True))
    # Added within schema 2: `create_all` adds it to a store an earlier release made.
    Table("pipec_model_version_picks", meta,
          Column("run_id", String(255), ForeignKey("pipec_pipeline_runs.id"), primary_key=True),
          Column("model_id", Integer, ForeignKey("pipec_models.id"), primary_key=True),
          Column("wanted", String(64), primary_key=True),
          Column("model_version_id", Integer, ForeignKey("pipec_model_versions.id"), nullable=False))
    # Added within schema 2 (issue 17): who runs a local run, so a later one can tell it is gone.
    Table("pipec_run_runners", meta,
          Column("run_id", String(255), ForeignKey("pipec_pipeline_runs.id"), primary_key=True),
          Column("host", String(255), nullable=False),
          Column("pid", Integer, nullable=False),
          Column("pid_started", String(32), nullable=False))
    return meta


#: The package that provides each SQLAlchemy dialect's default driver, for the install hint.
_DRIVERS = {"postgresql": "psycopg[binary]", "mysql": "pymysql", "mariadb": "pymysql", "mssql": "pyodbc",
            "oracle": "oracledb"}


def _unavailable(url: str, exc: BaseException) -> StoreUnavailable:
    """The :class:`StoreUnavailable` for opening `url` failing with `exc`."""
    shown = masked(url)
    dialect = url.partition(":")[0].partition("+")[0]
    if isinstance(exc, ImportError):
        package = exc.name or _DRIVERS.get(dialect, "the driver")
        return StoreUnavailable(f"metadata store {shown}: its database driver is not installed "
                                f"(pip install {_DRIVERS.get(dialect, package)})")
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if type(exc).__name__ == "ArgumentError":
        reason = "this is not a database URL (e.g. sqlite:///path/metadata.db, postgresql://user@host/db)"
    elif type(exc).__name__ == "NoSuchModuleError":
        reason = f"SQLAlchemy knows no database `{dialect}`"
    return StoreUnavailable(f"metadata store {shown}: {masked(reason)}")


@dataclass(frozen=True)
class RunRecord:
    """One row of pipec_pipeline_runs."""

    # Run id.
    id: str
    # Pipeline name.
    pipeline: str
    # running / completed / failed / cancelled.
    status: str
    # Who ran it: "local", or the target that generated the shim calls.
    orchestrator: str
    # Epoch seconds.
    started_at: float
    # Epoch seconds, None while running.
    ended_at: float | None
    # Pipeline parameter values.
    parameters: dict[str, Any]
    # Number of steps in the pipeline, when the orchestrator said.
    num_steps: int | None


@dataclass(frozen=True)
class StepRecord:
    """One row of pipec_step_runs (one attempt of one step)."""

    # Row id.
    id: int
    # Run id.
    run_id: str
    # Step invocation id.
    step_id: str
    # 1-based attempt.
    attempt: int
    # running / completed / cached / failed / skipped / cancelled.
    status: str
    # Epoch seconds.
    started_at: float
    # Epoch seconds, None while running.
    ended_at: float | None
    # Cache key, None when caching was off.
    cache_key: str | None
    # Step-run row id the outputs were reused from (cached runs).
    cached_from: int | None
    # Where the step's log is.
    logs_uri: str | None
    # Step module.
    module: str | None
    # Step function.
    function: str | None
    # Last line of the error, for failed runs.
    error: str | None


class MetadataStore(ArtifactVersionQueries):
    """A connection to one metadata database; creates the tables on first use."""

    def __init__(self, url: str) -> None:
        try:
            import sqlalchemy
        except ImportError:
            raise RuntimeError("the metadata store needs SQLAlchemy: pip install 'pipec[runtime]'") from None
        self._sa = sqlalchemy
        self.url = url
        self._is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self._is_sqlite:
            path = url.split(":///", 1)[1] if ":///" in url else ""
            if path and path != ":memory:" and not path.startswith("file:"):
                folder = os.path.dirname(os.path.abspath(path))
                try:
                    os.makedirs(folder, exist_ok=True)
                except OSError as exc:  # e.g. `.pipec` is a file, or the folder is read-only
                    raise StoreUnavailable(f"metadata store {masked(url)}: cannot create the folder {folder}: "
                                           f"{exc.strerror or exc}") from None
            kwargs["connect_args"] = {"timeout": 30}
        try:
            self.engine = sqlalchemy.create_engine(url, **kwargs)
        except (sqlalchemy.exc.ArgumentError, sqlalchemy.exc.NoSuchModuleError, ImportError) as exc:
            raise _unavailable(url, exc) from None
        if self._is_sqlite:
            self._setup_sqlite()
        self.meta = _tables()
        self.t = self.meta.tables
        try:
            self.engine.connect().close()  # a refused connection fails here, once, not in the retries below
        except sqlalchemy.exc.DBAPIError as exc:
            self.engine.dispose()
            raise _unavailable(url, exc) from None
        self._ensure_schema()

    def _setup_sqlite(self) -> None:
        from sqlalchemy import event

        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            for _ in range(100):  # switching to WAL needs a moment alone with the file
                try:
                    cur.execute("PRAGMA journal_mode=WAL")
                    break
                except Exception:
                    time.sleep(0.05)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(self.engine, "begin")
        def _on_begin(conn: Any) -> None:
            # Readers need no write lock; writers take it up front.
            read_only = conn.get_execution_options().get("pipec_read_only", False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    def _ensure_schema(self) -> None:
        sa = self._sa
        for attempt in range(20):
            try:
                self.meta.create_all(self.engine, checkfirst=True)
                with self.engine.begin() as conn:
                    schema = self.t["pipec_schema"]
                    found = conn.execute(sa.select(sa.func.max(schema.c.version))).scalar()
                    if found is None:
                        conn.execute(schema.insert().values(version=_SCHEMA_VERSION))
                    elif found in _UPGRADABLE:
                        self._upgrade(conn, found)
                        conn.execute(schema.delete())
                        conn.execute(schema.insert().values(version=_SCHEMA_VERSION))
                    elif found != _SCHEMA_VERSION:
                        raise StoreUnavailable(
                            f"metadata store {masked(self.url)} has schema version {found}, newer than this "
                            f"pipec reads ({_SCHEMA_VERSION}): upgrade pipec")
                return
            except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
                # Another process created the tables between our check and our CREATE.
                if attempt == 19:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _upgrade(self, conn: Any, found: int) -> None:
        """Bring a store of schema version `found` up to date, inside the caller's transaction.

        The version-2 tables already exist (`create_all` made them); what an upgrade adds is
        rows derived from the old ones.
        """
        if found == 1:
            self._backfill_versions(conn)

    def _read(self) -> Any:
        return self.engine.connect().execution_options(pipec_read_only=True)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    # ------------------------------------------------------------------ writes

    def create_pipeline_run(self, run_id: str, pipeline: str, *, orchestrator: str,
                            parameters: Mapping[str, Any] | None = None,
                            num_steps: int | None = None) -> None:
        """Insert a running pipeline run; nothing happens when `run_id` already exists."""
        sa = self._sa
        runs = self.t["pipec_pipeline_runs"]
        try:
            with self.engine.begin() as conn:
                if conn.execute(sa.select(runs.c.id).where(runs.c.id == run_id)).first() is not None:
                    return
                conn.execute(runs.insert().values(
                    id=run_id, pipeline=pipeline, status=RUNNING, orchestrator=orchestrator,
                    started_at=time.time(), parameters=json.dumps(dict(parameters or {}), sort_keys=True),
                    num_steps=num_steps))
        except sa.exc.IntegrityError:
            # Another step's shim inserted the same run between our check and our insert
            # (possible on servers; SQLite serialises the two with BEGIN IMMEDIATE).
            if self.get_run(run_id) is None:
                raise

    def finish_pipeline_run(self, run_id: str, status: str) -> None:
        """Set the final status of a run."""
        runs = self.t["pipec_pipeline_runs"]
        with self.engine.begin() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(status=status, ended_at=time.time()))

    def cancel_run(self, run_id: str, error: str) -> None:
        """Record `run_id` as cancelled, with every step run of it still running, in one transaction."""
        runs = self.t["pipec_pipeline_runs"]
        steps = self.t["pipec_step_runs"]
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(steps.update().where(steps.c.run_id == run_id, steps.c.status == RUNNING)
                         .values(status=CANCELLED, ended_at=now, error=error))
            conn.execute(runs.update().where(runs.c.id == run_id).values(status=CANCELLED, ended_at=now))

    def start_step_run(self, run_id: str, step_id: str, *, attempt: int | None = None,
                       status: str = RUNNING, module: str | None = None, function: str | None = None,
                       cache_key: str | None = None, logs_uri: str | None = None,
                       started_at: float | None = None) -> int:
        """Insert a step run and return its row id; `attempt` defaults to the next one."""
        sa = self._sa
        steps = self.t["pipec_step_runs"]
        with self.engine.begin() as conn:
            if attempt is None:
                last = conn.execute(sa.select(sa.func.max(steps.c.attempt)).where(
                    steps.c.run_id == run_id, steps.c.step_id == step_id)).scalar()
                attempt = (last or 0) + 1
            result = conn.execute(steps.insert().values(
                run_id=run_id, step_id=step_id, attempt=attempt, status=status,
                started_at=started_at if started_at is not None else time.time(),
                cache_key=cache_key, module=module, function=function, logs_uri=logs_uri))
            return int(result.inserted_primary_key[0])

    def finish_step_run(self, step_run_id: int, status: str, *, artifacts: Iterable[ArtifactInfo] = (),
                        error: str | None = None, cached_from: int | None = None,
                        cache_key: str | None = None, ended_at: float | None = None) -> None:
        """Record the outcome of a step run and its output artifacts, in one transaction."""
        steps = self.t["pipec_step_runs"]
        arts = self.t["pipec_artifacts"]
        values: dict[str, Any] = {"status": status, "ended_at": ended_at if ended_at is not None else time.time(),
                                  "error": error, "cached_from": cached_from}
        if cache_key is not None:
            values["cache_key"] = cache_key
        rows = [{"step_run_id": step_run_id, "name": a.name, "uri": a.uri, "payload": a.payload,
                 "type": a.type, "materializer": a.materializer, "content_hash": a.content_hash,
                 "size": a.size} for a in artifacts]
        for attempt in range(20):
            try:
                with self.engine.begin() as conn:
                    ids = [int(conn.execute(arts.insert().values(**row)).inserted_primary_key[0]) for row in rows]
                    if status == COMPLETED and ids:
                        self._add_output_versions(conn, step_run_id, ids, rows)
                    conn.execute(steps.update().where(steps.c.id == step_run_id).values(**values))
                return
            except self._sa.exc.IntegrityError:
                # Another step took the next version of one of these names first (servers; SQLite
                # serialises writers with BEGIN IMMEDIATE): the transaction rolled back, try again.
                if attempt == 19:
                    raise
                time.sleep(0.01 * (attempt + 1))

    def _add_output_versions(self, conn: Any, step_run_id: int, artifact_ids: list[int],
                             rows: list[dict[str, Any]]) -> None:
        """One new artifact version per output of a completed step run (cached runs reuse theirs)."""
        sa = self._sa
        steps, runs = self.t["pipec_step_runs"], self.t["pipec_pipeline_runs"]
        versions = self.t["pipec_artifact_versions"]
        run_id, step_id, pipeline = conn.execute(
            sa.select(steps.c.run_id, steps.c.step_id, runs.c.pipeline)
            .join(runs, runs.c.id == steps.c.run_id).where(steps.c.id == step_run_id)).one()
        now = time.time()
        for artifact_id, row in zip(artifact_ids, rows, strict=True):
            name = artifact_name(pipeline, step_id, row["name"])
            last = conn.execute(sa.select(sa.func.max(versions.c.version)).where(versions.c.name == name)).scalar()
            conn.execute(versions.insert().values(
                name=name, version=(last or 0) + 1, origin="output", artifact_id=artifact_id, run_id=run_id,
                created_at=now, **{key: row[key] for key in ("uri", "payload", "type", "materializer",
                                                             "content_hash", "size")}))

    def add_run_metadata(self, run_id: str, items: Mapping[str, Any], step_id: str | None = None) -> None:
        """Record key/value metadata (values JSON-encoded; unencodable ones as their repr)."""
        if not items:
            return
        table = self.t["pipec_run_metadata"]
        rows = [{"run_id": run_id, "step_id": step_id, "key": str(k),
                 "value": json.dumps(v, sort_keys=True, default=repr)} for k, v in items.items()]
        with self.engine.begin() as conn:
            conn.execute(table.insert(), rows)

    # ------------------------------------------------------------------ reads

    def find_cached(self, cache_key: str) -> tuple[StepRecord, list[ArtifactInfo]] | None:
        """The newest completed (not cached) step run with `cache_key`, and its artifacts."""
        sa = self._sa
        steps = self.t["pipec_step_runs"]
        with self._read() as conn:
            row = conn.execute(sa.select(steps).where(
                steps.c.cache_key == cache_key, steps.c.status == COMPLETED,
            ).order_by(steps.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        record = _step_record(row)
        return record, self.artifacts([record.id])[record.id]

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with id `run_id`, or None."""
        runs = self.t["pipec_pipeline_runs"]
        with self._read() as conn:
            row = conn.execute(self._sa.select(runs).where(runs.c.id == run_id)).first()
        return _run_record(row) if row is not None else None

    def list_runs(self, pipeline: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first, optionally of one pipeline."""
        runs = self.t["pipec_pipeline_runs"]
        query = self._sa.select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc())
        if pipeline is not None:
            query = query.where(runs.c.pipeline == pipeline)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [_run_record(row) for row in conn.execute(query)]

    def step_runs(self, run_id: str) -> list[StepRecord]:
        """All attempts of all steps of a run, in insertion order."""
        steps = self.t["pipec_step_runs"]
        with self._read() as conn:
            rows = conn.execute(self._sa.select(steps).where(steps.c.run_id == run_id).order_by(steps.c.id))
            return [_step_record(row) for row in rows]

    def artifacts(self, step_run_ids: Iterable[int]) -> dict[int, list[ArtifactInfo]]:
        """Artifacts of the given step runs, by step-run id."""
        ids = list(step_run_ids)
        out: dict[int, list[ArtifactInfo]] = {i: [] for i in ids}
        if not ids:
            return out
        arts = self.t["pipec_artifacts"]
        with self._read() as conn:
            rows = conn.execute(self._sa.select(arts).where(arts.c.step_run_id.in_(ids)).order_by(arts.c.id))
            for row in rows:
                out[row.step_run_id].append(ArtifactInfo(
                    name=row.name, type=row.type, materializer=row.materializer,
                    content_hash=row.content_hash, size=row.size, payload=row.payload, uri=row.uri))
        return out

    def run_metadata(self, run_id: str) -> list[tuple[str | None, str, Any]]:
        """(step id or None, key, value) triples of a run, in insertion order."""
        table = self.t["pipec_run_metadata"]
        with self._read() as conn:
            rows = conn.execute(self._sa.select(table).where(table.c.run_id == run_id).order_by(table.c.id))
            return [(row.step_id, row.key, json.loads(row.value)) for row in rows]


def _run_record(row: Any) -> RunRecord:
    return RunRecord(row.id, row.pipeline, row.status, row.orchestrator, row.started_at, row.ended_at,
                     json.loads(row.parameters or "{}"), row.num_steps)


def _step_record(row: Any) -> StepRecord:
    return StepRecord(row.id, row.run_id, row.step_id, row.attempt, row.status, row.started_at,
                      row.ended_at, row.cache_key, row.cached_from, row.logs_uri, row.module,
                      row.function, row.error)
