"""`pipec submit --target sagemaker` against a real moto server on 127.0.0.1.

moto implements the SageMaker pipeline API (create/update/describe, start and describe
executions) without running anything: an execution is "Succeeded" at once. The server is
started and stopped by the module fixture on a free port; credentials are fake values in
the environment of the `pipec` process, with AWS config files switched off.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipec.compiler import api
from pipec.compiler.driver import compile_targets
from tests.helpers import requires
from tests.helpers.servers import free_port, moto_endpoint

REPO = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/pipec-sagemaker"
STORE = "s3://pipec-artifacts/runs"
REGION = "eu-west-1"


def _aws_env(**overrides: str) -> dict[str, str]:
    """This environment without AWS settings, with fake credentials and no AWS config files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1",
               PYTHONIOENCODING="utf-8")
    env.update(overrides)
    return env


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A moto server on a free port of 127.0.0.1, stopped at the end of the module."""
    requires.module("moto.server")
    with moto_endpoint() as url:
        yield url


@pytest.fixture(scope="module")
def sagemaker(endpoint: str) -> Any:
    """A boto3 SageMaker client of the same server, to look at what submit did."""
    import boto3

    return boto3.client("sagemaker", region_name=REGION, endpoint_url=endpoint, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def _submit(case: str, endpoint: str, *extra: str, env: dict[str, str] | None = None,
            options: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    chosen = {"role_arn": ROLE, "artifact_store": STORE, "endpoint_url": endpoint, "region": REGION,
              **(options or {})}
    argv = [sys.executable, "-m", "pipec", "submit", f"examples/{case}/run.py", "--target", "sagemaker",
            *[a for k, v in chosen.items() for a in ("--option", f"{k}={v}")], *extra]
    return subprocess.run(argv, cwd=REPO, env=env or _aws_env(), capture_output=True, text=True, encoding="utf-8",
                          timeout=180)


def _definition(case: str, **params: str) -> str:
    result = api.load(REPO / "examples" / case / "run.py", params=params)
    files, diags = compile_targets(result, ["sagemaker"], {"role_arn": ROLE, "artifact_store": STORE,
                                                          "region": REGION})
    assert not diags.has_errors
    return files[f"sagemaker/{result.program.pipelines[0].name}.json"]


def _report(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_submit_creates_then_updates_and_starts(endpoint: str, sagemaker: Any) -> None:
    """First submit creates the pipeline, the second updates it; each starts an execution."""
    first = _report(_submit("diamond", endpoint))
    arn, run_id = first["engine_run_id"], first["run_id"]
    assert arn.startswith(f"arn:aws:sagemaker:{REGION}:") and arn.endswith(f":pipeline/diamond/execution/{run_id}")
    assert first["url"] == (f"https://{REGION}.console.aws.amazon.com/sagemaker/home?region={REGION}"
                            f"#/pipelines/diamond/executions/{run_id}")
    assert first["status"] == "completed" and first["target"] == "sagemaker"
    described = sagemaker.describe_pipeline(PipelineName="diamond")
    assert described["PipelineDefinition"] == _definition("diamond") and described["RoleArn"] == ROLE
    params = sagemaker.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)["PipelineParameters"]
    assert params == [{"Name": "n", "Value": "10"}, {"Name": "factor", "Value": "1.5"}]

    second = _report(_submit("diamond", endpoint, "--param", "n=5", "--no-wait"))
    assert second["engine_run_id"] != arn
    described = sagemaker.describe_pipeline(PipelineName="diamond")
    assert described["PipelineDefinition"] == _definition("diamond", n="5")
    assert json.loads(described["PipelineDefinition"])["Parameters"][0] == {"Name": "n", "Type": "Integer",
                                                                            "DefaultValue": 5}
    executions = sagemaker.list_pipeline_executions(PipelineName="diamond")["PipelineExecutionSummaries"]
    assert {e["PipelineExecutionArn"] for e in executions} == {arn, second["engine_run_id"]}


def test_hostile_strings_reach_sagemaker_unchanged(endpoint: str, sagemaker: Any) -> None:
    """The stored definition parses back to pipec's, and the parameter value arrives exactly."""
    report = _report(_submit("hostile_strings", endpoint, "--no-wait"))
    stored = sagemaker.describe_pipeline(PipelineName="hostile-strings")["PipelineDefinition"]
    assert json.loads(stored) == json.loads(_definition("hostile_strings"))
    params = sagemaker.list_pipeline_parameters_for_execution(PipelineExecutionArn=report["engine_run_id"])
    assert params["PipelineParameters"] == [{"Name": "note", "Value": "it's a \"test\"; echo $USER"}]
    assert "/pipelines/hostile-strings/executions/" in report["url"]


@pytest.mark.parametrize(("options", "message"), [
    ({"role_arn": "arn:aws:iam::000000000000:role/pipec-set-the-role_arn-option"}, "no IAM role"),
    ({"artifact_store": "/pipec/artifacts"}, "is a folder inside each job"),
])
def test_submit_refuses_what_cannot_run(endpoint: str, options: dict[str, str], message: str) -> None:
    proc = _submit("diamond", endpoint, options=options)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_submit_without_credentials_or_server_fails_cleanly(endpoint: str) -> None:
    env = _aws_env()
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    proc = _submit("diamond", endpoint, env=env)
    assert proc.returncode == 2 and "no AWS credentials" in proc.stderr and "Traceback" not in proc.stderr
    closed = f"http://127.0.0.1:{free_port()}"  # a port nothing listens on
    proc = _submit("diamond", closed, env=_aws_env(AWS_MAX_ATTEMPTS="1"), options={"endpoint_url": closed})
    assert proc.returncode == 2 and "CreatePipeline" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
