"""Side by side: examples/zenml_new_api compiled by pipec and, written with kfp's DSL
(`kfp_model_selection.py`), by kfp's own compiler give the same DAG: tasks, dependencies,
images, environment, resources (limits, requests, accelerator), retry policies, caching, the
run-time parameter's wiring and every data edge as a KFP artifact (output definitions, input
definitions, `taskOutputArtifact` producer and key). kfp's output also passes pipec's
reference checker."""

from __future__ import annotations

import re

import pytest
import yaml

from pipec.targets.kfp_spec.references import check_references
from tests.helpers.kfp_side import REPO, load_spec, run_side

#: KFP's local-path placeholder of an input or output artifact.
ARTIFACT_PATH = re.compile(r"\{\{\$\.(?:inputs|outputs)\.artifacts\['[^']+'\]\.path\}\}")
IMAGE = "europe-docker.pkg.dev/pipec/examples/model-selection:1"


def _dag(spec: dict) -> dict[str, dict]:
    """What both compilers must agree on, per task."""
    components = spec["components"]
    executors = spec["deploymentSpec"]["executors"]
    out = {}
    for name, task in spec["root"]["dag"]["tasks"].items():
        component = components[task["componentRef"]["name"]]
        container = executors[component["executorLabel"]]["container"]
        out[name] = {
            "dependentTasks": sorted(task.get("dependentTasks", [])),
            "image": container["image"],
            "env": container.get("env", []),
            "resources": container.get("resources", {}),
            "retryPolicy": task.get("retryPolicy"),
            "inputs": task.get("inputs", {}),
            "inputDefinitions": component.get("inputDefinitions", {}),
            "outputDefinitions": component.get("outputDefinitions", {}),
            # proto3 JSON: kfp omits a false enableCache, pipec writes it.
            "cachingOptions": task.get("cachingOptions", {}).get("enableCache", False),
        }
    return out


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, cli) -> tuple[dict, dict]:
    """(pipec's spec, kfp's spec) of the model-selection pipeline."""
    kfp_spec = next(yaml.safe_load_all(run_side("kfp_model_selection.py", args=[IMAGE])))
    out = tmp_path_factory.mktemp("pipec")
    proc = cli.run(["compile", *cli.example_args("zenml_new_api", relative_to=REPO), "--target", "kubeflow",
                    "--option", f"image={IMAGE}", "--option", "kfp_cache=true", "--out", str(out)])
    assert proc.returncode == 0, proc.stderr
    pipec_spec, _ = load_spec(out / "kubeflow" / "model_selection.yaml")
    return pipec_spec, kfp_spec


def test_same_tasks_and_dependencies(both: tuple[dict, dict]) -> None:
    """The same task names with the same upstream tasks."""
    ours, theirs = (_dag(spec) for spec in both)
    assert {t: d["dependentTasks"] for t, d in ours.items()} == {t: d["dependentTasks"] for t, d in theirs.items()}
    assert len(ours) == 10


@pytest.mark.parametrize("field", ["image", "env", "resources", "retryPolicy", "inputs", "inputDefinitions",
                                   "outputDefinitions", "cachingOptions"])
def test_same_per_task(both: tuple[dict, dict], field: str) -> None:
    """Images, environment, resources, retries, caching, parameter and artifact wiring agree task by task."""
    ours, theirs = (_dag(spec) for spec in both)
    differing = {task: (ours[task][field], theirs[task][field]) for task in ours
                 if ours[task][field] != theirs[task][field]}
    assert not differing, f"{field} differs (pipec, kfp): {differing}"


def test_same_pipeline_inputs(both: tuple[dict, dict]) -> None:
    """The pipeline's run-time parameter: same type and default."""
    ours, theirs = both
    assert ours["root"]["inputDefinitions"] == theirs["root"]["inputDefinitions"]
    assert ours["pipelineInfo"]["name"] == theirs["pipelineInfo"]["name"]


def test_resources_are_not_trivially_equal(both: tuple[dict, dict]) -> None:
    """The comparison covers real settings: GPUs, two CPU sizes and a retry policy are in it."""
    ours = _dag(both[0])
    assert ours["train-forest"]["resources"]["resourceCpuLimit"] == "4"
    assert ours["train-logreg"]["resources"]["accelerator"]["resourceCount"] == "1"
    assert ours["train-logreg"]["retryPolicy"]["maxRetryCount"] == 2
    assert ours["write-report"]["inputs"]["artifacts"]["n_rows"] == {
        "taskOutputArtifact": {"producerTask": "describe", "outputArtifactKey": "output_0"}}
    assert sum(len(d["inputs"].get("artifacts", {})) for d in ours.values()) == 18
    assert [t for t, d in ours.items() if not d["cachingOptions"]] == \
        ["evaluate", "evaluate-2", "write-report"]


def test_same_artifact_placeholders(both: tuple[dict, dict]) -> None:
    """The executors read and write the same artifact paths (pipec's via --input-ref/--output-ref)."""
    def paths(spec: dict) -> dict[str, list[str]]:
        out = {}
        for label, executor in spec["deploymentSpec"]["executors"].items():
            args = executor["container"]["args"]
            out[label] = sorted(ARTIFACT_PATH.findall(" ".join(args)))
        return out

    ours, theirs = paths(both[0]), paths(both[1])
    assert ours == theirs
    assert sum(map(len, ours.values())) == 18 + 14  # inputs + outputs


def test_kfp_output_passes_the_reference_checker(both: tuple[dict, dict]) -> None:
    """No false alarms: the checker accepts what kfp's compiler wrote."""
    assert check_references(both[1]) == []

