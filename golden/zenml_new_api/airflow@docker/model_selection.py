"""Airflow DAG `model_selection`, compiled by pipec from module `run`: do not edit, recompile.

Each task runs one step through the pipec runtime shim in a DockerOperator container.
Pipeline parameters are DAG params: a triggered run can override them.
"""

from __future__ import annotations

import datetime

from airflow import DAG
from airflow.providers.docker.operators.docker import DockerOperator
from docker.types import DeviceRequest

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
    "--pipeline", "model_selection",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]
#: An image several steps run in.
IMAGE_1 = "pipec.local/model_selection:0ddffdec98a6ed86"
#: An image several steps run in.
IMAGE_2 = "pipec.local/model_selection:3c7a4a143a2cc3f2"
#: Environment variables several tasks set.
ENV = {"PYTHONUNBUFFERED": "1"}

with DAG(
    dag_id="model_selection",
    schedule="0 3 * * *",
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"test_size": Param(0.25, type="number")},
    default_args={"retries": 0},
) as dag:
    t_load_data = DockerOperator(
        task_id="load_data",
        image=IMAGE_1,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "load_data",
            "--step-id", "load_data",
            "--output", "dataset=pandas.DataFrame",
        ],
        environment=ENV,
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_schema_check = DockerOperator(
        task_id="schema_check",
        image=IMAGE_1,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "validate_schema",
            "--step-id", "schema_check",
            "--input", "dataset=load_data/dataset",
        ],
        environment=ENV,
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_describe = DockerOperator(
        task_id="describe",
        image=IMAGE_1,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "describe",
            "--step-id", "describe",
            "--input", "dataset=load_data/dataset",
            "--output", "output_0=int",
            "--output", "output_1=int",
        ],
        environment=ENV,
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_split_data = DockerOperator(
        task_id="split_data",
        image=IMAGE_1,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "split_data",
            "--step-id", "split_data",
            "--input", "dataset=load_data/dataset",
            "--param", "test_size={{ params['test_size'] | tojson }}",
            "--output", "X_train=pandas.DataFrame",
            "--output", "X_test=pandas.DataFrame",
            "--output", "y_train=pandas.Series",
            "--output", "y_test=pandas.Series",
        ],
        environment=ENV,
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_train_logreg = DockerOperator(
        task_id="train_logreg",
        image=IMAGE_2,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "train_model",
            "--step-id", "train_logreg",
            "--input", "X_train=split_data/X_train",
            "--input", "y_train=split_data/y_train",
            "--param", "model_type=\"logreg\"",
            "--param", "C=0.5",
            "--output", "model=sklearn.base.ClassifierMixin",
        ],
        environment=ENV,
        cpus=2.0,
        mem_limit=4000000000,
        device_requests=[DeviceRequest(count=1, capabilities=[["gpu"]])],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
        retries=2,
        retry_delay=datetime.timedelta(seconds=10),
        retry_exponential_backoff=True,
    )

    t_evaluate = DockerOperator(
        task_id="evaluate",
        image=IMAGE_1,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "evaluate",
            "--step-id", "evaluate",
            "--input", "model=train_logreg/model",
            "--input", "X_test=split_data/X_test",
            "--input", "y_test=split_data/y_test",
            "--output", "output=float",
            "--no-cache",
        ],
        environment=ENV,
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_train_forest = DockerOperator(
        task_id="train_forest",
        image=IMAGE_2,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "train_model",
            "--step-id", "train_forest",
            "--input", "X_train=split_data/X_train",
            "--input", "y_train=split_data/y_train",
            "--param", "model_type=\"forest\"",
            "--output", "model=sklearn.base.ClassifierMixin",
        ],
        environment=ENV,
        cpus=4.0,
        mem_limit=8000000000,
        device_requests=[DeviceRequest(count=1, capabilities=[["gpu"]])],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
        retries=2,
        retry_delay=datetime.timedelta(seconds=10),
        retry_exponential_backoff=True,
    )

    t_evaluate_2 = DockerOperator(
        task_id="evaluate_2",
        image=IMAGE_1,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "evaluate",
            "--step-id", "evaluate_2",
            "--input", "model=train_forest/model",
            "--input", "X_test=split_data/X_test",
            "--input", "y_test=split_data/y_test",
            "--output", "output=float",
            "--no-cache",
        ],
        environment=ENV,
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_pick_winner = DockerOperator(
        task_id="pick_winner",
        image=IMAGE_1,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "pick_winner",
            "--step-id", "pick_winner",
            "--input", "logreg_accuracy=evaluate/output",
            "--input", "forest_accuracy=evaluate_2/output",
            "--output", "winner=str",
            "--output", "best_accuracy=float",
        ],
        environment=ENV,
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_write_report = DockerOperator(
        task_id="write_report",
        image=IMAGE_1,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "write_report",
            "--step-id", "write_report",
            "--input", "winner=pick_winner/winner",
            "--input", "best_accuracy=pick_winner/best_accuracy",
            "--input", "n_rows=describe/output_0",
            "--output", "output=str",
            "--no-cache",
        ],
        environment=ENV,
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_load_data >> t_schema_check
    t_load_data >> t_describe
    [t_load_data, t_schema_check] >> t_split_data
    t_split_data >> t_train_logreg
    [t_train_logreg, t_split_data] >> t_evaluate
    t_split_data >> t_train_forest
    [t_train_forest, t_split_data] >> t_evaluate_2
    [t_evaluate, t_evaluate_2] >> t_pick_winner
    [t_pick_winner, t_describe] >> t_write_report
