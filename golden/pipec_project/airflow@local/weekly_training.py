"""Airflow DAG `weekly_training`, compiled by pipec from module `run`: do not edit, recompile.

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
    " --pipeline weekly_training"
    " --run-id \"$PIPEC_RUN_ID\""
    " --artifact-store .pipec/artifacts"
    " --metadata-store sqlite:///.pipec/metadata.db"
    " --num-steps 10"
)
#: Environment variables several tasks set.
ENV = {"PIPEC_PYTHON": literal(PYTHON), "PIPEC_RUN_ID": RUN_ID}

with DAG(
    dag_id="weekly_training",
    schedule="0 6 * * 1",
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["pipec"],
    params={
        "source": Param("data/events.jsonl", type="string"),
        "alpha": Param(0.5, type="number"),
        "shards": Param(3, type="integer"),
    },
    default_args={"retries": 0},
) as dag:
    t_load_raw = BashOperator(
        task_id="load_raw",
        bash_command=SHIM_COMMAND + (
            " --module steps.ops"
            " --function load_raw"
            " --step-id load_raw"
            " --param source=\"$PIPEC_PARAM_source\""
            " --output output=list"
        ),
        env={**ENV, "PIPEC_PARAM_source": "{{ params['source'] | tojson }}"},
        append_env=True,
    )

    t_clean = BashOperator(
        task_id="clean",
        bash_command=SHIM_COMMAND + (
            " --module steps.ops"
            " --function clean"
            " --step-id clean"
            " --input rows=load_raw/output"
            " --output output=list"
        ),
        env=ENV,
        append_env=True,
    )

    t_shard_0 = BashOperator(
        task_id="shard_0",
        bash_command=SHIM_COMMAND + (
            " --module steps.ops"
            " --function shard"
            " --step-id shard_0"
            " --input rows=clean/output"
            " --param index=0"
            " --param count=\"$PIPEC_PARAM_shards\""
            " --output output=list"
        ),
        env={**ENV, "PIPEC_PARAM_shards": "{{ params['shards'] | tojson }}"},
        append_env=True,
    )

    t_fit_0 = BashOperator(
        task_id="fit_0",
        bash_command=SHIM_COMMAND + (
            " --module steps.train"
            " --function fit"
            " --step-id fit_0"
            " --input rows=shard_0/output"
            " --param alpha=\"$PIPEC_PARAM_alpha\""
            " --output output=dict"
            " --no-cache"
        ),
        env={**ENV, "PIPEC_PARAM_alpha": "{{ params['alpha'] | tojson }}"},
        append_env=True,
        retries=3,
        retry_delay=datetime.timedelta(seconds=5),
        retry_exponential_backoff=True,
    )

    t_shard_1 = BashOperator(
        task_id="shard_1",
        bash_command=SHIM_COMMAND + (
            " --module steps.ops"
            " --function shard"
            " --step-id shard_1"
            " --input rows=clean/output"
            " --param index=1"
            " --param count=\"$PIPEC_PARAM_shards\""
            " --output output=list"
        ),
        env={**ENV, "PIPEC_PARAM_shards": "{{ params['shards'] | tojson }}"},
        append_env=True,
    )

    t_fit_1 = BashOperator(
        task_id="fit_1",
        bash_command=SHIM_COMMAND + (
            " --module steps.train"
            " --function fit"
            " --step-id fit_1"
            " --input rows=shard_1/output"
            " --param alpha=\"$PIPEC_PARAM_alpha\""
            " --output output=dict"
            " --no-cache"
        ),
        env={**ENV, "PIPEC_PARAM_alpha": "{{ params['alpha'] | tojson }}"},
        append_env=True,
        retries=3,
        retry_delay=datetime.timedelta(seconds=5),
        retry_exponential_backoff=True,
    )

    t_shard_2 = BashOperator(
        task_id="shard_2",
        bash_command=SHIM_COMMAND + (
            " --module steps.ops"
            " --function shard"
            " --step-id shard_2"
            " --input rows=clean/output"
            " --param index=2"
            " --param count=\"$PIPEC_PARAM_shards\""
            " --output output=list"
        ),
        env={**ENV, "PIPEC_PARAM_shards": "{{ params['shards'] | tojson }}"},
        append_env=True,
    )

    t_fit_2 = BashOperator(
        task_id="fit_2",
        bash_command=SHIM_COMMAND + (
            " --module steps.train"
            " --function fit"
            " --step-id fit_2"
            " --input rows=shard_2/output"
            " --param alpha=\"$PIPEC_PARAM_alpha\""
            " --output output=dict"
            " --no-cache"
        ),
        env={**ENV, "PIPEC_PARAM_alpha": "{{ params['alpha'] | tojson }}"},
        append_env=True,
        retries=3,
        retry_delay=datetime.timedelta(seconds=5),
        retry_exponential_backoff=True,
    )

    t_merge = BashOperator(
        task_id="merge",
        bash_command=SHIM_COMMAND + (
            " --module steps.train"
            " --function merge"
            " --step-id merge"
            " --input first=fit_0/output"
            " --input second=fit_1/output"
            " --input third=fit_2/output"
            " --output output=dict"
        ),
        env=ENV,
        append_env=True,
    )

    t_score = BashOperator(
        task_id="score",
        bash_command=SHIM_COMMAND + (
            " --module steps.train"
            " --function score"
            " --step-id score"
            " --input model=merge/output"
            " --input rows=clean/output"
            " --output output=float"
        ),
        env=ENV,
        append_env=True,
    )

    t_load_raw >> t_clean
    t_clean >> t_shard_0
    t_shard_0 >> t_fit_0
    t_clean >> t_shard_1
    t_shard_1 >> t_fit_1
    t_clean >> t_shard_2
    t_shard_2 >> t_fit_2
    [t_fit_0, t_fit_1, t_fit_2] >> t_merge
    [t_merge, t_clean] >> t_score
