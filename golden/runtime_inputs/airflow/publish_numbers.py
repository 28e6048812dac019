"""Airflow DAG `publish_numbers`, compiled by pipec from module `run`: do not edit, recompile.

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
    "--module", "run",
    "--pipeline", "publish_numbers",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]

with DAG(
    dag_id="publish_numbers",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"n": Param(5, type="integer")},
    default_args={"retries": 0},
) as dag:
    t_make_numbers = KubernetesPodOperator(
        task_id="make_numbers",
        image="pipec.local/publish_numbers:e889f4c26a846eb4",
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "make_numbers",
            "--step-id", "make_numbers",
            "--param", "n={{ params['n'] | tojson }}",
            "--output", "numbers=list",
        ],
        namespace="default",
        labels={"pipec-pipeline": "publish_numbers", "pipec-step": "make_numbers"},
    )
