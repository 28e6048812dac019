"""Where a project begins: the source root of a pipeline file, and the folder of the project's config.

Kept apart from the compiler proper (and cheap to import) because the compile cache
needs both answers before it decides whether to load anything else.
"""

from __future__ import annotations

from pathlib import Path

from . import deps

#: Files or folders whose presence marks a source root.
ROOT_MARKERS = ("pyproject.toml", "pipec.toml", ".pipec", ".zen")


def find_source_root(entry: Path) -> Path:
    """The nearest ancestor of `entry` holding one of ROOT_MARKERS; else its folder."""
    folder = entry.resolve().parent
    for candidate in (folder, *folder.parents):
        if any(deps.exists(candidate / marker) for marker in ROOT_MARKERS):
            return candidate
    return folder


def find_project(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding pipec.toml or pyproject.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if deps.is_file(folder / "pipec.toml") or deps.is_file(folder / "pyproject.toml"):
            return folder
    return None
