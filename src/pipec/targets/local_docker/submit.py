"""`pipec submit --target local_docker`: ``docker compose up`` with a fresh run id, followed to the end.

The compose file is written to a temporary folder and run with the `compose` option's command
(``docker compose`` by default; ``docker-compose`` or ``podman compose`` work the same):
``up --abort-on-container-failure`` in the foreground, so the steps' output streams to the
terminal (on stderr: stdout keeps pipec's result line); with ``--no-wait``, ``up --detach``.
When a step retries, ``--abort-on-container-failure`` is left out: compose would abort at its
first failed attempt instead of letting the restart policy run it again. Either way the run's
status comes from how every step's container ended (``ps --all``): plain ``up`` exits 0 when a
step nothing depends on failed. When ``up`` ends while steps still run or could start (compose
crashed: see `pipec.targets.compose.follow`), pipec follows the run to its end itself.
``PIPEC_RUN_ID`` is a new UUID; run-time pipeline parameters keep the values compiled in (a
``--param`` of the submit among them) unless the caller's environment sets their
``PIPEC_PARAM_`` variables. Before anything runs, the engine must answer
(``docker info`` / ``podman info``), else the submit fails with what it said.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline
from pipec.targets.base import Submission, SubmitContext, SubmitError
from pipec.targets.compose.commands import (
    compose_command,
    engine_probe,
    retries,
    up_command,
)
from pipec.targets.compose.follow import run_status
from pipec.targets.compose.names import compose_file

#: Seconds the engine may take to answer ``info``.
ENGINE_TIMEOUT = 20


def run_environment(run_id: str, variables: dict[str, str]) -> dict[str, str]:
    """The environment compose runs with: the caller's, the run id, the parameters' variables."""
    return {**os.environ, **variables, "PIPEC_RUN_ID": run_id}


def check_engine(compose: list[str]) -> None:
    """Raise SubmitError unless the container engine answers."""
    probe = engine_probe(compose)
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=ENGINE_TIMEOUT, stdin=subprocess.DEVNULL)
    except FileNotFoundError as exc:
        raise SubmitError(f"no container engine: `{probe[0]}` is not installed ({exc.strerror})") from exc
    except subprocess.TimeoutExpired as exc:
        raise SubmitError(f"the container engine did not answer `{shlex.join(probe)}` within "
                          f"{ENGINE_TIMEOUT}s") from exc
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise SubmitError(f"no container engine answers `{shlex.join(probe)}`"
                          + (f": {said[-1]}" if said else f" (exit {done.returncode})"))


def _stderr() -> int | None:
    """Where compose's output goes: stderr, so stdout keeps only pipec's own result line."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr replaced by an object without a file
        return None


def _runner(run_id: str):  # noqa: ANN202 - a follow.Runner
    """Runs an argv here with the run's environment (compose interpolates the file each time)."""
    def run(argv: list[str]) -> tuple[int, str, str]:
        done = subprocess.run(argv, env=run_environment(run_id, {}), capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=ENGINE_TIMEOUT * 3)
        return done.returncode, done.stdout, done.stderr
    return run


def submit(pipeline: Pipeline, context: SubmitContext) -> Submission:
    """Run `pipeline`'s compose file; completed or failed when waited for, running otherwise."""
    name = compose_file(safe_name(pipeline.name))
    text = context.files.get(name)
    if text is None:
        raise SubmitError(f"the compile produced no {name}")
    compose = compose_command(context.options)
    check_engine(compose)
    run_id = str(uuid.uuid4())
    with tempfile.TemporaryDirectory(prefix="pipec-compose-") as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        services = yaml.safe_load(text)["services"]
        argv = up_command(compose, str(path), wait=context.wait,
                          retries=retries(services))
        context.log(f"run {run_id}: {shlex.join(argv)}")
        deadline = time.monotonic() + context.timeout
        try:
            done = subprocess.run(argv, env=run_environment(run_id, {}), stdin=subprocess.DEVNULL,
                                  stdout=_stderr(), timeout=context.timeout if context.wait else None)
        except FileNotFoundError as exc:
            raise SubmitError(f"cannot run `{argv[0]}`: {exc.strerror}") from exc
        except subprocess.TimeoutExpired as exc:
            raise SubmitError(f"the run did not end within {context.timeout:g}s") from exc
        if not context.wait:
            return Submission(engine_run_id=run_id, run_id=run_id, status="running" if done.returncode == 0 else "failed")
        status = run_status(_runner(run_id), compose, str(path), services, up_code=done.returncode, log=context.log,
                            deadline=deadline)
    return Submission(engine_run_id=run_id, run_id=run_id, status=status)
