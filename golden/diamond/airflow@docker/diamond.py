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
        image="pipec.local/diamond:25cac8e92c2cb573",
        command=[
            "python", "-m", "pipec.runtime", "run-step",
            "--source-root", "/app",
            "--module", "run",
            "--function", "load",
            "--pipeline", "diamond",
            "--step-id", "load",
            "--run-id", RUN_ID,
            "--artifact-store", "/pipec/artifacts",
            "--param", "n={{ params['n'] | tojson }}",
            "--output", "output=list",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_stats = DockerOperator(
        task_id="stats",
        image="pipec.local/diamond:25cac8e92c2cb573",
        command=[
            "python", "-m", "pipec.runtime", "run-step",
            "--source-root", "/app",
            "--module", "run",
            "--function", "stats",
            "--pipeline", "diamond",
            "--step-id", "stats",
            "--run-id", RUN_ID,
            "--artifact-store", "/pipec/artifacts",
            "--input", "values=load/output",
            "--output", "output=dict",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )

    t_scale = DockerOperator(
        task_id="scale",
        image="pipec.local/diamond:25cac8e92c2cb573",
        command=[
            "python", "-m", "pipec.runtime", "run-step",
            "--source-root", "/app",
            "--module", "run",
            "--function", "scale",
            "--pipeline", "diamond",
            "--step-id", "scale",
            "--run-id", RUN_ID,
            "--artifact-store", "/pipec/artifacts",
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
        image="pipec.local/diamond:25cac8e92c2cb573",
        command=[
            "python", "-m", "pipec.runtime", "run-step",
            "--source-root", "/app",
            "--module", "run",
            "--function", "join",
            "--pipeline", "diamond",
            "--step-id", "join",
            "--run-id", RUN_ID,
            "--artifact-store", "/pipec/artifacts",
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
