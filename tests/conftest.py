"""Shared pytest options, parametrisation and helpers for running the `pipec` command line.

Options:
  --update-golden     rewrite golden/ from the current compiler output (removes stale files)
  --update-snapshots  rewrite tests/snapshots/ from the current diagnostics

A test that takes an argument `example_case` runs once per folder of examples/ with a
`run.py`; one that takes `target_name` runs once per registered target. Helpers come from the
`cli` fixture (test modules never import a conftest; what they share is in tests/helpers).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


@pytest.fixture(autouse=True, scope="session")
def _private_state_dir(tmp_path_factory: pytest.TempPathFactory):
    """Every `pipec run` of the suite (subprocesses included) remembers its stores in a temporary
    folder, never in the real ~/.local/state/pipec (see pipec.runtime.store_index)."""
    saved = os.environ.get("PIPEC_STATE_DIR")
    os.environ["PIPEC_STATE_DIR"] = str(tmp_path_factory.mktemp("pipec-state"))
    yield
    if saved is None:
        os.environ.pop("PIPEC_STATE_DIR", None)
    else:
        os.environ["PIPEC_STATE_DIR"] = saved


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pipec")
    group.addoption("--update-golden", action="store_true", default=False,
                    help="rewrite golden/ from the current compiler output")
    group.addoption("--update-snapshots", action="store_true", default=False,
                    help="rewrite tests/snapshots/ from the current diagnostics")


def _example_cases() -> list[str]:
    return sorted(p.parent.name for p in EXAMPLES.glob("*/run.py"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "example_case" in metafunc.fixturenames:
        metafunc.parametrize("example_case", _example_cases())
    if "target_name" in metafunc.fixturenames:
        from pipec import targets

        # Built-in targets: a plug-in's goldens live with the plug-in (examples/plugins/*/golden).
        metafunc.parametrize("target_name", list(targets.BUILTINS))
    if "target_variant" in metafunc.fixturenames:
        from pipec import targets
        from tests.helpers.golden_variants import VARIANTS

        registered = set(targets.BUILTINS)
        pairs = [(t, v) for t, vs in sorted(VARIANTS.items()) if t in registered for v in sorted(vs)]
        metafunc.parametrize("target_variant", pairs, ids=[f"{t}@{v}" for t, v in pairs])


class CLI:
    """Runs `python -m pipec` in fresh processes and reads what it wrote."""

    #: The repository root (the folder holding pyproject.toml).
    repo = REPO
    #: Example pipelines, one folder per case, each with an entry `run.py`.
    examples = EXAMPLES
    #: Expected compiler output: golden/<case>/<target>/...
    golden = REPO / "golden"
    #: Printed by Python for an uncaught exception; must never reach a pipec user.
    traceback = "Traceback (most recent call last)"

    @staticmethod
    def example_cases() -> list[str]:
        """Names of the example folders that have an entry `run.py`, sorted."""
        return _example_cases()

    @staticmethod
    def example_args(case: str, root: Path = EXAMPLES, relative_to: Path | None = None) -> list[str]:
        """`run.py` of example `case` under `root`, plus `--config` when it has a config.yaml.

        Paths are relative to `relative_to` when given (so commands print as a user types them).
        """
        folder = root / case
        files = [folder / "run.py"]
        if (folder / "config.yaml").is_file():
            files.append(folder / "config.yaml")
        shown = [str(p.relative_to(relative_to)) if relative_to else str(p) for p in files]
        return shown[:1] + (["--config", shown[1]] if len(shown) > 1 else [])

    @staticmethod
    def env(**overrides: str) -> dict[str, str]:
        """The current environment without colour or terminal hints, plus `overrides`."""
        env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS"}}
        env.update(NO_COLOR="1", TERM="dumb", PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8")
        env.update(overrides)
        return env

    @classmethod
    def run(cls, args: Sequence[str], cwd: Path = REPO, env: Mapping[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run `python -m pipec ARGS` in a fresh process and capture its output as text."""
        return subprocess.run(
            [sys.executable, "-m", "pipec", *args],
            cwd=cwd,
            env=dict(env) if env is not None else cls.env(),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
        )

    @staticmethod
    def read_tree(root: Path) -> dict[str, bytes]:
        """Every file below `root` as {relative POSIX path: bytes}; {} when `root` is missing."""
        if not root.is_dir():
            return {}
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def cli() -> type[CLI]:
    """Helpers to run `python -m pipec` and read its output (see :class:`CLI`)."""
    return CLI
