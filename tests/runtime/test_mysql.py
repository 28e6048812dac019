"""The metadata store against a real MySQL-compatible server: MariaDB started on 127.0.0.1 by the tests.

Needs Debian's `mariadb-server` package (mariadb-install-db, mariadbd; `.ci/setup.d/mariadb.sh`)
and the PyMySQL driver; skipped without them locally, an error under CI. The server gets its own
temporary datadir, socket and free port, a user with a password, and is stopped at the end
(its whole process group).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import db_scenarios
import pytest
from rt_helpers import make_project
from test_local_run import DIAMOND

from pipec.runtime import metadata as md


def mariadb_bin() -> Path | None:
    """The folder holding mariadbd (PATH, then Debian's /usr/sbin), if mariadb-install-db is there too."""
    for folder in [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p] + [Path("/usr/sbin")]:
        if (folder / "mariadbd").is_file() and (shutil.which("mariadb-install-db") or
                                                (folder.parent / "bin" / "mariadb-install-db").is_file()):
            return folder
    return None


try:
    import pymysql
except ImportError:
    pymysql = None

if os.environ.get("CI") and (mariadb_bin() is None or pymysql is None):
    # .ci/setup.d/mariadb.sh installs the server and the test extra pins PyMySQL; in CI a skip
    # would hide a broken set-up.
    raise RuntimeError("CI: MariaDB server binaries or the PyMySQL driver missing "
                       "(.ci/setup.d/mariadb.sh, pyproject.toml test extra)")
pytestmark = [
    pytest.mark.skipif(mariadb_bin() is None, reason="MariaDB server binaries not installed "
                       "(Debian: apt-get install mariadb-server)"),
    pytest.mark.skipif(pymysql is None, reason="the PyMySQL driver is not installed"),
]

USER, PASSWORD = "pipec", "pipec-secret"


class MariaDBServer:
    """A throw-away MariaDB server on 127.0.0.1 in a temporary folder, owned by this test run."""

    def __init__(self, base: Path) -> None:
        bindir = mariadb_bin()
        assert bindir is not None
        self.base = base
        self.data = base / "data"
        self.sock = str(base / "mysqld.sock")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        # mariadbd refuses to run as root unless told to.
        as_user = ["--user=root"] if os.geteuid() == 0 else []
        install = shutil.which("mariadb-install-db") or str(bindir.parent / "bin" / "mariadb-install-db")
        subprocess.run([install, "--no-defaults", f"--datadir={self.data}", "--auth-root-authentication-method=normal",
                        "--skip-test-db", "--skip-name-resolve", *as_user], check=True, capture_output=True,
                       timeout=180)
        self.log = base / "server.log"
        self.proc = subprocess.Popen(
            [str(bindir / "mariadbd"), "--no-defaults", f"--datadir={self.data}", f"--socket={self.sock}",
             f"--port={self.port}", "--bind-address=127.0.0.1", f"--pid-file={base / 'mysqld.pid'}",
             f"--log-error={self.log}", "--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=32M",
             "--innodb-flush-log-at-trx-commit=0", "--max-connections=200", *as_user],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self._wait_ready(time.monotonic() + 60)
            with self._root() as conn, conn.cursor() as cur:
                cur.execute(f"CREATE USER '{USER}'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}'")
                cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'127.0.0.1'")
        except BaseException:
            self.stop()
            raise

    def _root(self) -> pymysql.connections.Connection:
        return pymysql.connect(unix_socket=self.sock, user="root", autocommit=True)

    def _wait_ready(self, deadline: float) -> None:
        while True:
            if self.proc.poll() is not None:
                log = self.log.read_text(errors="replace") if self.log.exists() else ""
                raise RuntimeError(f"mariadbd exited with {self.proc.returncode}:\n{log[-3000:]}")
            try:
                self._root().close()
                return
            except pymysql.err.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL (TCP, password auth)."""
        name = f"t_{os.urandom(6).hex()}"
        with self._root() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        return f"mysql+pymysql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server (TERM to its process group, KILL after 30 s)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    db = MariaDBServer(tmp_path_factory.mktemp("mariadb"))
    try:
        yield db
    finally:
        db.stop()


def test_schema_created_with_exact_timestamps(server: MariaDBServer) -> None:
    url = server.create_database()
    store = md.MetadataStore(url)
    md.MetadataStore(url).close()  # a second open finds the schema and adds nothing
    with store.engine.connect() as conn:
        tables = {row[0] for row in conn.exec_driver_sql("SHOW TABLES")}
        versions = conn.exec_driver_sql("SELECT version FROM pipec_schema").fetchall()
    assert tables == {"pipec_schema", "pipec_pipeline_runs", "pipec_step_runs", "pipec_artifacts",
                      "pipec_run_metadata"}
    assert versions == [(1,)]
    store.create_pipeline_run("r1", "p", orchestrator="local", parameters={"s": "x" * 300})
    row = store.start_step_run("r1", "s" * 255, cache_key="k" * 64, started_at=1_700_000_000.123456)
    store.finish_step_run(row, md.COMPLETED, ended_at=1_700_000_001.654321)
    (step,) = store.step_runs("r1")
    # MySQL's FLOAT is single precision (about two minutes apart at today's epoch): stored as DOUBLE.
    assert (step.started_at, step.ended_at) == (1_700_000_000.123456, 1_700_000_001.654321)
    assert store.get_run("r1").parameters == {"s": "x" * 300}
    store.close()


def test_parallel_writers(server: MariaDBServer) -> None:
    db_scenarios.parallel_writers(server.create_database())


def test_diamond_cache_and_source_change(server: MariaDBServer, tmp_path: Path) -> None:
    db_scenarios.diamond_cache_and_source_change(server.create_database(), tmp_path)


def test_sigkill_then_rerun(server: MariaDBServer, tmp_path: Path) -> None:
    db_scenarios.sigkill_then_rerun(server.create_database(), tmp_path)


def test_engine_style_parallel_shims(server: MariaDBServer, tmp_path: Path) -> None:
    db_scenarios.engine_style_parallel_shims(server.create_database(), tmp_path)


def test_cli_run_then_runs_list_and_show(server: MariaDBServer, tmp_path: Path) -> None:
    url = server.create_database()
    root = make_project(tmp_path, DIAMOND)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pipec.runtime", *args], cwd=root, capture_output=True,
                              text=True, timeout=120)

    done = cli("run", "run.py", "--metadata-store", url)
    assert done.returncode == 0, done.stderr
    listed = cli("runs", "--metadata-store", url, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)
    assert entry["status"] == "completed"
    shown = cli("runs", "--metadata-store", url, "show", "diamond", "--json")
    data = json.loads(shown.stdout)
    assert data["id"] == entry["id"] and set(data["steps"]) == {"load", "left", "right", "join"}
    text = cli("runs", "--metadata-store", url, "show", entry["id"])
    assert text.returncode == 0 and "join" in text.stdout
    assert not (root / ".pipec" / "metadata.db").exists()
