"""The compile cache: an unchanged input skips the frontend, the checks and the targets entirely.

`pipec compile` (and `--check`, which CI and pre-commit run on every commit) records
everything its compile phase read (`pipec.compiler.deps`: source files, probes of the
import path, run configs, stack and project tables, environment variables, globs, build
contexts) and stores it, with the files and diagnostics produced, in
``ROOT/.pipec/cache/compile/KEY.json``. The key hashes the command line (without
``--check``), the current folder, whether diagnostics are coloured, the Python version,
pipec's own source files (path, size, modification time) and the modification times of
the import path's folders (which change when packages are installed or removed). A later
run with the same key replays the stored result when every recorded answer is still the
same; otherwise it compiles as usual and stores the new result.

Only clean results are stored: a compile with errors, one that used a third-party target
(whose code pipec does not fingerprint), or one that read something `deps` cannot record
is always redone. ``--no-cache`` or ``PIPEC_NO_COMPILE_CACHE=1`` turn the cache off;
deleting ``.pipec/cache/`` is always safe.

This module imports nothing of the compiler proper, so a hit costs the interpreter's
start, this file and the checks of the recorded answers.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Cache folder, relative to the root it is kept in.
CACHE_DIR = ".pipec/cache/compile"
#: Entries kept per folder (the oldest are removed beyond this).
MAX_ENTRIES = 64
#: Environment variable that turns the cache off.
ENV_OFF = "PIPEC_NO_COMPILE_CACHE"
_VERSION = 1
#: Arguments that do not change what the compile phase produces.
_NEUTRAL = ("--check", "--no-cache")


def enabled(no_cache_flag: bool) -> bool:
    """Whether this command may use the cache."""
    return not no_cache_flag and os.environ.get(ENV_OFF, "") in ("", "0")


def _pipec_fingerprint() -> list:
    """(path, size, mtime) of every file of pipec's own packages: a changed pipec never hits."""
    import importlib.util

    spec = importlib.util.find_spec("pipec")  # one folder: every sub-package lives below it
    folders = set(spec.submodule_search_locations or () if spec else ())
    seen: list = []
    for folder in sorted(folders):
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".pyc", ".tmp")):
                    continue
                try:
                    info = os.stat(os.path.join(dirpath, name))
                except OSError:
                    continue
                seen.append([os.path.join(dirpath, name), info.st_size, info.st_mtime_ns])
    return seen


def _installed_fingerprint() -> list:
    """Modification times of the import path's folders (installing a package changes its folder's)."""
    out = []
    for entry in sys.path:
        try:
            out.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            out.append([entry, None])
    return out


def cache_key(argv: list[str], color: bool) -> str:
    """The key of a compile command: what it was asked, where, and with which pipec."""
    data = {"version": _VERSION, "argv": [a for a in argv if a not in _NEUTRAL], "cwd": os.getcwd(),
            "color": color, "python": sys.version, "executable": sys.executable,
            "pipec": _pipec_fingerprint(), "installed": _installed_fingerprint()}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Hit:
    """A stored result whose recorded inputs are all unchanged."""

    #: What the compile phase wrote to stderr (its diagnostics).
    stderr: str
    #: The output folder it compiled for.
    out: str
    #: Per source: {"source", "partial", "root", "targets", "files"}.
    compiled: list[dict[str, Any]]


def lookup(folder: Path, key: str) -> Hit | None:
    """The stored result for `key` in `folder`, when every recorded input is unchanged."""
    from . import deps

    path = folder / CACHE_DIR / f"{key}.json"
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("version") != _VERSION or not deps.unchanged(entry.get("deps", {})):
        return None
    result = entry.get("result")
    try:
        return Hit(result["stderr"], result["out"], list(result["compiled"]))
    except (KeyError, TypeError):
        return None


def store(folder: Path, key: str, recorder: Any, stderr: str, out: str, compiled: list[dict[str, Any]]) -> None:
    """Keep a result for `key` (never fails the command: a cache that cannot be written is skipped)."""
    entry = {"version": _VERSION, "deps": recorder.to_json(),
             "result": {"stderr": stderr, "out": out, "compiled": compiled}}
    target = folder / CACHE_DIR
    try:
        target.mkdir(parents=True, exist_ok=True)
        ignore = target.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Written by pipec: local caches, never committed.\n*\n", encoding="utf-8")
        fd, tmp = tempfile.mkstemp(dir=target, prefix=f".{key[:8]}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entry, handle, separators=(",", ":"))
        os.replace(tmp, target / f"{key}.json")
        _prune(target)
    except OSError:
        return


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    for old in entries[:-MAX_ENTRIES]:
        try:
            old.unlink()
        except OSError:
            pass
