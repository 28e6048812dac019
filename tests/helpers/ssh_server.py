"""A throw-away OpenSSH server on 127.0.0.1 for the hyperai submit tests, and its recording tools.

`SSHServer` runs Debian's ``/usr/sbin/sshd -D`` with its own sshd_config, a fresh Ed25519 host
key and user key (``ssh-keygen``), ``AuthorizedKeysFile`` in its folder and a free port; the
sessions' PATH (sshd's ``SetEnv``) starts with the folder's ``bin/``, which holds

- ``docker``: records every call (argv, working folder, the PIPEC_ variables, stdin, and the
  compose file ``-f`` names, read at call time) as one JSON line of ``docker.jsonl``; ``compose
  ... ps --all --format json`` answers every service of that file as exited with 0, or with 1
  for the services listed in ``fail`` (one per line);
- ``crontab``: ``crontab -l`` prints the stored table (``no crontab for USER`` and exit 1
  before the first ``crontab -``), ``crontab -`` stores stdin, as cron's own tool does, in
  the folder instead of /var/spool/cron (the machine's real crontab is never touched).

Tests skip (with the setup script to run) where sshd or ssh-keygen is missing.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers.servers import free_port

#: The recording ``docker`` (run by the test interpreter: PyYAML reads the compose file).
DOCKER = '''#!{python}
import json, os, sys, yaml
base = {base!r}
argv = sys.argv[1:]
files = {{}}
if "-f" in argv:
    path = argv[argv.index("-f") + 1]
    with open(path, encoding="utf-8") as handle:
        files[os.path.abspath(path)] = handle.read()
stdin = sys.stdin.read() if "--password-stdin" in argv else None
env = {{k: v for k, v in os.environ.items() if k.startswith("PIPEC_")}}
with open(os.path.join(base, "docker.jsonl"), "a", encoding="utf-8") as out:
    out.write(json.dumps({{"argv": argv, "cwd": os.getcwd(), "env": env, "stdin": stdin, "files": files}}) + "\\n")
if "ps" in argv:
    fail = os.path.join(base, "fail")
    failing = open(fail).read().split() if os.path.exists(fail) else []
    for service in yaml.safe_load(next(iter(files.values())))["services"]:
        print(json.dumps({{"Service": service, "State": "exited", "ExitCode": int(service in failing)}}))
elif "login" in argv:
    print("Login Succeeded")
else:
    print("recorded", " ".join(argv))
'''

#: The ``crontab`` stand-in: ``-l`` and ``-`` on a file of the server's folder.
CRONTAB = '''#!/bin/sh
table={base}/crontab.txt
case "$1" in
  -l) if [ -f "$table" ]; then cat "$table"; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
  -) cat > "$table" ;;
  *) echo "crontab: usage: crontab -l | crontab -" >&2; exit 1 ;;
esac
'''


def sshd_missing() -> str | None:
    """Why the server cannot run here (None when it can)."""
    if not os.access("/usr/sbin/sshd", os.X_OK) or shutil.which("ssh-keygen") is None:
        return "Debian's openssh-server (sshd, ssh-keygen)"
    return None


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pipec-test", "-f", str(path)],
                   check=True, capture_output=True, timeout=60)


class SSHServer:
    """A throw-away sshd on 127.0.0.1 in `base`, owned by this test run; `stop` ends it.
    `environment` is set in every session (``PATH`` in it replaces the recording tools': a
    real engine's ``docker`` then runs)."""

    def __init__(self, base: Path, environment: dict[str, str] | None = None) -> None:
        self.base = base
        self.bin = base / "bin"
        self.bin.mkdir(parents=True)
        self.host_key, self.user_key = base / "host_key", base / "user_key"
        _keygen(self.host_key)
        _keygen(self.user_key)
        (base / "authorized_keys").write_text((base / "user_key.pub").read_text())
        os.chmod(base / "authorized_keys", 0o600)
        docker = self.bin / "docker"
        docker.write_text(DOCKER.format(python=sys.executable, base=str(base)))
        crontab = self.bin / "crontab"
        crontab.write_text(CRONTAB.format(base=base))
        for tool in (docker, crontab):
            tool.chmod(0o755)
        self.user = getpass.getuser()
        self.port = free_port()
        environment = {"PATH": f"{self.bin}:/usr/bin:/bin", **(environment or {})}
        self.path = environment["PATH"]
        assert all(" " not in f"{k}={v}" and '"' not in f"{k}={v}" for k, v in environment.items())
        config = base / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {self.host_key}",
            f"PidFile {base / 'sshd.pid'}", f"AuthorizedKeysFile {base / 'authorized_keys'}",
            "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password", "UsePAM no", "StrictModes no", f"AllowUsers {self.user}",
            "SetEnv " + " ".join(f"{k}={v}" for k, v in environment.items()), "Subsystem sftp internal-sftp", "LogLevel VERBOSE", ""]))
        if os.geteuid() == 0:
            # sshd's privilege separation folder (Debian's service creates it at start).
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.log = base / "sshd.log"
        self.proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", str(config), "-E", str(self.log)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self._wait_ready(time.monotonic() + 30)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, deadline: float) -> None:
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited with {self.proc.returncode}:\n{self.log.read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def known_hosts(self, path: Path) -> Path:
        """Write a known_hosts file naming this server's host key to `path`."""
        key = (self.base / "host_key.pub").read_text().split()
        path.write_text(f"[127.0.0.1]:{self.port} {key[0]} {key[1]}\n")
        return path

    def submit_arguments(self, known_hosts: Path) -> list[str]:
        """``pipec submit`` options reaching this server (host key written to `known_hosts`;
        files below the server's folder ``runs/``); the user key goes in ``PIPEC_HYPERAI_KEY``."""
        return ["--target", "hyperai", "--option", "host=127.0.0.1", "--option", f"port={self.port}",
                "--option", f"user={self.user}", "--option", f"known_hosts={known_hosts}",
                "--option", f"remote_dir={self.base / 'runs'}"]

    def docker_calls(self) -> list[dict]:
        """Every call of the recording docker, in order."""
        record = self.base / "docker.jsonl"
        if not record.exists():
            return []
        return [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]

    def crontab(self) -> str | None:
        """The stored crontab text (None before the first ``crontab -``)."""
        table = self.base / "crontab.txt"
        return table.read_text(encoding="utf-8") if table.exists() else None

    def stop(self) -> None:
        """Stop the server (TERM, KILL after 10 s)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
