"""A pipeline schedule as the five-field UTC cron expression GitHub's ``on.schedule`` takes.

GitHub has no @-macros, no intervals and no start or end time. Macros map to their cron
form; an interval becomes cron when cron can express it exactly (a whole number of
minutes dividing an hour, of hours dividing a day, one day or one week), in phase with
`start_time` when one is given (naive times are taken as UTC). Anything else is a
:class:`ScheduleError`, which `schedule_trigger` reports (PC342).
"""

from __future__ import annotations

from datetime import datetime, timezone

from pipec.ir import Schedule
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.kit.unsupported import unsupported

_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}

MINUTE, HOUR, DAY, WEEK = 60, 3600, 86400, 7 * 86400


class ScheduleError(ValueError):
    """The schedule has no exact GitHub cron form; the message says why."""


def _start(schedule: Schedule) -> datetime:
    if not schedule.start_time:
        return datetime(1970, 1, 1, tzinfo=timezone.utc)  # a Thursday at 00:00
    try:
        start = datetime.fromisoformat(schedule.start_time)
    except ValueError as exc:
        raise ScheduleError(f"start time `{schedule.start_time}` is not an ISO-8601 datetime") from exc
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return start.astimezone(timezone.utc)


def _interval_cron(seconds: float, start: datetime) -> str:
    if not float(seconds).is_integer() or int(seconds) % MINUTE:
        raise ScheduleError(f"an interval of {seconds:g} s is not a whole number of minutes")
    step = int(seconds)
    if step < HOUR:
        minutes = step // MINUTE
        if HOUR % step:
            raise ScheduleError(f"an interval of {minutes} minutes does not divide an hour")
        phase = start.minute % minutes
        field = "*" if minutes == 1 else f"{phase}-59/{minutes}" if phase else f"*/{minutes}"
        return f"{field} * * * *"
    if step < DAY:
        hours = step // HOUR
        if step % HOUR or DAY % step:
            raise ScheduleError(f"an interval of {step / HOUR:g} hours does not divide a day")
        phase = start.hour % hours
        field = "*" if hours == 1 else f"{phase}-23/{hours}" if phase else f"*/{hours}"
        return f"{start.minute} {field} * * *"
    if step == DAY:
        return f"{start.minute} {start.hour} * * *"
    if step == WEEK:
        return f"{start.minute} {start.hour} * * {start.isoweekday() % 7}"
    raise ScheduleError(f"an interval of {step / DAY:g} days is neither one day nor one week")


def github_cron(schedule: Schedule) -> str:
    """The cron expression for `schedule`; ScheduleError when there is no exact one."""
    if schedule.cron:
        return _MACROS.get(schedule.cron, schedule.cron)
    if schedule.interval_seconds is None:
        raise ScheduleError("the schedule has neither a cron expression nor an interval")
    return _interval_cron(schedule.interval_seconds, _start(schedule))


def schedule_trigger(schedule: Schedule, diags: Diagnostics) -> list[dict[str, str]] | None:
    """The workflow's ``on.schedule`` for `schedule`, None when it has no GitHub form (error PC342);
    an end time, and a start time beside a cron expression, are reported as unsupported."""
    trigger = None
    try:
        trigger = [{"cron": github_cron(schedule)}]
    except ScheduleError as exc:
        diags.error("PC342", f"the schedule has no GitHub cron form: {exc}", schedule.span,
                    help="use a cron expression, or an interval cron can express exactly")
    ignored = [name for name, value in (("end_time", schedule.end_time),
                                        ("start_time", schedule.start_time if schedule.cron else None))
               if value]
    for name in ignored:
        unsupported(diags, f"GitHub schedules have no {name.replace('_', ' ')}; it is ignored", schedule.span)
    return trigger
