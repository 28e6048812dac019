"""A throw-away Airflow 3 on 127.0.0.1 for tests: api-server, scheduler and dag-processor.

Everything lives in a temporary AIRFLOW_HOME: SQLite, the LocalExecutor, no example DAGs,
no schedule-driven runs, the simple auth manager with one known admin, and a dag-processor that
looks for new files every second. Each component runs in its own process group; `stop()` ends
the groups and any descendant that left them, so nothing outlives the test, failed or not.

    with AirflowServer(tmp_path) as server:
        server.url, server.dags_folder, server.username, server.password
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.helpers.servers import free_port

#: Components started, in this order; each is `airflow <name>`.
COMPONENTS = ("api-server", "scheduler", "dag-processor")
#: The admin the simple auth manager knows; the password lives in a file in AIRFLOW_HOME.
USERNAME = "pipec"
PASSWORD = "pipec-test-password"
#: Environment variables `pipec submit` reads the credentials from (see the README).
CREDENTIAL_ENV = {"PIPEC_AIRFLOW_USERNAME": USERNAME, "PIPEC_AIRFLOW_PASSWORD": PASSWORD}


def airflow_executable() -> Path | None:
    """The `airflow` command next to this interpreter, None when Airflow is not installed."""
    path = Path(sys.executable).parent / "airflow"
    return path if path.is_file() else None


class AirflowServer:
    """An Airflow installation in `base`, started by `start()` and stopped by `stop()`."""

    def __init__(self, base: Path) -> None:
        executable = airflow_executable()
        if executable is None:
            raise RuntimeError(f"apache-airflow is not installed for {sys.executable}")
        self.airflow = str(executable)
        self.home = base / "airflow-home"
        self.dags_folder = base / "dags"
        self.logs = base / "logs"
        for folder in (self.home, self.dags_folder, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.username, self.password = USERNAME, PASSWORD
        passwords = self.home / "passwords.json"
        passwords.write_text(json.dumps({USERNAME: PASSWORD}), encoding="utf-8")
        secret = os.urandom(16).hex()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
            # The LocalExecutor's tasks run the shim with the Python that has pipec installed.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            # Four processes write to one SQLite file: wait for locks (sqlite3's default is 5 s).
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}?timeout=60",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__AUTH_MANAGER":
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USERNAME}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": secret,
            "AIRFLOW__API__EXPOSE_STACKTRACE": "True",  # a failing request says why
            "AIRFLOW__API_AUTH__JWT_SECRET": secret,
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "1",
            "AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL": "1",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "2",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "0",
            "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH": str(base / "bundles"),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.logs / "tasks"),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "NO_COLOR": "1",
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> AirflowServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 180.0) -> None:
        """Migrate the database, start every component and wait until the API answers."""
        subprocess.run([self.airflow, "db", "migrate"], env=self.env, check=True, timeout=300,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Write-ahead logging lets readers go on while one process writes (it sticks to the file).
        with sqlite3.connect(self.home / "airflow.db") as db:
            db.execute("PRAGMA journal_mode=WAL")
        for name in COMPONENTS:
            log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
            with log:
                self.processes.append(subprocess.Popen(
                    [self.airflow, name], env=self.env, cwd=self.home, stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float) -> None:
        """Wait until /api/v2/monitor/health reports the metadatabase, scheduler and dag-processor healthy."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            for name, proc in zip(COMPONENTS, self.processes, strict=True):
                if proc.poll() is not None:
                    raise RuntimeError(f"airflow {name} exited with {proc.returncode}:\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as response:
                    health = json.load(response)
                states = {k: (v or {}).get("status") for k, v in health.items()}
                last = repr(states)
                if all(states.get(k) == "healthy" for k in ("metadatabase", "scheduler", "dag_processor")):
                    return
            except (urllib.error.URLError, OSError, ValueError) as exc:
                last = str(exc)
            time.sleep(0.5)
        raise RuntimeError(f"Airflow at {self.url} not healthy after {timeout:.0f} s ({last}):\n"
                           + "\n".join(self.log_tail(n) for n in COMPONENTS))

    def log_tail(self, name: str, chars: int = 3000) -> str:
        """The end of component `name`'s log, for failure messages."""
        path = self.logs / f"{name}.log"
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        return f"--- airflow {name} ---\n{text[-chars:]}"

    def stop(self) -> None:
        """Stop every component and everything it started: the scheduler and dag-processor first
        (their tasks still reach the API server while they finish), then the API server (uvicorn's
        graceful shutdown takes ~9 s, and a throw-away server has nothing to save); SIGKILL for
        whatever is left after a grace period."""
        descendants = _descendants([p.pid for p in self.processes if p.poll() is None])
        workers = [p for name, p in zip(COMPONENTS, self.processes, strict=False) if name != "api-server"]
        api = [p for p in self.processes if p not in workers]
        for group, grace in ((workers, 8.0), (api, 1.0)):
            for proc in group:
                _signal_group(proc.pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            for proc in group:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
        for proc in self.processes:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in descendants | _descendants(descendants):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.processes = []


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _descendants(pids: list[int] | set[int]) -> set[int]:
    """Every live descendant of `pids` (read from /proc; empty where there is none)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = list(pids)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found
