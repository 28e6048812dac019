"""Airflow DAG `iris_training`, compiled by pipec from module `run`: do not edit, recompile.

Each task runs one step through the pipec runtime shim in a BashOperator, with the worker's Python.
Pipeline parameters are DAG params: a triggered run can override them.
"""

from __future__ import annotations

import datetime
import sys

from airflow import DAG

try:  # the standard provider: Airflow 3, or Airflow 2 with the provider installed
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2.9 / 2.10
    from airflow.operators.bash import BashOperator

try:  # Airflow 3
    from airflow.sdk import Param, literal
except ImportError:  # Airflow 2.9 / 2.10
    from airflow.models.param import Param
    from airflow.utils.template import literal

#: The Airflow run id made safe for paths, URIs and labels: the run id the shim records.
RUN_ID = "{{ run_id | urlencode | replace('.', '%2E') | replace('~', '%7E') | replace('/', '%2F') | replace('%', '.') }}"
#: Local mode: steps run with the Python that parses this file (pipec must be installed).
PYTHON = sys.executable
#: Starts the shim from the source root, with the options every step shares.
SHIM_COMMAND = (
    "cd -- \"${PIPEC_SOURCE_ROOT:?the pipeline source root: set it on the worker or compile with --option source_root=DIR}\" && exec \"$PIPEC_PYTHON\" -m pipec.runtime run-step"
    " --source-root ."
    " --module run"
    " --pipeline iris_training"
    " --run-id \"$PIPEC_RUN_ID\""
    " --artifact-store .pipec/artifacts"
    " --metadata-store sqlite:///.pipec/metadata.db"
    " --num-steps 3"
)
#: Environment variables several tasks set.
ENV = {"PIPEC_PYTHON": literal(PYTHON), "PIPEC_RUN_ID": RUN_ID}

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
    t_load_data = BashOperator(
        task_id="load_data",
        bash_command=SHIM_COMMAND + (
            " --function load_data"
            " --step-id load_data"
            " --param rows=\"$PIPEC_PARAM_rows\""
            " --output dataset=list"
            " --model 'iris-rules={\"license\":\"Apache-2.0\",\"description\":\"Petal-length rules for iris\",\"tags\":[\"iris\",\"rules\"]}'"
        ),
        env={**ENV, "PIPEC_PARAM_rows": "{{ params['rows'] | tojson }}"},
        append_env=True,
    )

    t_train = BashOperator(
        task_id="train",
        bash_command=SHIM_COMMAND + (
            " --function train"
            " --step-id train"
            " --input dataset=load_data/dataset"
            " --param margin=\"$PIPEC_PARAM_margin\""
            " --output classifier=dict"
            " --model 'iris-rules={\"license\":\"Apache-2.0\",\"description\":\"Petal-length rules for iris\",\"tags\":[\"iris\",\"rules\"],\"kinds\":{\"classifier\":\"model\"}}'"
        ),
        env={**ENV, "PIPEC_PARAM_margin": "{{ params['margin'] | tojson }}"},
        append_env=True,
    )

    t_evaluate = BashOperator(
        task_id="evaluate",
        bash_command=SHIM_COMMAND + (
            " --function evaluate"
            " --step-id evaluate"
            " --input dataset=load_data/dataset"
            " --input classifier=train/classifier"
            " --output accuracy=float"
            " --model 'iris-rules={\"license\":\"Apache-2.0\",\"description\":\"Petal-length rules for iris\",\"tags\":[\"iris\",\"rules\"]}'"
        ),
        env=ENV,
        append_env=True,
    )

    t_load_data >> t_train
    [t_load_data, t_train] >> t_evaluate
