"""Tools a test needs that may be missing: skip locally with the command that installs them,
fail under CI.

In CI (the ``CI`` environment variable set, as CI services and .ci/run's machines do) a skip
would hide a broken set-up and let a proof pass vacuously, so a missing tool fails instead.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[2]


def missing(what: str, install: str) -> NoReturn:
    """Stop here because `what` is missing: fail under CI, else skip, naming `install`, the
    command that provides it. Called at a module's top level it skips (or fails) the module."""
    message = f"{what} is missing: {install}"
    if os.environ.get("CI"):
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def mark(available: bool, what: str, install: str) -> pytest.MarkDecorator:
    """A mark for the tests that need `what`: skipped locally when it is not `available`; under
    CI its absence fails the importing module at once (see `missing`)."""
    if not available and os.environ.get("CI"):
        missing(what, install)
    return pytest.mark.skipif(not available, reason=f"{what} is missing: {install}")


def tool(name: str, install: str = "pip install -e '.[test]'") -> str:
    """Path of the executable `name`: the test environment's own first, then PATH."""
    for candidate in (Path(sys.executable).parent / name, shutil.which(name)):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    missing(f"the executable {name}", install)


def module(name: str, install: str = "pip install -e '.[test]'") -> ModuleType:
    """The Python module `name`, imported."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"the Python package providing {name}", install)


def side_python(name: str) -> Path:
    """The interpreter of side environment .venvs/`name`, built by .ci/after-install.d/`name`.sh."""
    python = REPO / ".venvs" / name / "bin" / "python"
    if not python.is_file():
        missing(f"the side environment .venvs/{name}", f"bash .ci/after-install.d/{name}.sh")
    return python
