"""`pipec submit --target hyperai`: upload the compose file over SSH, then start it or schedule it.

In order, on the instance (`ssh`): ``mkdir -p <remote_dir>/<pipeline>``; upload
``<pipeline>.compose.yaml`` there (SFTP); with the `registry` option, ``docker login
--username USER --password-stdin REGISTRY`` (the password on stdin, both from the
environment, never in a file or a command line); then either

- no schedule: ``cd FOLDER && PIPEC_RUN_ID=<new uuid> COMPOSE -f FILE up ...``, followed to the
  end like local_docker's submit (``--abort-on-container-failure``, the steps' output copied to
  stderr, how each step ended read back with ``ps --all``, the run followed to its end by pipec
  when compose stops following it early), or detached with ``--no-wait``;
- a cron schedule: the line of ``<pipeline>.crontab`` replaces the pipeline's line in the
  user's crontab (``crontab -l``, ``crontab -``); nothing runs now (status ``queued``).

Run-time parameters set through ``PIPEC_PARAM_<name>`` in the caller's environment are passed
on to the run, as local_docker's submit does.
"""

from __future__ import annotations

import getpass
import os
import posixpath
import shlex
import time
import uuid

import yaml

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline
from pipec.targets.base import Submission, SubmitContext, SubmitError
from pipec.targets.compose.commands import (
    compose_command,
    retries,
    up_command,
)
from pipec.targets.compose.follow import run_status
from pipec.targets.compose.interpolation import PARAM_PREFIX

from .names import (
    DEFAULT_KEY_ENV,
    DEFAULT_REMOTE_DIR,
    REGISTRY_PASSWORD_ENV,
    REGISTRY_USER_ENV,
    compose_file,
    crontab_file,
    marker,
    remote_folder,
)
from .schedule import compose_shell, merged_crontab
from .ssh import COMMAND_TIMEOUT, Instance, Outcome, connection, run, upload


def compose_words(options: dict[str, str]) -> list[str]:
    """The `compose` option as argv words; SubmitError when it is not shell syntax."""
    try:
        return compose_command(options)
    except ValueError as exc:
        raise SubmitError(f"the `compose` option is not a command line: {exc}") from exc


def instance(options: dict[str, str]) -> Instance:
    """The instance the options name; SubmitError without a host."""
    host = options.get("host") or ""
    if not host:
        raise SubmitError("no instance to submit to: pass --option host=HOST (and --option user=USER)")
    return Instance(host=host, port=int(options.get("port") or 22), user=options.get("user") or getpass.getuser(),
                    key_env=options.get("key_env") or DEFAULT_KEY_ENV,
                    known_hosts=options.get("known_hosts") or "~/.ssh/known_hosts")


def _checked(outcome: Outcome, what: str) -> Outcome:
    if outcome.code != 0:
        raise SubmitError(f"{what} failed on the instance: {outcome.said()}")
    return outcome


def registry_login(client, registry: str) -> None:  # noqa: ANN001 - a paramiko SSHClient
    """``docker login`` on the instance with the credentials of the environment (password on stdin)."""
    user, password = os.environ.get(REGISTRY_USER_ENV, ""), os.environ.get(REGISTRY_PASSWORD_ENV, "")
    if not user or not password:
        raise SubmitError(f"--option registry={registry} needs {REGISTRY_USER_ENV} and {REGISTRY_PASSWORD_ENV} "
                          "set in the environment")
    _checked(run(client, shlex.join(["docker", "login", "--username", user, "--password-stdin", registry]),
                 stdin=password + "\n"), f"`docker login {registry}`")


def install_crontab(client, line: str, stem: str) -> None:  # noqa: ANN001 - a paramiko SSHClient
    """Replace the pipeline's crontab line (by its marker) with `line`, keeping every other line."""
    current = run(client, "crontab -l")
    if current.code != 0 and "no crontab" not in current.err.lower():
        raise SubmitError(f"`crontab -l` failed on the instance: {current.said()}")
    _checked(run(client, "crontab -", stdin=merged_crontab(current.out if current.code == 0 else "", line, stem)),
             "`crontab -`")


def _parameter_variables() -> dict[str, str]:
    """The caller's PIPEC_PARAM_ variables (run-time pipeline parameters)."""
    return {name: value for name, value in os.environ.items() if name.startswith(PARAM_PREFIX)}


def submit(pipeline: Pipeline, context: SubmitContext) -> Submission:
    """Upload and start (or schedule) `pipeline`'s compose file on the instance the options name."""
    stem = safe_name(pipeline.name)
    name = compose_file(stem)
    text = context.files.get(name)
    if text is None:
        raise SubmitError(f"the compile produced no {name}")
    target = instance(context.options)
    compose = compose_words(context.options)
    folder = remote_folder(context.options.get("remote_dir") or DEFAULT_REMOTE_DIR, stem)
    cron = context.files.get(crontab_file(stem))
    with connection(target) as client:
        _checked(run(client, shlex.join(["mkdir", "-p", "--", folder])), f"creating {folder}")
        upload(client, posixpath.join(folder, name), text)
        context.log(f"uploaded {name} to {target.display()}:{folder}")
        if context.options.get("registry"):
            registry_login(client, context.options["registry"])
        if cron is not None:
            install_crontab(client, cron.rstrip("\n"), stem)
            context.log(f"crontab of {target.display()}: {cron.rstrip()}")
            return Submission(engine_run_id=f"{target.display()} crontab {marker(stem)}", status="queued")
        run_id = str(uuid.uuid4())
        services = yaml.safe_load(text)["services"]
        variables = _parameter_variables()
        command = compose_shell(folder, up_command(compose, name, wait=context.wait, retries=retries(services)),
                                run_id, variables)
        context.log(f"run {run_id} on {target.display()}: {command}")
        deadline = time.monotonic() + context.timeout
        started = run(client, command, timeout=context.timeout if context.wait else COMMAND_TIMEOUT, echo=True)
        if not context.wait:
            return Submission(engine_run_id=run_id, run_id=run_id,
                              status="running" if started.code == 0 else "failed")

        def remote(argv: list[str]) -> tuple[int, str, str]:
            done = run(client, compose_shell(folder, argv, run_id, variables))
            return done.code, done.out, done.err

        status = run_status(remote, compose, name, services, up_code=started.code, log=context.log, deadline=deadline)
    return Submission(engine_run_id=run_id, run_id=run_id, status=status)
