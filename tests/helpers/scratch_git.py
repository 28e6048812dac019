"""Scratch git repositories for the pre-commit and CI-recipe tests (tests/test_precommit.py,
tests/test_ci_recipes.py): a snapshot of this repository, a small pipeline project, a pipec wheel.

Everything is real: git, pre-commit, venv and pip run as subprocesses. Nothing is written into
this repository or the user's git configuration; pre-commit's store goes under the test's
temporary folder. Tools that are missing skip the test locally with the command that installs
them, and fail it under CI (where a skip would hide a broken set-up).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.helpers import requires

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"

#: The scratch project's pipeline. A change to a step's body changes no signature, so only the
#: content-addressed image tag in the argo artifacts shows it.
PIPELINE = '''\
from pipec import pipeline, step


@step
def load(n: int = 3) -> list:
    return list(range(n))


@step
def total(values: list) -> int:
    return sum(values)


@pipeline
def tiny(n: int = 3):
    total(load(n=n))
'''
#: The edit that makes the committed artifacts stale.
STEP_BODY = ("    return sum(values)\n", "    return sum(values) * 2\n")

_session: dict[str, object] = {}


def tool(name: str) -> str:
    """Path of the executable `name`: the test environment's own first, then PATH (`requires.tool`)."""
    return requires.tool(name, "install git" if name == "git" else "pip install -e '.[test]' (or .ci/run)")


def env(home: Path, **overrides: str) -> dict[str, str]:
    """The environment for git and pre-commit: no user or system git config, no inherited
    repository (a test run from a git hook has GIT_DIR/GIT_INDEX_FILE set), a fixed identity,
    pre-commit's store under `home`, no colours."""
    result = {k: v for k, v in os.environ.items()
              if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in {"FORCE_COLOR", "CLICOLOR_FORCE"}}
    home.mkdir(parents=True, exist_ok=True)
    result.update(
        GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="pipec test", GIT_AUTHOR_EMAIL="test@pipec.invalid",
        GIT_COMMITTER_NAME="pipec test", GIT_COMMITTER_EMAIL="test@pipec.invalid",
        PRE_COMMIT_HOME=str(home / "pre-commit"), NO_COLOR="1", TERM="dumb", PYTHONIOENCODING="utf-8",
    )
    result.update(overrides)
    return result


def run(argv: list[str], cwd: Path, environ: Mapping[str, str], timeout: float = 600,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `argv`, capturing stdout and stderr together; with `check`, fail on exit != 0."""
    proc = subprocess.run(argv, cwd=cwd, env=dict(environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, encoding="utf-8", errors="replace", timeout=timeout)
    if check:
        assert proc.returncode == 0, f"{argv} exited {proc.returncode}:\n{proc.stdout[-6000:]}"
    return proc


def git(cwd: Path, environ: Mapping[str, str], *args: str) -> str:
    """`git ARGS` in `cwd`; its output (fails on exit != 0)."""
    return run([tool("git"), *args], cwd, environ).stdout


def repo_snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository whose one commit holds this repository's working tree, and its sha.

    The files are the ones git would commit here (tracked and untracked, not ignored, as they
    are on disk), so the tests install what the rest of the suite tests, committed or not,
    on CI's fresh clone and in a developer's dirty tree alike (pre-commit's own handling of
    a dirty repository leaves untracked files out). Made once per session.
    """
    if "snapshot" not in _session:
        if not (REPO / ".git").exists():
            requires.missing(f"a git checkout at {REPO} (the pre-commit tests need one)", "git clone")
        # The user's own git configuration (e.g. a CI container's safe.directory) reads this checkout.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        listed = git(REPO, inherited, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        environ = env(tmp_path_factory.mktemp("git-home"))
        snapshot = tmp_path_factory.mktemp("pipec-snapshot")
        for name in filter(None, listed.split("\0")):
            source = REPO / name
            if source.is_file():  # deleted but still tracked: not on disk, not in the snapshot
                (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, snapshot / name)
        git(snapshot, environ, "init", "-q", "-b", "main")
        git(snapshot, environ, "add", "-A")
        git(snapshot, environ, "commit", "-q", "-m", "snapshot of the working tree")
        _session["snapshot"] = (snapshot, git(snapshot, environ, "rev-parse", "HEAD").strip())
    return _session["snapshot"]  # type: ignore[return-value]


def pipec_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding pipec's wheel, built from :func:`repo_snapshot` once per session."""
    if "wheel" not in _session:
        snapshot, _ = repo_snapshot(tmp_path_factory)
        builder = new_venv(tmp_path_factory.mktemp("wheel-builder") / "venv")
        wheels = tmp_path_factory.mktemp("wheels")
        run([str(builder / "bin" / "python"), "-m", "pip", "wheel", "--no-deps", "-q", str(snapshot),
             "-w", str(wheels)], snapshot, os.environ)
        assert list(wheels.glob("pipec-*.whl")), f"no pipec wheel in {wheels}"
        _session["wheel"] = wheels
    return _session["wheel"]  # type: ignore[return-value]


def new_venv(folder: Path) -> Path:
    """A fresh virtual environment with pip (the standard library's venv), at `folder`."""
    proc = run([sys.executable, "-m", "venv", str(folder)], folder.parent, os.environ, check=False)
    if proc.returncode != 0:
        requires.missing(f"a working `{sys.executable} -m venv` ({proc.stdout.strip()})",
                         "apt-get install python3-venv (Debian)")
    return folder


def scratch_project(folder: Path, environ: Mapping[str, str], table: str, extra: Mapping[str, str] = {}) -> Path:
    """A git repository at `folder` holding :data:`PIPELINE` as pipelines/tiny.py, a pyproject.toml
    with the compile `table` (TOML text), the `extra` files ({relative path: text}) and the
    artifacts `pipec compile` writes, all committed."""
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(f'[project]\nname = "tiny"\nversion = "0.1.0"\n\n{table}')
    (folder / "pipelines").mkdir()
    (folder / "pipelines" / "tiny.py").write_text(PIPELINE)
    # The stat cache of file digests is local state; every other file is in the image's build
    # context, so the artifacts are compiled after the last file is written.
    (folder / ".gitignore").write_text(".pipec/\n")
    for name, text in extra.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    compile_project(folder)
    git(folder, environ, "init", "-q", "-b", "main")
    git(folder, environ, "add", "-A")
    git(folder, environ, "commit", "-q", "-m", "pipeline and its artifacts")
    return folder


def compile_project(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`pipec compile ARGS` of the test environment in `folder` (fails unless it exits 0)."""
    return run([sys.executable, "-m", "pipec", "compile", *args], folder, os.environ)


def change_step(folder: Path) -> None:
    """Edit a step's body in the scratch project: its committed artifacts become stale."""
    path = folder / "pipelines" / "tiny.py"
    old, new = STEP_BODY
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))


def readme_block(marker: str) -> str:
    """The one fenced block of README.md whose first line is `marker` (e.g. a `# file name`
    comment), without the fences."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)
    found = [b for b in blocks if b.split("\n", 1)[0].strip() == marker]
    assert len(found) == 1, f"README.md: {len(found)} fenced blocks start with {marker!r}, expected 1"
    return found[0]
