"""The reference checker (`pipec.targets.kfp_spec.references`): silent on every golden spec
and on kfp's own compiler output, and it catches each kind of broken reference."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from pipec.targets.kfp_spec.references import check_references
from tests.helpers.kfp_side import file_kind, golden_files, load_spec, rel

SPEC_FILES = [p for p in golden_files("kubeflow") + golden_files("vertex") if file_kind(p) in ("kubeflow", "vertex")]
BASE = Path(__file__).parents[2] / "golden" / "zenml_new_api" / "kubeflow" / "model_selection.yaml"


@pytest.mark.parametrize("path", SPEC_FILES, ids=rel)
def test_golden_spec_references_are_consistent(path: Path) -> None:
    """componentRef, executorLabel, dependentTasks, inputs and placeholders all resolve; no cycle."""
    spec, platform = load_spec(path)
    assert check_references(spec, platform) == []


def _tasks(spec: dict) -> dict:
    return spec["root"]["dag"]["tasks"]


def _artifact_source(spec: dict, task: str, name: str) -> dict:
    return _tasks(spec)[task]["inputs"]["artifacts"][name]["taskOutputArtifact"]


def _args(spec: dict, executor: str) -> list[str]:
    return spec["deploymentSpec"]["executors"][executor]["container"]["args"]


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
        lambda s: _artifact_source(s, "describe", "dataset").update(producerTask="nope"), "producerTask 'nope'"),
    "producerTask missing from dependentTasks": (
        lambda s: _tasks(s)["describe"].setdefault("inputs", {}).setdefault("parameters", {}).update(
            x={"taskOutputParameter": {"producerTask": "split-data", "outputParameterKey": "o"}}),
        "missing from dependentTasks"),
    "artifact producer missing from dependentTasks": (
        lambda s: _tasks(s)["write-report"]["dependentTasks"].remove("describe"),
        "producerTask 'describe' is missing from dependentTasks"),
    "outputArtifactKey the producer does not declare": (
        lambda s: _artifact_source(s, "write-report", "n_rows").update(outputArtifactKey="output_9"),
        "'describe' declares no output 'output_9'"),
    "producer's output artifact removed": (
        lambda s: s["components"]["comp-describe"]["outputDefinitions"]["artifacts"].pop("output_0"),
        "'describe' declares no output 'output_0'"),
    "input artifact the component does not declare": (
        lambda s: _tasks(s)["write-report"]["inputs"]["artifacts"].update(
            extra={"taskOutputArtifact": {"producerTask": "describe", "outputArtifactKey": "output_1"}}),
        "input artifact 'extra' is not declared by 'comp-write-report'"),
    "declared input artifact not given": (
        lambda s: _tasks(s)["write-report"]["inputs"]["artifacts"].pop("n_rows"),
        "required input artifact 'n_rows' of 'comp-write-report' is not given"),
    "input artifact of another type": (
        lambda s: s["components"]["comp-write-report"]["inputDefinitions"]["artifacts"]["n_rows"].update(
            artifactType={"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"}),
        "'n_rows' is a system.Dataset but 'describe' writes a system.Artifact"),
    "placeholder naming an undeclared input artifact": (
        lambda s: _args(s, "exec-describe").append("{{$.inputs.artifacts['nope'].path}}"),
        "names an undeclared input artifact"),
    "placeholder naming an undeclared output artifact": (
        lambda s: _args(s, "exec-describe").append("{{$.outputs.artifacts['nope'].path}}"),
        "names an undeclared output artifact"),
    "output artifact the executor never writes": (
        lambda s: _args(s, "exec-describe").remove("output_1={{$.outputs.artifacts['output_1'].path}}"),
        "declares output artifact 'output_1', which its executor is never given a path to write"),
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


def test_whole_executor_input_placeholder_writes_every_output() -> None:
    """`{{$}}` (kfp's Python components) hands the executor every output path: no false alarm."""
    spec, platform = load_spec(BASE)
    args = _args(spec, "exec-describe")
    args.remove("output_1={{$.outputs.artifacts['output_1'].path}}")
    args.append("{{$}}")
    assert check_references(spec, platform) == []


def test_checker_catches_platform_config_for_a_missing_executor() -> None:
    """A platform spec entry must configure an executor of the spec."""
    spec, _ = load_spec(BASE)
    problems = check_references(spec, ["exec-nope"])
    assert problems == ["platform spec configures executor 'exec-nope', which does not exist"]
