"""`pipec submit --target vm_aws|vm_gcp|vm_azure`: launch the compiled task with ``sky.launch``.

SkyPilot is imported only here (``pip install 'pipec[skypilot]'`` plus the cloud's extra, e.g.
``skypilot[aws]``). Before anything is launched, the cloud's credentials go through SkyPilot's
own check (what ``sky check`` runs), unless an API server is configured
(``SKYPILOT_API_SERVER_ENDPOINT``: the credentials are the server's); a missing piece is an
error saying what to install or configure (exit 2). ``--param`` values become the task's
``PIPEC_PARAM_<name>`` envs. The launch arguments are ZenML's: ``cluster_name``,
``retry_until_up``, ``idle_minutes_to_autostop`` (default 30), ``down`` (default True) and
``launch_settings`` from the pipeline's settings; ``stream_logs`` (default True) follows the
job's log while waiting. The run id the VM's run records is SkyPilot's task id.

A chain (steps with VM settings of their own, see `chain`) is launched as ``sky jobs launch``
launches one: SkyPilot's chain loader reads the file, every task gets the ``--param`` envs and
``PIPEC_RUN_ID`` (a fresh run id, the one all tasks record into), then ``sky.jobs.launch``
starts the managed job; waiting follows its log to the end. Launch settings do not apply to a
managed job (reported at compile time).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import yaml

from pipec.ir import Pipeline
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.kubernetes_launcher import parameter_env
from pipec.targets.base import Submission, SubmitContext, SubmitError
from pipec.targets.kit.params import bound_parameters, parameter_text

from .build import vm_settings
from .chain import RUN_ID_ENV
from .chain_check import chain_problems

#: What to install when SkyPilot is missing.
INSTALL_HINT = "pip install 'pipec[skypilot]' 'skypilot[{cloud}]'"
#: ZenML's defaults for the launch arguments.
LAUNCH_DEFAULTS = {"idle_minutes_to_autostop": 30, "down": True}
#: SkyPilot's class of each target's cloud.
CLOUD_CLASSES = {"vm_aws": ("AWS", "aws"), "vm_gcp": ("GCP", "gcp"), "vm_azure": ("Azure", "azure")}


def launch_arguments(pipeline: Pipeline, target: str) -> tuple[dict, bool]:
    """(``sky.launch`` keyword arguments, whether to follow the log) from the pipeline's settings."""
    launch = dict(vm_settings(pipeline, target, Diagnostics()).launch)
    stream = launch.pop("stream_logs", True)
    return {**LAUNCH_DEFAULTS, **launch}, stream


def parameter_envs(pipeline: Pipeline, parameters: dict[str, object]) -> dict[str, str]:
    """``{PIPEC_PARAM_<name>: text}`` of the ``--param`` values; SubmitError for one no step reads."""
    env = parameter_env(p.name for p in bound_parameters(pipeline))
    found = {}
    for name, value in parameters.items():
        param = pipeline.parameter(name)
        text = parameter_text(param, value) if param is not None and name in env else None
        if text is None:
            raise SubmitError(f"pipeline parameter `{name}` is not one the task takes at run time (no step reads "
                              "it, or its value is not text): recompile with --param instead")
        found[env[name]] = text
    return found


def check_credentials(target: str) -> None:
    """SubmitError, with SkyPilot's own instructions, when this machine cannot launch on the cloud."""
    if os.environ.get("SKYPILOT_API_SERVER_ENDPOINT"):
        return
    from sky import clouds
    from sky.clouds.cloud import CloudCapability

    name, extra = CLOUD_CLASSES[target]
    ok, reason = getattr(clouds, name).check_credentials(CloudCapability.COMPUTE)
    if not ok:
        raise SubmitError(f"SkyPilot cannot launch on {name} from this machine: {reason}\n"
                          f"help: install the cloud's extra ({INSTALL_HINT.format(cloud=extra)}), configure its "
                          "credentials, then check with `sky check`")


def chain_dag(path: str, envs: dict[str, str]):
    """The managed job of chain file `path` as ``sky jobs launch`` builds it (SkyPilot's chain
    loader, names and job defaults filled), every task with `envs` set."""
    from sky.utils import dag_utils

    dag = dag_utils.load_chain_dag_from_yaml(path, env_overrides=list(envs.items()))
    dag_utils.maybe_infer_and_fill_dag_and_task_names(dag)
    dag_utils.fill_default_config_in_dag_for_job_launch(dag)
    return dag


def submit(pipeline: Pipeline, context: SubmitContext, target: str) -> Submission:
    """Launch the task on a new (or named) cluster, or the chain as a managed job; when waiting,
    follow it to the end."""
    try:
        import sky
    except ImportError as exc:
        raise SubmitError(f"SkyPilot is not installed ({exc}): "
                          f"{INSTALL_HINT.format(cloud=CLOUD_CLASSES[target][1])}") from exc
    check_credentials(target)
    [(path, text)] = [(p, t) for p, t in context.files.items() if p.endswith(".yaml")]
    envs = parameter_envs(pipeline, context.parameters)
    documents = list(yaml.safe_load_all(text))
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / Path(path).name
        file.write_text(text, encoding="utf-8")
        if len(documents) > 1:
            return submit_chain(pipeline, context, target, documents, str(file), envs)
        task = sky.Task.from_yaml(str(file))
    task.update_envs(envs)
    kwargs, stream = launch_arguments(pipeline, target)
    try:
        request = sky.launch(task, **kwargs)
        context.log(f"launching `{task.name}` on {CLOUD_CLASSES[target][0]} (request {request})")
        job_id, handle = sky.stream_and_get(request) if stream else sky.get(request)
    except Exception as exc:  # SkyPilot's errors are the user's to act on (quota, capacity, credentials)
        raise SubmitError(f"sky.launch failed: {type(exc).__name__}: {exc}") from exc
    cluster = getattr(handle, "cluster_name", None) or kwargs.get("cluster_name") or ""
    if not context.wait:
        return Submission(engine_run_id=f"{cluster}/{job_id}", status="running")
    code = sky.tail_logs(cluster, job_id, follow=True, output_stream=sys.stderr if stream else None)
    return Submission(engine_run_id=f"{cluster}/{job_id}", status="completed" if code == 0 else "failed")


def submit_chain(pipeline: Pipeline, context: SubmitContext, target: str, documents: list, path: str,
                 envs: dict[str, str]) -> Submission:
    """Launch chain file `path` (whose `documents` pass `chain_problems`) with ``sky.jobs.launch``
    under a fresh run id; when waiting, follow the managed job's log to its end."""
    import sky

    from pipec.runtime.orchestrator import new_run_id

    problems = chain_problems(documents)
    if problems:
        raise SubmitError("the chain cannot run: " + "; ".join(problems))
    run_id = new_run_id(pipeline.name)
    dag = chain_dag(path, {**envs, RUN_ID_ENV: run_id})
    _, stream = launch_arguments(pipeline, target)
    try:
        request = sky.jobs.launch(dag)
        context.log(f"launching managed job `{dag.name}` ({len(dag.tasks)} tasks, run {run_id}; request {request})")
        job_ids, _ = sky.stream_and_get(request) if stream else sky.get(request)
        job_id = job_ids[0] if isinstance(job_ids, list) else job_ids
    except Exception as exc:  # SkyPilot's errors are the user's to act on (quota, capacity, credentials)
        raise SubmitError(f"sky.jobs.launch failed: {type(exc).__name__}: {exc}") from exc
    if not context.wait:
        return Submission(engine_run_id=f"managed job {job_id}", run_id=run_id, status="running")
    code = sky.jobs.tail_logs(job_id=job_id, follow=True, output_stream=sys.stderr if stream else None)
    return Submission(engine_run_id=f"managed job {job_id}", run_id=run_id,
                      status="completed" if code == 0 else "failed")
