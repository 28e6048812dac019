"""`pipec submit --target sagemaker`: create or update the pipeline, start an execution.

Calls SageMaker through boto3 (imported only here: ``pip install 'pipec[sagemaker]'``):
``CreatePipeline`` (``UpdatePipeline`` when the name exists, as the SageMaker SDK's
``upsert`` does), ``StartPipelineExecution`` with the pipeline parameters' values, then,
when waiting, ``DescribePipelineExecution`` until the execution ends or the timeout
passes. Credentials come from the AWS environment only (variables, profiles, instance
roles: boto3's usual chain), never from options, so they never reach an artifact.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pipec.ir import Pipeline
from pipec.targets.base import Submission, SubmitContext, SubmitError

from .names import definition_file, sagemaker_pipeline_name, schedule_file
from .options import DEFAULT_REGION

#: SageMaker's execution states -> pipec's ("stopped" is final and not a success).
STATUS = {"Executing": "running", "Stopping": "running", "Succeeded": "completed", "Failed": "failed",
          "Stopped": "stopped"}
FINAL = ("Succeeded", "Failed", "Stopped")
#: Seconds between polls: the first, then growing by half up to the last.
POLL_FIRST, POLL_MAX = 1.0, 15.0
INSTALL_HINT = "pip install 'pipec[sagemaker]' (or: pip install boto3)"


def console_url(region: str, pipeline_name: str, execution_id: str) -> str:
    """The SageMaker console page of an execution, in the console of the region's partition."""
    if region.startswith("cn-"):
        host = f"{region}.console.amazonaws.cn"
    elif region.startswith("us-gov-"):
        host = "console.amazonaws-us-gov.com"
    else:
        host = f"{region}.console.aws.amazon.com"
    return f"https://{host}/sagemaker/home?region={region}#/pipelines/{pipeline_name}/executions/{execution_id}"


def _client(options: dict[str, str]) -> tuple[Any, Any]:
    try:
        import boto3
        import botocore.exceptions
    except ImportError as exc:
        raise SubmitError(f"submitting to SageMaker needs boto3: {INSTALL_HINT}") from exc
    client = boto3.client("sagemaker", region_name=options.get("region") or DEFAULT_REGION,
                          endpoint_url=options.get("endpoint_url") or None)
    return client, botocore.exceptions


def _call(errors: Any, what: str, func: Callable[..., dict], **kwargs: Any) -> dict:
    """`func(**kwargs)`, with boto3's failures as SubmitError."""
    try:
        return func(**kwargs)
    except errors.NoCredentialsError as exc:
        raise SubmitError("no AWS credentials found in the environment (set AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)") from exc
    except errors.ClientError as exc:
        error = exc.response.get("Error", {})
        raise SubmitError(f"{what}: {error.get('Code', 'error')}: {error.get('Message', exc)}") from exc
    except errors.BotoCoreError as exc:
        raise SubmitError(f"{what}: {exc}") from exc


def upsert(client: Any, errors: Any, name: str, definition: str, role_arn: str, description: str) -> str:
    """Create pipeline `name`, or update it when it exists; its ARN."""
    try:
        return _call(errors, "CreatePipeline", client.create_pipeline, PipelineName=name,
                     PipelineDefinition=definition, RoleArn=role_arn, PipelineDescription=description)["PipelineArn"]
    except SubmitError as exc:
        error = exc.__cause__.response.get("Error", {}) if isinstance(exc.__cause__, errors.ClientError) else {}
        if error.get("Code") != "ValidationException" or "already exists" not in error.get("Message", ""):
            raise
    return _call(errors, "UpdatePipeline", client.update_pipeline, PipelineName=name,
                 PipelineDefinition=definition, RoleArn=role_arn, PipelineDescription=description)["PipelineArn"]


def _check(pipeline: Pipeline, context: SubmitContext) -> tuple[str, str]:
    """(the definition to deploy, the role ARN); SubmitError when the options cannot give a working run."""
    from .build import shares_local_store
    from .options import PLACEHOLDER_ROLE_ARN, parse_options

    options = parse_options(context.options)  # the driver checked the values
    if options.role_arn == PLACEHOLDER_ROLE_ARN:
        raise SubmitError("no IAM role: set --option role_arn=arn:aws:iam::<account>:role/<name> "
                          "(or the stack's role_arn)")
    if shares_local_store(pipeline, options):
        raise SubmitError(f"artifact store `{options.artifact_store}` is a folder inside each job, so steps "
                          "cannot read their inputs: set --option artifact_store=s3://bucket/prefix")
    path = definition_file(pipeline)
    if path not in context.files:
        raise SubmitError(f"compiling produced no {path}")
    return context.files[path], options.role_arn


def _wait(client: Any, errors: Any, arn: str, context: SubmitContext) -> str:
    """Poll the execution until it ends or `context.timeout` passes; SageMaker's last status."""
    deadline = time.monotonic() + context.timeout
    delay = POLL_FIRST
    while True:
        described = _call(errors, "DescribePipelineExecution", client.describe_pipeline_execution,
                          PipelineExecutionArn=arn)
        status = described.get("PipelineExecutionStatus", "")
        if status in FINAL or not context.wait:
            if status == "Failed" and described.get("FailureReason"):
                context.log(f"execution failed: {described['FailureReason']}")
            return status
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            context.log(f"still {status or 'running'} after {context.timeout:g} s; not waiting any longer")
            return status
        time.sleep(min(delay, remaining))
        delay = min(delay * 1.5, POLL_MAX)


def submit(pipeline: Pipeline, context: SubmitContext) -> Submission:
    """Deploy `pipeline`'s definition and start one execution of it."""
    from .parameters import value_text

    definition, role_arn = _check(pipeline, context)
    name = sagemaker_pipeline_name(pipeline, context.options)
    region = context.options.get("region") or DEFAULT_REGION
    client, errors = _client(context.options)
    pipeline_arn = upsert(client, errors, name, definition, role_arn, f"pipec pipeline `{pipeline.name}`")
    context.log(f"deployed SageMaker pipeline {pipeline_arn}")
    values = [{"Name": p.name, "Value": value_text(p, context.parameters[p.name])}
              for p in pipeline.parameters if p.name in context.parameters]
    started = _call(errors, "StartPipelineExecution", client.start_pipeline_execution, PipelineName=name,
                    PipelineParameters=values, PipelineExecutionDescription=f"pipec submit of `{pipeline.name}`")
    arn = started["PipelineExecutionArn"]
    execution_id = arn.rsplit("/", 1)[-1]
    url = console_url(region, name, execution_id)
    context.log(f"started execution {arn}")
    context.log(f"console: {url}")

    if schedule_file(pipeline) in context.files:
        context.log(f"the pipeline has a schedule: create it with `aws scheduler create-schedule "
                    f"--cli-input-json file://sagemaker/{schedule_file(pipeline)}` (not done by submit)")
    status = _wait(client, errors, arn, context)
    return Submission(engine_run_id=arn, run_id=execution_id, url=url, status=STATUS.get(status, status.lower()))
