"""Following a compose run to its end after ``up`` stopped following it.

A foreground ``up`` can end before the run does: Compose v2 (before v5.1) now and then panics
in its event monitor on Podman under load (a nil container state when a container exits), and
an OOM kill of compose does the same. The step containers
it had started keep running and the ones waiting on them are never started, so the run would
be reported failed while its steps still work. `run_status` tells such a run apart from one
that ended (every container ended, or a step failed and nothing can start), and `finish`
takes over as compose would have: it starts each created step whose dependencies completed
(the engine's own ``start``, since ``compose start`` would run completed steps again), waits
for running and restarting steps (a step with ``restart: on-failure:N`` has ended only when it
completed or used its N restarts), stops the rest at the first failed step when the run was
started with ``--abort-on-container-failure``, and prints the output compose did not show.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from pipec.targets.base import SubmitError
from pipec.targets.compose.commands import engine_probe, ps_command, retries

#: Runs an argv (on this machine or on the instance): returns the exit code, stdout and stderr.
Runner = Callable[[list[str]], tuple[int, str, str]]

#: Seconds between two looks at the containers.
POLL = 1.0

#: States of a container that has not ended yet (Docker's words, and Podman's ``initialized`` and
#: ``stopping``).
ALIVE = {"running", "restarting", "paused", "removing", "initialized", "stopping"}

#: Podman's state words that mean what Docker's say: ``stopped`` is an exited container whose
#: clean-up has not run yet, ``configured`` a created one.
SAME_AS = {"stopped": "exited", "configured": "created"}


@dataclass(frozen=True)
class Container:
    """One step container as ``ps --all --format json`` shows it."""

    #: The engine's container id.
    id: str
    #: The engine's state word (``created``, ``running``, ``exited``...).
    state: str
    #: The exit code of its last run (0 while it never ran).
    exit_code: int


def containers(ps_output: str) -> dict[str, Container]:
    """Each service's container from ``ps --all --format json`` (one JSON object per line, or
    one JSON list)."""
    text = ps_output.strip()
    rows = json.loads(text) if text.startswith("[") else [json.loads(line) for line in text.splitlines() if line]
    found = {}
    for row in rows:
        state = str(row.get("State") or "").lower()
        found[row.get("Service")] = Container(id=str(row.get("ID") or ""), state=SAME_AS.get(state, state),
                                              exit_code=int(row.get("ExitCode") or 0))
    return found


def restart_limit(service: Mapping) -> int:
    """How many times the engine restarts `service`'s failed container (``on-failure:N``)."""
    policy = str(service.get("restart") or "")
    name, _, count = policy.partition(":")
    return int(count) if name == "on-failure" and count.isdigit() else 0


def dependencies(service: Mapping) -> list[str]:
    """The services `service` waits for (``depends_on`` as a list or a mapping)."""
    depends = service.get("depends_on") or {}
    return list(depends)


@dataclass(frozen=True)
class Progress:
    """Where a run stands, from its containers."""

    #: Services whose container runs, or failed and will be restarted.
    alive: list[str]
    #: Services whose container failed for good.
    failed: list[str]
    #: Created services whose dependencies all completed: compose would start them now.
    ready: list[str]


def progress(services: Mapping[str, Mapping], seen: dict[str, Container],
             restarts: Callable[[Container], int]) -> Progress:
    """Where the run of `services` stands with the containers `seen`; `restarts` says how often
    a container was restarted (asked only for a failed container that may be restarted)."""
    alive, failed, ready = [], [], []
    for name, service in services.items():
        box = seen.get(name)
        if box is None:
            continue
        if box.state in ALIVE:
            alive.append(name)
        elif box.state == "exited" and box.exit_code != 0:
            limit = restart_limit(service)
            (alive if limit and restarts(box) < limit else failed).append(name)
        elif box.state == "created" and all(_completed(seen.get(dep)) for dep in dependencies(service)):
            ready.append(name)
    return Progress(alive=alive, failed=failed, ready=ready)


def _completed(box: Container | None) -> bool:
    return box is not None and box.state == "exited" and box.exit_code == 0


class Follower:
    """Reads and drives one compose project's step containers through `run`."""

    def __init__(self, run: Runner, compose: list[str], file: str, engine: str,
                 services: Mapping[str, Mapping]) -> None:
        self.run, self.compose, self.file, self.engine, self.services = run, compose, file, engine, services

    def call(self, argv: list[str], what: str) -> str:
        """`argv`'s stdout; SubmitError saying `what` failed when it exits non-zero."""
        code, out, err = self.run(argv)
        if code != 0:
            raise SubmitError(f"{what} failed: {(err or out).strip() or f'exit {code}'}")
        return out

    def look(self) -> tuple[dict[str, Container], Progress]:
        """Each service's container now, and where the run stands."""
        seen = containers(self.call(ps_command(self.compose, self.file), "`compose ps`"))
        return seen, progress(self.services, seen, self._restarts)

    def _restarts(self, box: Container) -> int:
        out = self.call([self.engine, "inspect", "--format", "{{.RestartCount}}", box.id],
                        f"inspecting container {box.id}")
        return int(out.strip() or 0)


def run_status(run: Runner, compose: list[str], file: str, services: Mapping[str, Mapping], *, up_code: int,
               log: Callable[[str], None], deadline: float | None) -> str:
    """``completed`` or ``failed``: how every step container of the compose `file` ended, once
    ``up`` exited with `up_code` (plain ``up`` exits 0 when a step nothing depends on fails, and
    a compose that crashed exits non-zero though its steps completed). When steps still run or
    could start (and the run does not abort at a failed one), `finish` follows the run to its
    end first. Each step that did not complete is logged."""
    follower = Follower(run, compose, file, engine_probe(compose)[0], services)
    abort = not retries(services)
    seen, now = follower.look()
    if not (abort and now.failed) and (now.alive or now.ready):
        log(f"`{shlex.join(compose)} up` ended (exit {up_code}) while steps still run or wait to start: "
            "pipec follows the run to its end")
        seen = finish(follower, abort=abort, log=log, show=on_stderr, deadline=deadline)
    failed = [name for name in services if not _completed(seen.get(name))]
    for name in failed:
        log(f"step service `{name}` did not complete")
    if up_code != 0 and not failed:
        log(f"every step completed though `up` exited {up_code}")
    return "failed" if failed else "completed"


def finish(follower: Follower, *, abort: bool, log: Callable[[str], None], show: Callable[[str], None],
           deadline: float | None) -> dict[str, Container]:
    """Follow the run to its end as compose's ``up`` would have (see the module's docstring),
    then `show` the steps' output since it took over; each service's container at the end.
    SubmitError past `deadline` (a ``time.monotonic()`` value)."""
    since = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    started: set[str] = set()
    while True:
        seen, now = follower.look()
        if abort and now.failed:
            log(f"step service `{now.failed[0]}` failed: stopping the others")
            follower.call([*follower.compose, "-f", follower.file, "stop"], "stopping the steps")
            seen, _ = follower.look()
            break
        # One start each: a step whose start did not take stays created and counts as failed.
        fresh = [name for name in now.ready if name not in started]
        if fresh:
            log("starting " + ", ".join(f"`{name}`" for name in fresh))
            follower.call([follower.engine, "start", *(seen[name].id for name in fresh)], "starting the next steps")
            started.update(fresh)
            continue
        if not now.alive:
            break
        if deadline is not None and time.monotonic() > deadline:
            raise SubmitError("the run did not end within the submit's timeout")
        time.sleep(POLL)
    code, out, _ = follower.run([*follower.compose, "-f", follower.file, "logs", "--no-color", "--since", since])
    if code == 0 and out:
        show(out)
    return seen


def on_stderr(text: str) -> None:
    """Write steps' output where compose streams it: stderr (stdout keeps pipec's result line)."""
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()
