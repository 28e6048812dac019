"""A step's time limit (``settings={"timeout": SECONDS}``), enforced inside the step's process.

The shim's ``--timeout SECONDS`` arms a timer when the attempt starts: at the deadline,
:class:`StepTimedOut` is raised in the step's main thread, so the attempt fails with
"timed out after Ns" and its outputs are never committed. Code that swallows the exception
(or is stuck in C code that never returns to Python) is ended :data:`GRACE` seconds later
with exit status 124, as `timeout(1)` does. Every engine gets this, native limit or not;
where the engine has its own (Argo's activeDeadlineSeconds, Airflow's execution_timeout,
...) that one stops the container as well. Needs SIGALRM (POSIX); elsewhere nothing.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: Seconds between the exception and the hard exit.
GRACE = 5.0
#: Exit status of a step ended hard at its deadline (as `timeout(1)`).
TIMED_OUT_STATUS = 124


class StepTimedOut(TimeoutError):
    """The attempt ran past its timeout."""


def timed_out_message(seconds: float) -> str:
    """The one-line error of an attempt stopped at its timeout (the shim's and the runner's)."""
    return f"timed out after {seconds:g}s"


def parse_seconds(text: str) -> float:
    """``--timeout``'s value: a positive number of seconds (ValueError otherwise)."""
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise ValueError(f"not a positive number of seconds: {text!r}")
    return value


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`StepTimedOut` in this (main) thread after `seconds`, exit hard after the grace."""
    if seconds is None or not hasattr(signal, "setitimer"):
        yield
        return
    fired = []

    def on_alarm(_signum: int, _frame: object) -> None:
        if fired:
            sys.stderr.write(f"pipec: step {timed_out_message(seconds)} and did not stop; ending it\n")
            sys.stderr.flush()
            os._exit(TIMED_OUT_STATUS)
        fired.append(True)
        signal.setitimer(signal.ITIMER_REAL, GRACE)
        raise StepTimedOut(timed_out_message(seconds))

    saved = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, saved)
