"""The `run` of a golden SkyPilot task, executed by bash on this machine as the VM's container
would run it: the same text (only the image's two words, its `python` and its source folder
`/app`, replaced by this machine's interpreter and a copy of the example: the image-less
stand-in), the task's `envs` exported as SkyPilot exports them, the stores pointed at a
temporary folder through those envs (as `sky launch --env` would). The outputs, read back
through `Client`, equal those of `pipec run`; a run-time parameter comes from its env."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipec import Client

REPO = Path(__file__).resolve().parents[2]
TASK_ID = "sky-2026-12-04-00-00-00-000000_pipec-vm_1"


def stand_in(run: str, python: str, root: Path) -> str:
    """`run` with the image's interpreter and source folder replaced (each word exactly once)."""
    words = {"python -m pipec.runtime ": f"{shlex.quote(python)} -m pipec.runtime ",
             " --source-root /app ": f" --source-root {shlex.quote(str(root))} "}
    for old, new in words.items():
        assert run.count(old) == 1, (old, run)
        run = run.replace(old, new)
    return run


def _run_task(case: str, target: str, tmp_path: Path, env_overrides: dict[str, str]):
    [path] = (REPO / "golden" / case / target).glob("*.yaml")
    task = yaml.safe_load(path.read_text(encoding="utf-8"))
    root = tmp_path / "app"
    shutil.copytree(REPO / "examples" / case, root, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    envs = {**task["envs"], "PIPEC_ARTIFACT_STORE": str(tmp_path / "artifacts"), **env_overrides}
    env = {**os.environ, **envs, "SKYPILOT_TASK_ID": TASK_ID}
    proc = subprocess.run(["bash", "-c", stand_in(task["run"], sys.executable, root)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return Client(f"sqlite:///{root / '.pipec' / 'metadata.db'}").get_pipeline_run(TASK_ID), root


def outputs(run) -> dict:
    """``{step id: {output name: value}}`` of a run read through `Client`."""
    return {sid: {name: out.load() for name, out in step.outputs.items()} for sid, step in run.steps.items()}


def reference(source: Path, tmp_path: Path, *params: str):
    """The run of `source` by `pipec run` (run id "reference"), with `params` (--param N=V)."""
    meta = tmp_path / "ref.db"
    proc = subprocess.run([sys.executable, "-m", "pipec", "run", str(source),
                           "--artifact-store", str(tmp_path / "ref-art"), "--metadata-store", f"sqlite:///{meta}",
                           "--run-id", "reference", *params], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Client(f"sqlite:///{meta}").get_pipeline_run("reference")


@pytest.mark.parametrize("case, target", [("diamond", "vm_aws"), ("hostile_strings", "vm_gcp")])
def test_golden_run_equals_pipec_run(case: str, target: str, tmp_path: Path) -> None:
    run, _ = _run_task(case, target, tmp_path / "vm", {})
    ref = reference(REPO / "examples" / case / "run.py", tmp_path)
    assert run.status == "completed" and {s.status for s in run.steps.values()} == {"completed"}
    assert run.orchestrator == target
    assert run.parameters == ref.parameters
    got = outputs(run)
    assert got == outputs(ref) and got and all(got.values())


def test_a_run_time_parameter_comes_from_its_env(tmp_path: Path) -> None:
    run, _ = _run_task("diamond", "vm_azure", tmp_path / "vm", {"PIPEC_PARAM_n": "6"})
    ref = reference(REPO / "examples/diamond/run.py", tmp_path, "--param", "n=6")
    assert run.parameters["n"] == 6 and outputs(run) == outputs(ref)


def test_kube_run_with_jobs_still_needs_a_namespace(tmp_path: Path) -> None:
    """The kubernetes target's form (`--jobs`) keeps its required namespace; only the plan-only form
    (the VM's) runs steps locally."""
    plan = tmp_path / "plan.json"
    plan.write_text("{}", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pipec.runtime", "kube-run", "--plan", str(plan), "--jobs",
                           str(plan)], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "--jobs needs --namespace" in proc.stderr
