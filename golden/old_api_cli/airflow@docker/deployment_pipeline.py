"""Airflow DAG `deployment_pipeline`, compiled by pipec from module `run`: do not edit, recompile.

Each task runs one step through the pipec runtime shim in a DockerOperator container.
Pipeline parameters are DAG params: a triggered run can override them.
"""

from __future__ import annotations

import datetime

from airflow import DAG
from airflow.providers.docker.operators.docker import DockerOperator

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
    t_load = DockerOperator(
        task_id="load",
        image=IMAGE,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "loader",
            "--step-id", "load",
            "--param", "params={\"source\":\"generated\",\"rows\":100}",
            "--output", "features=list",
            "--output", "labels=list",
            "--no-cache",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_train = DockerOperator(
        task_id="train",
        image=IMAGE,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "trainer",
            "--step-id", "train",
            "--input", "features=load/features",
            "--input", "labels=load/labels",
            "--output", "output=tuple[float, int]",
            "--no-cache",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_decide = DockerOperator(
        task_id="decide",
        image=IMAGE,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "gate",
            "--step-id", "decide",
            "--input", "model=train/output",
            "--param", "params={\"min_accuracy\":0.5}",
            "--output", "output=bool",
            "--no-cache",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_report = DockerOperator(
        task_id="report",
        image=IMAGE,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "announce",
            "--step-id", "report",
            "--input", "deploy=decide/output",
            "--no-cache",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_load >> t_train
    t_train >> t_decide
    t_decide >> t_report
