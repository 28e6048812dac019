"""Issue 17 item 5: a step's ``settings={"timeout": SECONDS}`` reaches every engine through the
shim's ``--timeout`` and, where the engine has one, its native limit (kit ``step_timeout``),
each proven by that engine's validator: Argo's and Tekton's closed schemas, kubernetes-validate,
check-jsonschema and actionlint for GitHub Actions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from pipec.compiler import api
from pipec.compiler.driver import compile_targets
from pipec.ir.diagnostics import render_all
from pipec.runtime.kubernetes_launcher import job_for_run
from tests.helpers.engines.kubernetes import UID, step_jobs
from tests.targets import test_argo, test_github, test_tekton

SOURCE = textwrap.dedent("""
    from zenml import pipeline, step
    from zenml.config import StepRetryConfig

    @step(settings={"timeout": 90})
    def first() -> int:
        return 1

    @step(settings={"timeout": 120}, retry=StepRetryConfig(max_retries=2, delay=10))
    def second(x: int) -> int:
        return x

    @step
    def third(x: int) -> int:
        return x

    @pipeline
    def timed():
        third(second(first()))
""")

#: Each step's shim --timeout value (the shim enforces it on every engine).
SHIM = {"first": "90", "second": "120"}


def _compile(tmp_path: Path, target: str, options: dict[str, str] | None = None):
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    (root / "pipec.toml").write_text("")
    (root / "run.py").write_text(SOURCE)
    result = api.load(root / "run.py", root=root)
    assert not result.diagnostics.has_errors, render_all(result.diagnostics, result.root)
    files, diags = compile_targets(result, [target], options or {})
    assert not diags.has_errors, render_all(diags, result.root)
    (text,) = files.values()
    return text, [d.message for d in diags]


def _shim_timeouts(argvs: dict[str, list[str]]) -> dict[str, str]:
    return {sid: argv[argv.index("--timeout") + 1] for sid, argv in argvs.items() if "--timeout" in argv}


def test_argo_template_active_deadline(tmp_path: Path) -> None:
    text, _ = _compile(tmp_path, "argo", test_argo.OBJECT_STORE)
    assert test_argo.problems(text, test_argo.validators.__wrapped__()) == []
    (workflow, *_) = yaml.safe_load_all(text)
    templates = {t["name"]: t for t in workflow["spec"]["templates"] if "container" in t}
    assert {name: t.get("activeDeadlineSeconds") for name, t in templates.items()} == {
        "first": "90", "second": "120", "third": None}
    assert _shim_timeouts({n: t["container"]["args"] for n, t in templates.items()}) == SHIM


def test_tekton_task_timeout(tmp_path: Path) -> None:
    text, _ = _compile(tmp_path, "tekton", test_tekton.OBJECT_STORE)
    assert test_tekton.problems(text, test_tekton.validators.__wrapped__()) == []
    pipeline = next(yaml.safe_load_all(text))
    tasks = {t["name"]: t for t in pipeline["spec"]["tasks"]}
    assert {name: t.get("timeout") for name, t in tasks.items()} == {"first": "90s", "second": "120s", "third": None}


@pytest.mark.parametrize("version", ["1.30.0", "1.37.0"])
def test_kubernetes_pod_active_deadline(tmp_path: Path, version: str) -> None:
    text, _ = _compile(tmp_path, "kubernetes")
    jobs = {sid: job_for_run(job, UID) for sid, job in step_jobs(text).items()}
    for job in jobs.values():
        kubernetes_validate.validate(job, version, strict=True)
    assert {sid: job["spec"]["template"]["spec"].get("activeDeadlineSeconds") for sid, job in jobs.items()} == {
        "first": 90, "second": 120, "third": None}
    assert _shim_timeouts({sid: job["spec"]["template"]["spec"]["containers"][0]["args"]
                           for sid, job in jobs.items()}) == SHIM


def test_github_timeout_minutes_cover_every_attempt_and_report_rounding(tmp_path: Path) -> None:
    import subprocess

    text, messages = _compile(tmp_path, "github")
    workflow = tmp_path / "timed.yml"
    workflow.write_text(text)
    for argv in (test_github.check_jsonschema.__wrapped__(), test_github.actionlint.__wrapped__()):
        proc = subprocess.run([*argv, str(workflow)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    jobs = yaml.safe_load(text)["jobs"]
    minutes = {name: job["steps"][-1].get("timeout-minutes") for name, job in jobs.items()}
    # first: 90s -> 2 minutes; second: 3 attempts of 120s + 2 waits of 10s = 380s -> 7 minutes
    assert sorted(m for m in minutes.values() if m is not None) == [2, 7] and list(minutes.values()).count(None) == 1
    assert any("step `second` may run 380s" in m and "7 minutes" in m for m in messages), messages
    assert any("step `first` may run 90s" in m and "2 minutes" in m for m in messages), messages


def test_sagemaker_max_runtime_per_job(tmp_path: Path) -> None:
    import json

    from tests.helpers.engines.sagemaker import environment
    from tests.targets import test_sagemaker

    text, _ = _compile(tmp_path, "sagemaker", {"role_arn": test_sagemaker.ROLE})
    definition = json.loads(text)
    assert test_sagemaker._schema_errors(test_sagemaker._validator(test_sagemaker.patched_schema()), definition) == []
    env = environment(definition)
    runtimes = {}
    for step in definition["Steps"]:
        assert test_sagemaker.api_errors(step, env) == []
        runtimes[step["Name"]] = step["Arguments"]["StoppingCondition"]["MaxRuntimeInSeconds"]
    # third has no timeout: the max_runtime_seconds option's default
    assert sorted(runtimes.values()) == [90, 120, 86400]


def test_azureml_command_job_limits(tmp_path: Path) -> None:
    from tests.helpers.side_env import side_json

    text, _ = _compile(tmp_path, "azureml")
    job = tmp_path / "timed.yaml"
    job.write_text(text)
    (result,) = side_json("azureml", "tests/azureml/azureml_proofs.py", str(job))
    assert all(verdict is None for verdict in result["checks"].values()), result
    jobs = yaml.safe_load(text)["jobs"]
    assert {name: job.get("limits") for name, job in jobs.items()} == {
        "first": {"timeout": 90}, "second": {"timeout": 120}, "third": None}


@pytest.mark.parametrize("target", ["kubeflow", "vertex", "local_docker", "hyperai"])
def test_engines_without_a_native_limit_get_the_shims(tmp_path: Path, target: str) -> None:
    """KFP's pipeline spec has no per-task timeout (Vertex runs the same spec); compose has none:
    the shim's --timeout is the limit there (test_step_timeout proves the shim enforces it)."""
    import re

    text, _ = _compile(tmp_path, target)
    assert sorted(re.findall(r"--timeout[^0-9a-z]+([0-9]+)", text)) == sorted(SHIM.values()), text
