"""The files the hyperai target writes, where submit puts them, and the variables it reads."""

from __future__ import annotations

import posixpath

from pipec.targets.compose.names import compose_file

#: Where the compose files go on the instance, relative to the user's home (ZenML's HyperAI
#: orchestrator uses ``/home/<user>/pipeline-runs``); one folder per pipeline below it.
DEFAULT_REMOTE_DIR = "pipeline-runs"
#: The environment variable naming the private key file (or holding the key's text), read at submit.
DEFAULT_KEY_ENV = "PIPEC_HYPERAI_KEY"
#: The environment variable holding the private key's passphrase, if it has one.
PASSPHRASE_ENV = "PIPEC_HYPERAI_KEY_PASSPHRASE"
#: The environment variables holding the container registry's user name and password (read at
#: submit when the `registry` option is set; never written into a file).
REGISTRY_USER_ENV, REGISTRY_PASSWORD_ENV = "PIPEC_HYPERAI_REGISTRY_USER", "PIPEC_HYPERAI_REGISTRY_PASSWORD"
#: What ends the crontab file's name (written only for a pipeline with a cron schedule).
CRONTAB_SUFFIX = ".crontab"
#: What ends the log file a scheduled run appends to, beside the compose file.
LOG_SUFFIX = ".cron.log"


def crontab_file(stem: str) -> str:
    """The crontab file's name for the (file-safe) pipeline name `stem`."""
    return stem + CRONTAB_SUFFIX


def remote_folder(remote_dir: str, stem: str) -> str:
    """The folder on the instance holding the pipeline's files: `remote_dir`/`stem`. A leading
    ``~/`` is the home folder, where both the remote shell and SFTP start (pipec quotes every
    path, so no shell would expand it)."""
    folder = remote_dir or DEFAULT_REMOTE_DIR
    if folder == "~" or folder.startswith("~/"):
        folder = folder[2:] or "."
    return posixpath.join(folder, stem)


def marker(stem: str) -> str:
    """The comment ending the pipeline's crontab line: a submit replaces the line holding it."""
    return f"# pipec-hyperai:{stem}"


__all__ = ["compose_file", "crontab_file", "marker", "remote_folder"]
