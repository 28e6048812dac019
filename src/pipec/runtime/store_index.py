"""The per-user list of local metadata stores `pipec run` wrote, so `pipec runs` and `pipec logs`
run outside a project can find a run or say where to look.

The list lives in ``$PIPEC_STATE_DIR/stores.json``, else ``$XDG_STATE_HOME/pipec/stores.json``,
else ``~/.local/state/pipec/stores.json``. It holds only the paths of local SQLite files and the
source roots that wrote them (newest first, at most :data:`MAX_ENTRIES`): never a server URL,
which could carry a password. It is rewritten atomically (a temporary file, then a rename)
under a lock, and a list that cannot be read or written is ignored: it is a convenience, so it
never fails a run.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: Environment variable naming the folder of the list (tests point it at a temporary folder).
ENV_STATE_DIR = "PIPEC_STATE_DIR"
#: How many stores the list remembers.
MAX_ENTRIES = 20


@dataclass(frozen=True)
class KnownStore:
    """A local metadata store `pipec run` wrote."""

    # The SQLite file.
    path: str
    # The source root of the run that last wrote it.
    root: str
    # The id of that run.
    last_run: str
    # When that run started (epoch seconds).
    last_used: float

    @property
    def url(self) -> str:
        """Its SQLAlchemy URL."""
        return f"sqlite:///{self.path}"


def index_path() -> Path:
    """Where the list is kept (see the module docstring)."""
    base = os.environ.get(ENV_STATE_DIR)
    if base:
        return Path(base) / "stores.json"
    xdg = os.environ.get("XDG_STATE_HOME")
    state = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "state"
    return state / "pipec" / "stores.json"


def sqlite_path(url: str) -> str | None:
    """The absolute path of the file a ``sqlite:///`` URL names; None for any other URL, an
    in-memory database, or a URL with a ``${NAME}`` reference."""
    if not url.startswith("sqlite:///") or "${" in url:
        return None
    path = url[len("sqlite:///"):].split("?", 1)[0]
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return os.path.abspath(path)


def _read(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = data.get("stores") if isinstance(data, dict) else None
    return [e for e in entries or [] if isinstance(e, dict) and isinstance(e.get("path"), str)]


def remember(url: str, root: str | os.PathLike[str], run_id: str) -> None:
    """Put the store at `url` first in the list (only a local SQLite file; others are ignored)."""
    db = sqlite_path(url)
    if db is None:
        return
    target = index_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(target.with_name(target.name + ".lock"), "a") as lock:
            try:
                import fcntl

                fcntl.flock(lock, fcntl.LOCK_EX)
            except (ImportError, OSError):
                pass  # no locking here: a lost update only drops a convenience entry
            entry = {"path": db, "root": str(Path(root).resolve()), "last_run": run_id, "last_used": time.time()}
            entries = [entry, *(e for e in _read(target) if e.get("path") != db)][:MAX_ENTRIES]
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".stores-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump({"version": 1, "stores": entries}, handle, indent=1)
                os.replace(tmp, target)
            except BaseException:
                os.unlink(tmp)
                raise
    except OSError:
        pass


def known_stores() -> list[KnownStore]:
    """The remembered stores whose file still exists, newest first."""
    out = []
    for e in _read(index_path()):
        try:
            used = float(e.get("last_used") or 0.0)
        except (TypeError, ValueError):
            used = 0.0
        if os.path.isfile(e["path"]):
            root = e.get("root") if isinstance(e.get("root"), str) else os.path.dirname(os.path.dirname(e["path"]))
            out.append(KnownStore(e["path"], root, str(e.get("last_run") or ""), used))
    return out
