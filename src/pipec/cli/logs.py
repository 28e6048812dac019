"""`pipec logs RUN STEP [--follow]`: print what a step of a local run wrote to stdout and stderr.

RUN is a run id or a pipeline name (its latest run), found as `pipec runs show` finds it
(``--metadata-store``, ``--stack``, ``--root``; outside a project, the stores `pipec run`
remembered). The log is printed byte for byte, whatever its encoding; every attempt of the step
is in it. With ``--follow`` it keeps printing what the step writes until the step has ended for
good: completed, cached, skipped or cancelled, or failed with the run over (a failed step of a
running run may still be retried). A step that has not started yet is waited for.
"""

from __future__ import annotations

import argparse
import sys
import time

from .exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USER_ERROR

HELP = "print a step's log (stdout and stderr) of a local run; --follow keeps printing as it grows"

#: Seconds between two looks at a followed log.
POLL_SECONDS = 0.2
#: Seconds between two reads of the run's status while following.
STATUS_SECONDS = 0.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec logs`."""
    from .runs import ROOT_HELP

    parser.add_argument("run", metavar="RUN", help="run id, or pipeline name for its latest run")
    parser.add_argument("step", metavar="STEP", help="step id (as `pipec runs show RUN` lists them)")
    parser.add_argument("-f", "--follow", action="store_true",
                        help="keep printing what the step writes until it has ended")
    parser.add_argument("--metadata-store", metavar="URL", help="SQLAlchemy URL of the metadata store to read")
    parser.add_argument("--stack", metavar="NAME", help="read this stack's metadata store")
    parser.add_argument("--root", metavar="DIR", help=ROOT_HELP)


def run(args: argparse.Namespace) -> int:
    """Print (and with --follow, follow) one step's log."""
    from .runs import locate_run

    located = locate_run(args, args.run, "pipec logs")
    if isinstance(located, int):
        return located
    client, found, _ = located
    try:
        return _print_log(client, found, args.step, args.follow)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        client.close()


def _print_log(client, found, step_id: str, follow: bool) -> int:
    from pipec.runtime import metadata as md
    from pipec.runtime.logtail import printable

    waited = False
    while step_id not in found.steps:
        if not follow or found.status != md.RUNNING:
            from pipec.ir.diagnostics import did_you_mean

            known = ", ".join(printable(s) for s in found.steps) or "none recorded yet"
            hint = did_you_mean(step_id, list(found.steps))
            sys.stderr.write(f"pipec logs: error: run {printable(found.id)} has no step {printable(step_id)!r} "
                             f"(steps: {known})\n" + (f"help: {hint}\n" if hint else ""))
            return EXIT_USER_ERROR
        if not waited:
            sys.stderr.write(f"pipec logs: waiting for step {printable(step_id)!r} to start\n")
            sys.stderr.flush()
            waited = True
        time.sleep(STATUS_SECONDS)
        found = client.get_pipeline_run(found.id)
    step = found.steps[step_id]
    if not step.logs_uri:
        why = {md.CACHED: "was cached (its outputs were reused from an earlier run)",
               md.SKIPPED: "was skipped", md.CANCELLED: "never started"}.get(step.status)
        if why is None:
            why = f"ran on `{printable(found.orchestrator)}`, which keeps its logs itself"
        sys.stderr.write(f"pipec logs: error: step {printable(step_id)!r} of run {printable(found.id)} {why}, "
                         "so pipec has no log of it\n")
        return EXIT_FAILED
    return _copy(client, found, step_id, step.logs_uri, follow)


def _ended(found, step_id: str) -> bool:
    from pipec.runtime import metadata as md

    status = found.steps[step_id].status if step_id in found.steps else None
    if status in (md.COMPLETED, md.CACHED, md.SKIPPED, md.CANCELLED):
        return True
    return found.status != md.RUNNING


def _copy(client, found, step_id: str, path: str, follow: bool) -> int:
    import os

    from pipec.runtime.logtail import printable, read_new, write_bytes

    if not os.path.isfile(path):
        sys.stderr.write(f"pipec logs: error: the log of step {printable(step_id)!r}, {printable(path)}, is missing\n")
        return EXIT_FAILED
    data, offset = read_new(path, 0)
    write_bytes(sys.stdout, data)
    if not follow:
        return EXIT_OK
    checked = time.monotonic()
    ended = _ended(found, step_id)
    while True:
        data, offset = read_new(path, offset)
        if data:
            write_bytes(sys.stdout, data)
        elif ended:
            return EXIT_OK
        else:
            time.sleep(POLL_SECONDS)
        if not ended and time.monotonic() - checked >= STATUS_SECONDS:
            checked = time.monotonic()
            # One more read after the step ended: its last lines may have come just before.
            ended = _ended(client.get_pipeline_run(found.id), step_id)
