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
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from pipec.ir import Pipeline
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.kubernetes_launcher import parameter_env
from pipec.targets.base import Submission, SubmitContext, SubmitError
from pipec.targets.kit.params import bound_parameters, parameter_text

from .build import vm_settings

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


def submit(pipeline: Pipeline, context: SubmitContext, target: str) -> Submission:
    """Launch the task on a new (or named) cluster; when waiting, follow it to the end."""
    try:
        import sky
    except ImportError as exc:
        raise SubmitError(f"SkyPilot is not installed ({exc}): "
                          f"{INSTALL_HINT.format(cloud=CLOUD_CLASSES[target][1])}") from exc
    check_credentials(target)
    [(path, text)] = [(p, t) for p, t in context.files.items() if p.endswith(".yaml")]
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / Path(path).name
        file.write_text(text, encoding="utf-8")
        task = sky.Task.from_yaml(str(file))
    task.update_envs(parameter_envs(pipeline, context.parameters))
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
