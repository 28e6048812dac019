"""The metadata store against a real MySQL-compatible server: MariaDB started on 127.0.0.1 by the tests.

Needs Debian's `mariadb-server` package (mariadb-install-db, mariadbd; `.ci/setup.d/mariadb.sh`)
and the PyMySQL driver; skipped without them locally, an error under CI. The server gets its own
temporary datadir, socket and free port, a user with a password, and is stopped at the end
(its whole process group).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipec.runtime import metadata as md
from tests.helpers import db_scenarios, model_scenarios, requires
from tests.helpers.runtime_projects import DIAMOND, make_project
from tests.helpers.servers import MariaDBServer, mariadb_bin

if mariadb_bin() is None:
    requires.missing("MariaDB's server binaries", "apt-get install mariadb-server (or .ci/setup.d/mariadb.sh)")
requires.module("pymysql")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    db = MariaDBServer(tmp_path_factory.mktemp("mariadb"))
    try:
        yield db
    finally:
        db.stop()


def test_schema_created_with_exact_timestamps(server: MariaDBServer) -> None:
    url = server.create_database()
    store = md.MetadataStore(url)
    md.MetadataStore(url).close()  # a second open finds the schema and adds nothing
    with store.engine.connect() as conn:
        tables = {row[0] for row in conn.exec_driver_sql("SHOW TABLES")}
        versions = conn.exec_driver_sql("SELECT version FROM pipec_schema").fetchall()
    assert tables == {"pipec_schema", "pipec_pipeline_runs", "pipec_step_runs", "pipec_artifacts",
                      "pipec_run_metadata", "pipec_artifact_versions", "pipec_step_inputs", "pipec_models",
                      "pipec_model_versions", "pipec_model_version_artifacts", "pipec_model_version_runs",
                      "pipec_model_version_picks", "pipec_run_runners"}
    assert versions == [(2,)]
    store.create_pipeline_run("r1", "p", orchestrator="local", parameters={"s": "x" * 300})
    row = store.start_step_run("r1", "s" * 255, cache_key="k" * 64, started_at=1_700_000_000.123456)
    store.finish_step_run(row, md.COMPLETED, ended_at=1_700_000_001.654321)
    (step,) = store.step_runs("r1")
    # MySQL's FLOAT is single precision (about two minutes apart at today's epoch): stored as DOUBLE.
    assert (step.started_at, step.ended_at) == (1_700_000_000.123456, 1_700_000_001.654321)
    assert store.get_run("r1").parameters == {"s": "x" * 300}
    store.close()


def test_parallel_writers(server: MariaDBServer) -> None:
    db_scenarios.parallel_writers(server.create_database())


def test_diamond_cache_and_source_change(server: MariaDBServer, tmp_path: Path) -> None:
    db_scenarios.diamond_cache_and_source_change(server.create_database(), tmp_path)


def test_sigkill_then_rerun(server: MariaDBServer, tmp_path: Path) -> None:
    db_scenarios.sigkill_then_rerun(server.create_database(), tmp_path)


def test_engine_style_parallel_shims(server: MariaDBServer, tmp_path: Path) -> None:
    db_scenarios.engine_style_parallel_shims(server.create_database(), tmp_path)


def test_cli_run_then_runs_list_and_show(server: MariaDBServer, tmp_path: Path) -> None:
    url = server.create_database()
    root = make_project(tmp_path, DIAMOND)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pipec.runtime", *args], cwd=root, capture_output=True,
                              text=True, timeout=120)

    done = cli("run", "run.py", "--metadata-store", url)
    assert done.returncode == 0, done.stderr
    listed = cli("runs", "--metadata-store", url, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)
    assert entry["status"] == "completed"
    shown = cli("runs", "--metadata-store", url, "show", "diamond", "--json")
    data = json.loads(shown.stdout)
    assert data["id"] == entry["id"] and set(data["steps"]) == {"load", "left", "right", "join"}
    text = cli("runs", "--metadata-store", url, "show", entry["id"])
    assert text.returncode == 0 and "join" in text.stdout
    assert not (root / ".pipec" / "metadata.db").exists()


def test_model_control_plane_train_promote_infer(server: MariaDBServer, tmp_path: Path) -> None:
    model_scenarios.train_promote_infer(server.create_database(), tmp_path)


def test_model_control_plane_parallel_steps_share_one_new_version(server: MariaDBServer, tmp_path: Path) -> None:
    model_scenarios.parallel_steps_share_one_new_version(server.create_database(), tmp_path)


def test_model_control_plane_stage_is_pinned_per_run(server: MariaDBServer) -> None:
    model_scenarios.stage_is_pinned_per_run(server.create_database())


def test_orphaned_runs_are_cancelled(server: MariaDBServer) -> None:
    db_scenarios.orphaned_runs_are_cancelled(server.create_database())
