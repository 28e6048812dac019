"""Run in the side environment .venvs/azureml (azure-ai-ml): load and validate Azure ML files.

Usage: ``python azureml_proofs.py FILE...``; prints one JSON object per file:
``{"file", "checks": {check: error text or null}}``. A ``*.schedule.yaml`` goes through
``load_schedule`` (which also loads the job file its ``create_job`` names), then that job's
validation; a ``*.component.yaml`` through ``load_component`` then its ``_validate()``; any other file through ``load_job`` then ``PipelineJob._validate()`` (the
validation ``MLClient.jobs.create_or_update`` runs before it sends anything). Offline: no
credentials, no workspace.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings


def _checks(path: str) -> dict[str, str | None]:
    from azure.ai.ml import load_job
    from azure.ai.ml.entities._load_functions import load_schedule

    checks: dict[str, str | None] = {}
    if path.endswith(".component.yaml"):
        return _component_checks(path)
    loader = "load_schedule" if path.endswith(".schedule.yaml") else "load_job"
    try:
        entity = load_schedule(path) if loader == "load_schedule" else load_job(path)
    except Exception as error:  # the loader's verdict is what we report
        return {loader: f"{type(error).__name__}: {error}"}
    checks[loader] = None
    job = entity.create_job if loader == "load_schedule" else entity
    if type(job).__name__ != "PipelineJob":
        checks["PipelineJob"] = f"loaded a {type(job).__name__}"
        return checks
    result = job._validate()
    checks["validate"] = None if result.passed else json.dumps(result.error_messages)
    return checks


def _component_checks(path: str) -> dict[str, str | None]:
    from azure.ai.ml import load_component

    try:
        component = load_component(path)
    except Exception as error:  # the loader's verdict is what we report
        return {"load_component": f"{type(error).__name__}: {error}"}
    if type(component).__name__ != "PipelineComponent":
        return {"load_component": None, "PipelineComponent": f"loaded a {type(component).__name__}"}
    result = component._validate()
    return {"load_component": None, "validate": None if result.passed else json.dumps(result.error_messages)}


def main(paths: list[str]) -> None:
    """Print the checks of every file in `paths`."""
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    for path in paths:
        print(json.dumps({"file": path, "checks": _checks(path)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
