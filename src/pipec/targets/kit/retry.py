"""Retry: the effective policy, its delay schedule, and lowering it to what an engine runs.

A step retries when its `Retry` has ``max_retries > 0``; the wait before retry ``k``
(0-based) is ``delay * backoff**k`` seconds. An engine declares in :class:`RetrySupport` what
it can express; :func:`lower_retry` returns the policy the engine will really run and reports
each difference once through the unsupported-setting policy, so no target words its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from pipec.ir import Span, StepInvocation
from pipec.ir.diagnostics import Diagnostics

from .unsupported import unsupported

#: Backoff an engine can express: any factor, whole factors only, doubling or constant, none.
ANY, WHOLE, DOUBLING, CONSTANT = "any", "whole", "doubling", "constant"


@dataclass(frozen=True)
class RetrySupport:
    """The part of a retry policy an engine can express."""

    #: Engine name as messages say it ("Argo").
    engine: str
    #: Waits between attempts (False: the engine retries at once).
    delay: bool = True
    #: What backoff factors it has: `ANY`, `WHOLE`, `DOUBLING` (1 or 2) or `CONSTANT` (1).
    backoff: str = ANY
    #: Most retries it runs, None when unbounded.
    max_retries: int | None = None
    #: Seconds no wait exceeds: the larger of this and the first delay (None: no cap).
    max_delay: float | None = None
    #: Whether a failure of the step's own code is retried at all.
    code_failures: bool = True
    #: Code the differences are reported under (PC304 unless the engine has a sharper one).
    code: str = "PC304"
    #: Help for a backoff it can only approximate (None: a generic one).
    backoff_help: str | None = None


#: An engine that runs every policy as written (the local runner, a shell loop).
FULL = RetrySupport("any engine")


def effective_retry(retry):
    """`retry` when it retries at all (``max_retries > 0``), else None."""
    return retry if retry is not None and retry.max_retries > 0 else None


def step_retry(step: StepInvocation):
    """The step's retry policy, None when it never retries."""
    return effective_retry(step.settings.retry)


def retry_delay(retry, attempt: int) -> float:
    """Seconds to wait before retry `attempt` (0-based): ``delay * backoff**attempt``, never negative."""
    return max(0.0, retry.delay * retry.backoff ** attempt)


def retry_schedule(retry) -> list[float]:
    """Seconds to wait before each retry of `retry` (empty when it never retries)."""
    retry = effective_retry(retry)
    return [retry_delay(retry, k) for k in range(retry.max_retries)] if retry is not None else []


def lower_retry(retry, support: RetrySupport, diags: Diagnostics, span: Span, who: str = ""):
    """The policy the engine runs for `retry` (None when it never retries), each loss reported
    once. `who` names the owner in messages (``"step `x`"``; empty for a pipeline default)."""
    retry = effective_retry(retry)
    if retry is None:
        return None
    prefix = f"{who}: " if who else ""
    if not support.code_failures:
        unsupported(diags, f"{who} retries only on {support.engine} service, throttling and capacity errors: "
                           f"{support.engine} does not retry a step whose code failed", span, code=support.code)
    if support.max_retries is not None and retry.max_retries > support.max_retries:
        unsupported(diags, f"{who} asks for {retry.max_retries} retries; {support.engine} allows "
                           f"{support.max_retries}", span, code=support.code)
        retry = replace(retry, max_retries=support.max_retries)
    if not support.delay:
        if retry.delay > 0:
            unsupported(diags, f"{who} waits {retry.delay:g}s between retries, but {support.engine} retries at "
                               "once; the delay and backoff are ignored", span, code=support.code)
        return replace(retry, delay=0.0, backoff=1.0)
    backoff = _lower_backoff(retry, support, diags, span, prefix)
    retry = replace(retry, backoff=backoff)
    if support.max_delay is not None:
        cap = max(support.max_delay, retry.delay)
        longest = max(retry_schedule(retry))
        if longest > cap:
            unsupported(diags, f"{prefix}{support.engine} waits at most {cap:g}s between retries; the growing "
                               f"delay would reach {longest:g}s", span, code=support.code)
    return retry


def _lower_backoff(retry, support: RetrySupport, diags: Diagnostics, span: Span, prefix: str) -> float:
    backoff = retry.backoff
    if support.backoff == ANY:
        return backoff
    if support.backoff == WHOLE:
        if retry.delay <= 0:  # no wait to grow
            return backoff
        factor = float(max(1, round(backoff)))
        if factor != backoff:
            unsupported(diags, f"{prefix}{support.engine} takes whole backoff factors; {backoff:g} becomes "
                               f"{factor:g}", span, code=support.code)
        return factor
    if support.backoff == DOUBLING and backoff in (1, 2):
        return backoff
    if support.backoff == DOUBLING and backoff > 1:
        message = (f"{prefix}retry backoff {backoff:g} is approximated by {support.engine}'s exponential "
                   "backoff with factor 2")
        lowered = 2.0
    else:
        message = f"{prefix}retry backoff {backoff:g} is not supported by {support.engine}: constant delay"
        lowered = 1.0
    unsupported(diags, message, span, code=support.code, help=support.backoff_help or (
        f"{support.engine} can only double the delay: use backoff=2, or 1 for a constant delay"
        if support.backoff == DOUBLING else f"{support.engine} keeps the delay constant: use backoff=1"))
    return lowered


def whole_seconds(seconds: float) -> int:
    """`seconds` rounded up to whole seconds, at least 1 (engines that count whole seconds)."""
    return max(1, math.ceil(seconds))
