"""The same runs against a real PostgreSQL server started on 127.0.0.1 by the tests.

Needs Debian's `postgresql` package (initdb/pg_ctl) and the psycopg driver; skipped
without them. The server runs in a temporary folder and is stopped at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import db_scenarios
import pytest
from rt_helpers import PostgresServer, postgres_bin

if postgres_bin() is None and os.environ.get("CI"):
    # .ci/setup.d/postgresql.sh installs the server; in CI a skip would hide a broken set-up.
    raise RuntimeError("CI: PostgreSQL server binaries missing; .ci/setup.d/postgresql.sh should install them")
pytestmark = [
    pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL server binaries not installed "
                       "(Debian: apt-get install postgresql)"),
]
psycopg = pytest.importorskip("psycopg", reason="the psycopg driver is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    pg = PostgresServer(tmp_path_factory.mktemp("postgres"))
    try:
        yield pg
    finally:
        pg.stop()


def test_parallel_shims_and_writers(server: PostgresServer) -> None:
    db_scenarios.parallel_writers(server.create_database())


def test_diamond_cache_and_source_change(server: PostgresServer, tmp_path: Path) -> None:
    db_scenarios.diamond_cache_and_source_change(server.create_database(), tmp_path)


def test_sigkill_then_rerun(server: PostgresServer, tmp_path: Path) -> None:
    db_scenarios.sigkill_then_rerun(server.create_database(), tmp_path)


def test_engine_style_parallel_shims_record_to_postgres(server: PostgresServer, tmp_path: Path) -> None:
    db_scenarios.engine_style_parallel_shims(server.create_database(), tmp_path)


