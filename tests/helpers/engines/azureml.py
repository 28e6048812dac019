"""Azure ML: what a pipeline job's command job hands the process its command starts.

Azure ML resolves each job's input bindings (``${{parent.inputs.x}}`` to the pipeline
input's value, ``${{parent.jobs.j.outputs.o}}`` to the mounted path of that output), writes
every ``${{inputs.x}}`` / ``${{outputs.o}}`` of the command as the input's value or the
output's path (text as it is, no quoting), and runs the result with bash in the job's
environment (its ``environment_variables`` plus ``AZUREML_ROOT_RUN_ID``, the pipeline job's
id). Any other ``${{...}}`` in a command or binding is an expression pipec did not mean to
write: the model fails on it.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from pipec.ir import Pipeline
from tests.helpers.engines.github import make_fakebin

#: The pipeline job's id in the model (``AZUREML_ROOT_RUN_ID``).
RUN_ID = "azureml-run-0d9e8f7a"
#: One compile per proof: the target's defaults.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = ({},)

_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


class UnexpectedExpression(AssertionError):
    """An expression the compiler did not mean to write, or a binding to nothing."""


def expand(text: str, values: dict[str, str]) -> str:
    """`text` with each ``${{key}}`` replaced by ``values[key]`` (key trimmed); any other fails."""
    def one(match: re.Match) -> str:
        key = match.group(1).strip()
        if key not in values:
            raise UnexpectedExpression(f"Azure ML cannot resolve `${{{{{match.group(1)}}}}}` in {text!r}")
        return values[key]
    return _EXPRESSION.sub(one, text)


def job_inputs(document: dict, name: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """``{input: value or path}`` of job `name`, its bindings resolved against the pipeline's
    inputs (`overrides` as ``--set inputs.x=...`` gives them) and the other jobs' outputs."""
    pipeline_inputs = {k: str(v) for k, v in (document.get("inputs") or {}).items()} | (overrides or {})
    known = {f"parent.inputs.{k}": v for k, v in pipeline_inputs.items()}
    for job_name, job in document["jobs"].items():
        for output in job.get("outputs") or {}:
            known[f"parent.jobs.{job_name}.outputs.{output}"] = f"/mnt/azureml/{job_name}/{output}"
    job = document["jobs"][name]
    return {key: expand(str(value), known) for key, value in (job.get("inputs") or {}).items()}


def command_text(document: dict, name: str, overrides: dict[str, str] | None = None) -> str:
    """Job `name`'s command as the shell gets it."""
    job = document["jobs"][name]
    values = {f"inputs.{k}": v for k, v in job_inputs(document, name, overrides).items()}
    values.update({f"outputs.{k}": f"/mnt/azureml/outputs/{k}" for k in job.get("outputs") or {}})
    return expand(job["command"], values)


def run_command(document: dict, name: str, tmp_path: Path, overrides: dict[str, str] | None = None) -> list[list[str]]:
    """Run job `name`'s command with bash and a fake ``python``; the argvs it was called with."""
    fakebin = tmp_path / "fakebin"
    if not fakebin.exists():
        make_fakebin(tmp_path)
    log = tmp_path / "log.jsonl"
    log.write_text("")
    job = document["jobs"][name]
    env = {**{k: str(v) for k, v in (job.get("environment_variables") or {}).items()},
           "PATH": str(fakebin), "AZUREML_ROOT_RUN_ID": RUN_ID, "PIPEC_TEST_LOG": str(log), "PIPEC_TEST_CODES": ""}
    proc = subprocess.run(["/bin/bash", "-c", command_text(document, name, overrides)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


def step_argvs(text: str, pipeline: Pipeline, tmp_path: Path) -> list[list[str]]:
    """The argv every job hands ``python``, in job order, with the pipeline inputs as written."""
    document = yaml.safe_load(text)
    argvs = []
    for name in document["jobs"]:
        argvs += [call for call in run_command(document, name, tmp_path) if call[0] == "python"]
    return argvs
