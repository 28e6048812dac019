"""Where a project begins: the source root of a pipeline file, and the folder of the project's config.

Kept apart from the compiler proper (and cheap to import) because the compile cache
needs both answers before it decides whether to load anything else.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pipec.compiler import deps

#: Files or folders whose presence marks a source root.
ROOT_MARKERS = ("pyproject.toml", "pipec.toml", ".pipec", ".zen")

#: `import a.b`, `import a, b` and `from a.b import c` at the start of a line (in any block);
#: relative imports (`from .x`) are told apart by the dot.
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*)[ \t]*([A-Za-z_]\w*)?|import[ \t]+([A-Za-z_][\w \t.,]*))",
                     re.MULTILINE)


def find_source_root(entry: Path) -> Path:
    """The folder the imports of `entry` resolve from, as ZenML and Python see it.

    The entry's folder when it holds a marker (ROOT_MARKERS). Otherwise the folders from the
    entry's up to the nearest marked ancestor are candidates, and the one from which most of
    the entry's imports resolve wins, the nearest on a tie: `run.py` beside its `steps/` is the
    root even in a monorepo whose top holds a pyproject.toml, and `pipelines/train.py`
    importing `steps` finds the project folder above it. When no import tells (or the entry
    imports relatively, so its folder is a package), the marked ancestor; without one, the
    entry's folder, ZenML's own default.
    """
    folder = entry.resolve().parent
    chain: list[Path] = []
    for candidate in (folder, *folder.parents):
        chain.append(candidate)
        if any(deps.exists(candidate / marker) for marker in ROOT_MARKERS):
            break
    else:
        return folder
    marked = chain[-1]
    if len(chain) == 1:
        return marked
    names, relative = imported_names(entry)
    if relative or not names:
        return marked
    best, best_count = marked, 0
    for candidate in chain:
        count = sum(1 for name in names if provides(candidate, name))
        if count > best_count:
            best, best_count = candidate, count
    return best


def imported_names(entry: Path) -> tuple[list[str], bool]:
    """Top-level package names `entry` imports absolutely (anywhere in the file), and whether it
    imports relatively. Read as text: the root is chosen before anything is parsed."""
    try:
        text = deps.read_text(entry)
    except (OSError, UnicodeDecodeError):
        return [], False
    names: dict[str, None] = {}
    relative = False
    for dots, from_name, import_list in _IMPORT.findall(text):
        if dots:
            relative = True
        elif from_name:
            names.setdefault(from_name, None)
        elif import_list:
            for part in import_list.split(","):
                top = part.strip().split(" ")[0].split(".")[0]
                if top.isidentifier():
                    names.setdefault(top, None)
    return list(names), relative


#: Top-level modules a project never replaces with a folder lacking `__init__.py`: they are
#: regular packages wherever ZenML runs, and Python's import system prefers a regular package
#: found anywhere on sys.path to a namespace-package folder found earlier.
RUNTIME_PACKAGES = frozenset({"zenml", "pipec"})


def provides(folder: Path, name: str) -> bool:
    """True when top-level module `name` is the file `name.py`, a package folder (`__init__.py`),
    or a namespace-package folder Python would import, in `folder`."""
    if deps.is_file(folder / f"{name}.py") or deps.is_file(folder / name / "__init__.py"):
        return True
    return deps.is_dir(folder / name) and namespace_folder_is_module(folder, name)


def namespace_folder_is_module(folder: Path, name: str) -> bool:
    """Whether the folder `name` in `folder`, which has no `__init__.py`, is the module `name` for
    Python: never when it holds no `.py` file (a Helm chart, a data folder), nor when `name` is a
    standard-library, ZenML or pipec module (a regular package further along sys.path wins)."""
    if name in sys.stdlib_module_names or name in RUNTIME_PACKAGES:
        return False
    return bool(deps.glob(folder / name, "**/*.py"))


def find_project(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding pipec.toml or pyproject.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if deps.is_file(folder / "pipec.toml") or deps.is_file(folder / "pyproject.toml"):
            return folder
    return None
