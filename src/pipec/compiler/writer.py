"""The one writer every target's output goes through: safe paths, atomic writes, `--check` diffs.

Targets return ``{relative path: text}``; the driver prefixes each path with the
target's name. This module turns that mapping into files below an output folder
(`write_outputs`), or compares it with the files already there (`check_outputs`).
Temp files a killed compile left behind are never outputs: `--check` ignores them and the
next write removes them.
Text is written as UTF-8 bytes exactly as given ("\\n" newlines, no translation) and
compared byte for byte.
"""

from __future__ import annotations

import difflib
import errno
import os
import random
import re
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NoReturn

from pipec.targets.kit.names import FILE_NAMES, Namer, short_digest

from .deps import read_regular


class OutputError(Exception):
    """An output path is unsafe or cannot be written; the message is meant for the user."""


# --------------------------------------------------------------------------- names and paths

_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_.-]")
#: What :func:`write_atomic` names its temp files (as mkstemp would: ".<name>.<8 random characters>.tmp").
_TEMP_NAME = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")
#: Threads staging output files at once (see :func:`_replace_all`): on ext4 under load, 30,000
#: fsyncs one after another took 30-90 s, overlapped 3 s.
STAGING_THREADS = 16
#: Files one staging task writes in turn (a task per file cost more in bookkeeping than in writing).
STAGING_BATCH = 64
#: Characters of a temp file's random part (as mkstemp's).
_TEMP_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"
#: Age in seconds after which such a file is the leftover of a killed compile, not one being written.
TEMP_MAX_AGE = 60.0


#: File names Windows reserves for devices, with any extension.
WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                             *(f"lpt{i}" for i in range(10))})


def safe_name(name: str, max_length: int = 100) -> str:
    """`name` made safe as a file name: only ``[A-Za-z0-9_.-]``, no leading dot, not empty.

    When anything had to change, a short hash of the original is appended so that
    distinct names stay distinct (``"my pipe"`` -> ``"my_pipe-1a2b3c4d"``); so is it to a
    name Windows reserves for a device (``con``, ``aux``, ``lpt1``...).
    """
    namer = FILE_NAMES if max_length == FILE_NAMES.max_len else Namer(
        FILE_NAMES.invalid, max_len=max_length, bad_first=".", room_for_digest=False)
    safe = namer.name(name)
    if safe.split(".", 1)[0].casefold() in WINDOWS_DEVICES:  # `con.yaml` opens the console on Windows
        safe = f"{safe}-{short_digest(name)}"
    return safe


def check_relpath(rel: str) -> PurePosixPath:
    """`rel` as a path, if it is a clean relative POSIX path; else OutputError.

    Refused: absolute paths, backslashes, NUL, empty, ``.`` and ``..`` components.
    """
    _relpath_parts(rel)
    return PurePosixPath(rel)


_DRIVE = re.compile(r"[A-Za-z]:")


def _relpath_parts(rel: str) -> list[str]:
    """The components of `rel` after the checks of :func:`check_relpath` (no path object built)."""
    if not isinstance(rel, str) or not rel:
        raise OutputError(f"output path {rel!r} is empty or not a string")
    if "\\" in rel or "\0" in rel:
        raise OutputError(f"output path {rel!r} contains a backslash or NUL character")
    if rel.startswith("/") or _DRIVE.match(rel):
        raise OutputError(f"output path {rel!r} is absolute; outputs must stay inside the output folder")
    parts = rel.split("/")
    if "" in parts or "." in parts or ".." in parts:
        raise OutputError(f"output path {rel!r} is not a clean relative path (empty, '.' or '..' component)")
    return parts


def check_case_collisions(rels: Iterable[str]) -> None:
    """OutputError when two output paths (or their folders) differ only by letter case: on a
    case-insensitive file system (macOS, Windows) one would silently replace the other and
    ``--check`` could never pass."""
    seen: dict[str, str] = {}
    for rel in sorted(rels):
        parts = rel.split("/")
        for end in range(1, len(parts) + 1):
            path = "/".join(parts[:end])
            other = seen.setdefault(path.casefold(), path)
            if other != path:
                raise OutputError(f"output paths {other!r} and {path!r} differ only by letter case; on a "
                                  "case-insensitive file system (macOS, Windows) one would replace the other: "
                                  "rename one of the pipelines or steps")


def _resolve_inside(out_root: Path, rel: str, real_folders: dict[Path, str] | None = None) -> Path:
    """`out_root / rel`, refusing paths that symbolic links lead outside `out_root`.

    `real_folders` remembers each folder's real path for the next call: a compile's 30,000
    files share a few folders, and resolving every component of every path was a second of it.
    """
    path = out_root.joinpath(*_relpath_parts(rel))
    if real_folders is None or os.path.islink(path):
        real = os.path.realpath(path)
    else:  # the real path of a name that is no symbolic link is its folder's real path joined with it
        folder = real_folders.get(path.parent)
        if folder is None:
            folder = real_folders[path.parent] = os.path.realpath(path.parent)
        real = os.path.join(folder, path.name)
    if not real.startswith(os.path.join(out_root, "")):  # strictly below it (both are real paths)
        raise OutputError(f"refusing to use {path}: a symbolic link leads outside the output folder {out_root}")
    return path


def _out_root(out_dir: str | os.PathLike[str]) -> Path:
    root = Path(os.path.realpath(out_dir))
    if root.exists() and not root.is_dir():
        raise OutputError(f"output folder {out_dir} exists and is not a folder")
    return root


# --------------------------------------------------------------------------- writing


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. platforms that cannot open folders; the file itself is already synced
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _create_temp(path: Path) -> tuple[int, str]:
    """A new, empty temp file beside `path` (named as :func:`is_temp_file` expects): (fd, name).

    Created with mode 0666 less the umask, the mode a plain open() gives (mkstemp's 0600 needed
    a chmod per file)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{path.name}.{''.join(random.choices(_TEMP_CHARS, k=8))}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(path.parent))


def _stage(path: Path, data: bytes) -> str:
    """A new temp file beside `path` holding `data`, synced to disk; its name.

    The caller renames it over `path` (or removes it); nothing is left behind on failure."""
    fd, tmp = _create_temp(path)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_quietly(tmp)
        raise
    os.close(fd)
    return tmp


def _stage_batch(batch: list[tuple[Path, bytes]]) -> list[str | OSError]:
    """Stage each file of `batch` in turn: its temp name, or the error that stopped the batch."""
    staged: list[str | OSError] = []
    try:
        for path, data in batch:
            try:
                staged.append(_stage(path, data))
            except OSError as exc:
                staged.append(exc)
                break
    except BaseException:
        for tmp in staged:
            if isinstance(tmp, str):
                _unlink_quietly(tmp)
        raise
    return staged


def write_atomic(path: Path, data: bytes, *, sync_folder: bool = True) -> None:
    """Replace `path` with `data` atomically: temp file in the same folder, fsync, os.replace.

    `sync_folder=False` leaves the fsync of the folder (which makes the rename durable) to the
    caller, who syncs each folder once after writing many files there.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    if sync_folder:
        _fsync_dir(path.parent)


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes; None when there is no file; OutputError when it cannot be read (a symbolic
    link loop, no permission, a fifo or device, which would block or never end)."""
    try:
        return read_regular(path)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None


def is_temp_file(name: str) -> bool:
    """Whether `name` is a temp file :func:`write_atomic` makes (never an output: outputs never
    start with a dot and end in ``.tmp``)."""
    return bool(_TEMP_NAME.fullmatch(name))


def remove_leftover_temps(folders: Iterable[Path], now: float, max_age: float = TEMP_MAX_AGE) -> list[Path]:
    """Delete the temp files a killed compile left in `folders` (older than `max_age` seconds, so
    a compile writing there right now keeps its own); return them."""
    removed = []
    for folder in sorted(set(folders)):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if is_temp_file(entry.name) and entry.is_file(follow_symlinks=False) \
                        and now - entry.stat(follow_symlinks=False).st_mtime > max_age:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:  # gone already, or not ours to remove: it is ignored either way
                continue
    return removed


def _raise_write_error(out_dir: str | os.PathLike[str], rel: str, exc: BaseException) -> NoReturn:
    if isinstance(exc, OSError):
        raise OutputError(f"cannot write {Path(out_dir, rel)}: {exc.strerror or exc}") from exc
    raise exc


def _replace_all(changed: list[tuple[str, Path, bytes]], out_dir: str | os.PathLike[str]) -> None:
    """Replace each ``(rel, path, data)``'s file with `data`, atomically and durably.

    Every file is first staged (written and fsynced beside its path) by a pool of threads, so
    the fsyncs overlap and the file system commits them in shared journal transactions instead
    of one each; then the temp files are renamed over their paths in order. When staging fails
    nothing is replaced; OutputError names the first file that failed, and no temp file remains.
    """
    starts = range(0, len(changed), STAGING_BATCH)
    futures: list[Future[list[str | OSError]]] = []
    temps: list[str] = []
    renamed = 0
    try:
        with ThreadPoolExecutor(max_workers=STAGING_THREADS) as pool:
            futures = [pool.submit(_stage_batch, [(path, data) for _, path, data in changed[start:start + STAGING_BATCH]])
                       for start in starts]
        crash: BaseException | None = None
        failure: tuple[int, OSError] | None = None
        for start, future in zip(starts, futures, strict=True):
            if (exc := future.exception()) is not None:
                crash = crash or exc
                continue
            for offset, outcome in enumerate(future.result()):
                if isinstance(outcome, OSError):
                    failure = failure or (start + offset, outcome)
                else:
                    temps.append(outcome)
        if crash is not None:
            raise crash
        if failure is not None:
            _raise_write_error(out_dir, changed[failure[0]][0], failure[1])
        for (rel, path, _), tmp in zip(changed, temps, strict=True):
            try:
                os.replace(tmp, path)
            except OSError as exc:
                _raise_write_error(out_dir, rel, exc)
            renamed += 1
    finally:
        for tmp in temps[renamed:]:
            _unlink_quietly(tmp)


def write_outputs(files: Mapping[str, str], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write every ``{relative path: text}`` below `out_dir`; return the paths actually written.

    All paths are validated before anything is written (OutputError names the first
    bad one). Files whose bytes already match are left untouched, so their
    modification times stay put; each other file is replaced atomically. Returned
    paths are `out_dir` (as given) joined with the relative path.
    """
    root = _out_root(out_dir)
    check_case_collisions(files)
    real_folders: dict[Path, str] = {}
    plan = [(rel, _resolve_inside(root, rel, real_folders), text.encode("utf-8"))
            for rel, text in sorted(files.items())]
    for rel, path, _ in plan:
        if path.is_dir() and not path.is_symlink():
            raise OutputError(f"cannot write {Path(out_dir, rel)}: a folder of that name exists")
    changed = [(rel, path, data) for rel, path, data in plan
               if path.is_symlink() or _read_bytes(path) != data]
    made: set[Path] = set()
    for rel, path, _ in changed:
        if path.parent not in made:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputError(f"cannot write {Path(out_dir, rel)}: {exc.strerror or exc}") from exc
            made.add(path.parent)
    _replace_all(changed, out_dir)
    for folder in sorted(made):  # once per folder, not per file: 2,000 pipelines x all targets
        _fsync_dir(folder)
    remove_leftover_temps((path.parent for _, path, _ in plan), time.time())
    return [Path(out_dir, rel) for rel, _, _ in changed]


def stale_files(files: Mapping[str, str], out_dir: str | os.PathLike[str], folders: Iterable[str]) -> list[str]:
    """Relative paths of files below ``out_dir/<folder>`` (for each of `folders`) that `files` lacks.

    These are outputs a previous compile left behind, e.g. of a renamed pipeline.
    """
    root = _out_root(out_dir)
    extra: list[str] = []
    for folder in sorted(set(folders)):
        check_relpath(folder)
        base = root / folder
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            for name in sorted(filenames):
                rel = f"{rel_dir}/{name}"
                if rel not in files and not is_temp_file(name):
                    extra.append(rel)
    return sorted(extra)


def remove_outputs(rels: Iterable[str], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Delete the given relative paths below `out_dir` (see :func:`stale_files`); return them as shown."""
    root = _out_root(out_dir)
    removed = []
    for rel in sorted(rels):
        path = _resolve_inside(root, rel)
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise OutputError(f"cannot remove {Path(out_dir, rel)}: {exc.strerror or exc}") from exc
        removed.append(Path(out_dir, rel))
    return removed


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class Difference:
    """One output file that does not match what a compile would write."""

    # Path relative to the output folder, POSIX separators.
    path: str
    # "changed" (content differs), "missing" (not written yet) or "extra" (stale file).
    kind: str
    # A unified diff from the file on disk to the expected content.
    diff: str


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def _unified(old: str, new: str, old_name: str, new_name: str) -> str:
    diff = "".join(difflib.unified_diff(_lines(old), _lines(new), old_name, new_name))
    return diff if diff else f"--- {old_name}\n+++ {new_name}\n(files differ only in bytes that do not decode)\n"


def check_outputs(files: Mapping[str, str], out_dir: str | os.PathLike[str],
                  folders: Iterable[str] = (), stale: Iterable[str] | None = None) -> list[Difference]:
    """Compare `files` with what is below `out_dir`, byte for byte; return the differences.

    Nothing is written. A missing file, a file with other bytes, and each stale file
    (`stale`, else the files below each of `folders` no longer produced) count as
    differences. Diff headers use `out_dir` as given, so they read naturally relative to
    the current folder.
    """
    root = _out_root(out_dir)
    check_case_collisions(files)
    shown = PurePosixPath(Path(out_dir).as_posix())
    diffs: list[Difference] = []
    real_folders: dict[Path, str] = {}
    for rel, text in sorted(files.items()):
        path = _resolve_inside(root, rel, real_folders)
        name = (shown / rel).as_posix()
        expected = text.encode("utf-8")
        if path.is_dir():
            diffs.append(Difference(rel, "changed", f"{name} is a folder, expected a file\n"))
            continue
        actual = _read_bytes(path)
        if actual is None:
            diffs.append(Difference(rel, "missing", _unified("", text, "/dev/null", name)))
        elif actual != expected:
            old = actual.decode("utf-8", errors="replace")
            diffs.append(Difference(rel, "changed", _unified(old, text, name, name)))
    for rel in sorted(stale) if stale is not None else stale_files(files, out_dir, folders):
        if not _resolve_inside(root, rel).is_file():
            continue
        name = (shown / rel).as_posix()
        old = (_read_bytes(_resolve_inside(root, rel)) or b"").decode("utf-8", errors="replace")
        diffs.append(Difference(rel, "extra", _unified(old, "", name, "/dev/null")))
    return sorted(diffs, key=lambda d: d.path)
