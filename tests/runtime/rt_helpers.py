"""Helpers and fixtures for the runtime tests (not a conftest.py: tests/conftest.py owns that module name)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

from pipec.ir import Pipeline


def write_files(root: Path, files: Mapping[str, str]) -> Path:
    """Write `files` ({relative path: source}) under `root`, dedented; packages get an __init__.py."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        for parent in path.relative_to(root).parents:
            if parent != Path(".") and not (root / parent / "__init__.py").exists():
                (root / parent / "__init__.py").write_text("", encoding="utf-8")
    return root


def load_pipeline(root: Path, entry: str = "run.py", *, pipeline: str | None = None,
                  params: Mapping[str, str] | None = None) -> Pipeline:
    """The single (or named) pipeline of `entry`, compiled statically; fails the test on errors."""
    from pipec.compiler import api
    from pipec.ir.diagnostics import render_all

    result = api.load(root / entry, root=root, params=params, pipeline=pipeline)
    assert not result.diagnostics.has_errors, render_all(result.diagnostics, result.root)
    assert len(result.program.pipelines) == 1, [p.name for p in result.program.pipelines]
    return result.program.pipelines[0]


def make_project(tmp_path: Path, files: Mapping[str, str]) -> Path:
    """Write a project into tmp_path/"proj" and return its root."""
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    return write_files(root, files)


def run_shim(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m pipec.runtime run-step ARGS` in `cwd`."""
    return subprocess.run([sys.executable, "-m", "pipec.runtime", "run-step", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


# --------------------------------------------------------------------------- PostgreSQL


def postgres_bin() -> Path | None:
    """The folder holding initdb and pg_ctl (PATH, then Debian's /usr/lib/postgresql/N/bin)."""
    import shutil

    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return candidates[-1].parent if candidates else None


class PostgresServer:
    """A throw-away PostgreSQL server on 127.0.0.1, in a temporary folder, owned by this test run."""

    def __init__(self, base: Path) -> None:
        import os
        import pwd
        import socket

        bindir = postgres_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
        self.base = base
        self.data = base / "data"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        # initdb refuses to run as root: run the server as the `postgres` account then.
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for path in (base, *base.parents):
                if path == Path("/"):
                    break
                os.chmod(path, os.stat(path).st_mode | 0o011)  # let postgres traverse to its folder
            os.chown(base, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.pg_ctl = str(bindir / "pg_ctl")
        subprocess.run([*self.prefix, str(bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "pipec",
                        "--no-sync"], check=True, capture_output=True, timeout=120)
        options = f"-p {self.port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run([*self.prefix, self.pg_ctl, "-D", str(self.data), "-o", options, "-l",
                        str(base / "server.log"), "-w", "-t", "60", "start"], check=True, capture_output=True,
                       timeout=120)

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import os

        import psycopg

        name = f"t_{os.urandom(6).hex()}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=pipec dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://pipec@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server immediately."""
        subprocess.run([*self.prefix, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
