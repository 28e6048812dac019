"""Airflow DAG `report_pipeline`, compiled by pipec from module `run`: do not edit, recompile.

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
    " --pipeline report_pipeline"
    " --run-id \"$PIPEC_RUN_ID\""
    " --artifact-store .pipec/artifacts"
    " --metadata-store sqlite:///.pipec/metadata.db"
    " --num-steps 1"
)

with DAG(
    dag_id="report_pipeline",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={"artifact": Param("numbers", type="string")},
    default_args={"retries": 0},
) as dag:
    t_report = BashOperator(
        task_id="report",
        bash_command=SHIM_COMMAND + (
            " --function report"
            " --step-id report"
            " --input-lookup 'numbers={\"scope\":\"store\",\"parameter\":\"artifact\"}'"
            " --input-value 'settings={\"value\":{\"scale\":2}}'"
            " --input-value 'title={\"value\":\"Squares, '\"'\"'quoted'\"'\"' & $escaped\",\"name\":\"report_title\"}'"
            " --lookup-param numbers=\"$PIPEC_PARAM_artifact\""
            " --output output=dict"
        ),
        env={
            "PIPEC_PYTHON": literal(PYTHON),
            "PIPEC_RUN_ID": RUN_ID,
            "PIPEC_PARAM_artifact": "{{ params['artifact'] | tojson }}",
        },
        append_env=True,
    )
