"""Run by `test_airflow2_compat.py` with the Airflow 2 side environment's Python (.venvs/airflow2).

    python airflow2_probe.py RUN_ID PARAMS_JSON FOLDER...

For each folder of DAG files: parse it with Airflow 2's DagBag, serialize every DAG as the
scheduler would (schema-checked), and render the template fields of every task of the
`hostile_strings` DAG for run RUN_ID with PARAMS_JSON overriding its params. Prints one JSON
object: {folder: {"errors", "captured", "warnings", "dags": {dag: {task: [upstream]}},
"rendered": {task: {"argv": [...], "env": {...}} or {"bash": str, "env": {...}}}}}.
Imports nothing from pipec (it is not installed there).
"""

from __future__ import annotations

import json
import sys
import warnings


def rendered_fields(task, run_id: str, params: dict) -> dict:
    """The fields of `task` that reach the step, after Airflow rendered them."""
    context = {"run_id": run_id, "params": params, "ds": "2024-01-01"}
    task.render_template_fields(context)
    name = type(task).__name__
    if name == "KubernetesPodOperator":
        env = {e.name: e.value for e in task.env_vars or []}
        return {"argv": list(task.cmds) + list(task.arguments), "env": env}
    if name == "DockerOperator":
        return {"argv": list(task.command), "env": dict(task.environment or {})}
    return {"bash": task.bash_command, "env": dict(task.env or {})}


def main(run_id: str, params_json: str, *folders: str) -> None:
    import airflow
    from airflow.models.dagbag import DagBag
    from airflow.serialization.serialized_objects import SerializedDAG

    out: dict = {"airflow": airflow.__version__}
    for folder in folders:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bag = DagBag(dag_folder=folder, include_examples=False)
            for dag in bag.dags.values():
                SerializedDAG.to_dict(dag)  # what the dag processor stores; validates the schema
        report = {
            "errors": dict(bag.import_errors),
            "captured": {k: list(v) for k, v in getattr(bag, "captured_warnings", {}).items()},
            "warnings": [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught],
            "dags": {d.dag_id: {t.task_id: sorted(t.upstream_task_ids) for t in d.tasks} for d in bag.dags.values()},
        }
        hostile = bag.dags.get("hostile_strings")
        if hostile is not None:
            params = {**{k: hostile.params[k] for k in hostile.params}, **json.loads(params_json)}
            report["rendered"] = {t.task_id: rendered_fields(t, run_id, params) for t in hostile.tasks}
        out[folder] = report
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:])
