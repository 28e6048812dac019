"""The pipeline's schedule as an Amazon EventBridge Scheduler ``CreateSchedule`` request.

SageMaker pipelines are started on a schedule by EventBridge Scheduler with the
pipeline's ARN as target (what the SageMaker SDK's ``PipelineSchedule`` sets up).
The file is the request body, ready for
``aws scheduler create-schedule --cli-input-json file://<pipeline>.schedule.json``.
The pipeline ARN is built from the `region` option and the account of `role_arn`;
the same role must trust ``scheduler.amazonaws.com`` and may start the pipeline.
"""

from __future__ import annotations

from typing import Any

from pipec.ir import Pipeline
from pipec.ir.diagnostics import Diagnostics

from .cron import CronError, aws_cron, aws_rate
from .options import Options

#: EventBridge Scheduler's limit on schedule names.
MAX_SCHEDULE_NAME = 64


def pipeline_arn(name: str, options: Options) -> str:
    """The ARN SageMaker gives pipeline `name` in the option's region and the role's account."""
    partition, account = options.role_arn.split(":")[1], options.role_arn.split(":")[4]
    return f"arn:{partition}:sagemaker:{options.region}:{account}:pipeline/{name.lower()}"


def schedule_expression(pipeline: Pipeline, diagnostics: Diagnostics) -> str | None:
    """``cron(...)`` or ``rate(...)`` for the pipeline's schedule; None (and PC352) when it has none."""
    schedule = pipeline.schedule
    if schedule is None:
        return None
    try:
        if schedule.cron is not None:
            return aws_cron(schedule.cron)
        return aws_rate(schedule.interval_seconds or 0)
    except CronError as exc:
        diagnostics.error("PC352", f"the schedule of pipeline `{pipeline.name}` has no EventBridge form: {exc}",
                          schedule.span, help="use a cron expression that restricts only one of day-of-month "
                                              "and day-of-week, or an interval of whole minutes")
        return None


def build_schedule(pipeline: Pipeline, name: str, options: Options, diagnostics: Diagnostics) -> dict[str, Any] | None:
    """The CreateSchedule request for pipeline `name` (its SageMaker name), None without a schedule."""
    expression = schedule_expression(pipeline, diagnostics)
    if expression is None:
        return None
    schedule = pipeline.schedule
    request: dict[str, Any] = {
        "Name": name[:MAX_SCHEDULE_NAME].rstrip("-"),
        "ScheduleExpression": expression,
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "State": "ENABLED",
        "Target": {"Arn": pipeline_arn(name, options), "RoleArn": options.role_arn},
    }
    if schedule.start_time:
        request["StartDate"] = schedule.start_time
    if schedule.end_time:
        request["EndDate"] = schedule.end_time
    return request
