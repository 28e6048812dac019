"""Schedule start and end times as RFC 3339, which KFP's recurring runs and Vertex AI's
schedules both take (a time without offset is read as UTC)."""

from __future__ import annotations

from datetime import datetime, timezone

from pipec.ir import Schedule
from pipec.targets.base import CompileContext


def rfc3339(text: str) -> str | None:
    """An ISO-8601 time as RFC 3339 (UTC when it has no offset), None when it does not parse."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    stamp = moment.isoformat()
    return stamp[:-6] + "Z" if stamp.endswith("+00:00") else stamp


def schedule_times(schedule: Schedule, context: CompileContext, engine: str) -> dict[str, str]:
    """``{"start_time": ..., "end_time": ...}`` (those set) in RFC 3339; PC325 for unreadable ones."""
    times: dict[str, str] = {}
    for key in ("start_time", "end_time"):
        raw = getattr(schedule, key)
        if raw is None:
            continue
        stamp = rfc3339(raw)
        if stamp is None:
            context.diagnostics.error("PC325", f"schedule `{key}` `{raw}` is not an ISO-8601 time {engine} can use",
                                      schedule.span, help='write e.g. "2025-01-31T06:00:00+00:00"')
        else:
            times[key] = stamp
    return times
