"""Issue 17 item 5: `settings={"timeout": SECONDS}` read into the IR and honoured by `pipec run`
(the step's process group stopped at the deadline, the attempt failed "timed out", retries apply)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipec.ir.codec import pipeline_from_json, pipeline_to_json
from pipec.runtime import Client, orchestrator
from tests.helpers.runtime_projects import load_pipeline, make_project
from tests.runtime.test_run_cancel_logs import _gone

PROJECT = {
    "pipec.toml": "",
    "steps.py": """
        import os, signal, subprocess, sys, time
        from pathlib import Path
        from zenml import step

        @step(settings={"timeout": 1})
        def hang(stubborn: bool = False) -> int:
            if stubborn:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
            Path(__file__).with_name("pids").open("a").write(f"{os.getpid()} {child.pid}\\n")
            time.sleep(60)
            return 1

        @step
        def quick() -> int:
            return 2
    """,
    "run.py": """
        from zenml import pipeline
        from zenml.config import StepRetryConfig
        from steps import hang, quick

        @pipeline(settings={"timeout": 30})
        def timed():
            hang.with_options(retry=StepRetryConfig(max_retries=1))()
            quick()
    """,
}


def test_timeout_is_read_merged_and_round_trips_through_the_ir_json(tmp_path: Path) -> None:
    pipeline = load_pipeline(make_project(tmp_path, PROJECT))
    timeouts = {s.id: s.settings.timeout for s in pipeline.steps}
    assert timeouts == {"hang": 1.0, "quick": 30.0}
    assert pipeline_from_json(pipeline_to_json(pipeline)) == pipeline


def test_a_bad_timeout_is_a_diagnostic(tmp_path: Path) -> None:
    from pipec.compiler import api

    for n, bad in enumerate(('"10m"', "0", "-1", "True", 'float("inf")')):
        (tmp_path / str(n)).mkdir()
        root = make_project(tmp_path / str(n), {**PROJECT, "steps.py": PROJECT["steps.py"].replace(
            '{"timeout": 1}', f'{{"timeout": {bad}}}')})
        result = api.load(root / "run.py", root=root)
        messages = [d.message for d in result.diagnostics]
        assert "settings `timeout` must be a positive number of seconds" in messages, (bad, messages)


@pytest.mark.parametrize("stubborn", [False, True])
def test_pipec_run_stops_a_step_at_its_timeout_and_retries_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              stubborn: bool) -> None:
    monkeypatch.setattr(orchestrator, "TIMEOUT_GRACE", 0.5)
    project = PROJECT if not stubborn else {**PROJECT, "run.py": PROJECT["run.py"].replace(
        "StepRetryConfig(max_retries=1))()", "StepRetryConfig(max_retries=1))(stubborn=True)")}
    root = make_project(tmp_path, project)
    started = time.monotonic()
    result = orchestrator.run_pipeline(load_pipeline(root), root, run_id="t1")
    assert time.monotonic() - started < 30
    assert result.status == "failed"
    run = Client(root=root).get_pipeline_run("t1")
    assert {sid: (s.status, s.attempts) for sid, s in run.steps.items()} == {
        "hang": ("failed", 2), "quick": ("completed", 1)}
    assert run.steps["hang"].error == "timed out after 1s"
    pids = [int(p) for line in (root / "pids").read_text().split("\n") if line for p in line.split()]
    assert len(pids) == 4 and all(_gone(pid) for pid in pids), "a timed-out step's process group survived"


@pytest.mark.parametrize(("body", "status", "error"), [
    ("time.sleep(60)", 1, "timed out after 1s"),
    # swallows the exception: ended hard after the grace, as timeout(1) does
    ("try:\n                time.sleep(60)\n            except Exception:\n                time.sleep(60)", 124, None),
])
def test_the_shim_enforces_timeout_itself_for_engines(tmp_path: Path, body: str, status: int,
                                                       error: str | None) -> None:
    from pipec.runtime.command import shim_command
    from tests.helpers.runtime_projects import run_shim

    root = make_project(tmp_path, {**PROJECT, "steps.py": PROJECT["steps.py"].replace(
        "child = subprocess.Popen", "pass  # ").replace("Path(__file__).with_name", "pass  # ").replace(
        "time.sleep(60)\n            return 1", body + "\n            return 1")})
    pipeline = load_pipeline(root)
    argv = shim_command(pipeline, pipeline.steps[0], run_id="s1", artifact_store=str(tmp_path / "a"),
                        metadata_store=None, source_root=str(root))
    assert argv[argv.index("--timeout") + 1] == "1"
    started = time.monotonic()
    done = run_shim([*argv[4:], "--result-file", str(tmp_path / "r.json")], root)
    assert done.returncode == status, done.stderr
    assert time.monotonic() - started < 20
    if error is not None:
        import json

        assert json.loads((tmp_path / "r.json").read_text())["error"] == error
