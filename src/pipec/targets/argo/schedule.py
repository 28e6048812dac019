"""A pipeline schedule as the one entry of an Argo CronWorkflow's ``spec.schedules``.

A cron expression (macros included) is taken as is; an interval becomes ``@every <N>s``,
rounded to whole seconds (at least one) with a note when it changes. CronWorkflows have no
start or end time: either is reported as unsupported and left out.
"""

from __future__ import annotations

from pipec.ir import Schedule
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.kit.unsupported import unsupported


def cron_schedule(schedule: Schedule, diags: Diagnostics) -> str:
    """The CronWorkflow's schedule for `schedule`; what Argo cannot honour goes to `diags`."""
    if schedule.cron:
        when = schedule.cron
    else:
        seconds = max(1, round(schedule.interval_seconds or 0))
        if seconds != schedule.interval_seconds:
            unsupported(diags, f"Argo schedules count whole seconds; the interval of "
                               f"{schedule.interval_seconds:g}s becomes {seconds}s", schedule.span)
        when = f"@every {seconds}s"
    for field, value in (("start_time", schedule.start_time), ("end_time", schedule.end_time)):
        if value:
            unsupported(diags, f"Argo CronWorkflows have no {field.replace('_', ' ')}; it is ignored",
                        schedule.span)
    return when
