"""Airflow DAG `weekly_training`, compiled by pipec from module `run`: do not edit, recompile.

Each task runs one step through the pipec runtime shim in a KubernetesPodOperator pod.
Pipeline parameters are DAG params: a triggered run can override them.
"""

from __future__ import annotations

import datetime

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

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
    "--pipeline", "weekly_training",
    "--run-id", RUN_ID,
    "--artifact-store", "/pipec/artifacts",
]
#: An image several steps run in.
IMAGE_1 = "pipec.local/weekly_training:99dd08eea885f77c"
#: An image several steps run in.
IMAGE_2 = "pipec.local/weekly_training:5bf734e4155831cd"
#: Resources several steps request.
RESOURCES = k8s.V1ResourceRequirements(
    requests={"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"},
    limits={"memory": "4Gi", "nvidia.com/gpu": "1"},
)

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
    t_load_raw = KubernetesPodOperator(
        task_id="load_raw",
        image="pipec.local/weekly_training:2bef235f00569015",
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.ops",
            "--function", "load_raw",
            "--step-id", "load_raw",
            "--param", "source={{ params['source'] | tojson }}",
            "--output", "output=list",
        ],
        namespace="default",
        labels={"pipec-pipeline": "weekly_training", "pipec-step": "load_raw"},
    )

    t_clean = KubernetesPodOperator(
        task_id="clean",
        image=IMAGE_1,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.ops",
            "--function", "clean",
            "--step-id", "clean",
            "--input", "rows=load_raw/output",
            "--output", "output=list",
        ],
        namespace="default",
        labels={"pipec-pipeline": "weekly_training", "pipec-step": "clean"},
    )

    t_shard_0 = KubernetesPodOperator(
        task_id="shard_0",
        image=IMAGE_1,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.ops",
            "--function", "shard",
            "--step-id", "shard_0",
            "--input", "rows=clean/output",
            "--param", "index=0",
            "--param", "count={{ params['shards'] | tojson }}",
            "--output", "output=list",
        ],
        namespace="default",
        labels={"pipec-pipeline": "weekly_training", "pipec-step": "shard_0"},
    )

    t_fit_0 = KubernetesPodOperator(
        task_id="fit_0",
        image=IMAGE_2,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.train",
            "--function", "fit",
            "--step-id", "fit_0",
            "--input", "rows=shard_0/output",
            "--param", "alpha={{ params['alpha'] | tojson }}",
            "--output", "output=dict",
            "--no-cache",
        ],
        container_resources=RESOURCES,
        namespace="default",
        labels={"pipec-pipeline": "weekly_training", "pipec-step": "fit_0"},
        retries=3,
        retry_delay=datetime.timedelta(seconds=5),
        retry_exponential_backoff=True,
    )

    t_shard_1 = KubernetesPodOperator(
        task_id="shard_1",
        image=IMAGE_1,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.ops",
            "--function", "shard",
            "--step-id", "shard_1",
            "--input", "rows=clean/output",
            "--param", "index=1",
            "--param", "count={{ params['shards'] | tojson }}",
            "--output", "output=list",
        ],
        namespace="default",
        labels={"pipec-pipeline": "weekly_training", "pipec-step": "shard_1"},
    )

    t_fit_1 = KubernetesPodOperator(
        task_id="fit_1",
        image=IMAGE_2,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.train",
            "--function", "fit",
            "--step-id", "fit_1",
            "--input", "rows=shard_1/output",
            "--param", "alpha={{ params['alpha'] | tojson }}",
            "--output", "output=dict",
            "--no-cache",
        ],
        container_resources=RESOURCES,
        namespace="default",
        labels={"pipec-pipeline": "weekly_training", "pipec-step": "fit_1"},
        retries=3,
        retry_delay=datetime.timedelta(seconds=5),
        retry_exponential_backoff=True,
    )

    t_shard_2 = KubernetesPodOperator(
        task_id="shard_2",
        image=IMAGE_1,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.ops",
            "--function", "shard",
            "--step-id", "shard_2",
            "--input", "rows=clean/output",
            "--param", "index=2",
            "--param", "count={{ params['shards'] | tojson }}",
            "--output", "output=list",
        ],
        namespace="default",
        labels={"pipec-pipeline": "weekly_training", "pipec-step": "shard_2"},
    )

    t_fit_2 = KubernetesPodOperator(
        task_id="fit_2",
        image=IMAGE_2,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.train",
            "--function", "fit",
            "--step-id", "fit_2",
            "--input", "rows=shard_2/output",
            "--param", "alpha={{ params['alpha'] | tojson }}",
            "--output", "output=dict",
            "--no-cache",
        ],
        container_resources=RESOURCES,
        namespace="default",
        labels={"pipec-pipeline": "weekly_training", "pipec-step": "fit_2"},
        retries=3,
        retry_delay=datetime.timedelta(seconds=5),
        retry_exponential_backoff=True,
    )

    t_merge = KubernetesPodOperator(
        task_id="merge",
        image=IMAGE_1,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.train",
            "--function", "merge",
            "--step-id", "merge",
            "--input", "first=fit_0/output",
            "--input", "second=fit_1/output",
            "--input", "third=fit_2/output",
            "--output", "output=dict",
        ],
        namespace="default",
        labels={"pipec-pipeline": "weekly_training", "pipec-step": "merge"},
    )

    t_score = KubernetesPodOperator(
        task_id="score",
        image=IMAGE_1,
        cmds=SHIM,
        arguments=[
            *SHIM_ARGS,
            "--module", "steps.train",
            "--function", "score",
            "--step-id", "score",
            "--input", "model=merge/output",
            "--input", "rows=clean/output",
            "--output", "output=float",
        ],
        namespace="default",
        labels={"pipec-pipeline": "weekly_training", "pipec-step": "score"},
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
