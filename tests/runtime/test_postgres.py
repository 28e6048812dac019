"""The same runs against a real PostgreSQL server started on 127.0.0.1 by the tests.

Needs Debian's `postgresql` package (initdb/pg_ctl) and the psycopg driver; skipped
without them. The server runs in a temporary folder and is stopped at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import db_scenarios, model_scenarios, requires
from tests.helpers.servers import PostgresServer, postgres_bin

if postgres_bin() is None:
    requires.missing("PostgreSQL's server binaries", "apt-get install postgresql (or .ci/setup.d/postgresql.sh)")
psycopg = requires.module("psycopg")


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


def test_model_control_plane_train_promote_infer(server: PostgresServer, tmp_path: Path) -> None:
    model_scenarios.train_promote_infer(server.create_database(), tmp_path)


def test_model_control_plane_parallel_steps_share_one_new_version(server: PostgresServer, tmp_path: Path) -> None:
    model_scenarios.parallel_steps_share_one_new_version(server.create_database(), tmp_path)


def test_model_control_plane_stage_is_pinned_per_run(server: PostgresServer) -> None:
    model_scenarios.stage_is_pinned_per_run(server.create_database())


def test_orphaned_runs_are_cancelled(server: PostgresServer) -> None:
    db_scenarios.orphaned_runs_are_cancelled(server.create_database())
