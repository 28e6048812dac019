"""Airflow DAG `zenml_project_training`, compiled by pipec from module `pipelines.training`: do not edit, recompile.

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
    " --pipeline zenml_project_training"
    " --run-id \"$PIPEC_RUN_ID\""
    " --artifact-store .pipec/artifacts"
    " --metadata-store sqlite:///.pipec/metadata.db"
    " --num-steps 5"
)
#: Environment variables several tasks set.
ENV = {"PIPEC_PYTHON": literal(PYTHON), "PIPEC_RUN_ID": RUN_ID}

with DAG(
    dag_id="zenml_project_training",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"n_rows": Param(100, type="integer"), "learning_rate": Param(0.05, type=["number", "null"])},
    default_args={"retries": 0},
) as dag:
    t_load_rows = BashOperator(
        task_id="load_rows",
        bash_command=SHIM_COMMAND + (
            " --module steps.data"
            " --function load_rows"
            " --step-id load_rows"
            " --param n_rows=\"$PIPEC_PARAM_n_rows\""
            " --output raw_rows=list"
            " --no-cache"
        ),
        env={**ENV, "PIPEC_PARAM_n_rows": "{{ params['n_rows'] | tojson }}"},
        append_env=True,
    )

    t_split_rows = BashOperator(
        task_id="split_rows",
        bash_command=SHIM_COMMAND + (
            " --module steps.data"
            " --function split_rows"
            " --step-id split_rows"
            " --input rows=load_rows/raw_rows"
            " --param test_fraction=0.2"
            " --output train_set=list"
            " --output test_set=list"
            " --no-cache"
        ),
        env=ENV,
        append_env=True,
    )

    t_train_threshold = BashOperator(
        task_id="train_threshold",
        bash_command=SHIM_COMMAND + (
            " --module steps.model"
            " --function train_threshold"
            " --step-id train_threshold"
            " --input train_set=split_rows/train_set"
            " --param learning_rate=\"$PIPEC_PARAM_learning_rate\""
            " --param epochs=30"
            " --output model=dict"
            " --no-cache"
        ),
        env={**ENV, "PIPEC_PARAM_learning_rate": "{{ params['learning_rate'] | tojson }}"},
        append_env=True,
    )

    t_evaluate = BashOperator(
        task_id="evaluate",
        bash_command=SHIM_COMMAND + (
            " --module steps.model"
            " --function evaluate"
            " --step-id evaluate"
            " --input model=train_threshold/model"
            " --input test_set=split_rows/test_set"
            " --output accuracy=float"
            " --no-cache"
        ),
        env=ENV,
        append_env=True,
    )

    t_notify = BashOperator(
        task_id="notify",
        bash_command=SHIM_COMMAND + (
            " --module steps.model"
            " --function notify"
            " --step-id notify"
            " --input accuracy=evaluate/accuracy"
            " --param 'channel=\"#ml-runs\"'"
            " --output output=str"
            " --no-cache"
        ),
        env=ENV,
        append_env=True,
    )

    t_load_rows >> t_split_rows
    t_split_rows >> t_train_threshold
    [t_train_threshold, t_split_rows] >> t_evaluate
    t_evaluate >> t_notify
