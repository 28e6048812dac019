"""Airflow DAG `report_pipeline`, compiled by pipec from module `run`: do not edit, recompile.

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
    "--pipeline", "report_pipeline",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]

with DAG(
    dag_id="report_pipeline",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"artifact": Param("numbers", type="string")},
    default_args={"retries": 0},
) as dag:
    t_report = DockerOperator(
        task_id="report",
        image="pipec.local/report_pipeline:b7132bf4b852a232",
        command=[
            *SHIM, *SHIM_ARGS,
            "--function", "report",
            "--step-id", "report",
            "--input-lookup", "numbers={\"scope\":\"store\",\"parameter\":\"artifact\"}",
            "--input-value", "settings={\"value\":{\"scale\":2}}",
            "--input-value", "title={\"value\":\"Squares, 'quoted' & $escaped\",\"name\":\"report_title\"}",
            "--lookup-param", "numbers={{ params['artifact'] | tojson }}",
            "--output", "output=dict",
        ],
        docker_url="unix://var/run/docker.sock",
        mount_tmp_dir=False,
        auto_remove="success",
    )
