"""Issue 17 item 5: SIGKILL of `pipec run` leaves no step process behind (fork and spawn
launchers), and the next reader records the run cancelled. Real processes and real signals;
a step's survival is checked by its pid."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipec.runtime import Client
from pipec.runtime import metadata as md
from pipec.runtime.runner_liveness import cancel_orphaned_runs, record_runner
from tests.helpers import db_scenarios
from tests.helpers.runtime_projects import make_project
from tests.runtime.test_run_cancel_logs import SLOW, _env, _gone, _pipec, _wait_for

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")

#: Runs the pipeline of run.py with a given launcher, in a process the test can SIGKILL.
RUNNER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pipec.runtime.orchestrator import run_pipeline
    from tests.helpers.runtime_projects import load_pipeline

    root = Path(sys.argv[1])
    run_pipeline(load_pipeline(root), root, run_id="k1", launcher=sys.argv[2])
""")


def _kill_runner(root: Path, proc: subprocess.Popen) -> list[int]:
    _wait_for(root / "started-a", proc)
    _wait_for(root / "started-b", proc)
    pids = [int((root / f"started-{t}").read_text()) for t in "ab"]
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    return pids


@linux_only
def test_sigkill_of_pipec_run_stops_the_steps_and_the_next_run_records_it_cancelled(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**SLOW, "run.py": SLOW["run.py"].replace(
        'slow(tag="a", id="a")', 'slow(tag="a", stubborn=True, id="a")')})
    state = tmp_path / "state"
    proc = subprocess.Popen([sys.executable, "-m", "pipec", "run", "run.py", "--run-id", "k0"], cwd=root,
                            env=_env(state), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pids = _kill_runner(root, proc)
    # b stops at the zygote's SIGTERM; a ignores it and gets SIGKILL after the grace.
    assert all(_gone(pid, timeout=20) for pid in pids), "a step process outlived SIGKILL of pipec run"
    listed = _pipec(root, state, "runs", "list", "--json")
    assert [(r["id"], r["status"]) for r in json.loads(listed.stdout)] == [("k0", "cancelled")], listed.stderr
    run = Client(root=root).get_pipeline_run("k0")
    assert {sid: s.status for sid, s in run.steps.items()} == {"a": "cancelled", "b": "cancelled"}
    assert "ended without finishing it" in run.steps["a"].error


@linux_only
def test_sigkill_with_the_spawn_launcher_stops_the_steps(tmp_path: Path) -> None:
    root = make_project(tmp_path, SLOW)
    env = dict(_env(tmp_path / "state"), PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2]), *sys.path]))
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(root), "spawn"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pids = _kill_runner(root, proc)
    assert all(_gone(pid, timeout=20) for pid in pids), "a spawned step outlived SIGKILL of its runner"
    assert Client(root=root).get_pipeline_run("k1").status == "cancelled"


def test_a_live_runner_and_other_hosts_are_left_alone(tmp_path: Path) -> None:
    db_scenarios.orphaned_runs_are_cancelled(f"sqlite:///{tmp_path / 'm.db'}")


def test_a_store_without_the_runners_table_gets_it_and_stays_readable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    meta = md.MetadataStore(url)
    meta.create_pipeline_run("old", "p", orchestrator="local")
    meta.t["pipec_run_runners"].drop(meta.engine)  # as an earlier release left the store
    meta.close()
    reopened = md.MetadataStore(url)
    assert [(r.id, r.status) for r in reopened.list_runs()] == [("old", "running")]
    assert cancel_orphaned_runs(reopened) == []  # no runner recorded: not ours to judge
    record_runner(reopened, "old")
    reopened.close()
