"""Airflow DAG `iris_training`, compiled by pipec from module `run`: do not edit, recompile.

Each task runs one step through the pipec runtime shim in a DockerOperator container.
Pipeline parameters are DAG params: a triggered run can override them.
"""

from __future__ import annotations

import datetime

from airflow import DAG
from airflow.providers.docker.operators.docker import DockerOperator

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
    "--module", "run",
    "--pipeline", "iris_training",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]
#: An image several steps run in.
IMAGE = "pipec.local/iris_training:420783b8b2ee5120"

with DAG(
    dag_id="iris_training",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"rows": Param(30, type="integer"), "margin": Param(0.0, type="number")},
    default_args={"retries": 0},
) as dag:
    t_load_data = DockerOperator(
        task_id="load_data",
        image=IMAGE,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "load_data",
            "--step-id", "load_data",
            "--param", "rows={{ params['rows'] | tojson }}",
            "--output", "dataset=list",
            "--model", "iris-rules={\"license\":\"Apache-2.0\",\"description\":\"Petal-length rules for iris\",\"tags\":[\"iris\",\"rules\"]}",
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
            "--function", "train",
            "--step-id", "train",
            "--input", "dataset=load_data/dataset",
            "--param", "margin={{ params['margin'] | tojson }}",
            "--output", "classifier=dict",
            "--model", "iris-rules={\"license\":\"Apache-2.0\",\"description\":\"Petal-length rules for iris\",\"tags\":[\"iris\",\"rules\"],\"kinds\":{\"classifier\":\"model\"}}",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_evaluate = DockerOperator(
        task_id="evaluate",
        image=IMAGE,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "evaluate",
            "--step-id", "evaluate",
            "--input", "dataset=load_data/dataset",
            "--input", "classifier=train/classifier",
            "--output", "accuracy=float",
            "--model", "iris-rules={\"license\":\"Apache-2.0\",\"description\":\"Petal-length rules for iris\",\"tags\":[\"iris\",\"rules\"]}",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_load_data >> t_train
    [t_load_data, t_train] >> t_evaluate
