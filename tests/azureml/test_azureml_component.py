"""A pipeline parameter without a value (its run script computes it) makes the azureml file a
pipeline component, which azure-ai-ml loads and validates; `pipec submit` turns it into the
pipeline job that runs it with the ``--param`` values, serialized by the SDK itself.

A pipeline job cannot declare an input without a value (azure-ai-ml's ``load_job`` refuses
``{type: string}`` as a job input), so the component is the form that keeps the pipeline
compilable; a scheduled pipeline needs a job, so there it stays an error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipec.compiler import api
from pipec.compiler.driver import compile_targets
from pipec.targets.azureml.references import check_references
from pipec.targets.azureml.submit import job_from_component
from pipec.targets.base import SubmitError
from tests.helpers.side_env import run_side

SOURCE = '''\
{imports}


@step
def load(dataset_id: str, n: int) -> int:
    return n


@step
def train(x: int, seed: int) -> None:
    print(x, seed)


@pipeline{decorator}
def training(dataset_id: str, seed: int, n: int = 3):
    train(load(dataset_id, n), seed)
'''


def _compile(folder: Path, decorator: str = ""):
    path = folder / "training_pipeline.py"
    imports = "from pipec import Schedule, pipeline, step" if decorator else "from zenml import pipeline, step"
    path.write_text(SOURCE.format(imports=imports, decorator=decorator), encoding="utf-8")
    result = api.load(path)
    files, diags = compile_targets(result, ["azureml"], {})
    return path, files, diags


def _side(script: str, *args: str, stdin: str | None = None) -> str:
    return run_side("azureml", f"tests/azureml/{script}", *args, stdin=stdin)


def test_required_parameters_make_a_component_with_typed_inputs(tmp_path: Path) -> None:
    _, files, diags = _compile(tmp_path)
    assert not diags.has_errors
    assert sorted(d.code for d in diags if d.code == "PC331") == ["PC331", "PC331"]
    (name, text), = files.items()
    assert name.endswith("training.component.yaml")
    doc = yaml.safe_load(text)
    assert doc["type"] == "pipeline" and doc["name"] == "training" and "settings" not in doc
    assert doc["inputs"] == {"dataset_id": {"type": "string"}, "seed": {"type": "string"},
                             "n": {"type": "string", "default": "3"}}
    assert check_references(doc) == []


def test_azure_ai_ml_loads_the_component_and_rejects_a_broken_copy(tmp_path: Path) -> None:
    _, files, _ = _compile(tmp_path)
    (text,) = files.values()
    good = tmp_path / "training.component.yaml"
    good.write_text(text, encoding="utf-8")
    doc = yaml.safe_load(text)
    doc["jobs"]["train"]["inputs"]["pipec_param_seed"] = "${{parent.inputs.nope}}"
    bad = tmp_path / "broken.component.yaml"
    bad.write_text(yaml.safe_dump(doc), encoding="utf-8")
    verdicts = {r["file"]: r["checks"] for r in map(json.loads, _side("azureml_proofs.py", str(good), str(bad))
                                                        .splitlines()) if r}
    assert verdicts[str(good)] == {"load_component": None, "validate": None}
    assert verdicts[str(bad)]["load_component"] and "nope" in verdicts[str(bad)]["load_component"]


def test_submit_runs_the_component_as_a_job_with_the_values(tmp_path: Path) -> None:
    path, files, _ = _compile(tmp_path)
    (text,) = files.values()
    reply = json.loads(_side("azureml_request.py", stdin=json.dumps(
        {"example": str(path), "parameters": {"dataset_id": "ds-1", "seed": 7}, "compute": "gpu-cluster"}))
        .splitlines()[-1])
    body = reply["body"]["properties"]
    assert body["jobType"] == "Pipeline"
    assert {k: v["value"] for k, v in body["inputs"].items()} == {"dataset_id": "ds-1", "seed": "7", "n": "3"}
    assert body["settings"]["default_compute"] == "gpu-cluster"
    compiled = yaml.safe_load(text)
    assert list(body["jobs"]) == list(compiled["jobs"])
    for name, job in compiled["jobs"].items():
        assert yaml.safe_load(body["jobs"][name]["componentId"])["command"] == job["command"]


def test_submit_without_a_required_value_names_it(tmp_path: Path) -> None:
    _, files, _ = _compile(tmp_path)
    (text,) = files.values()
    with pytest.raises(SubmitError, match=r"`seed` has no value: give --param seed=\.\.\."):
        job_from_component(yaml.safe_load(text), {"dataset_id": "x"}, None)


def test_a_scheduled_pipeline_still_needs_every_value(tmp_path: Path) -> None:
    _, _, diags = _compile(tmp_path, decorator='(schedule=Schedule(cron="0 3 * * *"))')
    errors = [d for d in diags if d.severity == "error"]
    assert [d.code for d in errors] == ["PC331", "PC331"], [d.message for d in diags]
    assert "scheduled" in errors[0].message
