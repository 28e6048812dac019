"""SkyPilot's own loaders accept every golden task of vm_aws / vm_gcp / vm_azure and read back
exactly what the file says (hostile text included), and reject broken copies, each check shown
to catch what it exists for. What SkyPilot only finds at launch (an accelerator no cloud offers,
malformed resources) pipec's own checks catch at compile time.

All files go to `skypilot_proofs.py` in one run of the side environment .venvs/skypilot
(``sky.Task.from_yaml`` and ``dag_utils.load_chain_dag_from_yaml``), offline, HOME in a
temporary folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers.kube_proofs import compile_source
from tests.helpers.side_env import side_json

REPO = Path(__file__).resolve().parents[2]
TARGETS = ("vm_aws", "vm_gcp", "vm_azure")
GOLDEN = sorted(path for target in TARGETS for path in REPO.glob(f"golden/*/{target}/*.yaml"))
DIAMOND = REPO / "golden/diamond/vm_aws/diamond.yaml"
BOTH = ("from_yaml", "load_chain_dag")


def side_checks(paths: list[Path], home: Path) -> dict[str, dict]:
    """The side environment's verdict on `paths`: ``{file: {"checks": ..., "tasks": ...}}``."""
    results = side_json("skypilot", "tests/skypilot/skypilot_proofs.py", *map(str, paths), environ={"HOME": str(home)})
    return {r["file"]: r for r in results}


def _diamond() -> dict:
    return yaml.safe_load(DIAMOND.read_text(encoding="utf-8"))


def _broken_cases() -> dict[str, tuple[dict, str]]:
    """name -> (broken task document, a word both loaders' error holds)."""
    cases = {}
    for name, edit, word in (
            ("unknown resources field", lambda d: d["resources"].update(cpu=2), "cpu"),
            ("unknown cloud", lambda d: d["resources"].update(infra="awz"), "awz"),
            ("malformed disk size", lambda d: d["resources"].update(disk_size="big"), "big"),
            ("run that is not text", lambda d: d.update(run=["python"]), "run"),
            ("envs that are not a mapping", lambda d: d.update(envs=["A=1"]), "envs"),
            ("misspelt task field", lambda d: d.update(nmae="x"), "nmae"),
            ("use_spot that is not a flag", lambda d: d["resources"].update(use_spot="yes"), "use_spot"),
            ("unknown disk tier", lambda d: d["resources"].update(disk_tier="fast"), "fast"),
            ("region beside infra", lambda d: d["resources"].update(region="us-east-1"), "infra"),
            ("docker run options that are not a list", lambda d: d.update(config={"docker": {"run_options": 5}}),
             "config")):
        doc = _diamond()
        edit(doc)
        cases[name] = (doc, word)
    return cases


BROKEN = _broken_cases()


@pytest.fixture(scope="module")
def proofs(tmp_path_factory) -> tuple[dict, dict[str, Path]]:
    """The side environment's verdict on every golden and every broken copy (one run)."""
    folder = tmp_path_factory.mktemp("broken")
    broken: dict[str, Path] = {}
    for index, (name, (doc, _)) in enumerate(BROKEN.items()):
        broken[name] = folder / f"case{index}.yaml"
        broken[name].write_text(yaml.safe_dump(doc), encoding="utf-8")
    unknown = _diamond()
    unknown["resources"]["accelerators"] = {"NOSUCHGPU": 1}
    broken["unknown accelerator"] = folder / "unknown_accelerator.yaml"
    broken["unknown accelerator"].write_text(yaml.safe_dump(unknown), encoding="utf-8")
    results = side_checks([*GOLDEN, *broken.values()], tmp_path_factory.mktemp("home"))
    return results, broken


def test_there_are_goldens_for_each_cloud() -> None:
    assert {p.parent.name for p in GOLDEN} == set(TARGETS) and len(GOLDEN) >= 3 * 10


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: str(p.relative_to(REPO / "golden")))
def test_golden_loads_and_reads_back_exactly(path: Path, proofs) -> None:
    """Both loaders accept the file, and the task they read holds the file's run, envs, name,
    cloud and image exactly (the hostile example's text included)."""
    result = proofs[0][str(path)]
    assert result["checks"] == {"from_yaml": None, "load_chain_dag": None}, result["checks"]
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    [task] = result["tasks"]
    assert task["run"] == doc["run"] and task["envs"] == doc["envs"] and task["name"] == doc["name"]
    assert task["cloud"].lower() == path.parent.name.removeprefix("vm_")
    assert task["image_id"] == {"null": doc["resources"]["image_id"]}
    for field in ("cpus", "memory"):
        assert task[field] == doc["resources"].get(field)
    assert task["accelerators"] == doc["resources"].get("accelerators")


@pytest.mark.parametrize("name", list(BROKEN))
def test_each_loader_rejects_a_broken_copy(name: str, proofs) -> None:
    results, broken = proofs
    checks = results[str(broken[name])]["checks"]
    for loader in BOTH:
        assert checks[loader] is not None, f"{loader} accepted a task with {name}"
        assert BROKEN[name][1] in checks[loader], checks[loader]


def test_skypilot_accepts_an_unknown_accelerator_offline_which_pipec_refuses(proofs, tmp_path: Path) -> None:
    """SkyPilot only finds an accelerator no cloud offers when it launches: pipec's check (PC394)
    refuses it at compile time."""
    results, broken = proofs
    assert results[str(broken["unknown accelerator"])]["checks"] == {"from_yaml": None, "load_chain_dag": None}
    source = tmp_path / "gpu.py"
    source.write_text(GPU_SOURCE.format(settings='{"orchestrator.vm_aws": {"accelerators": "NOSUCHGPU:1"}}'))
    _, diags = compile_source(source, "vm_aws")
    assert [d.code for d in diags.sorted() if d.severity == "error"] == ["PC394"]


GPU_SOURCE = '''
from pipec import pipeline, step


@step
def train() -> int:
    return 1


@pipeline(settings={settings})
def gpu_pipeline():
    train()
'''
