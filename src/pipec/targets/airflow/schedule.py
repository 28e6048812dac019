"""The DAG's `schedule`, `start_date`, `end_date` and `catchup` from the IR schedule.

Airflow wants a fixed, timezone-aware `start_date` (never "now": the DAG would change at
every parse). It is the schedule's `start_time` when given (a naive time is UTC), else the
`start_date` option. `catchup` is always passed: its default differs between Airflow 2 and 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pipec.ir import Schedule, Span
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.base import OptionKind

from .escape import Code, call, py

#: The `start_date` when neither the schedule nor the option gives one (the option's default).
DEFAULT_START = datetime(2024, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class ScheduleSpec:
    """The schedule-related arguments of `DAG(...)`, as Python source."""

    # `schedule=`: None, a cron string or a timedelta.
    schedule: Code
    # `start_date=`.
    start_date: Code
    # `end_date=`, None when open-ended.
    end_date: Code | None
    # `catchup=`.
    catchup: bool
    # Whether the DAG runs on a schedule at all.
    scheduled: bool


def parse_time(text: str) -> datetime | None:
    """An ISO-8601 date or datetime as an aware datetime (naive = UTC); None when invalid."""
    try:
        return utc_time(text)
    except ValueError:
        return None


def utc_time(text: str) -> datetime:
    """An ISO-8601 date or datetime as an aware datetime (naive = UTC); ValueError when invalid."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    value = datetime.fromisoformat(raw)
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


#: The kind of the `start_date` option.
START_DATE = OptionKind("date", "a date like 2024-01-01 (UTC) or an ISO-8601 datetime", example="2024-01-01",
                        convert=utc_time)


def datetime_code(value: datetime) -> Code:
    """`datetime.datetime(...)` source for an aware datetime (trailing zero fields left out)."""
    fields = [value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond]
    while len(fields) > 3 and fields[-1] == 0:
        fields.pop()
    offset = value.utcoffset() or timedelta(0)
    tz = (Code("datetime.timezone.utc") if offset == timedelta(0)
          else call("datetime.timezone", call("datetime.timedelta", seconds=int(offset.total_seconds()))))
    return call("datetime.datetime", *fields, tzinfo=tz)


def interval_code(seconds: float) -> Code:
    """`datetime.timedelta(seconds=...)` source (whole seconds as an int)."""
    return call("datetime.timedelta", seconds=int(seconds) if float(seconds).is_integer() else seconds)


def build_schedule(schedule: Schedule | None, options: dict[str, str], diags: Diagnostics) -> ScheduleSpec:
    """The schedule arguments; an unreadable schedule time is an error (PC313; the driver checked
    the `start_date` option)."""
    fallback = parse_time(options.get("start_date") or "") or DEFAULT_START
    if schedule is None:
        return ScheduleSpec(py(None), datetime_code(fallback), None, False, False)
    start = _time(schedule.start_time, diags, schedule.span) if schedule.start_time else fallback
    end = _time(schedule.end_time, diags, schedule.span) if schedule.end_time else None
    when = py(schedule.cron) if schedule.cron else interval_code(schedule.interval_seconds or 0)
    return ScheduleSpec(when, datetime_code(start), datetime_code(end) if end else None, schedule.catchup, True)


def _time(text: str, diags: Diagnostics, span: Span) -> datetime:
    value = parse_time(text)
    if value is not None:
        return value
    diags.error("PC313", f"schedule time `{text}` is not an ISO-8601 date or datetime", span,
                help='e.g. "2024-01-01T06:00:00+00:00"')
    return DEFAULT_START
