"""`pipec submit --target hyperai` against a real OpenSSH server started on 127.0.0.1.

The server (tests/helpers/ssh_server.py) is Debian's sshd with a throw-away host key and user
key; its sessions find a recording ``docker`` and a ``crontab`` that keeps its table in the
server's folder first on PATH. Checked: the uploaded compose file is byte for byte the
compile's, the commands run (folder, argv, run id, parameters, registry password on stdin
only), how the steps ended decides the status, the crontab line is installed once however
often a scheduled pipeline is submitted and, run by a shell as cron would, starts compose;
unknown or changed host keys are refused with exit 2 and nothing uploaded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import requires
from tests.helpers.ssh_server import SSHServer, sshd_missing
from tests.targets.test_hyperai import SCHEDULED

REPO = Path(__file__).resolve().parents[2]
DIAMOND = REPO / "examples/diamond/run.py"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

if sshd_missing():
    requires.missing(sshd_missing(), "bash .ci/setup.d/openssh.sh (apt-get install openssh-server)")
requires.module("paramiko", "pip install -e '.[test]' (or pip install 'pipec[hyperai]')")


@pytest.fixture
def server(tmp_path: Path):
    started = SSHServer(tmp_path / "server")
    try:
        yield started
    finally:
        started.stop()


def submit(server: SSHServer, tmp_path: Path, source: Path, *extra: str, env: dict[str, str] | None = None,
           known_hosts: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``pipec submit SOURCE --target hyperai`` at `server`, the user key in PIPEC_HYPERAI_KEY."""
    known = known_hosts or server.known_hosts(tmp_path / "known_hosts")
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("PIPEC_", "SSH_AUTH_SOCK"))}
    return subprocess.run(
        [sys.executable, "-m", "pipec", "submit", str(source), *server.submit_arguments(known), *extra],
        env={**base, "PIPEC_HYPERAI_KEY": str(server.user_key), **(env or {})}, capture_output=True, text=True,
        cwd=tmp_path, timeout=300, stdin=subprocess.DEVNULL)


def compiled(tmp_path: Path, source: Path, name: str, *options: str) -> str:
    out = tmp_path / "compiled"
    done = subprocess.run([sys.executable, "-m", "pipec", "compile", str(source), "--target", "hyperai",
                           "--out", str(out), *options], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return (out / "hyperai" / name).read_text(encoding="utf-8")


def test_submit_uploads_the_file_runs_compose_and_reads_how_steps_ended(server: SSHServer, tmp_path: Path) -> None:
    done = submit(server, tmp_path, DIAMOND)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "completed" and UUID.fullmatch(result["run_id"])
    folder = server.base / "runs" / "diamond"
    uploaded = (folder / "diamond.compose.yaml").read_text(encoding="utf-8")
    assert uploaded == (REPO / "golden/diamond/hyperai/diamond.compose.yaml").read_text(encoding="utf-8")
    up, ps = server.docker_calls()
    # A step of the diamond retries: compose must not abort at its first failed attempt.
    assert "restart: on-failure:" in uploaded
    assert up["argv"] == ["compose", "-f", "diamond.compose.yaml", "up"]
    assert (up["cwd"], up["env"]) == (str(folder), {"PIPEC_RUN_ID": result["run_id"]})
    assert up["files"] == {str(folder / "diamond.compose.yaml"): uploaded}
    assert ps["argv"] == ["compose", "-f", "diamond.compose.yaml", "ps", "--all", "--format", "json"]
    # compose interpolates the file for `ps` too: without the run id it refuses (a real engine showed it).
    assert (ps["cwd"], ps["env"]) == (up["cwd"], up["env"])
    assert "recorded compose -f diamond.compose.yaml up" in done.stderr


def test_a_failed_step_fails_the_submit(server: SSHServer, tmp_path: Path) -> None:
    (server.base / "fail").write_text("join\n")
    done = submit(server, tmp_path, DIAMOND)
    assert done.returncode == 1 and json.loads(done.stdout)["status"] == "failed"
    assert "step service `join` did not complete" in done.stderr


def test_no_wait_starts_it_detached(server: SSHServer, tmp_path: Path) -> None:
    done = submit(server, tmp_path, DIAMOND, "--no-wait")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "running"
    (up,) = server.docker_calls()
    assert up["argv"][-2:] == ["up", "--detach"]


def test_registry_login_takes_the_password_on_stdin_only(server: SSHServer, tmp_path: Path) -> None:
    secret = "s3cr'et $HOME `id`"
    done = submit(server, tmp_path, DIAMOND, "--option", "registry=registry.example:5000",
                  env={"PIPEC_HYPERAI_REGISTRY_USER": "ci bot", "PIPEC_HYPERAI_REGISTRY_PASSWORD": secret})
    assert done.returncode == 0, done.stderr
    login, up, _ = server.docker_calls()
    assert login["argv"] == ["login", "--username", "ci bot", "--password-stdin", "registry.example:5000"]
    assert login["stdin"] == secret + "\n"
    assert secret not in json.dumps([up, done.stdout, done.stderr])
    assert secret not in (server.base / "runs/diamond/diamond.compose.yaml").read_text()
    missing = submit(server, tmp_path, DIAMOND, "--option", "registry=registry.example:5000")
    assert missing.returncode == 2
    assert "needs PIPEC_HYPERAI_REGISTRY_USER and PIPEC_HYPERAI_REGISTRY_PASSWORD" in missing.stderr


def test_hostile_text_arrives_exactly(server: SSHServer, tmp_path: Path) -> None:
    source = REPO / "examples/hostile_strings/run.py"
    given = "a $VAR ${VAR} } {{ x }} `id` 'q' \"d\"\nsecond line"
    done = submit(server, tmp_path, source, env={"PIPEC_PARAM_note": given})
    assert done.returncode == 0, done.stderr
    name = "hostile_strings.compose.yaml"
    folder = server.base / "runs" / "hostile_strings"
    assert (folder / name).read_text(encoding="utf-8") == compiled(tmp_path, source, name)
    up = server.docker_calls()[0]
    assert up["env"]["PIPEC_PARAM_note"] == given and up["cwd"] == str(folder)


def test_the_key_may_be_given_as_text(server: SSHServer, tmp_path: Path) -> None:
    done = submit(server, tmp_path, DIAMOND, "--no-wait", env={"PIPEC_HYPERAI_KEY": server.user_key.read_text()})
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- schedules




def test_a_schedule_installs_one_crontab_line_that_starts_compose(server: SSHServer, tmp_path: Path) -> None:
    (server.base / "crontab.txt").write_text("0 2 * * * backup.sh # someone else's\n")
    source = tmp_path / "run.py"
    odd = str(server.base / "runs 100%")
    for cron in ("5 4 * * *", "*/10 * * * *"):
        source.write_text(SCHEDULED.format(cron=cron, extra=""), encoding="utf-8")
        done = submit(server, tmp_path, source, "--option", f"remote_dir={odd}")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["status"] == "queued"
    table = server.crontab().splitlines()
    line = compiled(tmp_path, source, "nightly.crontab", "--option", f"remote_dir={odd}").rstrip("\n")
    assert table == ["0 2 * * * backup.sh # someone else's", line]
    assert line.startswith("*/10 * * * * ") and server.docker_calls() == []
    folder = Path(odd) / "nightly"
    assert (folder / "nightly.compose.yaml").is_file()
    # What cron does with the line: the command after five fields, `\%` back to `%`, run by sh
    # in the home folder with cron's short PATH (here the server's tools first).
    command = line.split(" ", 5)[5].replace("\\%", "%")
    run = subprocess.run(["sh", "-c", command], env={"PATH": server.path, "HOME": str(Path.home())},
                         cwd=Path.home(), capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    (up,) = server.docker_calls()
    assert up["argv"] == ["compose", "-f", "nightly.compose.yaml", "up", "--detach"]
    assert up["cwd"] == str(folder) and UUID.fullmatch(up["env"]["PIPEC_RUN_ID"])
    assert "recorded compose" in (folder / "nightly.cron.log").read_text()


# --------------------------------------------------------------------------- host keys


def test_an_unknown_host_is_refused_with_how_to_add_it(server: SSHServer, tmp_path: Path) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    done = submit(server, tmp_path, DIAMOND, known_hosts=empty)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"the host key of [127.0.0.1]:{server.port}" in done.stderr
    assert f"ssh-keyscan -p {server.port} 127.0.0.1 >> {empty}" in done.stderr
    fingerprint = subprocess.run(["ssh-keygen", "-lf", str(server.base / "host_key.pub")], capture_output=True,
                                 text=True).stdout.split()[1]
    assert fingerprint in done.stderr
    assert not (server.base / "runs").exists() and server.docker_calls() == []
    assert empty.read_text() == ""


def test_a_changed_host_key_is_refused(server: SSHServer, tmp_path: Path) -> None:
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    kind, key = (tmp_path / "other_key.pub").read_text().split()[:2]
    wrong = tmp_path / "wrong_known_hosts"
    wrong.write_text(f"[127.0.0.1]:{server.port} {kind} {key}\n")
    done = submit(server, tmp_path, DIAMOND, known_hosts=wrong)
    assert done.returncode == 2 and "does not match its entry" in done.stderr
    assert not (server.base / "runs").exists()


def test_a_refused_key_and_a_missing_host_say_so(server: SSHServer, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    done = submit(server, tmp_path, DIAMOND, env={"PIPEC_HYPERAI_KEY": str(stranger)})
    assert done.returncode == 2 and "refused the key" in done.stderr and "Traceback" not in done.stderr
    nohost = subprocess.run([sys.executable, "-m", "pipec", "submit", str(DIAMOND), "--target", "hyperai"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert nohost.returncode == 2 and "pass --option host=HOST" in nohost.stderr
    server.stop()
    closed = submit(server, tmp_path, DIAMOND)
    assert closed.returncode == 2 and f"nothing accepts connections on port {server.port}" in closed.stderr
