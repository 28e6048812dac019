"""Metadata store on SQLite: records, cache lookup, and many processes writing at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipec.runtime import metadata as md
from pipec.runtime.artifacts import ArtifactInfo
from tests.helpers.runtime_projects import WRITER


def _info(name: str, digest: str = "sha256:00") -> ArtifactInfo:
    return ArtifactInfo(name, "int", "json", digest, 1, f"p/r/s/{name}/data.json", f"/store/p/r/s/{name}/data.json")


def test_records_and_cache_lookup(tmp_path: Path) -> None:
    store = md.MetadataStore(md.default_url(tmp_path))
    assert (tmp_path / ".pipec" / "metadata.db").exists()
    store.create_pipeline_run("r1", "p", orchestrator="local", parameters={"n": 1}, num_steps=2)
    store.create_pipeline_run("r1", "p", orchestrator="local")  # idempotent
    first = store.start_step_run("r1", "s", module="m", function="f", cache_key="k1", logs_uri="/l")
    store.finish_step_run(first, md.FAILED, error="ValueError: x")
    second = store.start_step_run("r1", "s", cache_key="k1")
    assert [s.attempt for s in store.step_runs("r1")] == [1, 2]
    assert store.find_cached("k1") is None  # a failed attempt is never a cache hit
    store.finish_step_run(second, md.COMPLETED, artifacts=[_info("out")])
    store.add_run_metadata("r1", {"orchestrator_url": "http://x", "n": [1, 2]})
    store.finish_pipeline_run("r1", md.COMPLETED)
    record, arts = store.find_cached("k1")
    assert record.id == second and [a.name for a in arts] == ["out"]
    run = store.get_run("r1")
    assert (run.status, run.parameters, run.num_steps) == (md.COMPLETED, {"n": 1}, 2)
    assert store.run_metadata("r1") == [(None, "orchestrator_url", "http://x"), (None, "n", [1, 2])]
    assert [r.id for r in store.list_runs("p")] == ["r1"] and store.list_runs("other") == []
    store.close()


def test_parallel_writers_on_a_fresh_database(tmp_path: Path) -> None:
    """Several processes create the schema and write concurrently: no lock errors, nothing lost."""
    url = md.default_url(tmp_path)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, f"w{n}", "30"], stderr=subprocess.PIPE,
                              text=True) for n in range(6)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    store = md.MetadataStore(url)
    steps = store.step_runs("shared")
    assert len(steps) == 180 and all(s.status == md.COMPLETED for s in steps)
    assert sum(len(a) for a in store.artifacts(s.id for s in steps).values()) == 180
    assert len(store.list_runs()) == 1


def test_a_version_1_store_is_upgraded_in_place_and_a_newer_one_refused(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'm.db'}"
    store = md.MetadataStore(url)
    store.create_pipeline_run("r1", "p", orchestrator="local")
    store.close()
    with sqlite3.connect(tmp_path / "m.db") as conn:  # what a version-1 store holds
        for table in ("pipec_step_inputs", "pipec_model_version_picks", "pipec_model_version_artifacts",
                      "pipec_model_version_runs",
                      "pipec_model_versions", "pipec_models", "pipec_artifact_versions"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("UPDATE pipec_schema SET version = 1")
    store = md.MetadataStore(url)
    assert store.get_run("r1").pipeline == "p"
    store.close()
    with sqlite3.connect(tmp_path / "m.db") as conn:
        assert conn.execute("SELECT version FROM pipec_schema").fetchall() == [(2,)]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"pipec_artifact_versions", "pipec_step_inputs", "pipec_models"} <= tables
        conn.execute("UPDATE pipec_schema SET version = 3")
    with pytest.raises(RuntimeError, match="schema version 3, newer than this pipec reads"):
        md.MetadataStore(url)


def test_completed_outputs_become_numbered_artifact_versions(tmp_path: Path) -> None:
    store = md.MetadataStore(md.default_url(tmp_path))
    for run in ("r1", "r2"):
        store.create_pipeline_run(run, "p", orchestrator="local")
        row = store.start_step_run(run, "train")
        store.finish_step_run(row, md.COMPLETED, artifacts=[_info("output"), _info("model"), _info("output_1")])
    cached = store.start_step_run("r2", "again")
    store.finish_step_run(cached, md.CACHED, artifacts=[_info("model")])  # a cache hit makes no version
    versions = store.t["pipec_artifact_versions"]
    with store.engine.connect() as conn:
        rows = conn.execute(store._sa.select(versions.c.name, versions.c.version, versions.c.run_id)
                            .order_by(versions.c.id)).all()
    assert [tuple(r) for r in rows] == [
        ("p::train::output", 1, "r1"), ("model", 1, "r1"), ("p::train::output_1", 1, "r1"),
        ("p::train::output", 2, "r2"), ("model", 2, "r2"), ("p::train::output_1", 2, "r2")]
    store.close()


@pytest.mark.parametrize(("output", "name"), [("output", "p::s::output"), ("output_12", "p::s::output_12"),
                                              ("output_x", "output_x"), ("outputs", "outputs"), ("m", "m")])
def test_artifact_names_follow_zenml(output: str, name: str) -> None:
    assert md.artifact_name("p", "s", output) == name
