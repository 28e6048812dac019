"""Stopping the local runner's step processes: each step runs in its own process group
(session), so a signal to the group reaches whatever the step started too."""

from __future__ import annotations

import os
import queue
import signal
import time
from collections.abc import Mapping
from typing import Any


def kill_group(pid: int, sig: int) -> None:
    """Send `sig` to process group `pid`; nothing when it is gone or not ours."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_groups(running: Mapping[str, Any], pids: Mapping[str, int], events: queue.Queue[tuple[str, int]],
                grace: float) -> None:
    """SIGTERM every running step's process group, wait up to `grace` seconds for them to exit,
    then SIGKILL the rest; another interrupt while waiting kills them at once."""
    left = {sid: pids[sid] for sid in running if sid in pids}
    for pid in left.values():
        kill_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    try:
        while left and time.monotonic() < deadline:
            try:
                sid, _ = events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            left.pop(sid, None)
    except KeyboardInterrupt:
        pass
    for pid in left.values():
        kill_group(pid, signal.SIGKILL)


class signals_ignored:  # noqa: N801 - used as a context manager, like a function
    """Ignore SIGINT and SIGTERM (main thread only) while a cancellation is recorded, so a second
    Ctrl-C cannot leave the run half-recorded."""

    def __enter__(self) -> None:
        import threading

        self._saved: dict[int, object] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._saved[sig] = signal.signal(sig, signal.SIG_IGN)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
