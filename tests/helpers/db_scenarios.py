"""Metadata-store scenarios every database server must pass (PostgreSQL, MariaDB/MySQL).

Each function takes the SQLAlchemy URL of a fresh, empty database on a real server that the
calling test module started, and asserts on what pipec recorded there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd

from pipec.runtime import Client, run_pipeline, shim_command
from pipec.runtime import metadata as md
from tests.helpers.runtime_projects import DIAMOND, KILL, WRITER, load_pipeline, make_project


def parallel_writers(url: str) -> None:
    """Four processes create the schema and write one run concurrently: no errors, nothing lost."""
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, f"w{n}", "20"], stderr=subprocess.PIPE,
                              text=True) for n in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    store = md.MetadataStore(url)
    steps = store.step_runs("shared")
    assert len(steps) == 80 and all(s.status == md.COMPLETED for s in steps)
    assert sum(len(a) for a in store.artifacts(s.id for s in steps).values()) == 80
    assert len(store.list_runs()) == 1
    store.close()


def diamond_cache_and_source_change(url: str, tmp_path: Path) -> None:
    """A pandas diamond runs, reruns fully cached, and a code change reruns that step and its descendants."""
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
    assert [r.id for r in client.list_pipeline_runs()][:3] == [third.run_id, second.run_id, first.run_id]
    assert not (root / ".pipec" / "metadata.db").exists()


def sigkill_then_rerun(url: str, tmp_path: Path) -> None:
    """A step killed mid-write is recorded failed, its descendant skipped; a rerun recovers."""
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
    store.close()
    (root / "slow").unlink()
    rerun = run_pipeline(pipe, root, metadata_store=url)
    assert rerun.steps["produce"].status == "completed" and rerun.steps["independent"].status == "cached"
    assert Client(url).get_pipeline_run(rerun.run_id).steps["consume"].outputs["output"].load() == 5000


def engine_style_parallel_shims(url: str, tmp_path: Path) -> None:
    """Shims of independent steps create and write the same run concurrently, as an engine runs them."""
    root = make_project(tmp_path, DIAMOND)
    pipe = load_pipeline(root)
    env = {**os.environ, "PIPEC_ORCHESTRATOR": "test-engine"}

    def argv(step_id: str) -> list[str]:
        return shim_command(pipe, pipe.step(step_id), run_id="eng-1", artifact_store=str(root / "art"),
                            metadata_store=url, python=sys.executable)

    # The first wave races on the schema and on the run row too.
    for wave in (["load", "load"], ["left", "right"], ["join"]):
        procs = [subprocess.Popen(argv(s), cwd=root, env=env, stderr=subprocess.PIPE, text=True) for s in wave]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * len(wave), errors
    run = Client(url).get_pipeline_run("diamond")
    assert (run.id, run.status, run.orchestrator) == ("eng-1", "completed", "test-engine")
    assert run.steps["join"].outputs["output"].load().shape == (4, 4)


def orphaned_runs_are_cancelled(url: str) -> None:
    """Only `running` runs whose runner on this host is gone (or whose pid was reused) become
    cancelled; a live runner, another host's and a run without a runner row stay running."""
    import socket

    from pipec.runtime.runner_liveness import cancel_orphaned_runs, process_started, record_runner

    meta = md.MetadataStore(url)
    for run_id in ("live", "gone", "reused", "elsewhere", "engine"):
        meta.create_pipeline_run(run_id, "p", orchestrator="local")
    record_runner(meta, "live")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    runners = meta.t["pipec_run_runners"]
    me = os.getpid()
    with meta.engine.begin() as conn:
        conn.execute(runners.insert(), [
            {"run_id": "gone", "host": socket.gethostname(), "pid": dead.pid, "pid_started": "1"},
            # this pid, but started at another time: the pid was reused
            {"run_id": "reused", "host": socket.gethostname(), "pid": me, "pid_started": "not-" + (process_started(me) or "")},
            {"run_id": "elsewhere", "host": socket.gethostname() + "-other", "pid": dead.pid, "pid_started": "1"}])
    expected = ["gone", "reused"] if process_started(me) else ["gone"]
    assert sorted(cancel_orphaned_runs(meta)) == expected
    assert {r.id: r.status for r in meta.list_runs()} == {
        "live": "running", "gone": "cancelled", "reused": "cancelled" if "reused" in expected else "running",
        "elsewhere": "running", "engine": "running"}
    assert cancel_orphaned_runs(meta) == []
    meta.close()
