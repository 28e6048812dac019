"""The SSH side of `pipec submit --target hyperai`: connect, run a command, upload a file.

paramiko (the ``pipec[hyperai]`` extra) is imported only here. The host key must already be
in the known_hosts file (the `known_hosts` option, ``~/.ssh/known_hosts`` by default): an
unknown host is refused with its fingerprint and the command that adds it, a changed key is
refused outright; nothing is ever added silently. The private key comes from the environment
variable the `key_env` option names (a file's path, or the key's text as a CI secret holds
it, with ``PIPEC_HYPERAI_KEY_PASSPHRASE``), else from the SSH agent and ``~/.ssh``.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pipec.targets.base import SubmitError

from .names import PASSPHRASE_ENV

#: Seconds to wait for the TCP connection and the SSH handshake.
CONNECT_TIMEOUT = 30.0
#: Seconds a short remote command (mkdir, crontab, login) may take.
COMMAND_TIMEOUT = 120.0


@dataclass(frozen=True)
class Instance:
    """Where and as whom submit connects."""

    #: Host name or IP address.
    host: str
    #: SSH port.
    port: int
    #: User name on the instance.
    user: str
    #: The environment variable holding the private key's path or text.
    key_env: str
    #: The known_hosts file the host key must be in (``~`` expanded).
    known_hosts: str

    def display(self) -> str:
        """``user@host`` (with ``:port`` when not 22), for messages."""
        return f"{self.user}@{self.host}" + (f":{self.port}" if self.port != 22 else "")


@dataclass(frozen=True)
class Outcome:
    """How a remote command ended."""

    #: Its exit status (-1 when the server sent none).
    code: int
    #: Its standard output.
    out: str
    #: Its standard error (empty when combined into `out`).
    err: str

    def said(self) -> str:
        """The last line it wrote (stderr first), or its exit status."""
        lines = (self.err or self.out).strip().splitlines()
        return lines[-1] if lines else f"exit {self.code}"


class _UnknownHost(Exception):
    """The server's host key is in no known_hosts entry (raised by `_Refuse`)."""

    def __init__(self, key: Any) -> None:
        super().__init__(key.get_name())
        self.key = key


def _refuse_policy():  # noqa: ANN202 - a paramiko MissingHostKeyPolicy
    import paramiko

    class _Refuse(paramiko.MissingHostKeyPolicy):
        """paramiko's RejectPolicy, keeping the offered key for the message."""

        def missing_host_key(self, client, hostname, key) -> None:  # noqa: ANN001 - paramiko's signature
            raise _UnknownHost(key)

    return _Refuse()


def _host_entry(instance: Instance) -> str:
    return instance.host if instance.port == 22 else f"[{instance.host}]:{instance.port}"


def _private_key(instance: Instance) -> dict[str, Any]:
    """paramiko's `connect` keywords for the key the environment names (none: agent and ~/.ssh)."""
    import paramiko

    value = os.environ.get(instance.key_env, "")
    passphrase = os.environ.get(PASSPHRASE_ENV) or None
    if not value:
        return {}
    if value.lstrip().startswith("-----BEGIN"):
        for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
            try:
                return {"pkey": kind.from_private_key(io.StringIO(value.strip() + "\n"), password=passphrase)}
            except paramiko.PasswordRequiredException as exc:
                raise SubmitError(f"the private key in {instance.key_env} is encrypted: set {PASSPHRASE_ENV}") from exc
            except paramiko.SSHException:
                continue
        raise SubmitError(f"{instance.key_env} holds no private key paramiko reads (Ed25519, ECDSA or RSA)")
    path = os.path.expanduser(value)
    if not os.path.isfile(path):
        raise SubmitError(f"{instance.key_env} names {path}, which is not a file")
    return {"key_filename": path, "passphrase": passphrase}


@contextmanager
def connection(instance: Instance) -> Iterator[Any]:
    """A connected paramiko SSHClient for the block, the host key checked (see the module)."""
    import paramiko

    client = paramiko.SSHClient()
    known = os.path.expanduser(instance.known_hosts)
    if os.path.isfile(known):
        client.load_host_keys(known)
    client.set_missing_host_key_policy(_refuse_policy())
    keys = _private_key(instance)
    try:
        client.connect(instance.host, port=instance.port, username=instance.user, timeout=CONNECT_TIMEOUT,
                       banner_timeout=CONNECT_TIMEOUT, auth_timeout=CONNECT_TIMEOUT,
                       allow_agent=not keys, look_for_keys=not keys, **keys)
    except _UnknownHost as exc:
        client.close()
        fingerprint = exc.key.fingerprint if hasattr(exc.key, "fingerprint") else exc.key.get_name()
        keyscan = "ssh-keyscan " + (f"-p {instance.port} " if instance.port != 22 else "") + instance.host
        raise SubmitError(
            f"the host key of {_host_entry(instance)} ({fingerprint}) is not in {known}; pipec never adds "
            f"host keys by itself. Check that fingerprint with the instance's owner, then add it: "
            f"`{keyscan} >> {known}` (or --option known_hosts=FILE)") from None
    except paramiko.BadHostKeyException as exc:
        client.close()
        raise SubmitError(f"the host key of {_host_entry(instance)} does not match its entry in {known}: "
                          "the instance was reinstalled or someone is in between; fix the entry by hand") from exc
    except paramiko.AuthenticationException as exc:
        client.close()
        raise SubmitError(f"{instance.display()} refused the key ({exc}): put the private key's path in "
                          f"{instance.key_env}, or load it into the SSH agent") from exc
    except paramiko.ssh_exception.NoValidConnectionsError as exc:
        client.close()
        raise SubmitError(f"cannot connect to {instance.display()}: nothing accepts connections on port "
                          f"{instance.port} of {instance.host}") from exc
    except (paramiko.SSHException, OSError, EOFError) as exc:
        client.close()
        raise SubmitError(f"cannot connect to {instance.display()}: {exc or 'the connection closed'}") from exc
    try:
        yield client
    finally:
        client.close()


def run(client: Any, command: str, *, stdin: str | None = None, timeout: float | None = COMMAND_TIMEOUT,
        echo: bool = False) -> Outcome:
    """Run the shell `command` on the instance; `stdin` is sent and closed; with `echo`, its
    output (stderr merged in) is copied to our stderr as it comes."""
    try:
        channel = client.get_transport().open_session(timeout=CONNECT_TIMEOUT)
        channel.settimeout(timeout)
        if echo:
            channel.set_combine_stderr(True)
        channel.exec_command(command)
        if stdin is not None:
            channel.sendall(stdin.encode("utf-8"))
        channel.shutdown_write()
        out, err = bytearray(), bytearray()
        while True:
            chunk = channel.recv(65536)
            if not chunk:
                break
            out += chunk
            if echo:
                sys.stderr.write(chunk.decode("utf-8", "replace"))
                sys.stderr.flush()
        while True:
            chunk = channel.recv_stderr(65536)
            if not chunk:
                break
            err += chunk
        code = channel.recv_exit_status()
    except TimeoutError as exc:
        raise SubmitError(f"`{command}` did not end within {timeout:g}s") from exc
    except (OSError, EOFError) as exc:
        raise SubmitError(f"the SSH connection failed while running `{command}`: {exc}") from exc
    return Outcome(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def upload(client: Any, path: str, text: str) -> None:
    """Write `text` to `path` on the instance (SFTP; relative paths are below the user's home)."""
    try:
        with client.open_sftp() as sftp:
            sftp.putfo(io.BytesIO(text.encode("utf-8")), path)
    except (OSError, EOFError) as exc:
        raise SubmitError(f"cannot upload {path}: {exc}") from exc
