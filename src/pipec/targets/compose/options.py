"""The options every compose target takes: the container options and the compose command."""

from __future__ import annotations

from dataclasses import replace

from pipec.targets.base import OptionSpec
from pipec.targets.common import CONTAINER_OPTIONS

from .names import DEFAULT_METADATA_STORE


def compose_options() -> tuple[OptionSpec, ...]:
    """The container options, the metadata store defaulting to SQLite on a named volume, and
    the compose command `pipec submit` runs."""
    return tuple(replace(spec, default=DEFAULT_METADATA_STORE) if spec.name == "metadata_store" else spec
                 for spec in CONTAINER_OPTIONS) + (
        OptionSpec("compose", "`pipec submit`: the compose command (e.g. `docker compose`, `docker-compose`, "
                              "`podman compose`)", default="docker compose"),
    )
