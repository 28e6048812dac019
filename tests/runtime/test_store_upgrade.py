"""A metadata store written by the previous release (schema version 1) opened by this one.

tests/data/store_v1 was written by pipec 0e27546 built as a wheel into a fresh venv
(`git archive 0e27546 | tar -x`, `uv build --wheel`, `pip install 'pipec-0.1.0-...whl[runtime]'`),
running tests/data/store_v1/legacy_pipeline.py three times from a folder next to the store:

    pipec run run.py --artifact-store ../artifacts --metadata-store sqlite:///../metadata.db --run-id legacy-1
    pipec run run.py ... --run-id legacy-2            # both steps served from the cache
    pipec run run.py ... --param n=4 --run-id legacy-3

The absolute paths inside (the `uri` and `logs_uri` columns) name where it was written; payloads
are found through their store-relative `payload`, which is what these tests load.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from pipec.runtime import Client
from pipec.runtime import metadata as md
from pipec.runtime.artifacts import ArtifactInfo, ArtifactStore

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "store_v1"


@pytest.fixture
def store_v1(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "store")
    return tmp_path / "store"


def _schema(path: Path) -> tuple[int, list[str]]:
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT version FROM pipec_schema").fetchall()
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return version, tables


def test_the_fixture_is_a_version_1_store(store_v1: Path) -> None:
    version, tables = _schema(store_v1 / "metadata.db")
    assert version == [(1,)] and "pipec_artifact_versions" not in tables


def test_old_runs_artifacts_and_new_versions_read_back(store_v1: Path) -> None:
    client = Client(f"sqlite:///{store_v1 / 'metadata.db'}")
    assert [r.id for r in client.list_pipeline_runs()] == ["legacy-3", "legacy-2", "legacy-1"]
    assert _schema(store_v1 / "metadata.db")[0] == [(2,)]
    cached = client.get_pipeline_run("legacy-2")
    assert cached.status == md.COMPLETED and {s: r.status for s, r in cached.steps.items()} == {
        "make": md.CACHED, "total": md.CACHED}
    store = ArtifactStore(str(store_v1 / "artifacts"))

    def value(info: ArtifactInfo) -> object:
        return store.load(info)

    run = client.store.artifacts(s.id for s in client.store.step_runs("legacy-3"))
    assert [value(a) for infos in run.values() for a in infos] == [[0, 1, 2, 3], 6]

    # One version per completed output, numbered in the order the runs finished; cache hits made none.
    versions = [(v.name, v.version, v.run_id, v.origin) for v in client.list_artifact_versions()]
    assert versions == [("legacy::total::output", 1, "legacy-1", "output"),
                        ("legacy::total::output", 2, "legacy-3", "output"),
                        ("numbers", 1, "legacy-1", "output"), ("numbers", 2, "legacy-3", "output")]
    assert client.get_artifact_version("numbers").version == 2
    latest = client.store.find_artifact_version("numbers")
    assert value(ArtifactInfo("numbers", latest.type, latest.materializer, latest.content_hash, latest.size,
                              latest.payload, latest.uri)) == [0, 1, 2, 3]
    client.close()

    # Opening it again (another process, an older check) adds nothing.
    md.MetadataStore(f"sqlite:///{store_v1 / 'metadata.db'}").close()
    again = Client(f"sqlite:///{store_v1 / 'metadata.db'}")
    assert len(again.list_artifact_versions()) == 4


def test_the_backfill_is_idempotent(store_v1: Path) -> None:
    meta = md.MetadataStore(f"sqlite:///{store_v1 / 'metadata.db'}")
    with meta.engine.begin() as conn:
        meta._upgrade(conn, 1)
    assert len(meta.list_artifact_versions()) == 4
    meta.close()


def test_a_version_1_schema_upgrades_on_postgres(tmp_path: Path) -> None:
    """The same upgrade on a server: the version-1 tables of the fixture copied into PostgreSQL."""
    from tests.helpers.servers import postgres_database

    with postgres_database(tmp_path / "pg") as url:
        _copy_version_1(FIXTURE / "metadata.db", url)
        client = Client(url)
        versions = [(v.name, v.version, v.run_id) for v in client.list_artifact_versions()]
        assert versions == [("legacy::total::output", 1, "legacy-1"), ("legacy::total::output", 2, "legacy-3"),
                            ("numbers", 1, "legacy-1"), ("numbers", 2, "legacy-3")]
        assert client.get_pipeline_run("legacy-2").steps["make"].status == md.CACHED
        client.close()


def _copy_version_1(sqlite_path: Path, url: str) -> None:
    """The version-1 tables and rows of `sqlite_path`, as version 1 wrote them, into the database at `url`."""
    import sqlalchemy as sa

    source = sa.create_engine(f"sqlite:///{sqlite_path}")
    target = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(source)
    with source.connect() as read, target.begin() as write:
        for table in meta.sorted_tables:
            table.create(write)
            rows = [dict(row._mapping) for row in read.execute(table.select())]
            if rows:
                write.execute(table.insert(), rows)
        if target.dialect.name == "postgresql":  # reflected ids carry no sequence: set them past the rows
            for table in ("pipec_step_runs", "pipec_artifacts", "pipec_run_metadata"):
                write.exec_driver_sql(f"CREATE SEQUENCE IF NOT EXISTS {table}_id_seq OWNED BY {table}.id")
                write.exec_driver_sql(f"SELECT setval('{table}_id_seq', COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")
                write.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')")
    source.dispose()
    target.dispose()


def test_a_schema_2_store_without_the_picks_table_gets_it(tmp_path: Path) -> None:
    """Stores the previous release wrote at schema 2 lack `pipec_model_version_picks`; opening
    one adds it, and a stage resolves and stays pinned for the run."""
    import sqlite3

    from pipec.runtime import models
    from pipec.runtime.metadata import MetadataStore, default_url

    url = default_url(tmp_path)
    store = MetadataStore(url)
    store.create_pipeline_run("r", "p", orchestrator="test")
    version = models.resolve_model_version(store, {"name": "m"}, "r")
    models.set_stage(store, version.id, "staging")
    store.close()
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        db.execute("DROP TABLE pipec_model_version_picks")
    store = MetadataStore(url)
    try:
        assert models.resolve_model_version(store, {"name": "m", "version": "staging"}, "r").number == 1
    finally:
        store.close()
