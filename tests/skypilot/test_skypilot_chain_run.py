"""A SkyPilot chain run on this machine: each task's exact `run`, in the chain's order, executed by
bash as its VM's container would (the image-less stand-in of test_skypilot_run: this machine's
interpreter, a copy of the sources per "VM"), the task's `envs` exported, the stores pointed at
one shared temporary folder through those envs (as `sky jobs launch --env` would). The chain
records one run with every step, whose outputs read back through `Client` equal `pipec run`'s;
a task whose upstream output is missing, out of order or without a run id fails cleanly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipec import Client
from tests.skypilot.test_skypilot_chain import FIXTURE, compile_chain
from tests.skypilot.test_skypilot_run import outputs, reference, stand_in

STEPS = {"load", "stats", "train", "evaluate", "report"}
#: What SkyPilot's managed-job controller sets in every task of a three-task chain.
TASK_IDS = "\n".join(f"sky-managed-2026-12-04-00-00-00-000000_sky_chain_sky_chain-{i}_7-{i}" for i in range(3))


class Chain:
    """The fixture's chain for one target, run task by task against stores under one folder."""

    def __init__(self, target: str, tmp_path: Path) -> None:
        _, *self.tasks = yaml.safe_load_all(compile_chain(target)[0])
        self.tmp_path = tmp_path
        self.meta = f"sqlite:///{tmp_path / 'metadata.db'}"
        self.stores = {"PIPEC_ARTIFACT_STORE": str(tmp_path / "artifacts"), "PIPEC_METADATA_STORE": self.meta}

    def run_task(self, index: int, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        """Task `index`'s `run` on its own "VM" (a fresh copy of the sources), with `env` over its envs."""
        task = self.tasks[index]
        root = self.tmp_path / f"vm{index}-{len(list(self.tmp_path.glob(f'vm{index}-*')))}"
        shutil.copytree(FIXTURE.parent, root / "app", ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
        envs = {key: value for key, value in os.environ.items() if not key.startswith(("SKYPILOT_", "PIPEC_"))}
        envs.update({**task["envs"], **self.stores, **env})
        return subprocess.run(["bash", "-c", stand_in(task["run"], sys.executable, root / "app")], env=envs,
                              cwd=root, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)

    def run_all(self, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
        """The tasks in order, stopping at the first that fails (as a managed job does)."""
        done = []
        for index in range(len(self.tasks)):
            done.append(self.run_task(index, env))
            if done[-1].returncode != 0:
                break
        return done

    def read(self, run_id: str):
        """The run as `Client` reads it."""
        return Client(self.meta).get_pipeline_run(run_id)


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    """The fixture's run by `pipec run`."""
    return reference(FIXTURE, tmp_path_factory.mktemp("ref"))


def test_the_chain_records_one_run_equal_to_pipec_runs(tmp_path: Path, ref) -> None:
    chain = Chain("vm_aws", tmp_path)
    first = chain.run_task(0, {"PIPEC_RUN_ID": "chain-1"})
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    # Between tasks the run stays running: the ended task is not taken for an orphaned runner
    # (`Client` cancels those on this host).
    assert chain.read("chain-1").status == "running" and set(chain.read("chain-1").steps) == {"load", "stats"}
    procs = [first, *(chain.run_task(index, {"PIPEC_RUN_ID": "chain-1"}) for index in (1, 2))]
    assert [p.returncode for p in procs] == [0, 0, 0], [p.stdout[-2000:] + p.stderr[-2000:] for p in procs]
    assert ["the run goes on" in p.stdout for p in procs] == [True, True, False]
    run = chain.read("chain-1")
    assert run.status == "completed" and run.orchestrator == "vm_aws" and run.parameters == ref.parameters
    assert {sid: step.status for sid, step in run.steps.items()} == dict.fromkeys(STEPS, "completed")
    got = outputs(run)
    assert got == outputs(ref) and got["report"]["output"].startswith("5 values, sum 30")
    # Lineage across tasks: `train` (task 1) read `load`'s output (task 0).
    assert run.steps["train"].inputs["values"].uri == run.steps["load"].outputs["output"].uri
    # A second run of the chain reuses every step from the cache, across tasks too.
    assert [p.returncode for p in chain.run_all({"PIPEC_RUN_ID": "chain-2"})] == [0, 0, 0]
    again = chain.read("chain-2")
    assert again.status == "completed" and {s.status for s in again.steps.values()} == {"cached"}
    assert outputs(again) == got


def test_without_pipec_run_id_the_managed_jobs_first_task_id_is_the_run(tmp_path: Path, ref) -> None:
    chain = Chain("vm_gcp", tmp_path)
    procs = [chain.run_task(i, {"SKYPILOT_TASK_IDS": TASK_IDS, "SKYPILOT_TASK_ID": TASK_IDS.splitlines()[i]})
             for i in range(3)]
    assert [p.returncode for p in procs] == [0, 0, 0], [p.stderr[-2000:] for p in procs]
    run = chain.read(TASK_IDS.splitlines()[0])
    assert run.status == "completed" and set(run.steps) == STEPS and outputs(run) == outputs(ref)


def test_a_task_without_a_run_id_fails_clearly(tmp_path: Path) -> None:
    proc = Chain("vm_azure", tmp_path).run_task(0, {})
    assert proc.returncode == 2 and "--step needs the run id" in proc.stderr and "PIPEC_RUN_ID" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_task_whose_upstream_output_is_missing_fails_cleanly(tmp_path: Path) -> None:
    """The artifact store lost `load`'s output (say, a VM's own folder): the GPU task stops before
    any step starts, naming the step and the output; the run is recorded failed."""
    chain = Chain("vm_aws", tmp_path)
    assert chain.run_task(0, {"PIPEC_RUN_ID": "lost"}).returncode == 0
    shutil.rmtree(tmp_path / "artifacts" / "sky_chain" / "lost" / "load")
    proc = chain.run_task(1, {"PIPEC_RUN_ID": "lost"})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "step `train` reads output `output` of step `load`, which is not in the artifact store" in proc.stderr
    run = chain.read("lost")
    assert run.status == "failed"
    assert {sid: step.status for sid, step in run.steps.items()} == {
        "load": "completed", "stats": "completed", "train": "failed", "evaluate": "failed", "report": "skipped"}
    assert "reads output `output` of step `load`" in run.steps["train"].error


def test_a_task_run_before_its_upstream_task_fails_cleanly(tmp_path: Path) -> None:
    proc = Chain("vm_aws", tmp_path).run_task(1, {"PIPEC_RUN_ID": "early"})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "step `train` runs after step `load`, which run `early` has not completed" in proc.stderr
    assert "holds no run `early`" in proc.stderr


def test_a_failing_step_fails_the_run_and_stops_the_chain(tmp_path: Path) -> None:
    """With n=0 `train` divides by zero in task 1: the run fails there, `evaluate` and `report`
    (task 2, which the managed job never starts) are recorded skipped."""
    chain = Chain("vm_aws", tmp_path)
    procs = chain.run_all({"PIPEC_RUN_ID": "broken", "PIPEC_PARAM_n": "0"})
    assert [p.returncode for p in procs] == [0, 1]
    run = chain.read("broken")
    assert run.status == "failed" and run.parameters["n"] == 0
    assert {sid: step.status for sid, step in run.steps.items()} == {
        "load": "completed", "stats": "completed", "train": "failed", "evaluate": "skipped", "report": "skipped"}
    assert "ZeroDivisionError" in run.steps["train"].error


def test_kube_run_refuses_a_step_the_plan_does_not_have(tmp_path: Path) -> None:
    chain = Chain("vm_aws", tmp_path)
    plan = tmp_path / "plan.json"
    plan.write_text(chain.tasks[0]["envs"]["PIPEC_PLAN"], encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pipec.runtime", "kube-run", "--plan", str(plan), "--run-id", "r",
                           "--metadata-store", chain.meta, "--artifact-store", str(tmp_path / "a"), "--step", "load",
                           "--step", "nope"], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "no step `nope` in pipeline `sky_chain`" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
