"""Airflow DAG `test_pipeline`, compiled by pipec from module `run`: do not edit, recompile.

Each task runs one step through the pipec runtime shim in a KubernetesPodOperator pod.
Pipeline parameters are DAG params: a triggered run can override them.
"""

from __future__ import annotations

import datetime

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

#: The Airflow run id made safe for paths, URIs and labels: the run id the shim records.
RUN_ID = "{{ run_id | urlencode | replace('.', '%2E') | replace('~', '%7E') | replace('/', '%2F') | replace('%', '.') }}"
#: The pipec runtime shim: each task runs one step with it.
SHIM = ["python", "-m", "pipec.runtime", "run-step"]
#: The shim's options every step shares; each task adds its own.
SHIM_ARGS = [
    "--source-root", "/app",
    "--module", "run",
    "--pipeline", "test_pipeline",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]
#: An image several steps run in.
IMAGE = "pipec.local/test_pipeline:785d7adade769a54"

with DAG(
    dag_id="test_pipeline",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    default_args={"retries": 0},
) as dag:
    t_data_checker = KubernetesPodOperator(
        task_id="data_checker",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "data_checker",
            "--step-id", "data_checker",
            "--output", "output=bool",
        ],
        namespace="default",
        labels={"pipec-pipeline": "test_pipeline", "pipec-step": "data_checker"},
    )

    t_get_dataframe = KubernetesPodOperator(
        task_id="get_dataframe",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "get_dataframe",
            "--step-id", "get_dataframe",
            "--output", "output=pandas.DataFrame",
        ],
        namespace="default",
        labels={"pipec-pipeline": "test_pipeline", "pipec-step": "get_dataframe"},
    )

    t_splitter = KubernetesPodOperator(
        task_id="splitter",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "splitter",
            "--step-id", "splitter",
            "--input", "df=get_dataframe/output",
            "--param", "params={\"test_size\":0.25,\"random_state\":42}",
            "--output", "X_train=pandas.DataFrame",
            "--output", "X_test=pandas.DataFrame",
            "--output", "y_train=pandas.Series",
            "--output", "y_test=pandas.Series",
        ],
        namespace="default",
        labels={"pipec-pipeline": "test_pipeline", "pipec-step": "splitter"},
    )

    t_trainer = KubernetesPodOperator(
        task_id="trainer",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "trainer",
            "--step-id", "trainer",
            "--input", "X_train=splitter/X_train",
            "--input", "y_train=splitter/y_train",
            "--input", "X_test=splitter/X_test",
            "--input", "y_test=splitter/y_test",
            "--param", "params={\"gamma\":0.01,\"C\":1.0}",
            "--output", "model=sklearn.base.ClassifierMixin",
            "--output", "accuracy=float",
        ],
        namespace="default",
        labels={"pipec-pipeline": "test_pipeline", "pipec-step": "trainer"},
    )

    t_reporter = KubernetesPodOperator(
        task_id="reporter",
        image=IMAGE,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--function", "reporter",
            "--step-id", "reporter",
            "--input", "model=trainer/model",
            "--input", "accuracy=trainer/accuracy",
            "--output", "output=str",
        ],
        namespace="default",
        labels={"pipec-pipeline": "test_pipeline", "pipec-step": "reporter"},
    )

    t_data_checker >> t_get_dataframe
    t_get_dataframe >> t_splitter
    t_splitter >> t_trainer
    t_trainer >> t_reporter
