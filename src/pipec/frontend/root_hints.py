"""Project packages that sit above the source root: where they are, and the `--root` that reaches them.

Imports resolve from the source root, so a package in a folder above it (`steps/` beside a
`pipelines/` that holds its own pyproject.toml) is not the project's for pipec. Diagnostics
that meet such a package say where it is and which `--root` would reach it.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from pipec.compiler import roots


def is_installed(top: str) -> bool:
    """Whether `top` is the standard library's, pipec's or ZenML's, or installed in this environment (a
    folder of that name above the entry, such as a clone of pipec itself, is then not the project's)."""
    if top in sys.stdlib_module_names or top in roots.RUNTIME_PACKAGES:
        return True
    here = os.getcwd()
    search = [entry for entry in sys.path if entry and os.path.abspath(entry) != here]
    return importlib.machinery.PathFinder.find_spec(top, search) is not None


def holder(top: str, folders: Iterable[Path]) -> Path | None:
    """The first of `folders` that holds package or module `top`, unless `top` is installed."""
    found = next((folder for folder in folders if roots.provides(folder, top)), None)
    return found if found is not None and not is_installed(top) else None


def shown(folder: Path) -> str:
    """`folder` as the user would type it: relative to the working folder when below it."""
    try:
        rel = os.path.relpath(folder)
    except ValueError:
        return folder.as_posix()
    return folder.as_posix() if rel.startswith("..") else Path(rel).as_posix()


def above_root(top: str, root: Path) -> str | None:
    """"`top` is not under the source root but in `F`" when a folder above `root` holds `top`, else None."""
    folder = holder(top, root.parents)
    return f"`{top}` is not under the source root but in `{shown(folder)}`" if folder is not None else None


def pass_root(top: str, root: Path) -> str | None:
    """The `--root` advice for project package `top` above `root`, else None."""
    folder = holder(top, root.parents)
    return f"imports resolve from the source root: pass --root {shown(folder)}" if folder is not None else None
