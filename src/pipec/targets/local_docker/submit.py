"""`pipec submit --target local_docker`: ``docker compose up`` with a fresh run id, followed to the end.

The compose file is written to a temporary folder and run with the `compose` option's command
(``docker compose`` by default; ``docker-compose`` or ``podman compose`` work the same):
``up --abort-on-container-failure`` in the foreground, so the steps' output streams to the
terminal (on stderr: stdout keeps pipec's result line) and the command's exit code is the run's status; with ``--no-wait``, ``up --detach``.
``PIPEC_RUN_ID`` is a new UUID; a run-time pipeline parameter given with ``--param`` is
passed as its ``PIPEC_PARAM_`` variable. Before anything runs, the engine must answer
(``docker info`` / ``podman info``), else the submit fails with what it said.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline
from pipec.targets.base import Submission, SubmitContext, SubmitError

from .names import compose_file

#: Seconds the engine may take to answer ``info``.
ENGINE_TIMEOUT = 20


def compose_command(context_options: dict[str, str]) -> list[str]:
    """The compose command as argv words (the `compose` option, split like a shell would)."""
    words = shlex.split(context_options.get("compose") or "docker compose")
    if not words:
        raise SubmitError("the `compose` option is empty")
    return words


def engine_probe(compose: list[str]) -> list[str]:
    """The command that asks the engine behind `compose` whether it runs (``podman info`` for
    podman, ``docker info`` otherwise)."""
    return ["podman" if Path(compose[0]).name == "podman" else "docker", "info"]


def up_command(compose: list[str], file: str, *, wait: bool) -> list[str]:
    """``COMPOSE -f FILE up ...``: in the foreground, stopping everything at the first failed
    step, or detached."""
    mode = ["--abort-on-container-failure"] if wait else ["--detach"]
    return [*compose, "-f", file, "up", *mode]


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
        argv = up_command(compose, str(path), wait=context.wait)
        context.log(f"run {run_id}: {shlex.join(argv)}")
        try:
            done = subprocess.run(argv, env=run_environment(run_id, {}), stdin=subprocess.DEVNULL,
                                  stdout=_stderr(), timeout=context.timeout if context.wait else None)
        except FileNotFoundError as exc:
            raise SubmitError(f"cannot run `{argv[0]}`: {exc.strerror}") from exc
        except subprocess.TimeoutExpired as exc:
            raise SubmitError(f"the run did not end within {context.timeout:g}s") from exc
    status = ("completed" if done.returncode == 0 else "failed") if context.wait else (
        "running" if done.returncode == 0 else "failed")
    return Submission(engine_run_id=run_id, run_id=run_id, status=status)
