"""Airflow DAG `fan_in`, compiled by pipec from module `run`: do not edit, recompile.

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
    " --pipeline fan_in"
    " --run-id \"$PIPEC_RUN_ID\""
    " --artifact-store .pipec/artifacts"
    " --metadata-store sqlite:///.pipec/metadata.db"
    " --num-steps 4"
)
#: Environment variables several tasks set.
ENV = {"PIPEC_PYTHON": literal(PYTHON), "PIPEC_RUN_ID": RUN_ID}

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
    t_train_0 = BashOperator(
        task_id="train_0",
        bash_command=SHIM_COMMAND + (
            " --function train"
            " --step-id train_0"
            " --param seed=0"
            " --param n=\"$PIPEC_PARAM_n\""
            " --output output=float"
        ),
        env={**ENV, "PIPEC_PARAM_n": "{{ params['n'] | tojson }}"},
        append_env=True,
    )

    t_train_1 = BashOperator(
        task_id="train_1",
        bash_command=SHIM_COMMAND + (
            " --function train"
            " --step-id train_1"
            " --param seed=1"
            " --param n=\"$PIPEC_PARAM_n\""
            " --output output=float"
        ),
        env={**ENV, "PIPEC_PARAM_n": "{{ params['n'] | tojson }}"},
        append_env=True,
    )

    t_train_2 = BashOperator(
        task_id="train_2",
        bash_command=SHIM_COMMAND + (
            " --function train"
            " --step-id train_2"
            " --param seed=2"
            " --param n=\"$PIPEC_PARAM_n\""
            " --output output=float"
        ),
        env={**ENV, "PIPEC_PARAM_n": "{{ params['n'] | tojson }}"},
        append_env=True,
    )

    t_combine = BashOperator(
        task_id="combine",
        bash_command=SHIM_COMMAND + (
            " --function combine"
            " --step-id combine"
            " --input 'scores[0]=train_0/output'"
            " --input 'scores[1]=train_1/output'"
            " --input 'scores[2]=train_2/output'"
            " --output output=dict"
        ),
        env=ENV,
        append_env=True,
    )

    [t_train_0, t_train_1, t_train_2] >> t_combine
