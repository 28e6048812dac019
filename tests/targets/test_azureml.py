"""The `azureml` target, by running what it emits through a model of Azure ML.

The model (`tests.helpers.engines.azureml`) resolves the bindings, writes the jobs'
``${{inputs.x}}`` into each command as Azure ML does and runs it with bash and a fake
``python``: the argv equals the runtime shim's own (`step_argv`), for hostile literals
(``${{`` included), for the pipeline inputs as written and as overridden at submission.
azure-ai-ml's own checks are in tests/azureml.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from pipec.compiler import api
from pipec.compiler.driver import compile_targets, select_targets
from pipec.ir.diagnostics import Diagnostics, render_all
from pipec.targets.azureml.names import node_names
from pipec.targets.azureml.text import shell_word
from pipec.targets.base import CompileContext
from pipec.targets.common import step_argv
from tests.helpers.engines.azureml import RUN_ID, UnexpectedExpression, expand, run_command

HOSTILE_PROJECT = '''
from pipec import Docker, Resources, Retry, pipeline, step


@step(docker=Docker(environment={"HOSTILE": "$(id) `id` it's \\"q\\" {{ x }}", "PLAIN": "yes"}))
def produce(text: str, items: list) -> str:
    return text


@step(retry=Retry(max_retries=2, delay=1.5, backoff=2), resources=Resources(gpu=1, cpu=8, memory="64GiB"))
def consume(value: str, note: str, flag: bool, ratio: float, quoted: str) -> str:
    return value + note


@pipeline(name="p ${{ name }} 'q'")
def hostile(note: str = "${{ parent.inputs.x }} $(id) `id` \\"q\\" yes }}", items: list = ["${{ x }}", "on"],
            flag: bool = True, ratio: float = 0.25, quoted: str = "it's"):
    v = produce(text="${{inputs.text}} ${{ outputs.x }}", items=items, id="Make ${{ name }}")
    consume(v, note=note, flag=flag, ratio=ratio, quoted=quoted, id="use it")
'''


def _project(tmp_path: Path, source: str) -> Path:
    root = tmp_path / "proj"
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "run.py").write_text(source)
    return root / "run.py"


def _compile(entry: Path, options: dict[str, str] | None = None, errors: bool = False):
    """(files, pipeline, diagnostics) for the single pipeline of `entry`."""
    result = api.load(entry)
    assert not result.diagnostics.has_errors, render_all(result.diagnostics, result.root)
    files, diags = compile_targets(result, ["azureml"], options or {})
    assert diags.has_errors == errors, render_all(diags, result.root)
    return files, result.program.pipelines[0], diags


def _job_file(files: dict[str, str]) -> dict:
    (text,) = [t for name, t in files.items() if not name.endswith(".schedule.yaml")]
    return yaml.safe_load(text)


def _expected_argv(pipeline, step, options: dict[str, str], values: dict[str, str]) -> list[str]:
    (selected,) = select_targets(["azureml"], options, Diagnostics())
    context = CompileContext(options=dict(selected.options))
    return step_argv(pipeline, step, context, run_id=RUN_ID, parameter_placeholders=values,
                     placeholder_encoding="text")


def _check_round_trip(files, pipeline, tmp_path: Path, overrides: dict[str, str] | None = None) -> dict:
    document = _job_file(files)
    nodes = node_names([s.id for s in pipeline.steps])
    values = {k: str(v) for k, v in (document.get("inputs") or {}).items()} | (overrides or {})
    for step in pipeline.steps:
        (argv,) = [c for c in run_command(document, nodes[step.id], tmp_path, overrides) if c[0] == "python"]
        assert argv == _expected_argv(pipeline, step, {}, values), step.id
    return document


def test_hostile_literals_and_inputs_reach_the_shim_exactly(tmp_path: Path) -> None:
    files, pipeline, diags = _compile(_project(tmp_path, HOSTILE_PROJECT))
    document = _check_round_trip(files, pipeline, tmp_path)
    # ${{ only where pipec means it: the job's own inputs and the parent's bindings
    for job in document["jobs"].values():
        expand(job["command"], {f"inputs.{k}": "" for k in job.get("inputs") or {}})
    assert "display_name" not in document  # the pipeline name holds ${{
    # `note`'s and `items`' defaults hold ${{ and `quoted`'s a quote: baked in, with a warning each
    assert document["inputs"] == {"flag": "true", "ratio": "0.25"}
    baked = [d for d in diags if d.code == "PC330"]
    assert sorted(d.message.split("`")[1] for d in baked) == ["items", "note", "quoted"]


def test_inputs_given_at_submission_reach_the_shim(tmp_path: Path) -> None:
    files, pipeline, _ = _compile(_project(tmp_path, HOSTILE_PROJECT))
    _check_round_trip(files, pipeline, tmp_path, {"ratio": "0.5", "flag": "false"})


def test_the_model_fails_on_an_expression_pipec_did_not_mean() -> None:
    with pytest.raises(UnexpectedExpression):
        expand("echo ${{name}}", {"inputs.x": "1"})


def test_shell_words_never_hold_an_expression() -> None:
    for text in ("${{", "$${{x}}", "a'${{'b", "${{ inputs.x }}", "}}${{"):
        word = shell_word(text)
        assert "${{" not in word
        out = subprocess.run(["/bin/bash", "-c", f"printf %s {word}"], capture_output=True, text=True).stdout
        assert out == text


def test_ordering_retry_gpu_and_settings(tmp_path: Path) -> None:
    files, pipeline, diags = _compile(_project(tmp_path, HOSTILE_PROJECT))
    jobs = _job_file(files)["jobs"]
    make, use = node_names(["Make ${{ name }}", "use it"]).values()
    assert jobs[make]["outputs"] == {"pipec_done": {"type": "uri_folder"}}
    assert jobs[use]["inputs"][f"pipec_after_{make}"] == f"${{{{parent.jobs.{make}.outputs.pipec_done}}}}"
    assert jobs[use]["resources"] == {"instance_count": 1, "instance_type": "Standard_NC12s_v3"}
    assert jobs[make]["environment_variables"]["HOSTILE"].startswith("$(id)")
    assert any(d.code == "PC304" and "retry" in d.message for d in diags)


def test_named_compute_and_settings(tmp_path: Path) -> None:
    source = HOSTILE_PROJECT.replace("@step(retry=", "@step(settings={'orchestrator.azureml': "
                                     "{'compute_name': 'gpu-cluster', 'instance_count': 2}}, retry=")
    files, pipeline, _ = _compile(_project(tmp_path, source), {"compute": "cpu-cluster"})
    document = _job_file(files)
    assert document["settings"]["default_compute"] == "azureml:cpu-cluster"
    jobs = list(document["jobs"].values())
    assert jobs[0]["compute"] == "azureml:cpu-cluster" and jobs[0]["resources"] == {"instance_count": 1}
    assert jobs[1]["compute"] == "azureml:gpu-cluster" and jobs[1]["resources"] == {"instance_count": 2}


def test_bad_settings_and_expressions_in_environment_are_errors(tmp_path: Path) -> None:
    source = HOSTILE_PROJECT.replace('"PLAIN": "yes"', '"PLAIN": "${{ name }}"').replace(
        "@step(retry=", "@step(settings={'orchestrator.azureml': {'instance_count': 0}}, retry=")
    _, _, diags = _compile(_project(tmp_path, source), errors=True)
    assert {d.code for d in diags if d.severity == "error"} == {"PC396", "PC397"}


def test_resources_no_vm_fits(tmp_path: Path) -> None:
    source = HOSTILE_PROJECT.replace('cpu=8, memory="64GiB"', 'cpu=500')
    _, _, diags = _compile(_project(tmp_path, source), errors=True)
    assert [d.code for d in diags if d.severity == "error"] == ["PC398"]


def test_schedules(tmp_path: Path) -> None:
    for schedule, trigger in (('Schedule(cron="0 6 * * 1")', {"type": "cron", "expression": "0 6 * * 1"}),
                              ("Schedule(interval_second=90)",
                               {"type": "recurrence", "frequency": "minute", "interval": 2})):
        source = HOSTILE_PROJECT.replace("\"p ${{ name }} 'q'\"", f"'sched', schedule={schedule}").replace(
            "from pipec import Docker,", "from pipec import Schedule, Docker,")
        files, _, diags = _compile(_project(tmp_path / trigger["type"], source))
        document = yaml.safe_load(files["azureml/sched.schedule.yaml"] if "azureml/sched.schedule.yaml" in files
                                  else files["sched.schedule.yaml"])
        assert document["trigger"] == {**trigger, "time_zone": "UTC"}
        assert document["create_job"] == "./sched.yaml"
        assert (trigger["type"] == "recurrence") == any("whole minutes" in d.message for d in diags)
