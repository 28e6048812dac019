"""What a task really runs, after Airflow rendered its templates.

- kubernetes: `build_pod_request_obj` (dummy kubeconfig, never contacted) gives each task's pod;
  the pods of every example are golden files (tests/airflow/golden/<case>.pods.json: image,
  command, args, env, resources, labels, node selector), the image's content tag left out (the
  DAG goldens hold it, and `nox -s golden -- --update` rewrites those).
- hostile_strings in every mode: the argv and environment the shim gets carry every literal,
  every environment value and an overridden parameter unchanged, and the run id sanitized.
  In local mode the rendered command is run by bash with a stand-in for Python that records its argv.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipec.targets.airflow import naming
from tests.helpers.airflow_dags import (
    HOSTILE_NOTE,
    HOSTILE_RUN_ID,
    check_hostile_call,
    dumps,
    example_cases,
    load_pipelines,
    params_of,
    pod_spec,
    render,
)
from tests.helpers.engines.airflow import run_bash_recorded

GOLDEN = Path(__file__).parent / "golden"
RUN_ID = "manual__2024-01-01T00:00:00+00:00"
#: The content-addressed tag `pipec build` computes (tested with the DAG goldens; it changes with
#: the image's inputs, which are not what these goldens are about).
CONTENT_TAG = re.compile(r":[0-9a-f]{16}$")


def _pods(dag, run_id: str, params: dict) -> dict[str, dict]:
    pods = {}
    for task in dag.tasks:
        done = render(task, run_id, params)
        pod = pod_spec(done)
        container = pod["spec"]["containers"][0]
        assert container["image"] == done.image
        container["image"] = CONTENT_TAG.sub(":<content tag>", container["image"])
        pods[task.task_id] = pod
    return pods


@pytest.mark.parametrize("case", example_cases())
def test_pod_specs_match_golden(golden_bags: dict, kubeconfig, case: str, request: pytest.FixtureRequest) -> None:
    """Each task's pod (rendered for run `manual__2024-01-01T00:00:00+00:00` with the default params)."""
    bag, _ = golden_bags["kubernetes"]
    pipelines = load_pipelines(case)
    for pipeline in pipelines:  # an example with several pipelines has a file per pipeline
        dag = bag.dags[naming.dag_id(pipeline)]
        produced = dumps(_pods(dag, RUN_ID, params_of(dag)))
        path = GOLDEN / (f"{case}.pods.json" if len(pipelines) == 1 else f"{case}.{pipeline.name}.pods.json")
        if request.config.getoption("--update-golden"):
            GOLDEN.mkdir(exist_ok=True)
            path.write_text(produced, encoding="utf-8")
        assert path.is_file(), f"missing {path}: write it with pytest tests/airflow --update-golden -k pod_specs"
        assert produced == path.read_text(encoding="utf-8"), (
            f"pod specs of {case} differ from {path.name}; regenerate with "
            "pytest tests/airflow --update-golden -k pod_specs and review the diff")


# --------------------------------------------------------------------------- hostile strings

def test_hostile_strings_reach_the_pod_unchanged(golden_bags: dict, kubeconfig) -> None:
    """kubernetes: the pod's args and env carry every value as written."""
    dag = golden_bags["kubernetes"][0].dags["hostile_strings"]
    for task_id, pod in _pods(dag, HOSTILE_RUN_ID, params_of(dag, note=HOSTILE_NOTE)).items():
        container = pod["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        check_hostile_call(task_id, container["command"] + container["args"], env)


def test_hostile_strings_reach_the_container_unchanged(golden_bags: dict) -> None:
    """docker: the rendered command list and environment carry every value as written."""
    dag = golden_bags["docker"][0].dags["hostile_strings"]
    for task in dag.tasks:
        done = render(task, HOSTILE_RUN_ID, params_of(dag, note=HOSTILE_NOTE))
        check_hostile_call(task.task_id, list(done.command), dict(done.environment or {}))


def test_hostile_strings_reach_the_shim_through_bash_unchanged(golden_bags: dict, tmp_path: Path) -> None:
    """local: the rendered bash command, run by bash with the rendered env, hands the shim every
    value as written (a recorder stands in for Python) and runs in the source root."""
    dag = golden_bags["local"][0].dags["hostile_strings"]
    for task in dag.tasks:
        done = render(task, HOSTILE_RUN_ID, params_of(dag, note=HOSTILE_NOTE))
        argv, env = run_bash_recorded(done.bash_command, dict(done.env), tmp_path / task.task_id)
        check_hostile_call(task.task_id, argv, env)
