"""Airflow DAG `deployment_pipeline`, compiled by pipec from module `run`: do not edit, recompile.

Each task runs one step through the pipec runtime shim in a KubernetesPodOperator pod.
Pipeline parameters are DAG params: a triggered run can override them.
"""

from __future__ import annotations

import datetime

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

#: The Airflow run id made safe for paths, URIs and labels: the run id the shim records.
RUN_ID = "{{ run_id | urlencode | replace('.', '%2E') | replace('~', '%7E') | replace('/', '%2F') | replace('%', '.') }}"
#: The pipec runtime shim: each task runs one step with it.
SHIM = ["python", "-m", "pipec.runtime", "run-step"]
#: The shim's options every step shares; each task adds its own.
SHIM_ARGS = [
    "--source-root", "/app",
    "--module", "run",
    "--pipeline", "deployment_pipeline",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]
#: An image several steps run in.
IMAGE = "pipec.local/deployment_pipeline:6705463de443fd16"

with DAG(
    dag_id="deployment_pipeline",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    default_args={"retries": 0},
) as dag:
    t_load = KubernetesPodOperator(
        task_id="load",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "loader",
            "--step-id", "load",
            "--param", "params={\"source\":\"generated\",\"rows\":100}",
            "--output", "features=list",
            "--output", "labels=list",
            "--no-cache",
        ],
        namespace="default",
        labels={"pipec-pipeline": "deployment_pipeline", "pipec-step": "load"},
    )

    t_train = KubernetesPodOperator(
        task_id="train",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "trainer",
            "--step-id", "train",
            "--input", "features=load/features",
            "--input", "labels=load/labels",
            "--output", "output=tuple[float, int]",
            "--no-cache",
        ],
        namespace="default",
        labels={"pipec-pipeline": "deployment_pipeline", "pipec-step": "train"},
    )

    t_decide = KubernetesPodOperator(
        task_id="decide",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "gate",
            "--step-id", "decide",
            "--input", "model=train/output",
            "--param", "params={\"min_accuracy\":0.5}",
            "--output", "output=bool",
            "--no-cache",
        ],
        namespace="default",
        labels={"pipec-pipeline": "deployment_pipeline", "pipec-step": "decide"},
    )

    t_report = KubernetesPodOperator(
        task_id="report",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "announce",
            "--step-id", "report",
            "--input", "deploy=decide/output",
            "--no-cache",
        ],
        namespace="default",
        labels={"pipec-pipeline": "deployment_pipeline", "pipec-step": "report"},
    )

    t_load >> t_train
    t_train >> t_decide
    t_decide >> t_report
