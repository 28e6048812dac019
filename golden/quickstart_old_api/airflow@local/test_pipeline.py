"""Airflow DAG `test_pipeline`, compiled by pipec from module `run`: do not edit, recompile.

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
    from airflow.sdk import literal
except ImportError:  # Airflow 2.9 / 2.10
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
    " --pipeline test_pipeline"
    " --run-id \"$PIPEC_RUN_ID\""
    " --artifact-store .pipec/artifacts"
    " --metadata-store sqlite:///.pipec/metadata.db"
    " --num-steps 5"
)
#: Environment variables several tasks set.
ENV = {"PIPEC_PYTHON": literal(PYTHON), "PIPEC_RUN_ID": RUN_ID}

with DAG(
    dag_id="test_pipeline",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    default_args={"retries": 0},
) as dag:
    t_data_checker = BashOperator(
        task_id="data_checker",
        bash_command=SHIM_COMMAND + (
            " --function data_checker"
            " --step-id data_checker"
            " --output output=bool"
        ),
        env=ENV,
        append_env=True,
    )

    t_get_dataframe = BashOperator(
        task_id="get_dataframe",
        bash_command=SHIM_COMMAND + (
            " --function get_dataframe"
            " --step-id get_dataframe"
            " --output output=pandas.DataFrame"
        ),
        env=ENV,
        append_env=True,
    )

    t_splitter = BashOperator(
        task_id="splitter",
        bash_command=SHIM_COMMAND + (
            " --function splitter"
            " --step-id splitter"
            " --input df=get_dataframe/output"
            " --param 'params={\"test_size\":0.25,\"random_state\":42}'"
            " --output X_train=pandas.DataFrame"
            " --output X_test=pandas.DataFrame"
            " --output y_train=pandas.Series"
            " --output y_test=pandas.Series"
        ),
        env=ENV,
        append_env=True,
    )

    t_trainer = BashOperator(
        task_id="trainer",
        bash_command=SHIM_COMMAND + (
            " --function trainer"
            " --step-id trainer"
            " --input X_train=splitter/X_train"
            " --input y_train=splitter/y_train"
            " --input X_test=splitter/X_test"
            " --input y_test=splitter/y_test"
            " --param 'params={\"gamma\":0.01,\"C\":1.0}'"
            " --output model=sklearn.base.ClassifierMixin"
            " --output accuracy=float"
        ),
        env=ENV,
        append_env=True,
    )

    t_reporter = BashOperator(
        task_id="reporter",
        bash_command=SHIM_COMMAND + (
            " --function reporter"
            " --step-id reporter"
            " --input model=trainer/model"
            " --input accuracy=trainer/accuracy"
            " --output output=str"
        ),
        env=ENV,
        append_env=True,
    )

    t_data_checker >> t_get_dataframe
    t_get_dataframe >> t_splitter
    t_splitter >> t_trainer
    t_trainer >> t_reporter
