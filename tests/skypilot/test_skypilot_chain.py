"""Per-step VMs: steps with SkyPilot settings of their own make the vm_* targets write a chain
(tests/data/skypilot_chain), one task per run of consecutive steps with equal settings, in
topological order. SkyPilot's chain loader (`load_chain_dag_from_yaml`, what `sky jobs launch`
reads) accepts every chain and reads its tasks back in order; what it accepts but cannot run
(tasks out of order, an accelerator no cloud offers) pipec's chain check refuses."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipec.targets.skypilot.chain_check import chain_problems, task_steps
from tests.helpers.kube_proofs import compile_source
from tests.skypilot.test_skypilot_proofs import side_checks
from tests.skypilot.test_skypilot_target import SOURCE

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests/data/skypilot_chain/run.py"
TARGETS = ("vm_aws", "vm_gcp", "vm_azure")
SHARED = {"artifact_store": "s3://bucket/pipec", "metadata_store": "postgresql://pipec@db.example/pipec"}
GROUPS = [["load", "stats"], ["train", "evaluate"], ["report"]]


def compile_chain(target: str, options: dict | None = None) -> tuple[str, list]:
    """The fixture's chain file for `target` and the compile's diagnostics."""
    [(_, files)], diags = compile_source(FIXTURE, target, options=SHARED if options is None else options)
    return files["sky_chain.yaml"], diags.sorted()


def _documents(target: str) -> list:
    return list(yaml.safe_load_all(compile_chain(target)[0]))


@pytest.mark.parametrize("target", TARGETS)
def test_steps_with_their_own_settings_make_a_chain_in_topological_order(target: str) -> None:
    header, *tasks = _documents(target)
    assert header == {"name": "sky_chain"}
    assert [task["name"] for task in tasks] == ["sky_chain-0", "sky_chain-1", "sky_chain-2"]
    assert [task_steps(task["run"]) for task in tasks] == GROUPS
    cloud = target.removeprefix("vm_")
    # Each VM from its own group: the pipeline's settings (and stats' 8 CPUs), the GPU steps' T4.
    assert [task["resources"] for task in tasks] == [
        {"infra": cloud, "cpus": "8+", "use_spot": True, "image_id": tasks[0]["resources"]["image_id"]},
        {"infra": cloud, "accelerators": {"T4": 1}, "use_spot": False, "image_id": tasks[0]["resources"]["image_id"]},
        {"infra": cloud, "use_spot": True, "image_id": tasks[0]["resources"]["image_id"]}]
    # Same plan, stores, parameters and run id variable in every task.
    assert all(task["envs"] == tasks[0]["envs"] for task in tasks)
    assert tasks[0]["envs"]["PIPEC_RUN_ID"] == "" and tasks[0]["envs"]["PIPEC_PARAM_rate"] == "0.5"
    assert chain_problems([header, *tasks]) == []


def test_a_steps_own_settings_in_the_shared_test_source_make_a_chain(tmp_path: Path) -> None:
    """Was PC304 "runs on the pipeline's one VM": the step now gets a VM of its own."""
    source = tmp_path / "sky_run.py"
    source.write_text(SOURCE.format(settings=repr({"use_spot": True}), target="vm_gcp",
                                    step_extra=', "orchestrator.vm_gcp": {"use_spot": False}'))
    [(_, files)], diags = compile_source(source, "vm_gcp", options=SHARED)
    header, *tasks = yaml.safe_load_all(files["sky_pipeline.yaml"])
    assert header == {"name": "sky_pipeline"} and [task_steps(t["run"]) for t in tasks] == [["train"], ["evaluate"]]
    assert [t["resources"]["use_spot"] for t in tasks] == [True, False]
    # Each VM gets its own steps' resources, no longer the most of all steps.
    assert [(t["resources"]["cpus"], t["resources"]["memory"], t["resources"].get("accelerators")) for t in tasks] \
        == [("8+", "15+", {"T4": 2}), ("2+", "30+", None)]
    assert not any("one VM" in d.message for d in diags.sorted())


def test_the_chain_file_is_deterministic() -> None:
    assert compile_chain("vm_aws")[0] == compile_chain("vm_aws")[0]


def _compile_warnings(tmp_path: Path, *options: str) -> str:
    """What `pipec compile` of the fixture for vm_aws says (stderr), with `options` (NAME=VALUE)."""
    argv = [sys.executable, "-m", "pipec", "compile", str(FIXTURE), "--target", "vm_aws", "-o", str(tmp_path)]
    proc = subprocess.run([*argv, *(word for option in options for word in ("--option", option))],
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


def test_stores_the_vms_cannot_share_are_reported(tmp_path: Path) -> None:
    """PC307 (the kit's rule for stores that steps on other machines cannot share): a warning for
    a chosen folder artifact store, the kit's one-line notice for the default one; a warning for a
    SQLite metadata store, chosen or default (a later task finds the run only through it). None
    with shared stores."""
    shared = [f"{key}={value}" for key, value in SHARED.items()]
    assert "PC307" not in _compile_warnings(tmp_path, *shared) and "note:" not in _compile_warnings(tmp_path, *shared)
    said = _compile_warnings(tmp_path, "artifact_store=/mnt/artifacts", shared[1])
    assert said.count("PC307") == 1 and "artifact store `/mnt/artifacts` is a folder" in said
    said = _compile_warnings(tmp_path, shared[0], "metadata_store=sqlite:////tmp/m.db")
    assert said.count("PC307") == 1 and "`sqlite:////tmp/m.db` is a SQLite file" in said
    said = _compile_warnings(tmp_path)
    assert said.count("PC307") == 1 and "default metadata store" in said
    assert "note: artifacts go to the default folder" in said


def test_launch_settings_are_reported_for_a_chain(tmp_path: Path) -> None:
    """`sky jobs launch` takes no cluster_name / down / autostop: reported, not silently dropped."""
    source = tmp_path / "sky_run.py"
    source.write_text(SOURCE.format(settings=repr({"cluster_name": "c1", "down": False}), target="vm_aws",
                                    step_extra=', "orchestrator.vm_aws": {"use_spot": True}'))
    _, diags = compile_source(source, "vm_aws", options=SHARED)
    assert any(d.code == "PC304" and "`cluster_name`, `down`" in d.message and "managed job" in d.message
               for d in diags.sorted())


# --------------------------------------------------------------------------- broken chains


def _swapped(documents: list) -> list:
    """The GPU task before the task that runs its upstream step `load`."""
    header, first, second, third = copy.deepcopy(documents)
    return [header, second, first, third]


def _unknown_accelerator(documents: list) -> list:
    broken = copy.deepcopy(documents)
    broken[2]["resources"]["accelerators"] = {"NOSUCHGPU": 1}
    return broken


def _step_dropped(documents: list) -> list:
    broken = copy.deepcopy(documents)
    broken[3]["run"] = broken[3]["run"].replace(" --step report", "")
    return broken


def _other_plan(documents: list) -> list:
    broken = copy.deepcopy(documents)
    broken[3]["envs"]["PIPEC_PLAN"] = broken[3]["envs"]["PIPEC_PLAN"].replace('"stats"', '"stats2"')
    return broken


BROKEN = {"tasks out of order": (_swapped, "out of order"),
          "unknown accelerator": (_unknown_accelerator, "no accelerator `NOSUCHGPU`"),
          "a step in no task": (_step_dropped, "runs no step"),
          "tasks with different plans": (_other_plan, "different plans")}


@pytest.mark.parametrize("name", list(BROKEN))
def test_pipecs_chain_check_refuses_a_broken_chain(name: str) -> None:
    edit, word = BROKEN[name]
    problems = chain_problems(edit(_documents("vm_aws")))
    assert problems and any(word in problem for problem in problems), problems


# --------------------------------------------------------------------------- SkyPilot's loader


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict[str, dict]:
    """SkyPilot's verdict on each target's chain and on each broken copy (one side run)."""
    folder = tmp_path_factory.mktemp("chains")
    paths = []
    for target in TARGETS:
        paths.append(folder / f"{target}.yaml")
        paths[-1].write_text(compile_chain(target)[0], encoding="utf-8")
    for index, (edit, _) in enumerate(BROKEN.values()):
        paths.append(folder / f"broken{index}.yaml")
        paths[-1].write_text(yaml.safe_dump_all(edit(_documents("vm_aws")), sort_keys=False), encoding="utf-8")
    results = side_checks(paths, tmp_path_factory.mktemp("home"))
    return {Path(file).stem: result for file, result in results.items()}


@pytest.mark.parametrize("target", TARGETS)
def test_skypilots_chain_loader_reads_every_task_in_order(target: str, loaded: dict) -> None:
    result = loaded[target]
    assert result["checks"]["load_chain_dag"] is None, result["checks"]
    # `sky launch` (one task) does not take a chain: only `sky jobs launch` runs it.
    assert result["checks"]["from_yaml"] is not None
    _, *tasks = _documents(target)
    read = result["tasks"]
    assert [t["name"] for t in read] == [t["name"] for t in tasks]
    assert [t["run"] for t in read] == [t["run"] for t in tasks] and [t["envs"] for t in read] == [t["envs"] for t in tasks]
    assert [t["cloud"].lower() for t in read] == [target.removeprefix("vm_")] * 3
    assert [t["accelerators"] for t in read] == [None, {"T4": 1}, None]
    assert [t["use_spot"] for t in read] == [True, False, True] and read[0]["cpus"] == "8+"


def test_skypilot_accepts_what_pipecs_chain_check_refuses(loaded: dict) -> None:
    """Every broken copy loads: only pipec's check stands between it and a failed launch."""
    for index in range(len(BROKEN)):
        assert loaded[f"broken{index}"]["checks"]["load_chain_dag"] is None, loaded[f"broken{index}"]["checks"]
