"""The vm_aws / vm_gcp / vm_azure targets: ZenML's SkyPilot settings and the steps'
ResourceSettings become the task's resources, envs, config and (for `pipec submit`) launch
arguments; what SkyPilot cannot take is reported; the three targets differ only by cloud."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipec.targets.skypilot.accelerators import skypilot_accelerator
from tests.helpers.kube_proofs import compile_source
from tests.skypilot.test_skypilot_proofs import side_checks

REPO = Path(__file__).resolve().parents[2]

SOURCE = '''
from zenml import pipeline, step
from zenml.config import ResourceSettings


@step(settings={{"resources": ResourceSettings(cpu_count=8, memory="16GB", gpu_count=2, gpu_type="nvidia-tesla-t4")}})
def train() -> int:
    return 1


@step(settings={{"resources": ResourceSettings(cpu_count=2, memory="30GiB"){step_extra}}})
def evaluate(x: int) -> int:
    return x


@pipeline(settings={{"orchestrator.{target}": {settings}}})
def sky_pipeline():
    evaluate(train())
'''

FULL = {"instance_type": "n1-standard-8", "use_spot": True, "region": "us-central1", "zone": "us-central1-a",
        "disk_size": 200, "disk_tier": "high", "spot_recovery": "FAILOVER", "ports": [8080], "labels": {"team": "ml"},
        "envs": {"HF_HOME": "/cache $HOME 'x'"}, "num_nodes": 1, "docker_run_args": ["--shm-size=2g"],
        "task_name": "nightly", "cluster_name": "pipec-vm", "down": True, "idle_minutes_to_autostop": 10,
        "retry_until_up": True, "stream_logs": False, "image_id": "ami-123", "workdir": "."}


def _compile(tmp_path: Path, settings: dict, target: str = "vm_gcp", step_extra: str = "") -> tuple[dict, list]:
    source = tmp_path / "sky_run.py"
    source.write_text(SOURCE.format(settings=repr(settings), target=target, step_extra=step_extra))
    [(_, files)], diags = compile_source(source, target)
    return yaml.safe_load(files["sky_pipeline.yaml"]), diags.sorted()


def _codes(diags: list, severity: str) -> list[str]:
    return [d.code for d in diags if d.severity == severity]


def test_settings_and_resources_become_the_task(tmp_path: Path) -> None:
    task, diags = _compile(tmp_path, FULL)
    assert task["name"] == "nightly" and task["num_nodes"] == 1
    assert task["resources"] == {
        "infra": "gcp/us-central1/us-central1-a", "cpus": "8+", "memory": "30+", "accelerators": {"T4": 2},
        "disk_size": 200, "disk_tier": "high", "instance_type": "n1-standard-8", "job_recovery": "FAILOVER",
        "labels": {"team": "ml"}, "ports": [8080], "use_spot": True,
        "image_id": "docker:" + task["resources"]["image_id"].removeprefix("docker:")}
    assert task["resources"]["image_id"].startswith("docker:pipec.local/sky_pipeline:")
    assert task["envs"]["HF_HOME"] == "/cache $HOME 'x'" and "PIPEC_PLAN" in task["envs"]
    assert task["config"] == {"docker": {"run_options": ["--shm-size=2g"]}}
    warned = [d.message for d in diags if d.code == "PC304"]
    assert any("`image_id`" in m for m in warned) and any("`workdir`" in m for m in warned), warned
    assert not _codes(diags, "error")


def test_the_task_with_every_setting_passes_skypilots_loaders(tmp_path: Path) -> None:
    task, _ = _compile(tmp_path, FULL)
    path = tmp_path / "task.yaml"
    path.write_text(yaml.safe_dump(task))
    result = side_checks([path], tmp_path / "home")[str(path)]
    assert result["checks"] == {"from_yaml": None, "load_chain_dag": None}, result["checks"]
    [read] = result["tasks"]
    assert (read["region"], read["zone"], read["accelerators"], read["use_spot"], read["disk_size"]) == (
        "us-central1", "us-central1-a", {"T4": 2}, True, 200)
    assert read["envs"]["HF_HOME"] == "/cache $HOME 'x'"


def test_a_setting_wins_over_the_steps_resources(tmp_path: Path) -> None:
    task, _ = _compile(tmp_path, {"cpus": "32+", "accelerators": "a100:8"})
    assert task["resources"]["cpus"] == "32+" and task["resources"]["accelerators"] == {"A100": 8}
    assert task["resources"]["memory"] == "30+"


@pytest.mark.parametrize("settings, code, word", [
    ({"cpus": "four"}, "PC393", "cpus"),
    ({"memory": -1}, "PC393", "memory"),
    ({"accelerators": "T4:x"}, "PC393", "accelerators"),
    ({"accelerators": {"T4": 1, "L4": 1}}, "PC393", "accelerators"),
    ({"accelerators": "K9000"}, "PC394", "K9000"),
    ({"disk_tier": "fast"}, "PC393", "disk_tier"),
    ({"use_spot": "yes"}, "PC393", "use_spot"),
    ({"region": "us/east"}, "PC393", "region"),
    ({"envs": {"A": 1}}, "PC393", "envs"),
    ({"docker_run_args": "--shm-size=2g"}, "PC393", "docker_run_args"),
])
def test_malformed_settings_are_errors(tmp_path: Path, settings: dict, code: str, word: str) -> None:
    _, diags = _compile(tmp_path, settings)
    errors = [d for d in diags if d.severity == "error"]
    assert [d.code for d in errors] == [code] and word in errors[0].message


def test_unknown_settings_and_free_form_fields_are_reported(tmp_path: Path) -> None:
    _, diags = _compile(tmp_path, {"no_such_key": 1, "resources_settings": {"network_tier": "best", "bogus": 1},
                                   "task_settings": {"setup": "pip list", "nope": 2}})
    messages = [d.message for d in diags if d.code in ("PC304", "PC308")]
    assert any("no_such_key" in m for m in messages)
    assert any("`bogus`" in m for m in messages) and any("`nope`" in m for m in messages)
    assert not any("network_tier" in m or "`setup`" in m for m in messages)


def test_more_than_one_node_is_reported(tmp_path: Path) -> None:
    task, diags = _compile(tmp_path, {"num_nodes": 4})
    assert "num_nodes" not in task
    assert any(d.code == "PC304" and "`num_nodes` 4" in d.message for d in diags)


def test_gpu_without_a_type_is_reported(tmp_path: Path) -> None:
    source = tmp_path / "g.py"
    source.write_text(SOURCE.replace(', gpu_type="nvidia-tesla-t4"', "").format(settings="{}", target="vm_aws",
                                                                               step_extra=""))
    [(_, files)], diags = compile_source(source, "vm_aws")
    assert "accelerators" not in yaml.safe_load(files["sky_pipeline.yaml"])["resources"]
    assert any(d.code == "PC304" and "GPU(s) of no type" in d.message for d in diags.sorted())


def test_accelerator_names() -> None:
    assert skypilot_accelerator("t4") == "T4" and skypilot_accelerator("nvidia-tesla-a100") == "A100"
    assert skypilot_accelerator("TPU-v4-8") == "tpu-v4-8" and skypilot_accelerator("A100-80gb") == "A100-80GB"
    assert skypilot_accelerator("K9000") is None and skypilot_accelerator("") is None


@pytest.mark.parametrize("case", ["diamond", "hostile_strings", "zenml_new_api"])
def test_the_three_targets_differ_only_by_cloud(case: str) -> None:
    texts = {t: next((REPO / "golden" / case / t).glob("*.yaml")).read_text(encoding="utf-8")
             for t in ("vm_aws", "vm_gcp", "vm_azure")}
    normal = {text.replace(f"infra: {t.removeprefix('vm_')}\n", "infra: CLOUD\n").replace(t, "TARGET")
              for t, text in texts.items()}
    assert len(normal) == 1 and "infra: CLOUD" in normal.pop()
