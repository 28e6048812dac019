"""Run in .venvs/azureml: the REST body azure-ai-ml would send for `pipec submit --target azureml`.

Reads ``{"example": path, "parameters": {...}}`` on stdin, compiles the example's pipeline for
azureml, builds the job exactly as `pipec.targets.azureml.submit` does (`load_pipeline_job`)
and prints the SDK's own serialization of it (``PipelineJob._to_rest_object().as_dict()``),
the body ``MLClient.jobs.create_or_update`` puts to the service. Offline.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import warnings
from pathlib import Path


def main() -> None:
    """Print the request body for the request on stdin."""
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    from pipec.compiler import api
    from pipec.compiler.driver import compile_targets
    from pipec.targets.azureml.submit import load_pipeline_job

    request = json.load(sys.stdin)
    result = api.load(Path(request["example"]))
    (pipeline,) = result.program.pipelines
    files, diags = compile_targets(result, ["azureml"], {})
    assert not diags.has_errors
    with tempfile.TemporaryDirectory() as folder:
        job = load_pipeline_job(pipeline, files, request["parameters"], Path(folder),
                                compute=request.get("compute"))
        body = job._to_rest_object().as_dict()
    print(json.dumps({"files": files, "body": body}, default=str))


if __name__ == "__main__":
    main()
