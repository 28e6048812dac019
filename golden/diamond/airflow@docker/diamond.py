"""Airflow DAG `diamond`, compiled by pipec from module `run`: do not edit, recompile.

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
    "--pipeline", "diamond",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]
#: An image several steps run in.
IMAGE = "pipec.local/diamond:25cac8e92c2cb573"

with DAG(
    dag_id="diamond",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"n": Param(10, type="integer"), "factor": Param(1.5, type="number")},
    default_args={"retries": 0},
) as dag:
    t_load = DockerOperator(
        task_id="load",
        image=IMAGE,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "load",
            "--step-id", "load",
            "--param", "n={{ params['n'] | tojson }}",
            "--output", "output=list",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_stats = DockerOperator(
        task_id="stats",
        image=IMAGE,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "stats",
            "--step-id", "stats",
            "--input", "values=load/output",
            "--output", "output=dict",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_scale = DockerOperator(
        task_id="scale",
        image=IMAGE,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "scale",
            "--step-id", "scale",
            "--input", "values=load/output",
            "--param", "factor={{ params['factor'] | tojson }}",
            "--output", "output=float",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
        retries=1,
        retry_delay=datetime.timedelta(seconds=1),
    )

    t_join = DockerOperator(
        task_id="join",
        image=IMAGE,
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "join",
            "--step-id", "join",
            "--input", "summary=stats/output",
            "--input", "scaled_total=scale/output",
            "--output", "output=dict",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_load >> t_stats
    t_load >> t_scale
    [t_stats, t_scale] >> t_join
