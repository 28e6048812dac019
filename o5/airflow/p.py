"""Airflow DAG `p`, compiled by pipec from module `l`: do not edit, recompile.

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
    "--module", "l",
    "--pipeline", "p",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]

with DAG(
    dag_id="p",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"v": Param([1, "ok"], type="array")},
    default_args={"retries": 0},
) as dag:
    t_s = KubernetesPodOperator(
        task_id="s",
        image="pipec.local/p:4d4b68f49c6bf610",
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "s",
            "--step-id", "s",
            "--param", "v={{ params['v'] | tojson }}",
        ],
        namespace="default",
        labels={"pipec-pipeline": "p", "pipec-step": "s"},
    )
