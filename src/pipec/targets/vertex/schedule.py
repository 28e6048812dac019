"""A pipeline's schedule as a Vertex AI PipelineJobSchedule, a resource of its own.

The file holds the keyword arguments of ``PipelineJob.create_schedule``::

    job = aiplatform.PipelineJob(display_name=NAME, template_path="x.json")
    job.create_schedule(**json.load(open("x.schedule.json")))

Vertex takes five-field cron expressions only: @-macros are spelled out, an interval
schedule is a PC325 error, and `catchup` (which `create_schedule` cannot set) a warning.
"""

from __future__ import annotations

from pipec.ir import Pipeline, Schedule
from pipec.targets.base import CompileContext
from pipec.targets.kfp_spec.times import schedule_times

#: cron macros -> five fields.
MACROS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
          "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"}


def vertex_schedule(pipeline: Pipeline, schedule: Schedule, display_name: str,
                    context: CompileContext) -> dict | None:
    """The `create_schedule` keyword arguments, None when Vertex cannot express the schedule."""
    if schedule.cron is None:
        context.diagnostics.error(
            "PC325", f"Vertex AI schedules take a cron expression, not an interval "
            f"({schedule.interval_seconds:g} seconds)", schedule.span,
            help='use a cron expression, e.g. Schedule(cron_expression="0 * * * *") for hourly runs')
        return None
    if schedule.catchup:
        context.diagnostics.warning(
            "PC325", "Vertex AI schedules made with `PipelineJob.create_schedule` do not catch up "
            "on missed runs", schedule.span, help="drop `catchup=True`, or set catchUp on the schedule yourself")
    config: dict = {"display_name": display_name, "cron": MACROS.get(schedule.cron, schedule.cron),
                    "max_concurrent_run_count": 1, "allow_queueing": False}
    config.update(schedule_times(schedule, context, "Vertex AI"))
    return config
