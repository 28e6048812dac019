"""How each settings field is written by users: its ZenML aliases, validator and unit normaliser.

The IR settings dataclasses (:class:`pipec.ir.Resources`, ``Docker``, ``Retry``,
``Schedule``) declare every field once with :func:`setting`; the metadata it attaches
is a :class:`FieldSpec`. The frontend's settings reader, its merge, the run-config
checks and the JSON codec all iterate ``dataclasses.fields`` and read that metadata,
so adding a field (or a ZenML spelling of one) is a one-line change in the IR.

Parsers receive the user's spelling of the field (an alias or the field name) and a
plain value; they return the IR value, a :class:`Redirect` to store it under another
field, or raise :class:`Invalid` with the text the user reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields
from functools import cache
from typing import Any, NamedTuple

from .json_hints import JSON, JsonHint

#: Metadata key under which :func:`setting` stores a field's :class:`FieldSpec`.
SPEC = "pipec.setting"

_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGTP]i?B?|[KMGTP]i|B)?\s*$", re.IGNORECASE)
_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?LW#]+$")


class Invalid(ValueError):
    """A value a settings field cannot hold; ``message`` and ``help`` are what the user reads."""

    def __init__(self, message: str, help: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.help = help


class Redirect(NamedTuple):
    """A parsed value that belongs to another field of the same section."""

    #: Name of the field that receives the value.
    field: str
    #: The parsed value.
    value: Any


#: Reports one problem inside an otherwise usable value: (message, help).
Report = Callable[[str, "str | None"], None]
#: Turns (user's spelling, plain value, report) into the IR value; raises Invalid.
Parser = Callable[[str, Any, Report], Any]


@dataclass(frozen=True)
class FieldSpec:
    """What :func:`setting` records about one settings field."""

    #: Other names users may write for the field (ZenML's spellings), e.g. "cpu_count" for "cpu".
    aliases: tuple[str, ...] = ()
    #: Validator and unit normaliser of a user's value; None for fields users cannot set.
    parse: Parser | None = None


def setting(default: Any = MISSING, *, aliases: tuple[str, ...] = (), parse: Parser | None = None,
            omit: str = "none", **json: Any) -> Any:
    """A dataclass field carrying its :class:`FieldSpec` and its JSON hint (left out when None by default)."""
    return field(default=default, metadata={SPEC: FieldSpec(aliases, parse), JSON: JsonHint(omit=omit, **json)})


def spec_of(fld: Field) -> FieldSpec:
    """The :class:`FieldSpec` of a dataclass field (an empty one when it has none)."""
    return fld.metadata.get(SPEC) or _NO_SPEC


_NO_SPEC = FieldSpec()


@cache
def user_names(section: type) -> dict[str, str]:
    """Every name users may write in `section` (field names and aliases) -> the field it sets (do not mutate)."""
    names: dict[str, str] = {}
    for fld in fields(section):
        spec = spec_of(fld)
        if spec.parse is None:
            continue
        names[fld.name] = fld.name
        for alias in spec.aliases:
            names[alias] = fld.name
    return names


@cache
def parser_of(section: type, name: str) -> Parser:
    """The parser of field `name` of `section`."""
    for fld in fields(section):
        if fld.name == name and spec_of(fld).parse is not None:
            return spec_of(fld).parse  # type: ignore[return-value]
    raise KeyError(name)


# ---------------------------------------------------------------------- unit normalisers


def normalize_memory(raw: Any) -> str | None:
    """Canonical memory quantity ("4GiB", "512MB"), accepting "4Gi"/"4G"; None when invalid."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int) and raw > 0:
        return f"{raw}B"
    if not isinstance(raw, str):
        return None
    match = _MEMORY.match(raw)
    if not match:
        return None
    number, unit = match.group(1), (match.group(2) or "B")
    if float(number) <= 0:
        return None
    unit = unit.upper().replace("I", "i")
    if unit.endswith("i"):
        unit += "B"
    elif not unit.endswith("B"):
        unit += "B"
    return f"{number}{unit}"


def valid_cron(expr: str) -> bool:
    """True for a five-field cron expression (or an @-macro such as @daily)."""
    expr = expr.strip()
    if expr in ("@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight"):
        return True
    parts = expr.split()
    return len(parts) == 5 and all(_CRON_FIELD.match(f) for f in parts)


def _is_number(raw: Any) -> bool:
    return not isinstance(raw, bool) and isinstance(raw, (int, float))


def _is_strings(raw: Any) -> bool:
    return isinstance(raw, (list, tuple)) and all(isinstance(r, str) for r in raw)


def scalar_text(value: Any) -> str:
    """An environment value as text: booleans as true/false, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------------- resources


def cpu_cores(name: str, raw: Any, report: Report) -> float:
    """A positive number of CPU cores, as a float."""
    if not _is_number(raw) or raw <= 0:
        raise Invalid(f"`{name}` must be a positive number of CPU cores")
    return float(raw)


def gpu_count(name: str, raw: Any, report: Report) -> int:
    """A whole, non-negative number of GPUs."""
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise Invalid(f"`{name}` must be a whole number of GPUs")
    return raw


def memory(name: str, raw: Any, report: Report) -> str:
    """A memory quantity with a unit, normalised by :func:`normalize_memory`."""
    normalised = normalize_memory(raw)
    if normalised is None:
        raise Invalid(f"invalid memory `{raw}`", 'write a number with a unit, e.g. "512MiB", "4GB" or "16GiB"')
    return normalised


def accelerator(name: str, raw: Any, report: Report) -> str:
    """An accelerator type name."""
    if not isinstance(raw, str) or not raw:
        raise Invalid(f"`{name}` must be an accelerator name")
    return raw


# ---------------------------------------------------------------------- docker


def docker_text(name: str, raw: Any, report: Report) -> str:
    """A non-empty string (image names, file paths)."""
    if not isinstance(raw, str) or not raw:
        raise Invalid(f"docker `{name}` must be a non-empty string")
    return raw


def requirements(name: str, raw: Any, report: Report) -> tuple[str, ...] | Redirect:
    """pip requirements as a list, or (ZenML's other form) a requirements file path."""
    if isinstance(raw, str):
        return Redirect("requirements_file", raw)
    if _is_strings(raw):
        return tuple(raw)
    raise Invalid("docker `requirements` must be a list of strings or a file path")


def apt_packages(name: str, raw: Any, report: Report) -> tuple[str, ...]:
    """Debian package names."""
    if _is_strings(raw):
        return tuple(raw)
    raise Invalid("docker `apt_packages` must be a list of strings")


def environment(name: str, raw: Any, report: Report) -> tuple[tuple[str, str], ...]:
    """Environment variables, sorted by name; a non-scalar value is reported and left out."""
    if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
        raise Invalid("docker `environment` must be a dict of strings")
    env: dict[str, str] = {}
    for key, val in raw.items():
        if isinstance(val, (str, int, float, bool)):
            env[key] = val if isinstance(val, str) else scalar_text(val)
        else:
            report(f"environment variable `{key}` must be a string", None)
    return tuple(sorted(env.items()))


# ---------------------------------------------------------------------- retry


def retry_count(name: str, raw: Any, report: Report) -> int:
    """A whole, non-negative number of retries."""
    retry_seconds(name, raw, report)
    if not isinstance(raw, int):
        raise Invalid("retry `max_retries` must be a whole number")
    return raw


def retry_seconds(name: str, raw: Any, report: Report) -> int | float:
    """A non-negative number (a delay in seconds or a backoff factor), kept as written."""
    if not _is_number(raw) or raw < 0:
        raise Invalid(f"retry `{name}` must be a non-negative number")
    return raw


# ---------------------------------------------------------------------- schedule

_CRON_HELP = 'use five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *"'


def cron(name: str, raw: Any, report: Report) -> str:
    """A five-field cron expression (or @-macro), with runs of blanks folded to one space."""
    if not isinstance(raw, str) or not valid_cron(raw):
        raise Invalid(f"invalid cron expression `{raw}`", _CRON_HELP)
    return " ".join(raw.split())


def interval(name: str, raw: Any, report: Report) -> float:
    """A positive number of seconds, as a float."""
    if not _is_number(raw) or raw <= 0:
        raise Invalid("the schedule interval must be a positive number of seconds")
    return float(raw)


def timestamp(name: str, raw: Any, report: Report) -> str:
    """An ISO-8601 date and time (the evaluator already turned datetime objects into text)."""
    if not isinstance(raw, str):
        raise Invalid(f"`{name}` must be a datetime or an ISO-8601 string")
    return raw


def flag(name: str, raw: Any, report: Report) -> bool:
    """True or False."""
    if not isinstance(raw, bool):
        raise Invalid(f"`{name}` must be True or False")
    return raw
