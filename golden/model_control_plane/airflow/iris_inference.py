"""Airflow DAG `iris_inference`, compiled by pipec from module `run`: do not edit, recompile.

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
    "--pipeline", "iris_inference",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]

with DAG(
    dag_id="iris_inference",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"lengths": Param([1.2, 3.9, 5.5], type="array")},
    default_args={"retries": 0},
) as dag:
    t_predict = KubernetesPodOperator(
        task_id="predict",
        image="pipec.local/iris_inference:420783b8b2ee5120",
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "predict",
            "--step-id", "predict",
            "--input-lookup", "classifier={\"scope\":\"model\",\"name\":\"classifier\"}",
            "--param", "lengths={{ params['lengths'] | tojson }}",
            "--output", "predictions=list",
            "--model", "iris-rules={\"version\":\"production\"}",
        ],
        namespace="default",
        labels={"pipec-pipeline": "iris_inference", "pipec-step": "predict"},
    )
