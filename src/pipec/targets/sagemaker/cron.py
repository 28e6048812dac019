"""Five-field cron and fixed intervals as Amazon EventBridge schedule expressions.

EventBridge (which starts scheduled SageMaker pipelines) wants six fields,
``cron(minute hour day-of-month month day-of-week year)``, with exactly one of
day-of-month and day-of-week set to ``?`` and days of the week numbered 1-7 from
Sunday, where classic cron numbers them 0-7 from Sunday (7 is Sunday again).
Each field is parsed into the set of values it selects and written back in a form
EventBridge accepts, so the result does not depend on how the source spelled it.
"""

from __future__ import annotations

import re

#: @-macros of classic cron, as five fields.
MACROS = {
    "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
}
_MONTHS = {name: i + 1 for i, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"))}
_DAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_ITEM = re.compile(r"^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/([0-9]+))?$")


class CronError(ValueError):
    """The expression has no EventBridge equivalent (the message says why)."""


def _number(text: str, names: dict[str, int], what: str) -> int:
    if text.isdigit():
        return int(text)
    if text.upper() in names:
        return names[text.upper()]
    raise CronError(f"`{text}` is not a valid {what}")


def _values(field: str, low: int, high: int, names: dict[str, int], what: str) -> set[int]:
    """The set of values `field` selects, each within [low, high]."""
    if field == "?":  # some dialects write `?` for "any"
        field = "*"
    chosen: set[int] = set()
    for item in field.split(","):
        match = _ITEM.match(item)
        if not match:
            raise CronError(f"`{item}` in the {what} field is not supported (only numbers, names, "
                            "`*`, ranges, lists and steps are)")
        span, step = match.group(1), int(match.group(2) or 1)
        if step < 1:
            raise CronError(f"step 0 in the {what} field")
        if span == "*":
            start, end = low, high
        elif "-" in span:
            first, last = span.split("-")
            start, end = _number(first, names, what), _number(last, names, what)
        else:
            start = _number(span, names, what)
            end = high if match.group(2) else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise CronError(f"`{item}` is outside {low}-{high} in the {what} field")
        chosen.update(range(start, end + 1, step))
    return chosen


def _runs(values: list[int]) -> str:
    """Sorted values as a list, with runs of three or more written as ranges."""
    parts: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{values[i]}-{values[j]}")
            i = j + 1
        else:
            parts.append(str(values[i]))
            i += 1
    return ",".join(parts)


def _render(field: str, chosen: set[int], low: int, high: int) -> str:
    if chosen == set(range(low, high + 1)):
        return "*"
    every = re.fullmatch(r"\*/([0-9]+)", field)
    if every:  # keep "every n" readable: EventBridge writes it start/n
        return f"{low}/{int(every.group(1))}"
    return _runs(sorted(chosen))


def aws_cron(expr: str) -> str:
    """``cron(...)`` for a five-field cron expression or @-macro; CronError when it has none.

    Day-of-month and day-of-week combine as in Vixie cron: when either field starts with
    ``*`` a day must match both, otherwise either. EventBridge can only restrict one of
    them, so expressions that need both restricted are refused.
    """
    fields = MACROS.get(expr.strip(), expr).replace("?", "*").split()
    if len(fields) != 5:
        raise CronError(f"`{expr}` does not have five fields")
    minute, hour, dom, month, dow = fields
    minutes = _values(minute, 0, 59, {}, "minute")
    hours = _values(hour, 0, 23, {}, "hour")
    days = _values(dom, 1, 31, {}, "day-of-month")
    months = _values(month, 1, 12, _MONTHS, "month")
    weekdays = {d % 7 for d in _values(dow, 0, 7, _DAYS, "day-of-week")}
    every_day, every_weekday = days == set(range(1, 32)), weekdays == set(range(7))
    both = dom.startswith("*") or dow.startswith("*")  # Vixie: a day must match both fields
    if every_weekday or (not both and every_day):  # only the day of the month (or none) restricts
        dom_text, dow_text = ("*" if not both else _render(dom, days, 1, 31)), "?"
    elif every_day and both:
        dom_text, dow_text = "?", _runs(sorted(d + 1 for d in weekdays))  # 1 = Sunday
    else:
        how = "both match" if both else "either matches"
        raise CronError(f"`{expr}` restricts both the day of the month and the day of the week (cron runs "
                        f"when {how}; EventBridge can restrict only one of them)")
    parts = [_render(minute, minutes, 0, 59), _render(hour, hours, 0, 23), dom_text,
             _render(month, months, 1, 12), dow_text, "*"]
    return f"cron({' '.join(parts)})"


def aws_rate(seconds: float) -> str:
    """``rate(...)`` for an interval in seconds; CronError unless it is whole minutes."""
    if seconds != int(seconds) or int(seconds) % 60 or seconds <= 0:
        raise CronError(f"an interval of {seconds:g} s is not a whole number of minutes")
    total = int(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if total % size == 0:
            count = total // size
            return f"rate({count} {unit}{'s' if count != 1 else ''})"
    raise AssertionError("unreachable: every whole minute count matched")
