"""Build pipelines with the SageMaker Python SDK and print their definitions (run by test_sagemaker.py).

Runs in the side environment ``.venvs/sagemaker`` (sagemaker 3.x), not in pipec's: it reads a
JSON list of pipeline specs on stdin (parameters, and per step the image, command parts,
environment, instance, retry and dependencies, all derived from pipec's IR by the test) and
writes the JSON list of ``Pipeline.definition()`` results on stdout. Nothing is sent to AWS:
a PipelineSession only records the job requests.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings

import boto3
from sagemaker.core.processing import Processor
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join
from sagemaker.core.workflow.parameters import (
    ParameterBoolean,
    ParameterFloat,
    ParameterInteger,
    ParameterString,
)
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.mlops.workflow.pipeline import Pipeline
from sagemaker.mlops.workflow.retry import (
    SageMakerJobExceptionTypeEnum,
    SageMakerJobStepRetryPolicy,
    StepExceptionTypeEnum,
    StepRetryPolicy,
)
from sagemaker.mlops.workflow.steps import ProcessingStep

PARAMETER_TYPES = {"String": ParameterString, "Integer": ParameterInteger, "Float": ParameterFloat,
                   "Boolean": ParameterBoolean}


def _value(item, params):
    """A command item: a plain string, or parts joined with Join (one part alone stays itself)."""
    if isinstance(item, str):
        return item
    parts = [p if isinstance(p, str) else (ExecutionVariables.PIPELINE_EXECUTION_ID if "execution_id" in p
                                           else params[p["param"]]) for p in item["parts"]]
    return parts[0] if len(parts) == 1 else Join(on="", values=parts)


def _retry(spec):
    if spec is None:
        return None
    common = {"interval_seconds": spec["interval"], "backoff_rate": spec["backoff"], "max_attempts": spec["attempts"]}
    jobs = [SageMakerJobExceptionTypeEnum.INTERNAL_ERROR, SageMakerJobExceptionTypeEnum.CAPACITY_ERROR,
            SageMakerJobExceptionTypeEnum.RESOURCE_LIMIT]
    steps = [StepExceptionTypeEnum.SERVICE_FAULT, StepExceptionTypeEnum.THROTTLING]
    return [SageMakerJobStepRetryPolicy(exception_types=jobs, **common),
            StepRetryPolicy(exception_types=steps, **common)]


def build(spec, session):
    """One SDK Pipeline from a spec."""
    params = {p["name"]: PARAMETER_TYPES[p["type"]](name=p["name"], default_value=p["default"])
              for p in spec["parameters"]}
    steps = []
    for step in spec["steps"]:
        processor = Processor(role=step["role"], image_uri=step["image"], instance_count=1,
                              instance_type=step["instance_type"], volume_size_in_gb=step["volume"],
                              max_runtime_in_seconds=step["runtime"], env=step["env"] or None,
                              entrypoint=[_value(i, params) for i in step["entrypoint"]], sagemaker_session=session)
        args = processor.run(arguments=[_value(i, params) for i in step["arguments"]])
        steps.append(ProcessingStep(name=step["name"], step_args=args, description=step["description"],
                                    depends_on=step["depends_on"] or None, retry_policies=_retry(step["retry"])))
    return Pipeline(name=spec["name"], parameters=list(params.values()), steps=steps, sagemaker_session=session)


def main() -> None:
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    session = PipelineSession(boto_session=boto3.Session(region_name="us-east-1"), default_bucket="pipec-artifacts")
    out = [json.loads(build(spec, session).definition()) for spec in json.load(sys.stdin)]
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
