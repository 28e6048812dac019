"""Airflow DAG `fan_in`, compiled by pipec from module `run`: do not edit, recompile.

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
    "--pipeline", "fan_in",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]
#: An image several steps run in.
IMAGE = "pipec.local/fan_in:60c1a30aae772b8c"

with DAG(
    dag_id="fan_in",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"n": Param(20, type="integer")},
    default_args={"retries": 0},
) as dag:
    t_train_0 = KubernetesPodOperator(
        task_id="train_0",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "train",
            "--step-id", "train_0",
            "--param", "seed=0",
            "--param", "n={{ params['n'] | tojson }}",
            "--output", "output=float",
        ],
        namespace="default",
        labels={"pipec-pipeline": "fan_in", "pipec-step": "train_0"},
    )

    t_train_1 = KubernetesPodOperator(
        task_id="train_1",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "train",
            "--step-id", "train_1",
            "--param", "seed=1",
            "--param", "n={{ params['n'] | tojson }}",
            "--output", "output=float",
        ],
        namespace="default",
        labels={"pipec-pipeline": "fan_in", "pipec-step": "train_1"},
    )

    t_train_2 = KubernetesPodOperator(
        task_id="train_2",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "train",
            "--step-id", "train_2",
            "--param", "seed=2",
            "--param", "n={{ params['n'] | tojson }}",
            "--output", "output=float",
        ],
        namespace="default",
        labels={"pipec-pipeline": "fan_in", "pipec-step": "train_2"},
    )

    t_combine = KubernetesPodOperator(
        task_id="combine",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "combine",
            "--step-id", "combine",
            "--input", "scores[0]=train_0/output",
            "--input", "scores[1]=train_1/output",
            "--input", "scores[2]=train_2/output",
            "--output", "output=dict",
        ],
        namespace="default",
        labels={"pipec-pipeline": "fan_in", "pipec-step": "combine"},
    )

    [t_train_0, t_train_1, t_train_2] >> t_combine
