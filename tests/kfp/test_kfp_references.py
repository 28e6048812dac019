"""The reference checker (`pipec.targets.kubeflow.references`): silent on every golden spec
and on kfp's own compiler output, and it catches each kind of broken reference."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from kfp_side import file_kind, golden_files, load_spec, rel

from pipec.targets.kubeflow.references import check_references

SPEC_FILES = [p for p in golden_files("kubeflow") + golden_files("vertex") if file_kind(p) in ("kubeflow", "vertex")]
BASE = Path(__file__).parents[2] / "golden" / "zenml_new_api" / "kubeflow" / "model_selection.yaml"


@pytest.mark.parametrize("path", SPEC_FILES, ids=rel)
def test_golden_spec_references_are_consistent(path: Path) -> None:
    """componentRef, executorLabel, dependentTasks, inputs and placeholders all resolve; no cycle."""
    spec, platform = load_spec(path)
    assert check_references(spec, platform) == []


def _tasks(spec: dict) -> dict:
    return spec["root"]["dag"]["tasks"]


MUTATIONS = {
    "componentRef to a missing component": (
        lambda s: _tasks(s)["describe"]["componentRef"].update(name="comp-nope"), "componentRef 'comp-nope'"),
    "executorLabel to a missing executor": (
        lambda s: s["components"]["comp-describe"].update(executorLabel="exec-nope"), "executorLabel 'exec-nope'"),
    "dependentTasks to a missing task": (
        lambda s: _tasks(s)["describe"]["dependentTasks"].append("nope"), "dependentTasks names 'nope'"),
    "task depending on itself": (
        lambda s: _tasks(s)["describe"]["dependentTasks"].append("describe"), "depends on itself"),
    "cycle": (lambda s: _tasks(s)["load-data"].update(dependentTasks=["pick-winner"]), "dependency cycle"),
    "input from an undeclared pipeline parameter": (
        lambda s: _tasks(s)["split-data"]["inputs"]["parameters"]["test_size"].update(
            componentInputParameter="nope"), "reads 'nope'"),
    "input the component does not declare": (
        lambda s: s["components"]["comp-split-data"]["inputDefinitions"]["parameters"].pop("test_size"),
        "is not declared by 'comp-split-data'"),
    "placeholder naming an undeclared input": (
        lambda s: s["deploymentSpec"]["executors"]["exec-describe"]["container"]["args"].append(
            "x={{$.inputs.parameters['nope']}}"), "undeclared input parameter"),
    "unknown placeholder": (
        lambda s: s["deploymentSpec"]["executors"]["exec-describe"]["container"]["args"].append("{{$.nope}}"),
        "unknown placeholder"),
    "producerTask that is not a task": (
        lambda s: _tasks(s)["describe"].setdefault("inputs", {}).setdefault("artifacts", {}).update(
            x={"taskOutputArtifact": {"producerTask": "nope", "outputArtifactKey": "o"}}), "producerTask 'nope'"),
    "producerTask missing from dependentTasks": (
        lambda s: _tasks(s)["describe"].setdefault("inputs", {}).setdefault("parameters", {}).update(
            x={"taskOutputParameter": {"producerTask": "split-data", "outputParameterKey": "o"}}),
        "missing from dependentTasks"),
    "component nobody uses": (lambda s: s["components"].update({"comp-extra": {"executorLabel": "exec-describe"}}),
                              "used by no task"),
    "executor nobody uses": (lambda s: s["deploymentSpec"]["executors"].update({"exec-extra": {}}),
                             "used by no component"),
    "invalid pipeline name": (lambda s: s["pipelineInfo"].update(name="Model Selection"), "pipelineInfo.name"),
}


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_checker_catches(case: str) -> None:
    """A spec broken in one way yields a problem that says so."""
    spec, platform = load_spec(BASE)
    assert check_references(spec, platform) == []
    broken = copy.deepcopy(spec)
    mutate, expected = MUTATIONS[case]
    mutate(broken)
    problems = check_references(broken, platform)
    assert any(expected in problem for problem in problems), problems


def test_checker_catches_platform_config_for_a_missing_executor() -> None:
    """A platform spec entry must configure an executor of the spec."""
    spec, _ = load_spec(BASE)
    problems = check_references(spec, ["exec-nope"])
    assert problems == ["platform spec configures executor 'exec-nope', which does not exist"]
