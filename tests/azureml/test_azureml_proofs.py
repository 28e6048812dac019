"""azure-ai-ml's own loader and validation accept every golden azureml file and reject broken
copies (each check shown to catch what it exists for); pipec's reference check catches the
dangling references the SDK lets through.

All files go to `azureml_proofs.py` in one run of the side environment .venvs/azureml
(`load_job` / `load_schedule`, then `PipelineJob._validate()`, offline).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipec.targets.azureml.references import check_references
from tests.helpers.side_env import side_json

REPO = Path(__file__).resolve().parents[2]
GOLDEN = sorted(REPO.glob("golden/*/azureml/*.yaml"))
DIAMOND = REPO / "golden/diamond/azureml/diamond.yaml"
SCHEDULED = REPO / "golden/pipec_project/azureml/weekly_training.schedule.yaml"


def _side_checks(paths: list[Path]) -> dict[str, dict[str, str | None]]:
    return {r["file"]: r["checks"] for r in side_json("azureml", "tests/azureml/azureml_proofs.py", *map(str, paths))}


def _diamond() -> dict:
    return yaml.safe_load(DIAMOND.read_text(encoding="utf-8"))


def _job_cases() -> dict[str, tuple[dict, str, str]]:
    """name -> (broken job document, the check that must fail, a word its error holds)."""
    cases = {}
    doc = _diamond()
    doc["jobs"]["join"]["inputs"]["pipec_after_stats"] = "${{parent.jobs.nope.outputs.pipec_done}}"
    cases["binding to an unknown job"] = (doc, "load_job", "nope")
    doc = _diamond()
    doc["jobs"]["load"]["inputs"]["pipec_param_n"] = "${{parent.inputs.nope}}"
    cases["binding to an unknown pipeline input"] = (doc, "load_job", "nope")
    doc = _diamond()
    doc["jobs"]["Bad-Name"] = doc["jobs"].pop("join")
    cases["node name that is not a lower-case identifier"] = (doc, "load_job", "Bad-Name")
    doc = _diamond()
    doc["jobs"]["load"]["resources"]["instance_count"] = "two"
    cases["instance count that is not a number"] = (doc, "load_job", "instance_count")
    doc = _diamond()
    doc["jobs"]["load"]["type"] = "comand"
    cases["unknown job type"] = (doc, "load_job", "comand")
    doc = _diamond()
    del doc["settings"]
    cases["no compute for serverless jobs"] = (doc, "validate", "Compute not set")
    return cases


JOB_CASES = _job_cases()


@pytest.fixture(scope="module")
def proofs(tmp_path_factory) -> tuple[dict, dict[str, Path]]:
    """The side environment's verdict on every golden and every broken copy (one run)."""
    folder = tmp_path_factory.mktemp("broken")
    broken: dict[str, Path] = {}
    for index, (name, (doc, _, _)) in enumerate(JOB_CASES.items()):
        broken[name] = folder / f"case{index}.yaml"
        broken[name].write_text(yaml.safe_dump(doc), encoding="utf-8")
    (folder / "weekly_training.yaml").write_text((SCHEDULED.parent / "weekly_training.yaml").read_text())
    schedule = yaml.safe_load(SCHEDULED.read_text())
    schedule["trigger"]["type"] = "crontab"
    broken["unknown trigger type"] = folder / "bad_trigger.schedule.yaml"
    broken["unknown trigger type"].write_text(yaml.safe_dump(schedule))
    schedule = yaml.safe_load(SCHEDULED.read_text())
    schedule["trigger"] = {"type": "recurrence", "frequency": "second", "interval": 5}
    broken["recurrence in seconds"] = folder / "seconds.schedule.yaml"
    broken["recurrence in seconds"].write_text(yaml.safe_dump(schedule))
    return _side_checks(GOLDEN + list(broken.values())), broken


def test_every_golden_loads_and_validates_with_azure_ai_ml(proofs) -> None:
    checks, _ = proofs
    assert len(GOLDEN) >= 10
    for path in GOLDEN:
        verdict = checks[str(path)]
        expected = {"load_schedule", "validate"} if path.name.endswith(".schedule.yaml") else {"load_job", "validate"}
        assert set(verdict) == expected and not any(verdict.values()), (path, verdict)


@pytest.mark.parametrize("name", [*JOB_CASES, "unknown trigger type", "recurrence in seconds"])
def test_azure_ai_ml_rejects_a_broken_copy(proofs, name: str) -> None:
    checks, broken = proofs
    verdict = checks[str(broken[name])]
    check, word = (JOB_CASES[name][1:] if name in JOB_CASES else
                   ("load_schedule", "crontab" if name == "unknown trigger type" else "second"))
    assert verdict.get(check) and word in verdict[check], verdict


def test_the_reference_check_passes_every_golden() -> None:
    for path in GOLDEN:
        if not path.name.endswith(".schedule.yaml"):
            assert check_references(yaml.safe_load(path.read_text(encoding="utf-8"))) == [], path


def _blind_case(mutate) -> dict:
    doc = _diamond()
    mutate(doc)
    return doc


#: Broken references azure-ai-ml loads and validates without a word: only pipec's check sees them.
SDK_BLIND = {
    "an output the producer lacks": (lambda d: d["jobs"]["join"]["inputs"].update(
        pipec_after_stats="${{parent.jobs.stats.outputs.nope}}"), "has no output `nope`"),
    "a command input the job lacks": (lambda d: d["jobs"]["load"].update(
        command=d["jobs"]["load"]["command"].replace("inputs.pipec_param_n", "inputs.nope")), "no input `nope`"),
    "a job bound to its own output": (lambda d: d["jobs"]["stats"]["inputs"].update(
        pipec_after_load="${{parent.jobs.stats.outputs.pipec_done}}"), "cycle"),
    "a job without an image": (lambda d: d["jobs"]["load"].update(environment={}), "no image"),
    "a stray expression in a command": (lambda d: d["jobs"]["load"].update(
        command=d["jobs"]["load"]["command"] + " ${{name}}"), "unexpected expression"),
}


@pytest.mark.parametrize("name", sorted(SDK_BLIND))
def test_the_reference_check_catches_what_azure_ai_ml_misses(name: str) -> None:
    mutate, word = SDK_BLIND[name]
    problems = check_references(_blind_case(mutate))
    assert any(word in p for p in problems), problems


def test_azure_ai_ml_indeed_misses_the_blind_cases(tmp_path: Path) -> None:
    paths = []
    for index, name in enumerate(sorted(SDK_BLIND)):
        paths.append(tmp_path / f"blind{index}.yaml")
        paths[-1].write_text(yaml.safe_dump(_blind_case(SDK_BLIND[name][0])))
    checks = _side_checks(paths)
    assert all(not any(checks[str(p)].values()) for p in paths), checks
