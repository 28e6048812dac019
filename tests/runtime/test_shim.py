"""`python -m pipec.runtime run-step` as a real subprocess: the contract targets rely on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipec.runtime import metadata as md
from pipec.runtime.artifacts import ArtifactNotFound, ArtifactStore
from tests.helpers.runtime_projects import make_project, run_shim

STEPS = {
    "steps/ops.py": """
        from pipec import step
        from pipec.runtime import get_step_context

        @step
        def make(n: int, label: str = "x") -> tuple[int, str]:
            return n * 2, label

        @step
        def split(n: int):
            get_step_context().add_metadata(seen=n)
            return n + 1, str(n)

        @step
        def fail(n: int) -> int:
            helper = lambda: 1 / 0
            return helper() + n
    """,
}


def _base(root: Path, step: str, run: str = "r1", meta: bool = True) -> list[str]:
    args = ["--source-root", str(root), "--module", "steps.ops", "--function", step, "--pipeline", "p",
            "--step-id", step, "--run-id", run, "--artifact-store", str(root / "art")]
    return args + (["--metadata-store", md.default_url(root)] if meta else [])


def test_runs_a_step_and_records_it(tmp_path: Path) -> None:
    root = make_project(tmp_path, STEPS)
    done = run_shim(_base(root, "make") + ["--param", "n=21", "--param", 'label="y"',
                                           "--output", "output=tuple[int, str]"], root)
    assert done.returncode == 0, done.stderr
    nxt = run_shim(_base(root, "split") + ["--input", "n=make/output", "--output", "a=int",
                                           "--output", "b=str", "--result-file", str(root / "res.json")], root)
    assert nxt.returncode == 1  # tuple[int, str] is pickled -> a (42, "y") tuple, and n + 1 fails on a tuple
    assert "TypeError" in nxt.stderr

    ok = run_shim(_base(root, "split", run="r2") + ["--param", "n=5", "--output", "a=int", "--output", "b=str",
                                                     "--result-file", str(root / "res.json")], root)
    assert ok.returncode == 0, ok.stderr
    store = ArtifactStore(str(root / "art"))
    assert store.load(store.read_marker("p", "r2", "split", "a")) == 6
    assert store.load(store.read_marker("p", "r2", "split", "b")) == "5"
    result = json.loads((root / "res.json").read_text())
    assert result["status"] == "completed" and set(result["outputs"]) == {"a", "b"}
    assert result["metadata"] == {"seen": 5}
    meta = md.MetadataStore(md.default_url(root))
    (row,) = meta.step_runs("r2")
    assert (row.status, row.attempt, row.module, row.function) == ("completed", 1, "steps.ops", "split")
    assert sorted(a.name for a in meta.artifacts([row.id])[row.id]) == ["a", "b"]
    assert meta.run_metadata("r2") == [("split", "seen", 5)]


def test_failure_prints_the_users_traceback_and_records_it(tmp_path: Path) -> None:
    root = make_project(tmp_path, STEPS)
    done = run_shim(_base(root, "fail") + ["--param", "n=1", "--output", "output=int"], root)
    assert done.returncode == 1
    err = done.stderr
    assert err.startswith("Traceback (most recent call last):")
    assert 'steps/ops.py", line' in err and "ZeroDivisionError: division by zero" in err
    assert "pipec/runtime" not in err and "runtime/shim.py" not in err  # starts at the user's frame
    (row,) = md.MetadataStore(md.default_url(root)).step_runs("r1")
    assert row.status == "failed" and row.error == "ZeroDivisionError: division by zero"


def test_missing_input_and_missing_function(tmp_path: Path) -> None:
    root = make_project(tmp_path, STEPS)
    done = run_shim(_base(root, "split", meta=False) + ["--input", "n=nowhere/output", "--output", "a=int",
                                                        "--output", "b=str"], root)
    assert done.returncode == 1 and "was never committed" in done.stderr and "Traceback" not in done.stderr
    done = run_shim(_base(root, "nope", meta=False), root)
    assert done.returncode == 1 and "has no `nope`" in done.stderr


def test_shim_level_cache(tmp_path: Path) -> None:
    root = make_project(tmp_path, STEPS)
    args = ["--param", "n=3", "--output", "output=tuple[int, str]"]
    first = run_shim(_base(root, "make", run="r1") + args, root)
    second = run_shim(_base(root, "make", run="r2") + args, root)
    assert first.returncode == second.returncode == 0
    assert "served from the cache" in second.stderr
    meta = md.MetadataStore(md.default_url(root))
    (r1,), (r2,) = meta.step_runs("r1"), meta.step_runs("r2")
    assert (r2.status, r2.cached_from, r2.cache_key) == ("cached", r1.id, r1.cache_key)
    store = ArtifactStore(str(root / "art"))
    assert store.read_marker("p", "r2", "make", "output").payload.startswith("p/r1/")
    other = run_shim(_base(root, "make", run="r3") + ["--param", "n=4", "--output", "output=tuple[int, str]"], root)
    off = run_shim(_base(root, "make", run="r4") + args + ["--no-cache"], root)
    assert "cache" not in other.stderr + off.stderr
    assert [meta.step_runs(r)[0].status for r in ("r3", "r4")] == ["completed", "completed"]


KILLABLE = {
    "steps/ops.py": """
        import os, time
        from pipec import step
        from pipec.runtime.materializers import Materializer, register

        class Blob:
            def __init__(self, data: bytes) -> None:
                self.data = data

        class SlowBlobMaterializer(Materializer):
            name = "slow-blob"
            value_types = ("steps.ops.Blob",)

            def save(self, value, out):
                out.write(value.data[: len(value.data) // 2])
                out.flush()
                signal_file = os.environ.get("PIPEC_TEST_SIGNAL")
                if signal_file:
                    with open(signal_file + ".tmp", "w") as f:
                        f.write(str(os.getpid()))
                    os.replace(signal_file + ".tmp", signal_file)
                    time.sleep(60)
                out.write(value.data[len(value.data) // 2:])

            def load(self, src):
                return Blob(src.read())

        register(SlowBlobMaterializer())

        @step
        def produce() -> Blob:
            return Blob(b"0123456789" * 1000)

        @step
        def consume(blob: Blob) -> int:
            return len(blob.data)
    """,
}


def _wait_for(path: Path, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)
    return int(path.read_text())


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_mid_write_leaves_nothing_readable(tmp_path: Path) -> None:
    root = make_project(tmp_path, KILLABLE)
    signal_file = tmp_path / "writing"
    cmd = [sys.executable, "-m", "pipec.runtime", "run-step", *_base(root, "produce"), "--output",
           "output=steps.ops.Blob"]
    proc = subprocess.Popen(cmd, cwd=root, env={**os.environ, "PIPEC_TEST_SIGNAL": str(signal_file)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert _wait_for(signal_file) == proc.pid
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    store = ArtifactStore(str(root / "art"))
    with pytest.raises(ArtifactNotFound):
        store.read_marker("p", "r1", "produce", "output")
    folder = root / "art" / "p" / "r1" / "produce" / "output"
    assert [p.name for p in folder.iterdir() if not p.name.startswith(".tmp-")] == []  # only the torn temp file
    meta = md.MetadataStore(md.default_url(root))
    assert [s.status for s in meta.step_runs("r1")] == ["running"]  # never completed
    assert meta.find_cached(meta.step_runs("r1")[0].cache_key or "-") is None
    downstream = run_shim(_base(root, "consume") + ["--input", "blob=produce/output", "--output", "output=int"],
                          root)
    assert downstream.returncode == 1 and "never committed" in downstream.stderr

    # Re-running the step recovers; the downstream step then reads the whole payload.
    again = run_shim(_base(root, "produce") + ["--output", "output=steps.ops.Blob"], root)
    assert again.returncode == 0, again.stderr
    downstream = run_shim(_base(root, "consume") + ["--input", "blob=produce/output", "--output", "output=int"],
                          root)
    assert downstream.returncode == 0, downstream.stderr
    assert store.load(store.read_marker("p", "r1", "consume", "output")) == 10000
    produce_rows = [s for s in meta.step_runs("r1") if s.step_id == "produce"]
    assert [(s.attempt, s.status) for s in produce_rows] == [(1, "running"), (2, "completed")]


ENGINE = {
    "steps/ops.py": """
        from pipec import step

        @step
        def first(n: int) -> list[int]:
            return list(range(n))

        @step
        def second(xs: list[int]) -> int:
            return sum(xs)
    """,
    "run.py": """
        from pipec import pipeline
        from steps.ops import first, second

        @pipeline
        def engine(n: int = 4):
            second(first(n=n))
    """,
}


def test_engine_style_run_through_shim_command(tmp_path: Path) -> None:
    """What a generated artifact does: each step's shim_command argv, run in dependency order."""
    from pipec.runtime import Client, shim_command
    from tests.helpers.runtime_projects import load_pipeline

    root = make_project(tmp_path, ENGINE)
    pipe = load_pipeline(root)
    url = md.default_url(root)
    client = Client(url)
    for step_id in pipe.topological_order():
        argv = shim_command(pipe, pipe.step(step_id), run_id="engine-run-1", artifact_store=str(root / "art"),
                            metadata_store=url, python=sys.executable)
        done = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        if step_id == "first":  # half-way: the engine has not finished the run
            assert client.get_pipeline_run("engine-run-1").status == "running"
    run = client.get_pipeline_run("engine")
    assert (run.id, run.status, run.orchestrator) == ("engine-run-1", "completed", "external")
    assert run.steps["second"].outputs["output"].load() == 6


def test_runs_list_without_a_store_creates_nothing(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pipec.runtime", "runs", "list"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "no runs" in done.stdout
    assert not (tmp_path / ".pipec").exists()
