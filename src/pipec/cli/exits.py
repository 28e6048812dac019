"""The exit codes of every `pipec` command (also `python -m pipec` and `python -m pipec.runtime`).

0 success; 1 the command ran and reports a failure or a difference (a step failed,
`compile --check` found out-of-date files, a log is not there); 2 bad input (error
diagnostics, a bad command line, an unwritable output, no such run); 3 internal error (a bug);
128 + N stopped by signal N (130 for Ctrl-C).
"""

from __future__ import annotations

#: Success.
EXIT_OK = 0
#: `compile --check` found files that differ from what a compile would write.
EXIT_DIFFERENT = 1
#: The command ran, but what it reports failed: a run with a failed step, a log that is not there.
EXIT_FAILED = 1
#: Bad input: an error diagnostic, a bad command line, an unwritable output, an unknown run.
EXIT_USER_ERROR = 2
#: A bug in pipec or a target plug-in.
EXIT_INTERNAL = 3
#: Interrupted by Ctrl-C (SIGINT, signal 2), as a shell reports it.
EXIT_INTERRUPTED = 130


def stopped_by(signum: int) -> int:
    """The exit code of a command stopped by signal `signum`, as a shell reports it (128 + signum)."""
    return 128 + signum
