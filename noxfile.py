"""Developer sessions: `nox -s tests`, `nox -s lint`, `nox -s golden [-- --update]`, `nox -s bench`.

Sessions use the interpreter that runs nox (CI: Python 3.11). Virtualenvs are reused between
runs (re-create one with `--reuse-venv=never`); add `-R` to also skip re-installing when
pyproject.toml did not change.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_venv = "yes"


def _install(session: nox.Session) -> None:
    session.install("-e", ".[test]")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (goldens, diagnostics snapshots, determinism, fuzzing); extra args go to pytest."""
    _install(session)
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the repository (examples, goldens and broken test inputs are excluded in pyproject.toml)."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".", *session.posargs)


@nox.session
def golden(session: nox.Session) -> None:
    """Compare every example with golden/; `nox -s golden -- --update` rewrites golden/ instead."""
    _install(session)
    args = ["--update-golden" if arg == "--update" else arg for arg in session.posargs]
    # Every committed expected artifact: target outputs (with variants) and the Dockerfiles of `pipec build`.
    session.run("pytest", "tests/test_golden.py", "tests/test_build.py::test_docker_golden", *args)


@nox.session
def bench(session: nox.Session) -> None:
    """Compile-time benchmarks (bench/compile.py, bench/check.py); extra args go to both (e.g. `-- --runs 3`)."""
    _install(session)
    # Cached bytecode, as an installed package has: PYTHONDONTWRITEBYTECODE=1 would otherwise
    # make every timed start recompile pipec's own modules.
    session.run("python", "-m", "compileall", "-q", "src")
    session.run("python", "bench/compile.py", *session.posargs)
    # Committed artifacts: `--check` on a compile-cache hit, and a 2 GB data file in the project.
    session.run("python", "bench/check.py", *session.posargs)
