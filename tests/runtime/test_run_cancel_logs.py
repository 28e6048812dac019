"""Issue 11, part 7 (local runs): cancelled runs, where a run was recorded, `pipec runs` outside
a project, `pipec run --logs` and `pipec logs`. Real `pipec` subprocesses and real signals; each
test keeps the per-user store list in its own temporary folder."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipec.runtime import Client
from tests.helpers.runtime_projects import load_pipeline, make_project

SLOW = {
    "pipec.toml": "",
    "steps.py": """
        import os, signal, sys, time
        from pathlib import Path
        from pipec import step

        @step
        def slow(tag: str, stubborn: bool = False) -> int:
            if stubborn:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            Path(__file__).with_name(f"started-{tag}").write_text(str(os.getpid()))
            print("sleeping", tag, flush=True)
            time.sleep(60)
            return 1

        @step
        def after(a: int, b: int) -> int:
            return a + b
    """,
    "run.py": """
        from pipec import pipeline
        from steps import after, slow

        @pipeline
        def sleepy():
            after(slow(tag="a", id="a"), slow(tag="b", id="b"))
    """,
}

CHATTY = {
    "pipec.toml": "",
    "steps.py": """
        import sys, time
        from pipec import step

        @step
        def talk(n: int) -> int:
            print("hello from talk", flush=True)
            sys.stdout.buffer.write(b"raw \\xff\\xfe bytes\\n")
            sys.stdout.flush()
            print("to stderr", file=sys.stderr, flush=True)
            return n

        @step
        def tail_end(x: int) -> int:
            print("no newline at the end", end="")
            return x

        @step
        def ticker(n: int) -> int:
            for i in range(n):
                print(f"tick {i}", flush=True)
                time.sleep(0.3)
            return n
    """,
    "run.py": """
        from pipec import pipeline
        from steps import tail_end, talk

        @pipeline
        def chatty(n: int = 1):
            tail_end(talk(n=n, id="we\\x1b[31mird id"), id="two words")
    """,
    "tick.py": """
        from pipec import pipeline
        from steps import ticker

        @pipeline
        def ticking(n: int = 6):
            ticker(n=n)
    """,
}


def _env(state: Path) -> dict[str, str]:
    env = dict(os.environ, PIPEC_STATE_DIR=str(state))
    env.pop("PIPEC_METADATA_STORE", None)
    env.pop("PIPEC_STACK", None)
    return env


def _pipec(cwd: Path, state: Path, *args: str, text: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipec", *args], cwd=cwd, env=_env(state), capture_output=True,
                          text=text, timeout=120)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)


def _gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


# --------------------------------------------------------------------------- cancelled


def test_sigterm_cancels_the_run_and_every_unfinished_step(tmp_path: Path) -> None:
    root = make_project(tmp_path, SLOW)
    proc = subprocess.Popen([sys.executable, "-m", "pipec", "run", "run.py"], cwd=root, env=_env(tmp_path / "state"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(root / "started-a", proc)
    _wait_for(root / "started-b", proc)
    pids = [int((root / f"started-{t}").read_text()) for t in "ab"]
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "stopped by SIGTERM" in err and "recorded as cancelled" in err and "Traceback" not in err
    assert all(_gone(pid) for pid in pids), "a step process survived SIGTERM to pipec run"
    run = Client(root=root).get_pipeline_run("sleepy")
    assert run.status == "cancelled" and run.end_time is not None
    assert {sid: (s.status, s.attempts) for sid, s in run.steps.items()} == {
        "a": ("cancelled", 1), "b": ("cancelled", 1), "after": ("cancelled", 0)}
    assert run.steps["after"].error == "not started: the run was cancelled"
    listed = _pipec(root, tmp_path / "state", "runs", "list", "--json")
    assert [(r["id"], r["status"]) for r in json.loads(listed.stdout)] == [(run.id, "cancelled")]


def test_a_step_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    from pipec.runtime.orchestrator import run_pipeline

    root = make_project(tmp_path, {**SLOW, "run.py": SLOW["run.py"].replace(
        'slow(tag="a", id="a")', 'slow(tag="a", stubborn=True, id="a")')})
    pipeline = load_pipeline(root)

    def interrupt() -> None:
        deadline = time.monotonic() + 30
        while not (root / "started-a").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)  # the SIGTERM handler is set before the file is written; be safe anyway
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(pipeline, root, run_id="r1", stop_grace=1.0, max_parallel=1)
    took = time.monotonic() - started
    assert _gone(int((root / "started-a").read_text()), timeout=5)
    assert took < 30
    run = Client(root=root).get_pipeline_run("r1")
    assert run.status == "cancelled"
    # max_parallel=1: b never started.
    assert {sid: s.status for sid, s in run.steps.items()} == {"a": "cancelled", "b": "cancelled",
                                                               "after": "cancelled"}
    assert run.steps["a"].attempts == 1 and run.steps["b"].attempts == 0


# --------------------------------------------------------------------------- where recorded


def test_run_says_where_it_was_recorded_and_the_command_works_from_there(tmp_path: Path) -> None:
    root = make_project(tmp_path, CHATTY)
    state = tmp_path / "state"
    here = _pipec(root, state, "run", "run.py")
    assert here.returncode == 0, here.stderr
    lines = here.stderr.splitlines()
    assert lines[-2] == (f"recorded: metadata {root / '.pipec' / 'metadata.db'}, "
                         f"artifacts {root / '.pipec' / 'artifacts'}")
    run_id = here.stdout.splitlines()[-1].split()[1].rstrip(":")
    assert lines[-1] == f"inspect:  pipec runs show {run_id}"

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    there = _pipec(elsewhere, state, "run", str(root / "run.py"))
    assert there.returncode == 0, there.stderr
    command = there.stderr.splitlines()[-1].removeprefix("inspect:  ")
    assert command.endswith(f"--root {shlex.quote(str(root))}")
    shown = _pipec(elsewhere, state, *shlex.split(command)[1:], "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["status"] == "completed"

    db = tmp_path / "other store" / "m.db"
    explicit = _pipec(root, state, "run", "run.py", "--metadata-store", f"sqlite:///{db}")
    command = explicit.stderr.splitlines()[-1].removeprefix("inspect:  ")
    assert command.endswith(f"--metadata-store {shlex.quote(f'sqlite:///{db}')}")
    assert _pipec(root, state, *shlex.split(command)[1:]).returncode == 0


def test_recorded_lines_mask_a_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from pipec.cli.run import recorded_lines

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PIPEC_METADATA_STORE", raising=False)
    text = recorded_lines("r1", ("s3://bucket/p", "postgresql://me:s3cret@db:5432/pipec"),
                          argparse.Namespace(stack=None), tmp_path)
    assert "s3cret" not in text
    assert "metadata postgresql://me:***@db:5432/pipec, artifacts s3://bucket/p" in text
    assert "pipec runs show r1 --metadata-store 'postgresql://me:***@db:5432/pipec'" in text


# --------------------------------------------------------------------------- runs outside a project


def test_runs_outside_a_project_name_the_remembered_stores(tmp_path: Path) -> None:
    root = make_project(tmp_path, CHATTY)
    state = tmp_path / "state"
    outside = tmp_path / "outside"
    outside.mkdir()
    nothing = _pipec(outside, state, "runs", "list")
    assert nothing.returncode == 0 and "no pipec project here" in nothing.stdout
    assert "recorded no local run" in nothing.stdout

    done = _pipec(root, state, "run", "run.py")
    run_id = done.stdout.splitlines()[-1].split()[1].rstrip(":")
    index = json.loads((state / "stores.json").read_text())
    assert [(e["path"], e["root"], e["last_run"]) for e in index["stores"]] == [
        (str(root / ".pipec" / "metadata.db"), str(root), run_id)]

    listed = _pipec(outside, state, "runs", "list")
    assert listed.returncode == 0
    assert "recent runs were recorded in:" in listed.stdout and f"  {root}  (last run {run_id}," in listed.stdout
    assert f"pipec runs list --root {root}" in listed.stdout
    assert not (outside / ".pipec").exists()
    as_json = _pipec(outside, state, "runs", "list", "--json")
    assert json.loads(as_json.stdout) == [] and "recent runs were recorded in:" in as_json.stderr

    for args in (("runs", "list", "--root", str(root), "--json"), ("runs", "--root", str(root), "list", "--json")):
        found = _pipec(outside, state, *args)
        assert found.returncode == 0, found.stderr
        assert [r["id"] for r in json.loads(found.stdout)] == [run_id]
    shown = _pipec(outside, state, "runs", "show", run_id, "--root", str(root), "--json")
    assert json.loads(shown.stdout)["id"] == run_id

    found = _pipec(outside, state, "runs", "show", run_id, "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["id"] == run_id
    assert f"(next time: --root {root})" in found.stderr
    by_name = _pipec(outside, state, "runs", "show", "chatty")
    assert by_name.returncode == 0 and run_id in by_name.stdout
    missing = _pipec(outside, state, "runs", "show", "nope")
    assert missing.returncode == 2 and "recent runs were recorded in:" in missing.stderr
    assert "Traceback" not in missing.stderr

    # Inside another project, a run recorded elsewhere is pointed to.
    (tmp_path / "o").mkdir()
    other = make_project(tmp_path / "o", CHATTY)
    _pipec(other, state, "run", "run.py")
    pointed = _pipec(other, state, "runs", "show", run_id)
    assert pointed.returncode == 2 and f"help: it is in {root / '.pipec' / 'metadata.db'}" in pointed.stderr


def test_store_index_keeps_only_local_sqlite_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipec.runtime import store_index

    monkeypatch.setenv("PIPEC_STATE_DIR", str(tmp_path / "state"))
    index = tmp_path / "state" / "stores.json"
    store_index.remember("postgresql://me:secret@db/pipec", tmp_path, "r0")
    store_index.remember("sqlite:///${HOME}/m.db", tmp_path, "r0")
    store_index.remember("sqlite:///:memory:", tmp_path, "r0")
    assert not index.exists()
    index.parent.mkdir()
    index.write_text("{not json", encoding="utf-8")
    assert store_index.known_stores() == []
    for i in range(store_index.MAX_ENTRIES + 3):
        db = tmp_path / f"p{i}" / "m.db"
        db.parent.mkdir()
        db.write_bytes(b"")
        store_index.remember(f"sqlite:///{db}", db.parent, f"r{i}")
    known = store_index.known_stores()
    assert len(known) == store_index.MAX_ENTRIES and known[0].last_run == f"r{store_index.MAX_ENTRIES + 2}"
    assert "secret" not in index.read_text() and sorted(p.name for p in index.parent.iterdir()) == [
        "stores.json", "stores.json.lock"]
    (tmp_path / f"p{store_index.MAX_ENTRIES + 2}" / "m.db").unlink()
    assert store_index.known_stores()[0].last_run == f"r{store_index.MAX_ENTRIES + 1}"


# --------------------------------------------------------------------------- live logs


def test_run_logs_streams_prefixed_lines_and_keeps_the_log_files(tmp_path: Path) -> None:
    root = make_project(tmp_path, CHATTY)
    done = _pipec(root, tmp_path / "state", "run", "run.py", "--logs", text=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    weird = b"we\\x1b[31mird id"  # the escape is shown, never sent to the terminal
    width = len(weird)
    prefix = weird + b" | "
    assert prefix + b"hello from talk\n" in out
    assert prefix + b"raw \xff\xfe bytes\n" in out
    assert prefix + b"to stderr\n" in out
    assert b"two words".ljust(width) + b" | no newline at the end\n" in out
    assert b"\x1b" not in out and b"Traceback" not in done.stderr
    # The summary follows the logs; the log files hold the same bytes.
    assert out.index(b"no newline at the end") < out.index(b"STEP")
    logs = sorted((root / ".pipec" / "logs").glob("*/*.log"))
    assert len(logs) == 2 and any(b"raw \xff\xfe bytes\n" in p.read_bytes() for p in logs)


def test_logs_prints_a_step_log_and_explains_what_it_cannot(tmp_path: Path) -> None:
    root = make_project(tmp_path, CHATTY)
    state = tmp_path / "state"
    first = _pipec(root, state, "run", "run.py")
    run_id = first.stdout.splitlines()[-1].split()[1].rstrip(":")
    printed = _pipec(root, state, "logs", run_id, "we\x1b[31mird id", text=False)
    assert printed.returncode == 0
    assert printed.stdout == b"hello from talk\nraw \xff\xfe bytes\nto stderr\n"
    assert _pipec(root, state, "logs", "chatty", "two words", text=False).stdout == b"no newline at the end"

    unknown = _pipec(root, state, "logs", "chatty", "two word")
    assert unknown.returncode == 2 and "has no step 'two word'" in unknown.stderr
    assert "did you mean `two words`?" in unknown.stderr
    assert _pipec(root, state, "logs", "nope", "x").returncode == 2
    _pipec(root, state, "run", "run.py")  # everything cached now
    cached = _pipec(root, state, "logs", "chatty", "two words")
    assert cached.returncode == 1 and "was cached" in cached.stderr and "Traceback" not in cached.stderr


def test_logs_follow_prints_until_the_step_ends(tmp_path: Path) -> None:
    root = make_project(tmp_path, CHATTY)
    state = tmp_path / "state"
    runner = subprocess.Popen([sys.executable, "-m", "pipec", "run", "tick.py", "--run-id", "t1"], cwd=root,
                              env=_env(state), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    log = root / ".pipec" / "logs" / "t1" / "ticker.log"
    _wait_for(log, runner)
    follower = _pipec(root, state, "logs", "t1", "ticker", "--follow")
    runner.communicate(timeout=60)
    assert runner.returncode == 0
    assert follower.returncode == 0, follower.stderr
    assert follower.stdout == "".join(f"tick {i}\n" for i in range(6))


def test_logs_follow_waits_for_a_step_that_has_not_started(tmp_path: Path) -> None:
    root = make_project(tmp_path, CHATTY)
    state = tmp_path / "state"
    runner = subprocess.Popen([sys.executable, "-m", "pipec", "run", "tick.py", "--run-id", "t2", "--param", "n=2"],
                              cwd=root, env=_env(state), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not (root / ".pipec" / "metadata.db").exists():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    follower = _pipec(root, state, "logs", "t2", "ticker", "--follow")
    runner.communicate(timeout=60)
    assert follower.returncode == 0, follower.stderr
    assert follower.stdout == "tick 0\ntick 1\n"


def test_log_tail_prefixes_lines_and_escapes_ids(tmp_path: Path) -> None:
    import io

    from pipec.runtime.logtail import LogTail

    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="ascii")
    log = tmp_path / "a.log"
    log.write_bytes(b"before watching\n")
    tail = LogTail(stream, ["\u00e9\n", "b"], color=False)
    tail.watch("\u00e9\n", str(log))
    with open(log, "ab") as handle:
        handle.write(b"one\ntw")
    tail.poll()
    with open(log, "ab") as handle:
        handle.write(b"o\r\nthree")
    tail.close("\u00e9\n")
    tail.close("b")  # never watched: nothing happens
    assert buffer.getvalue() == b"\\xe9\\n | one\n\\xe9\\n | two\n\\xe9\\n | three\n"
