"""`pipec submit --target azureml`: the request is the SDK's own serialization of the compiled job.

The side environment builds the job exactly as `submit` does (`load_pipeline_job`: the job
file plus ``--param`` values as ``inputs.x`` overrides) and serializes it with azure-ai-ml
(the body ``MLClient.jobs.create_or_update`` sends); the body must carry the compiled
commands, images, bindings and settings unchanged and the new input values. No workspace
is contacted (there are no credentials here), so creating the job is not faked either.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from pipec.compiler import api
from pipec.targets.azureml.submit import _client, input_overrides
from pipec.targets.base import SubmitError
from tests.helpers import requires

REPO = Path(__file__).resolve().parents[2]


def _request(example: str, parameters: dict) -> dict:
    proc = subprocess.run([str(requires.side_python("azureml")), str(REPO / "tests/azureml/azureml_request.py")],
                          input=json.dumps({"example": example, "parameters": parameters}), capture_output=True,
                          text=True, timeout=600, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_the_request_body_is_the_compiled_job_with_the_new_inputs() -> None:
    reply = _request("examples/diamond/run.py", {"n": 7, "factor": 2.5})
    (text,) = reply["files"].values()
    compiled = yaml.safe_load(text)
    body = reply["body"]["properties"]
    assert body["jobType"] == "Pipeline"
    assert {k: v["value"] for k, v in body["inputs"].items()} == {"n": "7", "factor": "2.5"}
    assert body["settings"]["default_compute"] == "serverless" and body["settings"]["force_rerun"] is True
    assert list(body["jobs"]) == list(compiled["jobs"])
    for name, job in compiled["jobs"].items():
        sent = body["jobs"][name]
        component = yaml.safe_load(sent["componentId"])
        assert component["command"] == job["command"]
        assert component["environment"]["image"] == job["environment"]["image"]
        assert {k: v["value"] for k, v in (sent.get("inputs") or {}).items()} == (job.get("inputs") or {})
        assert set(sent.get("outputs") or {}) == set(job.get("outputs") or {})
        assert sent["resources"] == job["resources"]


def _diamond():
    (pipeline,) = api.load(REPO / "examples/diamond/run.py").program.pipelines
    return pipeline, yaml.safe_load((REPO / "golden/diamond/azureml/diamond.yaml").read_text())


def test_param_values_become_input_overrides_in_the_shims_text() -> None:
    pipeline, job = _diamond()
    assert input_overrides(pipeline, job, {"n": 7, "factor": 2.5}) == [{"inputs.n": "7"}, {"inputs.factor": "2.5"}]


@pytest.mark.parametrize("parameters, word", [({"nope": 1}, "not an input"), ({"n": "it's"}, "single quote")])
def test_values_the_job_cannot_take_are_refused(parameters: dict, word: str) -> None:
    pipeline, job = _diamond()
    with pytest.raises(SubmitError, match=word):
        input_overrides(pipeline, job, parameters)


def test_without_the_sdk_submit_says_what_to_install() -> None:
    try:
        import azure.ai.ml  # noqa: F401
    except ImportError:
        with pytest.raises(SubmitError, match="pipec\\[azureml\\]"):
            _client({})
    else:
        pytest.skip("azure-ai-ml is installed in this environment")
