"""`pipec submit --target azureml`: create the pipeline job in a workspace and follow it.

Calls Azure ML through azure-ai-ml's ``MLClient`` (imported only here: ``pip install
'pipec[azureml]'``): the compiled job file is loaded with ``load_job`` (the values given
with ``--param`` as ``inputs.x`` overrides, exactly as ``az ml job create --set`` would
apply them), created with ``jobs.create_or_update``, then, when waiting, polled with
``jobs.get`` until it ends or the timeout passes. The workspace comes from the options
(``subscription_id``, ``resource_group``, ``workspace``) or, without them, from the
``config.json`` ``MLClient.from_config`` finds; credentials only from
``DefaultAzureCredential`` (environment, managed identity, ``az login``), never from
options, so they never reach an artifact. The pipeline job's name is the run id the steps
record (``$AZUREML_ROOT_RUN_ID``). A compiled pipeline component (a parameter had no value)
becomes a pipeline job here: its jobs, the ``--param`` values and defaults as the inputs (a
parameter with neither is refused), the default compute from the ``compute`` option.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from pipec.ir import Pipeline
from pipec.targets.base import Submission, SubmitContext, SubmitError
from pipec.targets.kit.params import parameter_text

from .build import COMPONENT_SCHEMA, SCHEMA, job_settings
from .text import OPEN

INSTALL_HINT = "pip install 'pipec[azureml]' (or: pip install azure-ai-ml azure-identity)"
#: Azure ML's job states -> pipec's (anything not here is still on its way: "running").
STATUS = {"NotStarted": "queued", "Queued": "queued", "Preparing": "queued", "Provisioning": "queued",
          "Starting": "queued", "Completed": "completed", "Failed": "failed", "Canceled": "stopped",
          "NotResponding": "failed"}
FINAL = ("Completed", "Failed", "Canceled", "NotResponding")
POLL_FIRST, POLL_MAX = 2.0, 30.0


def input_overrides(pipeline: Pipeline, job: dict, parameters: dict[str, object]) -> list[dict[str, str]]:
    """``[{"inputs.x": text}]`` for the ``--param`` values, as the shim takes them (the string of a
    ``str`` parameter, JSON otherwise); SubmitError for a parameter the job cannot take at run time."""
    overrides = []
    inputs = job.get("inputs") or {}
    for name, value in parameters.items():
        param = pipeline.parameter(name)
        if param is None or name not in inputs:
            raise SubmitError(f"pipeline parameter `{name}` is not an input of the Azure ML job (it was fixed "
                              "at compile time): recompile with --param instead")
        text = parameter_text(param, value)
        if text is None or "'" in text or OPEN in text:
            raise SubmitError(f"the value of `{name}` cannot be an Azure ML input (a single quote or `{OPEN}` "
                              "would change the command): recompile with --param instead")
        overrides.append({f"inputs.{name}": text})
    return overrides


def job_file(files: dict[str, str]) -> tuple[str, str]:
    """(relative path, text) of the pipeline job (or component) among the compiled files."""
    found = [(path, text) for path, text in files.items()
             if path.endswith(".yaml") and not path.endswith(".schedule.yaml")]
    if len(found) != 1:
        raise SubmitError(f"expected one Azure ML job file, got {sorted(files)}")
    return found[0]


def job_from_component(component: dict, values: dict[str, str], compute: str | None) -> dict:
    """The pipeline job that runs a compiled pipeline `component` with `values` (``{input: text}``
    from ``--param``); SubmitError naming a required input without a value."""
    missing = [name for name, spec in component["inputs"].items() if "default" not in spec and name not in values]
    if missing:
        raise SubmitError("pipeline parameter" + ("s " if len(missing) > 1 else " ")
                          + ", ".join(f"`{name}`" for name in missing) + " ha" + ("ve" if len(missing) > 1 else "s")
                          + " no value: give " + " ".join(f"--param {name}=..." for name in missing))
    job: dict = {"$schema": SCHEMA, "type": "pipeline"}
    if "display_name" in component:
        job["display_name"] = component["display_name"]
    job["inputs"] = {name: values.get(name, spec.get("default")) for name, spec in component["inputs"].items()}
    job["settings"] = job_settings(compute)
    job["jobs"] = component["jobs"]
    return job


def load_pipeline_job(pipeline: Pipeline, files: dict[str, str], parameters: dict[str, object], folder: Path,
                      compute: str | None = None):
    """The SDK's ``PipelineJob`` for the compiled job (or component) with `parameters` applied
    (written into `folder`)."""
    import yaml
    from azure.ai.ml import load_job

    path, text = job_file(files)
    document = yaml.safe_load(text)
    overrides = input_overrides(pipeline, document, parameters)
    if document.get("$schema") == COMPONENT_SCHEMA:
        values = {key.split(".", 1)[1]: value for override in overrides for key, value in override.items()}
        text = yaml.safe_dump(job_from_component(document, values, compute), sort_keys=False)
        overrides = []
    target = folder / Path(path).name
    target.write_text(text, encoding="utf-8")
    return load_job(target, params_override=overrides)


def _client(options: dict[str, str]) -> Any:
    try:
        from azure.ai.ml import MLClient
        from azure.identity import DefaultAzureCredential
    except ImportError as exc:
        raise SubmitError(f"submitting to Azure ML needs azure-ai-ml and azure-identity: {INSTALL_HINT}") from exc
    credential = DefaultAzureCredential()
    workspace = [options.get(k) for k in ("subscription_id", "resource_group", "workspace")]
    if all(workspace):
        return MLClient(credential, *workspace)
    if any(workspace):
        raise SubmitError("give all of subscription_id, resource_group and workspace, or none (config.json)")
    try:
        return MLClient.from_config(credential)
    except Exception as exc:  # the SDK raises its own exception types for a missing config
        raise SubmitError(f"no Azure ML workspace: set --option subscription_id=... resource_group=... "
                          f"workspace=..., or put a config.json in this folder ({exc})") from exc


def submit(pipeline: Pipeline, context: SubmitContext) -> Submission:
    """Create the pipeline job and, when `context.wait`, follow it to its end."""
    client = _client(context.options)
    with tempfile.TemporaryDirectory(prefix="pipec-azureml-") as folder:
        job = load_pipeline_job(pipeline, context.files, context.parameters, Path(folder),
                                compute=context.options.get("compute") or None)
        try:
            created = client.jobs.create_or_update(job, experiment_name=context.options.get("experiment")
                                                   or pipeline.name)
        except Exception as exc:  # azure-core's HttpResponseError and friends carry the service's reason
            raise SubmitError(f"Azure ML refused the job: {exc}") from exc
    url = (created.services or {}).get("Studio")
    submission = Submission(created.name, run_id=created.name, url=getattr(url, "endpoint", None),
                            status=STATUS.get(created.status, "running"))
    context.log(f"created Azure ML job {created.name}")
    if not context.wait:
        return submission
    deadline, pause, status = time.monotonic() + context.timeout, POLL_FIRST, created.status
    while status not in FINAL and time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(POLL_MAX, pause * 1.5)
        status = client.jobs.get(created.name).status
    return Submission(created.name, run_id=created.name, url=submission.url, status=STATUS.get(status, "running"))
