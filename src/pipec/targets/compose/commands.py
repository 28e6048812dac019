"""The compose command lines a submit runs.

The `compose` option's command (``docker compose`` by default; ``docker-compose`` or ``podman
compose`` work the same) with ``-f FILE up`` or ``ps``; the engine's probe (``docker info`` /
``podman info``).
"""

from __future__ import annotations

import shlex
from pathlib import Path

from pipec.targets.base import SubmitError


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


def up_command(compose: list[str], file: str, *, wait: bool, retries: bool = False) -> list[str]:
    """``COMPOSE -f FILE up ...``: in the foreground, stopping everything at the first failed
    step unless a step `retries` (compose would abort on its first failed attempt instead of
    letting the restart policy run it again), or detached."""
    mode = ["--detach"] if not wait else [] if retries else ["--abort-on-container-failure"]
    return [*compose, "-f", file, "up", *mode]


def retries(services: dict[str, dict]) -> bool:
    """Whether a service of the compose file's `services` restarts on failure (see `up_command`)."""
    return any("restart" in service for service in services.values())


def ps_command(compose: list[str], file: str) -> list[str]:
    """``COMPOSE -f FILE ps --all --format json``: every step's container and how it ended."""
    return [*compose, "-f", file, "ps", "--all", "--format", "json"]
