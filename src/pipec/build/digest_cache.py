"""A stat cache of file digests, so hashing a build context reads only files that changed.

``ROOT/.pipec/cache/file-digests.json`` maps each file's root-relative path to its
size, modification and change times (nanoseconds), inode, device and sha256. A file
whose ``lstat`` still gives the same five values is taken to hold the same bytes and is
not read again; any difference (an edit, a replacement, a ``touch``) re-hashes it. The
change time cannot be set by users, so back-dating a file's modification time does not
fool the cache.

An entry is only kept for a file whose times are at least :data:`RACY_NS` older than the
moment it was hashed: a file written in the same clock tick as (or just after) the read
could change without any of the five values changing, as Git's "racily clean" index
entries can. Such a file is simply hashed again next time.

The cache is an optimisation only: an unreadable, corrupt or unwritable cache file
behaves like an empty cache, and writing it never fails a command.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

#: Where the cache lives, relative to the source root (``.pipec/`` is never in a build context).
CACHE_FILE = ".pipec/cache/file-digests.json"
#: Files changed this recently (nanoseconds) before being hashed are not cached.
RACY_NS = 2_000_000_000
_VERSION = 1


def _key(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


class DigestCache:
    """The file digests of one source root, loaded on first use and saved by :meth:`save`."""

    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_FILE
        self._entries: dict[str, list] | None = None
        self._seen: dict[str, list] = {}
        self._dirty = False

    def _load(self) -> dict[str, list]:
        if self._entries is None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                entries = data["files"] if data.get("version") == _VERSION else {}
                self._entries = entries if isinstance(entries, dict) else {}
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self._entries = {}
        return self._entries

    def get(self, rel: str, info: os.stat_result) -> str | None:
        """The cached sha256 of `rel` when its `info` is unchanged, else None."""
        entry = self._load().get(rel)
        if isinstance(entry, list) and len(entry) == 6 and entry[:5] == _key(info) and isinstance(entry[5], str):
            self._seen[rel] = entry
            return entry[5]
        return None

    def put(self, rel: str, info: os.stat_result, sha: str) -> None:
        """Remember that `rel`, with `info`, hashed to `sha` (unless it changed too recently)."""
        if time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < RACY_NS:
            return
        self._seen[rel] = [*_key(info), sha]
        self._dirty = True

    def save(self) -> None:
        """Write the entries used since loading (dropping files no longer seen), if anything changed."""
        if not self._dirty and len(self._seen) == len(self._load()):
            return
        text = json.dumps({"version": _VERSION, "files": dict(sorted(self._seen.items()))},
                          separators=(",", ":"))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():  # the cache is machine state, never something to commit
                ignore.write_text("# Written by pipec: local caches, never committed.\n*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".file-digests.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self.path)
        except OSError:  # a read-only checkout: the cache only saves time
            return
        self._entries = dict(self._seen)
        self._dirty = False
