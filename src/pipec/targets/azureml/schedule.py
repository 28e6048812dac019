"""A pipeline schedule as an Azure ML schedule (``az ml schedule create -f``).

A cron expression is a ``cron`` trigger; an interval a ``recurrence`` trigger counted in
whole minutes (Azure ML's smallest unit; a change is reported). Start and end times are
kept (a time without an offset is UTC); missed runs are never caught up (Azure ML has no
catch-up, which the capabilities report).
"""

from __future__ import annotations

from pipec.ir import Schedule
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.kit.unsupported import unsupported

SCHEMA = "https://azuremlschemas.azureedge.net/latest/schedule.schema.json"


def trigger(schedule: Schedule, diags: Diagnostics) -> dict:
    """The schedule's ``trigger``; what Azure ML cannot honour goes to `diags`."""
    if schedule.cron:
        out: dict = {"type": "cron", "expression": schedule.cron}
    else:
        seconds = schedule.interval_seconds or 0
        minutes = max(1, round(seconds / 60))
        if minutes * 60 != seconds:
            unsupported(diags, f"Azure ML recurrences count whole minutes; the interval of {seconds:g}s "
                               f"becomes {minutes} minute{'s' if minutes != 1 else ''}", schedule.span)
        out = {"type": "recurrence", "frequency": "minute", "interval": minutes}
    if schedule.start_time:
        out["start_time"] = schedule.start_time
    if schedule.end_time:
        out["end_time"] = schedule.end_time
    out["time_zone"] = "UTC"
    return out


def schedule_document(name: str, job_file: str, schedule: Schedule, diags: Diagnostics) -> dict:
    """The schedule file: `name`, its trigger, and the pipeline job file it creates each time."""
    return {"$schema": SCHEMA, "name": name, "trigger": trigger(schedule, diags), "create_job": f"./{job_file}"}
