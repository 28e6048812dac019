"""What a compile read from the world, recorded so a later compile can tell whether anything changed.

Every place the compiler looks at the file system or the environment on behalf of the
user's input goes through these functions: reading a file, asking whether a path is a
file or folder, expanding a glob, reading an environment variable, hashing a build
context. Outside :func:`recording` they behave exactly like the plain calls. Inside it,
each answer is also written down in a :class:`Recorder`; `pipec.compiler.compile_cache`
stores that record with the compile's result and replays the result only when every
recorded answer is still the same (:func:`unchanged`).

A look at the world that bypasses this module would make the compile cache unsound, so
new reads of user input must use it (the compile-cache property test checks the known
inputs).
"""

from __future__ import annotations

import errno
import glob as _glob
import hashlib
import os
import stat as stat_module
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

#: A file changed this recently (ns) before it was read is compared by content, not by its stat.
RACY_NS = 2_000_000_000


@dataclass
class Recorder:
    """The answers one compile got."""

    #: ``{path: [size, mtime_ns, ctime_ns, inode] or None (compare content), sha256 or "!" when unreadable]}``.
    files: dict[str, list] = field(default_factory=dict)
    #: ``{"kind path": answer}`` for kind in is_file, is_dir, exists.
    probes: dict[str, bool] = field(default_factory=dict)
    #: ``{"folder\\0pattern": sorted matches}``.
    globs: dict[str, list[str]] = field(default_factory=dict)
    #: ``{name: value or None}``.
    env: dict[str, str | None] = field(default_factory=dict)
    #: ``{"root\\0dockerignore\\0outputs...": context digest}``.
    contexts: dict[str, str] = field(default_factory=dict)
    #: Set when something was used that cannot be recorded (then the result is not cached).
    untracked: str | None = None

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        return {"files": self.files, "probes": self.probes, "globs": self.globs, "env": self.env,
                "contexts": self.contexts}


_active: Recorder | None = None


@contextmanager
def recording() -> Iterator[Recorder]:
    """Record every answer given inside the block (nested blocks share the outer recorder)."""
    global _active
    if _active is not None:
        yield _active
        return
    _active = Recorder()
    try:
        yield _active
    finally:
        _active = None


def untracked(reason: str) -> None:
    """Mark the current compile as depending on something this module cannot record."""
    if _active is not None and _active.untracked is None:
        _active.untracked = reason


def _stat_key(path: Path) -> list[int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    if time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < RACY_NS:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file, not recorded; OSError for a fifo, socket or device, whose
    reading would block or never end (a directory fails in the read itself)."""
    mode = os.stat(path).st_mode
    if not (stat_module.S_ISREG(mode) or stat_module.S_ISDIR(mode)):
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return Path(path).read_bytes()


def read_bytes(path: Path) -> bytes:
    """``path.read_bytes()`` of a regular file, recorded (an OSError is recorded too, then raised)."""
    if _active is None:
        return read_regular(path)
    key = str(Path(path).absolute())
    stat = _stat_key(Path(path))
    try:
        data = read_regular(path)
    except OSError:
        _active.files[key] = [None, "!"]
        raise
    _active.files[key] = [stat, hashlib.sha256(data).hexdigest()]
    return data


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """``path.read_text(encoding)``, recorded (decoding errors raise as usual)."""
    return read_bytes(path).decode(encoding)


def _probe(kind: str, path: Path, answer: bool) -> bool:
    if _active is not None:
        _active.probes[f"{kind} {Path(path).absolute()}"] = answer
    return answer


def is_file(path: Path) -> bool:
    """``path.is_file()``, recorded."""
    return _probe("is_file", path, Path(path).is_file())


def is_dir(path: Path) -> bool:
    """``path.is_dir()``, recorded."""
    return _probe("is_dir", path, Path(path).is_dir())


def exists(path: Path) -> bool:
    """``path.exists()``, recorded."""
    return _probe("exists", path, Path(path).exists())


def glob(folder: Path, pattern: str) -> list[str]:
    """``glob.glob(pattern, root_dir=folder, recursive=True)`` sorted, recorded."""
    found = sorted(_glob.glob(pattern, root_dir=folder, recursive=True))
    if _active is not None:
        _active.globs[f"{Path(folder).absolute()}\0{pattern}"] = found
    return found


class _Environ(Mapping[str, str]):
    """``os.environ`` whose reads are recorded."""

    def __getitem__(self, name: str) -> str:
        value = os.environ.get(name)
        if _active is not None:
            _active.env[name] = value
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self):
        untracked("the whole environment was listed")
        return iter(os.environ)

    def __len__(self) -> int:
        return len(os.environ)


def environ() -> Mapping[str, str]:
    """The process environment as a mapping whose lookups (``[]``, ``get``, ``in``) are recorded."""
    return _Environ()


def context(root: Path, dockerignore: str | None, outputs: tuple[str, ...], digest: str) -> None:
    """Record the digest of a build context (see `pipec.build.context.scan_context`)."""
    if _active is not None:
        _active.contexts["\0".join([str(root), dockerignore or "", *outputs])] = digest


def unchanged(record: Mapping) -> bool:
    """True when every answer in `record` (see :meth:`Recorder.to_json`) is still the same."""
    try:
        for key, value in record["env"].items():
            if os.environ.get(key) != value:
                return False
        for key, answer in record["probes"].items():
            kind, _, path = key.partition(" ")
            if getattr(Path(path), kind)() != answer:
                return False
        for key, matches in record["globs"].items():
            folder, _, pattern = key.partition("\0")
            if sorted(_glob.glob(pattern, root_dir=folder, recursive=True)) != matches:
                return False
        for path, (stat, sha) in record["files"].items():
            if stat is not None and stat == _stat_key(Path(path)):
                continue
            try:
                current = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                current = "!"
            if current != sha:
                return False
        return _contexts_unchanged(record["contexts"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def _contexts_unchanged(contexts: Mapping[str, str]) -> bool:
    if not contexts:
        return True
    from pipec.build.context import scan_context
    from pipec.build.digest_cache import DigestCache

    for key, digest in contexts.items():
        root, dockerignore, *outputs = key.split("\0")
        cache = DigestCache(Path(root))
        found = scan_context(Path(root), dockerignore or None, tuple(outputs), cache)
        cache.save()
        if found.digest != digest:
            return False
    return True
