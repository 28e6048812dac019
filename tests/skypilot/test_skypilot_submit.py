"""`pipec submit --target vm_*`: without SkyPilot, or without the cloud's credentials (SkyPilot's
own check, run in the side environment with HOME in an empty folder), exit 2 saying what to
install or configure; nothing is faked. The launch arguments and `--param` envs it passes."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipec.targets.base import SubmitError
from pipec.targets.skypilot.submit import launch_arguments, parameter_envs
from tests.helpers import requires
from tests.helpers.kube_proofs import compile_source
from tests.helpers.side_env import side_json
from tests.skypilot.test_skypilot_target import SOURCE

REPO = Path(__file__).resolve().parents[2]
DIAMOND = REPO / "examples/diamond/run.py"
#: Variables through which a cloud's credentials could reach SkyPilot's check.
CREDENTIAL_VARS = ("AWS_", "GOOGLE_", "AZURE_", "SKYPILOT_", "CLOUDSDK_")


def _submit(python: str, target: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(CREDENTIAL_VARS)}
    return subprocess.run([python, "-m", "pipec", "submit", str(DIAMOND), "--target", target],
                          env={**env, "HOME": str(home)}, cwd=home, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)


@pytest.mark.skipif(importlib.util.find_spec("sky") is not None, reason="SkyPilot is installed in this environment")
def test_without_skypilot_submit_says_what_to_install(tmp_path: Path) -> None:
    proc = _submit(sys.executable, "vm_aws", tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'pipec[skypilot]' 'skypilot[aws]'" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("target, says", [("vm_aws", "aws configure"), ("vm_gcp", "gcloud auth"),
                                          ("vm_azure", "az login")])
def test_without_credentials_submit_says_what_to_configure(target: str, says: str, tmp_path: Path) -> None:
    proc = _submit(str(requires.side_python("skypilot")), target, tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert says in proc.stderr and "sky check" in proc.stderr and "Traceback" not in proc.stderr


def _pipeline(tmp_path: Path, settings: dict):
    source = tmp_path / "sky_run.py"
    source.write_text(SOURCE.format(settings=repr(settings), target="vm_aws", step_extra=""))
    [(pipeline, _)], _ = compile_source(source, "vm_aws")
    return pipeline


def test_launch_arguments_are_zenmls(tmp_path: Path) -> None:
    assert launch_arguments(_pipeline(tmp_path, {}), "vm_aws") == ({"idle_minutes_to_autostop": 30, "down": True}, True)
    settings = {"cluster_name": "c1", "down": False, "idle_minutes_to_autostop": 5, "retry_until_up": True,
                "stream_logs": False, "launch_settings": {"fast": True}}
    assert launch_arguments(_pipeline(tmp_path, settings), "vm_aws") == (
        {"idle_minutes_to_autostop": 5, "down": False, "cluster_name": "c1", "retry_until_up": True, "fast": True},
        False)


def test_param_values_become_task_envs() -> None:
    [(pipeline, _)], _ = compile_source(DIAMOND, "vm_aws")
    assert parameter_envs(pipeline, {"n": 7}) == {"PIPEC_PARAM_n": "7"}
    with pytest.raises(SubmitError, match="nope"):
        parameter_envs(pipeline, {"nope": 1})


def test_a_chain_is_launched_as_sky_jobs_launch_builds_it(tmp_path: Path) -> None:
    """The managed job `pipec submit` hands to `sky.jobs.launch`, built offline in the side
    environment: SkyPilot's chain (tasks in order), every task with the `--param` envs and the
    one run id all tasks record into, SkyPilot's job defaults filled."""
    from tests.skypilot.test_skypilot_chain import compile_chain

    path = tmp_path / "sky_chain.yaml"
    path.write_text(compile_chain("vm_aws")[0], encoding="utf-8")
    [dag] = side_json("skypilot", "tests/skypilot/chain_submit_proof.py", str(path), "PIPEC_RUN_ID=run-7",
                      "PIPEC_PARAM_n=9", environ={"HOME": str(tmp_path)})
    names = ["sky_chain-0", "sky_chain-1", "sky_chain-2"]
    assert dag["name"] == "sky_chain" and dag["chain"] and dag["edges"] == [names[:2], names[1:]]
    assert [task["name"] for task in dag["tasks"]] == names
    assert all(task["envs"]["PIPEC_RUN_ID"] == "run-7" and task["envs"]["PIPEC_PARAM_n"] == "9"
               for task in dag["tasks"])
    assert [task["accelerators"] for task in dag["tasks"]] == [[None], [{"T4": 1}], [None]]
    assert all(task["job_recovery"][0]["strategy"] for task in dag["tasks"])


def test_submitting_a_chain_without_credentials_says_what_to_configure(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(CREDENTIAL_VARS)}
    proc = subprocess.run([str(requires.side_python("skypilot")), "-m", "pipec", "submit",
                           str(REPO / "tests/data/skypilot_chain/run.py"), "--target", "vm_gcp"],
                          env={**env, "HOME": str(tmp_path)}, cwd=tmp_path, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "gcloud auth" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
