"""Throw-away servers on 127.0.0.1 for tests: PostgreSQL, MariaDB and moto (S3, SageMaker).

Each runs in a temporary folder owned by the test run, on a free port, and is stopped by the
test that started it. Airflow's, bigger, is `tests.helpers.airflow_server`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The MariaDB account the tests connect with (TCP, password authentication).
USER, PASSWORD = "pipec", "pipec-secret"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- PostgreSQL


def postgres_bin() -> Path | None:
    """The folder holding initdb and pg_ctl (PATH, then Debian's /usr/lib/postgresql/N/bin)."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return candidates[-1].parent if candidates else None


class PostgresServer:
    """A throw-away PostgreSQL server on 127.0.0.1, in a temporary folder, owned by this test run."""

    def __init__(self, base: Path) -> None:
        import pwd

        bindir = postgres_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
        self.base = base
        self.data = base / "data"
        self.port = free_port()
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
        done = subprocess.run([*self.prefix, str(bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                               "pipec", "--no-sync"], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        options = f"-p {self.port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run([*self.prefix, self.pg_ctl, "-D", str(self.data), "-o", options, "-l",
                        str(base / "server.log"), "-w", "-t", "60", "start"], check=True, capture_output=True,
                       timeout=120)

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
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


# --------------------------------------------------------------------------- MariaDB


def mariadb_bin() -> Path | None:
    """The folder holding mariadbd (PATH, then Debian's /usr/sbin), if mariadb-install-db is there too."""
    for folder in [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p] + [Path("/usr/sbin")]:
        if (folder / "mariadbd").is_file() and (shutil.which("mariadb-install-db") or
                                                (folder.parent / "bin" / "mariadb-install-db").is_file()):
            return folder
    return None


class MariaDBServer:
    """A throw-away MariaDB server on 127.0.0.1 in a temporary folder, owned by this test run."""

    def __init__(self, base: Path) -> None:
        bindir = mariadb_bin()
        assert bindir is not None
        self.base = base
        self.data = base / "data"
        self.sock = str(base / "mysqld.sock")
        self.port = free_port()
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

    def _root(self):  # noqa: ANN202 - a PyMySQL connection (PyMySQL is imported only here)
        import pymysql

        return pymysql.connect(unix_socket=self.sock, user="root", autocommit=True)

    def _wait_ready(self, deadline: float) -> None:
        import pymysql

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


# --------------------------------------------------------------------------- moto


@contextmanager
def moto_endpoint() -> Iterator[str]:
    """A moto server (every AWS service moto mocks) on a free port of 127.0.0.1; its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@contextmanager
def postgres_database(folder: Path) -> Iterator[str]:
    """A fresh database on a PostgreSQL server started in `folder` for the block (its URL);
    the test skips (fails under CI) without the server binaries or the psycopg driver."""
    from tests.helpers import requires

    if postgres_bin() is None:
        requires.missing("PostgreSQL's server binaries", "apt-get install postgresql (or .ci/setup.d/postgresql.sh)")
    requires.module("psycopg")
    folder.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(folder)
    try:
        yield server.create_database()
    finally:
        server.stop()
