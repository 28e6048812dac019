"""How the local orchestrator starts step processes.

``spawn``: one fresh interpreter per step, exactly the argv from
:func:`shim_command` (what a container runs). Every step pays interpreter start-up
and imports: ~50 ms here, more than the per-step overhead goal.

``fork`` (default where ``os.fork`` exists): a *warm* helper process (the
"zygote") imports the shim once, then forks one child per step. Each child is a
separate process in its own session, with its own log file as stdout/stderr, that
parses the same run-step argv with the same parser and runs the same code, so the
contract is the one targets use; it only skips re-importing pipec. The zygote never
imports user code (children do, after the fork), is single-threaded (so forking is
safe), and reports ``started ID PID`` / ``exited ID STATUS`` lines, STATUS being
negative for a signal, as with ``subprocess``.

Steps never outlive the run (issue 17): when its stdin closes while steps still run (the
runner was killed, even with SIGKILL), the zygote stops their process groups (SIGTERM, then
SIGKILL after :data:`STOP_GRACE` seconds) and reaps them. Each step process also asks Linux
to SIGTERM it when its parent (the zygote, or the runner with ``spawn``) dies
(``PR_SET_PDEATHSIG``; nothing elsewhere).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from .shim_flags import ENTRYPOINT

#: Seconds the zygote's orphaned steps get between SIGTERM and SIGKILL.
STOP_GRACE = 5.0


def pdeathsig_setter() -> Callable[[], None] | None:
    """Linux's ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` as a callable, looked up here, before any fork
    (a child of a threaded process must not load libraries); None elsewhere."""
    import signal

    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, int(signal.SIGTERM), 0, 0, 0)  # 1: PR_SET_PDEATHSIG


def die_with_parent(parent: int, setter: Callable[[], None] | None) -> None:
    """In a new child of `parent`: be sent SIGTERM when the parent dies (`setter` from
    :func:`pdeathsig_setter`); end now if it already has. Without a setter nothing (the zygote's
    stdin still tells it)."""
    import signal

    if setter is None:
        return
    setter()
    if os.getppid() != parent:  # died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


class SpawnLauncher:
    """One `subprocess.Popen` per step."""

    name = "spawn"

    def __init__(self, env: Mapping[str, str], on_exit: Callable[[str, int], None]) -> None:
        self.env = dict(env)
        self.on_exit = on_exit
        self.pids: dict[str, int] = {}
        self._pdeathsig = pdeathsig_setter()

    def launch(self, key: str, argv: list[str], cwd: str, log_path: str) -> None:
        """Start `argv` with stdout/stderr appended to `log_path`; `on_exit(key, status)` follows."""
        parent, setter = os.getpid(), self._pdeathsig
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(argv, cwd=cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    preexec_fn=None if setter is None else lambda: die_with_parent(parent, setter))
        self.pids[key] = proc.pid
        threading.Thread(target=lambda: self.on_exit(key, proc.wait()), daemon=True).start()

    def close(self) -> None:
        """Nothing to release."""


class ForkLauncher:
    """Steps forked from a warm zygote process (see the module docstring)."""

    name = "fork"

    def __init__(self, python: str, env: Mapping[str, str], on_exit: Callable[[str, int], None]) -> None:
        self.on_exit = on_exit
        self.pids: dict[str, int] = {}
        self._started = threading.Condition()
        self._proc = subprocess.Popen([python, "-c", "from pipec.runtime.launcher import serve; serve()"],
                                      env=dict(env), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      start_new_session=True)
        self._pending: set[str] = set()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for raw in self._proc.stdout:
            kind, key, value = raw.decode().rstrip("\n").split(" ", 2)
            if kind == "started":
                with self._started:
                    self.pids[key] = int(value)
                    self._started.notify_all()
            elif kind == "exited":
                self._pending.discard(key)
                self.on_exit(key, int(value))
        # The zygote is gone: whatever it still ran is lost.
        for key in list(self._pending):
            self._pending.discard(key)
            self.on_exit(key, -9)

    def launch(self, key: str, argv: list[str], cwd: str, log_path: str) -> None:
        """Fork a child running `argv` (a shim_command argv); `on_exit(key, status)` follows."""
        split = 1 + len(ENTRYPOINT)  # after the interpreter
        if tuple(argv[1:split]) != ENTRYPOINT:
            raise ValueError(f"not a run-step command line: {argv[:split]}")
        request = {"key": key, "argv": argv[split:], "cwd": cwd, "log": log_path}
        assert self._proc.stdin is not None
        self._pending.add(key)
        self._proc.stdin.write((json.dumps(request) + "\n").encode())
        self._proc.stdin.flush()
        with self._started:
            self._started.wait_for(lambda: key in self.pids or self._proc.poll() is not None, timeout=30)

    def close(self) -> None:
        """Stop the zygote (running children are not its to stop)."""
        if self._proc.stdin is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(timeout=10)


def make_launcher(kind: str, python: str, env: Mapping[str, str],
                  on_exit: Callable[[str, int], None]) -> SpawnLauncher | ForkLauncher:
    """A launcher by name: "fork" (falls back to "spawn" without os.fork) or "spawn"."""
    if kind == "fork" and hasattr(os, "fork"):
        return ForkLauncher(python, env, on_exit)
    if kind in ("fork", "spawn"):
        return SpawnLauncher(env, on_exit)
    raise ValueError(f"unknown launcher {kind!r} (choose fork or spawn)")


# --------------------------------------------------------------------------- the zygote


def _emit(line: str) -> None:
    try:
        os.write(1, (line + "\n").encode())
    except OSError:  # the runner is gone; its steps are still to be stopped and reaped
        pass


def _child(request: dict[str, Any], zygote: int, setter: Callable[[], None] | None) -> None:
    """In the forked child: become the step process, run the shim, never return."""
    import atexit
    import signal

    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        die_with_parent(zygote, setter)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        # Fresh stdio objects: the zygote's may hold state we must not share.
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        os.chdir(request["cwd"])
        sys.argv = [ENTRYPOINT[1], ENTRYPOINT[2], *request["argv"]]
        from pipec.runtime.shim import main

        code = main(request["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            if "threading" in sys.modules:
                sys.modules["threading"]._shutdown()  # wait for non-daemon threads, as at exit
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve() -> None:
    """The zygote's loop: read JSON requests on stdin, fork, report starts and exits on stdout."""
    import selectors
    import signal

    import pipec.runtime.shim  # noqa: F401 - the point: imported once, before any fork

    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    os.set_blocking(read_end, False)
    signal.set_wakeup_fd(write_end)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, str] = {}
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, "stdin")
    selector.register(read_end, selectors.EVENT_READ, "child")
    buffer = b""
    stdin_open = True
    zygote, setter = os.getpid(), pdeathsig_setter()
    kill_at: float | None = None  # when the steps left after stdin closed get SIGKILL

    def reap() -> None:
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            key = children.pop(pid, None)
            if key is not None:
                code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
                _emit(f"exited {key} {code}")

    while stdin_open or children:
        for selected, _ in selector.select(timeout=1.0):
            if selected.data == "child":
                try:
                    while os.read(read_end, 512):
                        pass
                except BlockingIOError:
                    pass
                continue
            chunk = os.read(0, 65536)
            if not chunk:
                stdin_open = False
                selector.unregister(0)
                kill_at = _stop_all(children, signal.SIGTERM) + STOP_GRACE
                continue
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    os.close(read_end)
                    os.close(write_end)
                    _child(request, zygote, setter)
                children[pid] = request["key"]
                _emit(f"started {request['key']} {pid}")
        reap()
        if kill_at is not None and children and time.monotonic() >= kill_at:
            _stop_all(children, signal.SIGKILL)
            kill_at = None


def _stop_all(children: Mapping[int, str], sig: int) -> float:
    """Send `sig` to the process group of every child still running; the time it was sent."""
    from .step_groups import kill_group

    for pid in children:
        kill_group(pid, sig)
    return time.monotonic()
