"""Airflow DAG `zenml_project_training`, compiled by pipec from module `pipelines.training`: do not edit, recompile.

Each task runs one step through the pipec runtime shim in a KubernetesPodOperator pod.
Pipeline parameters are DAG params: a triggered run can override them.
"""

from __future__ import annotations

import datetime

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

try:  # Airflow 3
    from airflow.sdk import Param
except ImportError:  # Airflow 2.9 / 2.10
    from airflow.models.param import Param

#: The Airflow run id made safe for paths, URIs and labels: the run id the shim records.
RUN_ID = "{{ run_id | urlencode | replace('.', '%2E') | replace('~', '%7E') | replace('/', '%2F') | replace('%', '.') }}"
#: The pipec runtime shim: each task runs one step with it.
SHIM = ["python", "-m", "pipec.runtime", "run-step"]
#: The shim's options every step shares; each task adds its own.
SHIM_ARGS = [
    "--source-root", "/app",
    "--pipeline", "zenml_project_training",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]
#: An image several steps run in.
IMAGE = "pipec.local/zenml_project_training:7ea47141a06a30d3"

with DAG(
    dag_id="zenml_project_training",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"n_rows": Param(100, type="integer"), "learning_rate": Param(0.05, type=["number", "null"])},
    default_args={"retries": 0},
) as dag:
    t_load_rows = KubernetesPodOperator(
        task_id="load_rows",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.data",
            "--function", "load_rows",
            "--step-id", "load_rows",
            "--param", "n_rows={{ params['n_rows'] | tojson }}",
            "--output", "raw_rows=list",
            "--no-cache",
        ],
        namespace="default",
        labels={"pipec-pipeline": "zenml_project_training", "pipec-step": "load_rows"},
    )

    t_split_rows = KubernetesPodOperator(
        task_id="split_rows",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.data",
            "--function", "split_rows",
            "--step-id", "split_rows",
            "--input", "rows=load_rows/raw_rows",
            "--param", "test_fraction=0.2",
            "--output", "train_set=list",
            "--output", "test_set=list",
            "--no-cache",
        ],
        namespace="default",
        labels={"pipec-pipeline": "zenml_project_training", "pipec-step": "split_rows"},
    )

    t_train_threshold = KubernetesPodOperator(
        task_id="train_threshold",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.model",
            "--function", "train_threshold",
            "--step-id", "train_threshold",
            "--input", "train_set=split_rows/train_set",
            "--param", "learning_rate={{ params['learning_rate'] | tojson }}",
            "--param", "epochs=30",
            "--output", "model=dict",
            "--no-cache",
        ],
        namespace="default",
        labels={"pipec-pipeline": "zenml_project_training", "pipec-step": "train_threshold"},
    )

    t_evaluate = KubernetesPodOperator(
        task_id="evaluate",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.model",
            "--function", "evaluate",
            "--step-id", "evaluate",
            "--input", "model=train_threshold/model",
            "--input", "test_set=split_rows/test_set",
            "--output", "accuracy=float",
            "--no-cache",
        ],
        namespace="default",
        labels={"pipec-pipeline": "zenml_project_training", "pipec-step": "evaluate"},
    )

    t_notify = KubernetesPodOperator(
        task_id="notify",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.model",
            "--function", "notify",
            "--step-id", "notify",
            "--input", "accuracy=evaluate/accuracy",
            "--param", "channel=\"#ml-runs\"",
            "--output", "output=str",
            "--no-cache",
        ],
        namespace="default",
        labels={"pipec-pipeline": "zenml_project_training", "pipec-step": "notify"},
    )

    t_load_rows >> t_split_rows
    t_split_rows >> t_train_threshold
    [t_train_threshold, t_split_rows] >> t_evaluate
    t_evaluate >> t_notify
