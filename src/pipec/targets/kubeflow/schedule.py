"""A pipeline's schedule as a KFP recurring run, which KFP keeps apart from the pipeline.

The file holds the keyword arguments of ``kfp.Client().create_recurring_run`` (all but
`experiment_id`), with the package path relative to the file::

    client.create_recurring_run(experiment_id=EXPERIMENT, **json.load(open("x.recurring-run.json")))

KFP's cron has a leading seconds field (robfig/cron), so ``"0 6 * * 1"`` becomes
``"0 0 6 * * 1"``; start and end times are RFC 3339 (`pipec.targets.kfp_spec.times`).
"""

from __future__ import annotations

from pipec.ir import Pipeline, Schedule
from pipec.targets.base import CompileContext
from pipec.targets.kfp_spec.times import schedule_times


def kfp_cron(cron: str) -> str:
    """A five-field cron expression with KFP's seconds field in front (@-macros unchanged)."""
    return cron if cron.startswith("@") else f"0 {cron}"


def recurring_run(pipeline: Pipeline, schedule: Schedule, package: str, context: CompileContext) -> dict:
    """The `create_recurring_run` keyword arguments for `schedule` of the package file `package`."""
    config: dict = {"job_name": pipeline.name, "pipeline_package_path": package, "enabled": True,
                    "max_concurrency": 1, "no_catchup": not schedule.catchup}
    if schedule.cron is not None:
        config["cron_expression"] = kfp_cron(schedule.cron)
    elif schedule.interval_seconds is not None:
        seconds = schedule.interval_seconds
        if float(seconds).is_integer():
            config["interval_second"] = int(seconds)
        else:
            context.diagnostics.error("PC325", f"KFP schedules take whole seconds, not {seconds:g}", schedule.span,
                                      help=f"use {max(1, round(seconds))} seconds")
    config.update(schedule_times(schedule, context, "KFP"))
    return config
