"""What a task really runs, after Airflow rendered its templates.

- kubernetes: `build_pod_request_obj` (dummy kubeconfig, never contacted) gives each task's pod;
  the pods of every example are golden files (tests/airflow/golden/<case>.pods.json: image,
  command, args, env, resources, labels, node selector).
- hostile_strings in every mode: the argv and environment the shim gets carry every literal,
  every environment value and an overridden parameter unchanged, and the run id sanitized.
  In local mode the rendered command is run by bash with a stand-in for Python that records its argv.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from af_helpers import dumps, example_cases, load_pipelines, params_of, pod_spec, render

from pipec.compiler.ir import LiteralValue
from pipec.targets.airflow import naming

GOLDEN = Path(__file__).parent / "golden"
RUN_ID = "manual__2024-01-01T00:00:00+00:00"
#: A run id and a parameter value an API user could send.
HOSTILE_RUN_ID = "api {{ ds }} $(id) 'q' \"d\" ~/../ ünï %41.sh"
HOSTILE_NOTE = "{{ ds }} {% raw %} $(id) `id` 'single' \"double\" \\ \r\n end.sh"
def _pods(dag, run_id: str, params: dict) -> dict[str, dict]:
    return {task.task_id: pod_spec(render(task, run_id, params)) for task in dag.tasks}


@pytest.mark.parametrize("case", example_cases())
def test_pod_specs_match_golden(golden_bags: dict, kubeconfig, case: str, request: pytest.FixtureRequest) -> None:
    """Each task's pod (rendered for run `manual__2024-01-01T00:00:00+00:00` with the default params)."""
    bag, _ = golden_bags["kubernetes"]
    (pipeline,) = load_pipelines(case)
    dag = bag.dags[naming.dag_id(pipeline)]
    produced = dumps(_pods(dag, RUN_ID, params_of(dag)))
    path = GOLDEN / f"{case}.pods.json"
    if request.config.getoption("--update-golden"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(produced, encoding="utf-8")
    assert path.is_file(), f"missing {path}: write it with pytest tests/airflow --update-golden -k pod_specs"
    assert produced == path.read_text(encoding="utf-8"), (
        f"pod specs of {case} differ from {path.name}; regenerate with "
        "pytest tests/airflow --update-golden -k pod_specs and review the diff")


# --------------------------------------------------------------------------- hostile strings

def _hostile():
    (pipeline,) = load_pipelines("hostile_strings")
    literals = {step.id: {b.name: b.source.value for b in step.inputs if isinstance(b.source, LiteralValue)}
                for step in pipeline.steps}
    environment = {step.id: dict(step.settings.docker.environment) for step in pipeline.steps
                   if step.settings.docker is not None}
    return pipeline, literals, environment


def _shim_values(argv: list[str]) -> tuple[dict, str]:
    """(`--param` values decoded, `--run-id`) from a shim argv."""
    params, run_id = {}, None
    for flag, value in zip(argv, argv[1:], strict=False):
        if flag == "--param":
            name, _, text = value.partition("=")
            params[name] = json.loads(text)
        elif flag == "--run-id":
            run_id = value
    return params, run_id


def _check(pipeline, literals, environment, task_id: str, argv: list[str], env: dict[str, str]) -> None:
    step = next(s for s in pipeline.steps if naming.task_id(s) == task_id)
    params, run_id = _shim_values(argv)
    assert run_id == naming.shim_run_id(HOSTILE_RUN_ID)
    expected = dict(literals[step.id])
    if step.id == "check":
        expected["label"] = HOSTILE_NOTE
    assert params == expected
    for name, value in environment.get(step.id, {}).items():
        assert env[name] == value


def test_hostile_strings_reach_the_pod_unchanged(golden_bags: dict, kubeconfig) -> None:
    """kubernetes: the pod's args and env carry every value as written."""
    pipeline, literals, environment = _hostile()
    dag = golden_bags["kubernetes"][0].dags["hostile_strings"]
    for task_id, pod in _pods(dag, HOSTILE_RUN_ID, params_of(dag, note=HOSTILE_NOTE)).items():
        container = pod["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        _check(pipeline, literals, environment, task_id, container["command"] + container["args"], env)


def test_hostile_strings_reach_the_container_unchanged(golden_bags: dict) -> None:
    """docker: the rendered command list and environment carry every value as written."""
    pipeline, literals, environment = _hostile()
    dag = golden_bags["docker"][0].dags["hostile_strings"]
    for task in dag.tasks:
        done = render(task, HOSTILE_RUN_ID, params_of(dag, note=HOSTILE_NOTE))
        _check(pipeline, literals, environment, task.task_id, list(done.command), dict(done.environment or {}))


RECORDER = """\
import json, os, sys
with open(os.environ["PIPEC_TEST_RECORD"], "w", encoding="utf-8") as out:
    json.dump({"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}, out)
"""


def test_hostile_strings_reach_the_shim_through_bash_unchanged(golden_bags: dict, tmp_path: Path) -> None:
    """local: the rendered bash command, run by bash with the rendered env, hands the shim every
    value as written (a recorder stands in for Python) and runs in the source root."""
    pipeline, literals, environment = _hostile()
    dag = golden_bags["local"][0].dags["hostile_strings"]
    recorder = tmp_path / "python"
    recorder.write_text(f"#!{sys.executable}\n{RECORDER}")
    recorder.chmod(recorder.stat().st_mode | stat.S_IEXEC)
    root = tmp_path / "source root with spaces"
    root.mkdir()
    for task in dag.tasks:
        done = render(task, HOSTILE_RUN_ID, params_of(dag, note=HOSTILE_NOTE))
        assert not done.bash_command.endswith((".sh", ".bash"))
        record = tmp_path / f"{task.task_id}.json"
        env = {**os.environ, **done.env, "PIPEC_PYTHON": str(recorder), "PIPEC_SOURCE_ROOT": str(root),
               "PIPEC_TEST_RECORD": str(record)}
        proc = subprocess.run(["bash", "-c", done.bash_command], env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        seen = json.loads(record.read_text(encoding="utf-8"))
        assert Path(seen["cwd"]) == root
        assert seen["argv"][:4] == ["-m", "pipec.runtime", "run-step", "--source-root"]
        _check(pipeline, literals, environment, task.task_id, seen["argv"], seen["env"])
