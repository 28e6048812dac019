"""Runs whose `pipec run` process is gone: recorded ``cancelled`` by the next reader.

SIGKILL (or a crash, or a power cut) ends `pipec run` before it can record anything, and
the run would stay ``running`` forever. So `pipec run` records who runs it
(``pipec_run_runners``: host, pid and the pid's start time, which tells a reused pid
apart), and a later `pipec run`, `pipec runs` or :class:`pipec.Client` on the same host
records every ``running`` run whose runner no longer exists as cancelled. Runs recorded by
engines' shims have no runner row and are never touched; runners on other hosts neither.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .metadata import MetadataStore


def process_started(pid: int) -> str | None:
    """An identity of process `pid` that a reused pid does not share (its start time in clock
    ticks on Linux, "" where that cannot be read); None when no such process exists."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
        return stat.rpartition(")")[2].split()[19]  # field 22, after the command in parentheses
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except (PermissionError, OSError):
        return ""
    return ""


def record_runner(meta: MetadataStore, run_id: str) -> None:
    """Record this process as the runner of `run_id`."""
    runners = meta.t["pipec_run_runners"]
    pid = os.getpid()
    with meta.engine.begin() as conn:
        conn.execute(runners.insert().values(run_id=run_id, host=socket.gethostname(), pid=pid,
                                             pid_started=process_started(pid) or ""))


def release_runner(meta: MetadataStore, run_id: str) -> None:
    """Forget this process as a runner of `run_id`: it leaves the run running on purpose (a later
    process, e.g. the next task of a SkyPilot chain, carries it on), so its end orphans nothing."""
    runners = meta.t["pipec_run_runners"]
    with meta.engine.begin() as conn:
        conn.execute(runners.delete().where(runners.c.run_id == run_id, runners.c.host == socket.gethostname(),
                                            runners.c.pid == os.getpid()))


def cancel_orphaned_runs(meta: MetadataStore) -> list[str]:
    """Record every ``running`` run whose runner on this host is gone as cancelled; their ids.

    A store this process may not write (read-only file, missing grant) is left as it is."""
    from .metadata import RUNNING

    sa = meta._sa
    runs, runners = meta.t["pipec_pipeline_runs"], meta.t["pipec_run_runners"]
    try:
        with meta._read() as conn:
            rows = conn.execute(sa.select(runners.c.run_id, runners.c.pid, runners.c.pid_started)
                                .join(runs, runs.c.id == runners.c.run_id)
                                .where(runs.c.status == RUNNING, runners.c.host == socket.gethostname())).all()
    except sa.exc.DBAPIError:
        return []
    gone = []
    for run_id, pid, started in rows:
        now = process_started(pid)
        if now is None or (started and now and now != started):
            gone.append(run_id)
            try:
                meta.cancel_run(run_id, f"stopped: its `pipec run` (pid {pid}) ended without finishing it")
            except sa.exc.DBAPIError:
                return gone[:-1]
    return gone
