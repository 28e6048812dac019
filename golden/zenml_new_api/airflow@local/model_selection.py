"""Airflow DAG `model_selection`, compiled by pipec from module `run`: do not edit, recompile.

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
    " --pipeline model_selection"
    " --run-id \"$PIPEC_RUN_ID\""
    " --artifact-store .pipec/artifacts"
    " --metadata-store sqlite:///.pipec/metadata.db"
    " --num-steps 10"
)
#: Environment variables several tasks set.
ENV = {"PYTHONUNBUFFERED": "1", "PIPEC_PYTHON": literal(PYTHON), "PIPEC_RUN_ID": RUN_ID}

with DAG(
    dag_id="model_selection",
    schedule="0 3 * * *",
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"test_size": Param(0.25, type="number")},
    default_args={"retries": 0},
) as dag:
    t_load_data = BashOperator(
        task_id="load_data",
        bash_command=SHIM_COMMAND + (
            " --function load_data"
            " --step-id load_data"
            " --output dataset=pandas.DataFrame"
        ),
        env=ENV,
        append_env=True,
    )

    t_schema_check = BashOperator(
        task_id="schema_check",
        bash_command=SHIM_COMMAND + (
            " --function validate_schema"
            " --step-id schema_check"
            " --input dataset=load_data/dataset"
        ),
        env=ENV,
        append_env=True,
    )

    t_describe = BashOperator(
        task_id="describe",
        bash_command=SHIM_COMMAND + (
            " --function describe"
            " --step-id describe"
            " --input dataset=load_data/dataset"
            " --output output_0=int"
            " --output output_1=int"
        ),
        env=ENV,
        append_env=True,
    )

    t_split_data = BashOperator(
        task_id="split_data",
        bash_command=SHIM_COMMAND + (
            " --function split_data"
            " --step-id split_data"
            " --input dataset=load_data/dataset"
            " --param test_size=\"$PIPEC_PARAM_test_size\""
            " --output X_train=pandas.DataFrame"
            " --output X_test=pandas.DataFrame"
            " --output y_train=pandas.Series"
            " --output y_test=pandas.Series"
        ),
        env={**ENV, "PIPEC_PARAM_test_size": "{{ params['test_size'] | tojson }}"},
        append_env=True,
    )

    t_train_logreg = BashOperator(
        task_id="train_logreg",
        bash_command=SHIM_COMMAND + (
            " --function train_model"
            " --step-id train_logreg"
            " --input X_train=split_data/X_train"
            " --input y_train=split_data/y_train"
            " --param 'model_type=\"logreg\"'"
            " --param C=0.5"
            " --output model=sklearn.base.ClassifierMixin"
        ),
        env=ENV,
        append_env=True,
        retries=2,
        retry_delay=datetime.timedelta(seconds=10),
        retry_exponential_backoff=True,
    )

    t_evaluate = BashOperator(
        task_id="evaluate",
        bash_command=SHIM_COMMAND + (
            " --function evaluate"
            " --step-id evaluate"
            " --input model=train_logreg/model"
            " --input X_test=split_data/X_test"
            " --input y_test=split_data/y_test"
            " --output output=float"
            " --no-cache"
        ),
        env=ENV,
        append_env=True,
    )

    t_train_forest = BashOperator(
        task_id="train_forest",
        bash_command=SHIM_COMMAND + (
            " --function train_model"
            " --step-id train_forest"
            " --input X_train=split_data/X_train"
            " --input y_train=split_data/y_train"
            " --param 'model_type=\"forest\"'"
            " --output model=sklearn.base.ClassifierMixin"
        ),
        env=ENV,
        append_env=True,
        retries=2,
        retry_delay=datetime.timedelta(seconds=10),
        retry_exponential_backoff=True,
    )

    t_evaluate_2 = BashOperator(
        task_id="evaluate_2",
        bash_command=SHIM_COMMAND + (
            " --function evaluate"
            " --step-id evaluate_2"
            " --input model=train_forest/model"
            " --input X_test=split_data/X_test"
            " --input y_test=split_data/y_test"
            " --output output=float"
            " --no-cache"
        ),
        env=ENV,
        append_env=True,
    )

    t_pick_winner = BashOperator(
        task_id="pick_winner",
        bash_command=SHIM_COMMAND + (
            " --function pick_winner"
            " --step-id pick_winner"
            " --input logreg_accuracy=evaluate/output"
            " --input forest_accuracy=evaluate_2/output"
            " --output winner=str"
            " --output best_accuracy=float"
        ),
        env=ENV,
        append_env=True,
    )

    t_write_report = BashOperator(
        task_id="write_report",
        bash_command=SHIM_COMMAND + (
            " --function write_report"
            " --step-id write_report"
            " --input winner=pick_winner/winner"
            " --input best_accuracy=pick_winner/best_accuracy"
            " --input n_rows=describe/output_0"
            " --output output=str"
            " --no-cache"
        ),
        env=ENV,
        append_env=True,
    )

    t_load_data >> t_schema_check
    t_load_data >> t_describe
    [t_load_data, t_schema_check] >> t_split_data
    t_split_data >> t_train_logreg
    [t_train_logreg, t_split_data] >> t_evaluate
    t_split_data >> t_train_forest
    [t_train_forest, t_split_data] >> t_evaluate_2
    [t_evaluate, t_evaluate_2] >> t_pick_winner
    [t_pick_winner, t_describe] >> t_write_report
