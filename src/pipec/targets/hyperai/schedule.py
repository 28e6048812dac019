"""A cron schedule as a crontab line on the instance, and how a submit installs it idempotently.

The line (the ``<pipeline>.crontab`` file compile writes) starts the compose file the way a
submit without a schedule does: ``cd`` to its folder, a fresh ``PIPEC_RUN_ID`` from the
kernel's UUID source, ``COMPOSE -f FILE up --detach``, output appended to
``<pipeline>.cron.log`` beside it. It ends with a marker comment naming the pipeline; a
submit drops every line holding that marker and appends the new one, so submitting again
replaces the entry and never duplicates it (ZenML's HyperAI orchestrator appends a new line
every time). Every word is shell-quoted, and ``%`` (a line break to cron) is escaped.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from .names import LOG_SUFFIX, marker

#: The shell text giving a scheduled run its id (Linux's kernel UUID source: no tool needed).
FRESH_RUN_ID = '"$(cat /proc/sys/kernel/random/uuid)"'


def compose_shell(folder: str, argv: list[str], run_id: str, variables: Mapping[str, str] | None = None) -> str:
    """The shell command running the compose `argv` in `folder` on the instance with
    ``PIPEC_RUN_ID`` set to `run_id` (shell text, e.g. `FRESH_RUN_ID`, or a literal id, which is
    quoted) and the environment `variables` (quoted): compose interpolates the file for every
    subcommand, so each needs them."""
    value = run_id if run_id == FRESH_RUN_ID else shlex.quote(run_id)
    assignments = "".join(f"{name}={shlex.quote(text)} " for name, text in sorted((variables or {}).items()))
    return f"cd {shlex.quote(folder)} && {assignments}PIPEC_RUN_ID={value} {shlex.join(argv)}"


def crontab_line(cron: str, folder: str, file: str, compose: list[str], stem: str) -> str:
    """The crontab line running the compose `file` on the five-field `cron` schedule."""
    from pipec.targets.compose.commands import up_command

    command = (compose_shell(folder, up_command(compose, file, wait=False), FRESH_RUN_ID)
               + f" >>{shlex.quote(stem + LOG_SUFFIX)} 2>&1")
    return f"{cron} {command.replace('%', chr(92) + '%')} {marker(stem)}"


def merged_crontab(current: str, line: str, stem: str) -> str:
    """`current` crontab text without the pipeline's old line (its `marker`), `line` appended."""
    tag = marker(stem)
    kept = [row for row in current.splitlines() if not row.rstrip().endswith(tag)]
    return "\n".join([*kept, line]) + "\n"
