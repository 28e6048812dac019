"""`run` and `runs` command modules, through `python -m pipec.runtime` (the lead wires them into `pipec`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers.runtime_projects import make_project

PROJECT = {
    "steps.py": """
        from pipec import step

        @step
        def one(n: int) -> int:
            return n

        @step
        def two(x: int) -> dict[str, int]:
            return {"x": x}
    """,
    "run.py": """
        from pipec import pipeline
        from steps import one, two

        @pipeline
        def small(n: int = 1):
            two(one(n=n))
    """,
    "bad.py": """
        from pipec import pipeline
        from steps import two

        @pipeline
        def broken():
            two()
    """,
}


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipec.runtime", *args], cwd=root, capture_output=True,
                          text=True, timeout=120)


def test_run_then_runs_list_and_show(tmp_path: Path) -> None:
    root = make_project(tmp_path, PROJECT)
    done = _cli(root, "run", "run.py", "--param", "n=7", "--max-parallel", "1")
    assert done.returncode == 0, done.stderr
    assert "STEP" in done.stdout and "completed" in done.stdout
    assert "Traceback" not in done.stderr
    run_id = done.stdout.strip().splitlines()[-1].split()[1].rstrip(":")

    listed = _cli(root, "runs", "list", "--json")
    assert [r["id"] for r in json.loads(listed.stdout)] == [run_id]
    shown = _cli(root, "runs", "show", "small", "--json")
    data = json.loads(shown.stdout)
    assert data["id"] == run_id and data["status"] == "completed" and data["parameters"] == {"n": 7}
    assert data["steps"]["two"]["outputs"]["output"]["materializer"] == "json"
    text = _cli(root, "runs", "show", run_id)
    assert text.returncode == 0 and "two" in text.stdout and "output (json)" in text.stdout
    missing = _cli(root, "runs", "show", "nope")
    assert missing.returncode == 2 and "no pipeline run or pipeline named 'nope'" in missing.stderr


def test_run_reports_diagnostics_and_exits_2(tmp_path: Path) -> None:
    root = make_project(tmp_path, PROJECT)
    done = _cli(root, "run", "bad.py")
    assert done.returncode == 2
    assert "error[PC203]" in done.stderr and "bad.py:" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (root / ".pipec" / "metadata.db").exists()


def test_failing_run_exits_1(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**PROJECT, "steps.py": PROJECT["steps.py"].replace("return n\n", "return n // 0\n")})
    done = _cli(root, "run", "run.py")
    assert done.returncode == 1
    assert "failed" in done.stdout and "ZeroDivisionError" in done.stdout


SLOW = {
    "steps.py": """
        import os, time
        from pathlib import Path
        from pipec import step

        @step
        def slow() -> int:
            Path(__file__).with_name("started").write_text(str(os.getpid()))
            time.sleep(60)
            return 1
    """,
    "run.py": """
        from pipec import pipeline
        from steps import slow

        @pipeline
        def sleepy():
            slow()
    """,
}


def test_interrupt_stops_running_steps_and_records_cancelled(tmp_path: Path) -> None:
    import os
    import signal
    import time

    from pipec.runtime import Client

    root = make_project(tmp_path, SLOW)
    proc = subprocess.Popen([sys.executable, "-m", "pipec.runtime", "run", "run.py"], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = root / "started"
    deadline = time.monotonic() + 30
    while not started.exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    step_pid = int(started.read_text())
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    deadline = time.monotonic() + 10
    while True:  # the step process is gone (killed, then reaped by the launcher)
        try:
            os.kill(step_pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "the step process survived the interrupt"
        time.sleep(0.05)
    run = Client(root=root).get_pipeline_run("sleepy")
    assert run.status == "cancelled" and run.steps["slow"].status == "cancelled"
    assert run.steps["slow"].error == "stopped: the run was cancelled" and run.steps["slow"].attempts == 1
    assert f"pipec runs show {run.id}" in err
    shown = _cli(root, "runs", "show", run.id)
    assert shown.returncode == 0 and "cancelled" in shown.stdout.splitlines()[0]
