"""The same runs against a real PostgreSQL server started on 127.0.0.1 by the tests.

Needs Debian's `postgresql` package (initdb/pg_ctl) and the psycopg driver; skipped
without them. The server runs in a temporary folder and is stopped at the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from rt_helpers import PostgresServer, load_pipeline, make_project, postgres_bin
from test_local_run import DIAMOND, KILL
from test_metadata_store import WRITER

from pipec.runtime import Client, run_pipeline, shim_command
from pipec.runtime import metadata as md

if postgres_bin() is None and os.environ.get("CI"):
    # .ci/setup.d/postgresql.sh installs the server; in CI a skip would hide a broken set-up.
    raise RuntimeError("CI: PostgreSQL server binaries missing; .ci/setup.d/postgresql.sh should install them")
pytestmark = [
    pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL server binaries not installed "
                       "(Debian: apt-get install postgresql)"),
]
psycopg = pytest.importorskip("psycopg", reason="the psycopg driver is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    pg = PostgresServer(tmp_path_factory.mktemp("postgres"))
    try:
        yield pg
    finally:
        pg.stop()


def test_parallel_shims_and_writers(server: PostgresServer) -> None:
    url = server.create_database()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, f"w{n}", "20"], stderr=subprocess.PIPE,
                              text=True) for n in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    store = md.MetadataStore(url)
    assert len(store.step_runs("shared")) == 80 and len(store.list_runs()) == 1


def test_diamond_cache_and_source_change(server: PostgresServer, tmp_path: Path) -> None:
    url = server.create_database()
    root = make_project(tmp_path, DIAMOND)
    first = run_pipeline(load_pipeline(root), root, metadata_store=url)
    assert first.exit_code == 0, first.summary()
    second = run_pipeline(load_pipeline(root), root, metadata_store=url)
    assert {o.status for o in second.steps.values()} == {"cached"}
    ops = root / "steps" / "ops.py"
    ops.write_text(ops.read_text().replace("df.x * 10", "df.x * 100"))
    third = run_pipeline(load_pipeline(root), root, metadata_store=url)
    assert {sid: o.status for sid, o in third.steps.items()} == {
        "load": "cached", "left": "completed", "right": "cached", "join": "completed"}
    client = Client(url)
    run = client.get_pipeline_run(third.run_id)
    assert run.status == "completed"
    assert run.steps["join"].outputs["output"].load().z.tolist() == [0, 100, 200, 300]
    assert isinstance(client.get_pipeline_run(first.run_id).steps["load"].outputs["output"].load(), pd.DataFrame)
    assert not (root / ".pipec" / "metadata.db").exists()


def test_sigkill_then_rerun(server: PostgresServer, tmp_path: Path) -> None:
    url = server.create_database()
    root = make_project(tmp_path, KILL)
    (root / "slow").write_text("")
    pipe = load_pipeline(root)
    box: dict[str, object] = {}
    runner = threading.Thread(target=lambda: box.update(result=run_pipeline(pipe, root, metadata_store=url)))
    runner.start()
    pid_file = root / "slow.pid"
    deadline = time.monotonic() + 30
    while not pid_file.exists():
        assert time.monotonic() < deadline and runner.is_alive()
        time.sleep(0.01)
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    runner.join(60)
    killed = box["result"]
    assert killed.steps["produce"].status == "failed" and killed.steps["consume"].status == "skipped"
    store = md.MetadataStore(url)
    assert [s.status for s in store.step_runs(killed.run_id) if s.step_id == "produce"] == ["failed"]
    (root / "slow").unlink()
    rerun = run_pipeline(pipe, root, metadata_store=url)
    assert rerun.steps["produce"].status == "completed" and rerun.steps["independent"].status == "cached"
    assert Client(url).get_pipeline_run(rerun.run_id).steps["consume"].outputs["output"].load() == 5000


def test_engine_style_parallel_shims_record_to_postgres(server: PostgresServer, tmp_path: Path) -> None:
    """Shims of independent steps write the same run concurrently, as an engine would run them."""
    url = server.create_database()
    root = make_project(tmp_path, DIAMOND)
    pipe = load_pipeline(root)
    env = {**os.environ, "PIPEC_ORCHESTRATOR": "test-engine"}

    def argv(step_id: str) -> list[str]:
        return shim_command(pipe, pipe.step(step_id), run_id="eng-1", artifact_store=str(root / "art"),
                            metadata_store=url, python=sys.executable)

    for wave in (["load"], ["left", "right"], ["join"]):
        procs = [subprocess.Popen(argv(s), cwd=root, env=env, stderr=subprocess.PIPE, text=True) for s in wave]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * len(wave), errors
    run = Client(url).get_pipeline_run("diamond")
    assert (run.id, run.status, run.orchestrator) == ("eng-1", "completed", "test-engine")
    assert run.steps["join"].outputs["output"].load().shape == (4, 4)
