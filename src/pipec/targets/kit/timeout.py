"""A step's timeout (``settings={"timeout": SECONDS}``) in the unit an engine counts in.

Every engine's step also gets the shim's ``--timeout`` (the shim stops the attempt itself),
so an engine without a native limit still honours it; where the engine has one, targets map
it through :func:`step_timeout` too, so the engine also ends the container (a step stuck in
C code, a hung image pull). A limit the unit cannot express exactly is rounded up and the
rounding reported once through the unsupported-setting policy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipec.ir import StepInvocation
from pipec.ir.diagnostics import Diagnostics

from .retry import retry_schedule
from .unsupported import unsupported


@dataclass(frozen=True)
class TimeoutUnit:
    """How an engine counts a step's time limit."""

    #: Engine and field as messages say them ("GitHub Actions' timeout-minutes").
    engine: str
    #: Seconds in one unit (1, or 60 for minutes).
    seconds: int = 1
    #: The unit's name in the plural ("seconds", "minutes").
    name: str = "seconds"


def seconds_unit(engine: str) -> TimeoutUnit:
    """The unit of an engine field counting whole seconds."""
    return TimeoutUnit(engine)


def step_timeout(step: StepInvocation, unit: TimeoutUnit, diags: Diagnostics, *,
                 every_attempt: bool = False) -> int | None:
    """The step's timeout in whole `unit`s, rounded up (reported when that changes it); None without one.

    `every_attempt`: the engine's one limit covers all attempts and the waits between them (a
    retry loop inside one job), so it gets the timeout times the attempts plus the waits."""
    seconds = step.settings.timeout
    if seconds is None:
        return None
    if every_attempt:
        waits = retry_schedule(step.settings.retry)
        seconds = seconds * (len(waits) + 1) + sum(waits)
    count = max(1, math.ceil(seconds / unit.seconds))
    if count * unit.seconds != seconds:
        unsupported(diags, f"step `{step.id}` may run {seconds:g}s; {unit.engine} counts whole {unit.name}, "
                           f"so the engine's limit is {count} {unit.name} (the shim still stops each attempt "
                           f"after {step.settings.timeout:g}s)", step.span)
    return count
