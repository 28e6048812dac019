"""The local orchestrator end to end: real files, the real frontend, subprocess steps."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from pipec.runtime import Client, run_pipeline
from pipec.runtime import metadata as md
from pipec.runtime.artifacts import ArtifactNotFound, ArtifactStore
from tests.helpers.runtime_projects import DIAMOND, KILL, load_pipeline, make_project


@pytest.mark.parametrize("launcher", ["fork", "spawn"])
def test_diamond_with_pandas_read_back_through_client(tmp_path: Path, launcher: str) -> None:
    root = make_project(tmp_path, DIAMOND)
    result = run_pipeline(load_pipeline(root, params={"n": "5"}), root, launcher=launcher)
    assert result.exit_code == 0, result.summary()
    assert list(result.steps) == ["load", "left", "right", "join"]

    client = Client(root=root)
    run = client.get_pipeline_run(result.run_id)
    assert run.status == "completed" and run.pipeline_name == "diamond" and run.parameters == {"n": 5}
    assert {sid: s.status for sid, s in run.steps.items()} == dict.fromkeys(["load", "left", "right", "join"],
                                                                             "completed")
    expected = pd.DataFrame({"x": range(5), "y": [i * 0.5 for i in range(5)]})
    expected = expected.assign(z=expected.x * 10, mean_y=1.0)
    pd.testing.assert_frame_equal(run.steps["join"].outputs["output"].load(), expected)
    assert run.steps["right"].outputs["output"].load() == {"mean_y": 1.0}
    assert run.steps["load"].outputs["output"].materializer == "parquet"
    assert client.get_pipeline_run("diamond").id == result.run_id  # by pipeline name: the latest run
    assert [r.id for r in client.list_pipeline_runs()] == [result.run_id]
    assert Path(run.steps["join"].logs_uri).is_file()


PARALLEL = {
    "steps/slow.py": """
        import time
        from pipec import step

        @step(enable_cache=False)
        def nap(label: str) -> str:
            time.sleep(1.0)
            return label
    """,
    "run.py": """
        from pipec import pipeline
        from steps.slow import nap

        @pipeline
        def two_naps():
            nap(label="a")
            nap(label="b")
    """,
}


def test_independent_steps_run_in_parallel(tmp_path: Path) -> None:
    root = make_project(tmp_path, PARALLEL)
    pipe = load_pipeline(root)
    start = time.monotonic()
    result = run_pipeline(pipe, root, max_parallel=2)
    took = time.monotonic() - start
    assert result.exit_code == 0, result.summary()
    assert took < 1.8, f"two independent 1 s steps took {took:.2f} s"
    run = Client(root=root).get_pipeline_run(result.run_id)
    assert sorted(s.outputs["output"].load() for s in run.steps.values()) == ["a", "b"]


BRANCHES = {
    "steps/ops.py": """
        from pipec import step

        @step
        def source() -> int:
            return 1

        @step
        def broken(x: int) -> int:
            raise RuntimeError("broken on purpose")

        @step
        def after_broken(x: int) -> int:
            return x

        @step
        def fine(x: int) -> int:
            return x + 1

        @step
        def after_fine(x: int) -> int:
            return x + 1
    """,
    "run.py": """
        from pipec import pipeline
        from steps.ops import after_broken, after_fine, broken, fine, source

        @pipeline
        def branches():
            s = source()
            after_broken(broken(s))
            after_fine(fine(s))
    """,
}


def test_failure_stops_descendants_only(tmp_path: Path) -> None:
    root = make_project(tmp_path, BRANCHES)
    result = run_pipeline(load_pipeline(root), root, max_parallel=1)
    assert result.exit_code == 1 and result.status == "failed"
    assert {sid: o.status for sid, o in result.steps.items()} == {
        "source": "completed", "broken": "failed", "after_broken": "skipped", "fine": "completed",
        "after_fine": "completed"}
    assert result.steps["broken"].error == "RuntimeError: broken on purpose"
    log = Path(result.steps["broken"].logs).read_text()
    assert "Traceback" in log and "broken on purpose" in log
    run = Client(root=root).get_pipeline_run(result.run_id)
    assert run.status == "failed" and run.steps["after_broken"].status == "skipped"
    assert run.steps["after_fine"].outputs["output"].load() == 3
    assert "broken" in result.summary() and "skipped" in result.summary()


RETRIES = {
    "steps/flaky.py": """
        from pathlib import Path
        from pipec import Retry, step

        def _bump(name: str) -> int:
            counter = Path(__file__).parent.parent / name
            n = int(counter.read_text()) + 1 if counter.exists() else 1
            counter.write_text(str(n))
            return n

        @step(retry=Retry(max_retries=2, delay=0.2, backoff=2.0))
        def flaky() -> int:
            n = _bump("flaky.count")
            if n < 3:
                raise ConnectionError(f"attempt {n} fails")
            return n

        @step(retry=Retry(max_retries=1))
        def hopeless() -> int:
            _bump("hopeless.count")
            raise ValueError("never works")
    """,
    "run.py": """
        from pipec import pipeline
        from steps.flaky import flaky, hopeless

        @pipeline
        def retrying():
            flaky()
            hopeless()
    """,
}


def test_retries_count_delay_and_backoff(tmp_path: Path) -> None:
    root = make_project(tmp_path, RETRIES)
    start = time.monotonic()
    result = run_pipeline(load_pipeline(root), root, max_parallel=2)
    took = time.monotonic() - start
    assert result.steps["flaky"].status == "completed" and result.steps["flaky"].attempts == 3
    assert result.steps["hopeless"].status == "failed" and result.steps["hopeless"].attempts == 2
    assert (root / "flaky.count").read_text() == "3" and (root / "hopeless.count").read_text() == "2"
    assert took >= 0.2 + 0.4  # delay, then delay * backoff
    run = Client(root=root).get_pipeline_run(result.run_id)
    assert run.steps["flaky"].attempts == 3 and run.steps["flaky"].outputs["output"].load() == 3
    attempts = [(s.step_id, s.attempt, s.status) for s in md.MetadataStore(md.default_url(root)).step_runs(
        result.run_id) if s.step_id == "flaky"]
    assert attempts == [("flaky", 1, "failed"), ("flaky", 2, "failed"), ("flaky", 3, "completed")]
    assert "attempt 2 fails" in Path(result.steps["flaky"].logs).read_text()


def test_cache_hits_and_source_change_reruns_step_and_descendants(tmp_path: Path) -> None:
    root = make_project(tmp_path, DIAMOND)
    first = run_pipeline(load_pipeline(root), root)
    second = run_pipeline(load_pipeline(root), root)
    assert {o.status for o in first.steps.values()} == {"completed"}
    assert {o.status for o in second.steps.values()} == {"cached"}
    client = Client(root=root)
    pd.testing.assert_frame_equal(client.get_pipeline_run(second.run_id).steps["join"].outputs["output"].load(),
                                  client.get_pipeline_run(first.run_id).steps["join"].outputs["output"].load())

    ops = root / "steps" / "ops.py"
    ops.write_text(ops.read_text().replace("df.x * 10", "df.x * 100"))
    third = run_pipeline(load_pipeline(root), root)
    assert {sid: o.status for sid, o in third.steps.items()} == {
        "load": "cached", "left": "completed", "right": "cached", "join": "completed"}
    assert client.get_pipeline_run(third.run_id).steps["join"].outputs["output"].load().z.tolist() == \
        [0, 100, 200, 300]

    # A different parameter value re-runs `load`, and so everything below it.
    fourth = run_pipeline(load_pipeline(root, params={"n": "3"}), root)
    assert {o.status for o in fourth.steps.values()} == {"completed"}
    # enable_cache=False for the whole run.
    fifth = run_pipeline(load_pipeline(root), root, enable_cache=False)
    assert {o.status for o in fifth.steps.values()} == {"completed"}


@pytest.mark.parametrize("launcher", ["fork", "spawn"])
def test_sigkill_mid_write_then_rerun_recovers(tmp_path: Path, launcher: str) -> None:
    root = make_project(tmp_path, KILL)
    (root / "slow").write_text("")
    pipe = load_pipeline(root)
    box: dict[str, object] = {}
    runner = threading.Thread(target=lambda: box.update(
        result=run_pipeline(pipe, root, max_parallel=2, launcher=launcher)))
    runner.start()
    pid_file = root / "slow.pid"
    deadline = time.monotonic() + 30
    while not pid_file.exists():
        assert time.monotonic() < deadline and runner.is_alive(), "the step never started writing"
        time.sleep(0.01)
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    runner.join(60)
    result = box["result"]
    assert result.steps["produce"].status == "failed"
    assert result.steps["produce"].error == "killed by signal SIGKILL"
    assert result.steps["consume"].status == "skipped"
    assert result.steps["independent"].status == "completed"

    store = ArtifactStore(str(root / ".pipec" / "artifacts"))
    with pytest.raises(ArtifactNotFound):
        store.read_marker("killable", result.run_id, "produce", "output")
    meta = md.MetadataStore(md.default_url(root))
    produce_rows = [s for s in meta.step_runs(result.run_id) if s.step_id == "produce"]
    assert [s.status for s in produce_rows] == ["failed"]
    assert meta.find_cached(produce_rows[0].cache_key) is None
    assert not meta.artifacts([produce_rows[0].id])[produce_rows[0].id]

    (root / "slow").unlink()
    rerun = run_pipeline(pipe, root, launcher=launcher)
    assert rerun.exit_code == 0, rerun.summary()
    assert {sid: o.status for sid, o in rerun.steps.items()} == {
        "produce": "completed", "consume": "completed", "independent": "cached"}
    assert Client(root=root).get_pipeline_run(rerun.run_id).steps["consume"].outputs["output"].load() == 5000


EXIT_HOOKS = {
    "steps/hooks.py": """
        import atexit, os, threading, time
        from pathlib import Path
        from pipec import step

        @step(enable_cache=False)
        def with_hooks(tag: str) -> int:
            out = Path(__file__).parent.parent
            atexit.register(lambda: (out / f"atexit-{tag}").write_text("ran"))
            worker = threading.Thread(target=lambda: (time.sleep(0.2), (out / f"thread-{tag}").write_text("ran")))
            worker.start()  # a non-daemon thread: the process must wait for it, as a normal exit does
            return os.getpid()
    """,
    "run.py": """
        from pipec import pipeline
        from steps.hooks import with_hooks

        @pipeline
        def hooks():
            with_hooks(tag="a")
    """,
}


@pytest.mark.parametrize("launcher", ["fork", "spawn"])
def test_step_process_exits_like_a_normal_interpreter(tmp_path: Path, launcher: str) -> None:
    root = make_project(tmp_path, EXIT_HOOKS)
    result = run_pipeline(load_pipeline(root), root, launcher=launcher)
    assert result.exit_code == 0, result.summary()
    assert (root / "atexit-a").read_text() == "ran" and (root / "thread-a").read_text() == "ran"
    step_pid = Client(root=root).get_pipeline_run(result.run_id).steps["with_hooks"].outputs["output"].load()
    assert step_pid != os.getpid()
