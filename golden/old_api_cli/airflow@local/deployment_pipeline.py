"""Airflow DAG `deployment_pipeline`, compiled by pipec from module `run`: do not edit, recompile.

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
    " --pipeline deployment_pipeline"
    " --run-id \"$PIPEC_RUN_ID\""
    " --artifact-store .pipec/artifacts"
    " --metadata-store sqlite:///.pipec/metadata.db"
    " --num-steps 4"
)
#: Environment variables several tasks set.
ENV = {"PIPEC_PYTHON": literal(PYTHON), "PIPEC_RUN_ID": RUN_ID}

with DAG(
    dag_id="deployment_pipeline",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    default_args={"retries": 0},
) as dag:
    t_load = BashOperator(
        task_id="load",
        bash_command=SHIM_COMMAND + (
            " --function loader"
            " --step-id load"
            " --param 'params={\"source\":\"generated\",\"rows\":100}'"
            " --output features=list"
            " --output labels=list"
            " --no-cache"
        ),
        env=ENV,
        append_env=True,
    )

    t_train = BashOperator(
        task_id="train",
        bash_command=SHIM_COMMAND + (
            " --function trainer"
            " --step-id train"
            " --input features=load/features"
            " --input labels=load/labels"
            " --output 'output=tuple[float, int]'"
            " --no-cache"
        ),
        env=ENV,
        append_env=True,
    )

    t_decide = BashOperator(
        task_id="decide",
        bash_command=SHIM_COMMAND + (
            " --function gate"
            " --step-id decide"
            " --input model=train/output"
            " --param 'params={\"min_accuracy\":0.5}'"
            " --output output=bool"
            " --no-cache"
        ),
        env=ENV,
        append_env=True,
    )

    t_report = BashOperator(
        task_id="report",
        bash_command=SHIM_COMMAND + (
            " --function announce"
            " --step-id report"
            " --input deploy=decide/output"
            " --no-cache"
        ),
        env=ENV,
        append_env=True,
    )

    t_load >> t_train
    t_train >> t_decide
    t_decide >> t_report
