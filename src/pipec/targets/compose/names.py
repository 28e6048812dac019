"""The compose file's name, and the stores the compose targets default to."""

from __future__ import annotations

#: The metadata store when none is set: SQLite beside the default artifact store
#: (``/pipec/artifacts``), so one named volume at ``/pipec`` holds both.
DEFAULT_METADATA_STORE = "sqlite:////pipec/metadata.db"
#: What ends the compose file's name.
SUFFIX = ".compose.yaml"


def compose_file(stem: str) -> str:
    """The compose file's name for the (file-safe) pipeline name `stem`."""
    return stem + SUFFIX
