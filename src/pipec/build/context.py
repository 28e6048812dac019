"""The build context of a step image: which files of the source root Docker receives, and their digest.

The context is the source root minus what a dockerignore file excludes, minus what
pipec always excludes (:data:`ALWAYS_EXCLUDED`: version control, virtual environments,
run state, byte code and caches), minus generated output: the current command's output
folder and every folder holding an artifact manifest (`pipec.compiler.manifest`), so
artifacts committed inside the project never feed back into the image tags they hold.
Patterns follow Docker's ``.dockerignore`` rules: paths relative to the root with ``/``
separators, ``*`` and ``?`` within one path component, ``**`` across components,
``[...]`` classes, ``\\`` escapes, ``!`` re-including, the last matching line deciding,
and a pattern that matches a folder also covering everything below it.

:func:`scan_context` hashes what the image receives: every included path, whether it
is a file (content and executable bit), a symbolic link (its target) or a folder.
Modification times, owners and other permission bits are left out, as Docker's own
build cache does, so a fresh clone gets the same digest as the working copy it came from.
File contents are hashed once: `pipec.build.digest_cache` remembers each file's
digest by its size, times and inode, so an unchanged file, however big, is never read
again, and files the dockerignore rules leave out are never opened at all.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .digest_cache import DigestCache

#: Excluded from every build context, whatever the dockerignore file says (it cannot re-include them).
ALWAYS_EXCLUDED: tuple[str, ...] = (
    "**/.git", ".pipec", "**/.venv", "**/.venvs", "**/.nox", "**/.tox", "**/__pycache__", "**/*.pyc",
    "**/.pytest_cache", "**/.mypy_cache", "**/.ruff_cache", "**/.hypothesis",
)
#: The dockerignore file Docker reads from the source root when the settings name none.
DEFAULT_DOCKERIGNORE = ".dockerignore"


@dataclass(frozen=True)
class Pattern:
    """One line of a dockerignore file."""

    # The cleaned pattern text (no leading "!" or "/").
    text: str
    # True for a "!" line, which re-includes what it matches.
    negated: bool
    # The pattern as an anchored regular expression over "/"-separated relative paths.
    regex: re.Pattern[str]


def _translate(pattern: str) -> str:
    """A regular expression equivalent to one cleaned dockerignore pattern."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*" and pattern.startswith("**", i):
            i += 2
            if i < n and pattern[i] == "/":
                i += 1
            out.append(".*" if i >= n else "(?:.*/)?")
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 2 if pattern.startswith("[^", i) or pattern.startswith("[!", i) else i + 1)
            if end < 0:  # an unclosed class matches nothing in Docker; treat "[" literally here
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1:end]
                if body[:1] in ("^", "!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\").replace("[", "\\[") + "]")
                i = end
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def parse_patterns(lines: Sequence[str]) -> list[Pattern]:
    """Dockerignore lines as patterns: comments (``#``) and blank lines skipped, paths cleaned."""
    patterns: list[Pattern] = []
    for raw in lines:
        line = raw.lstrip("\ufeff")
        if line.startswith("#"):
            continue
        line = line.strip()
        negated = line.startswith("!")
        if negated:
            line = line[1:].strip()
        if not line:
            continue
        cleaned = posixpath.normpath(line).lstrip("/") or "."
        try:
            regex = re.compile(_translate(cleaned), re.DOTALL)
        except re.error:  # a malformed class: Docker rejects the context; match nothing
            regex = re.compile(r"(?!)")
        patterns.append(Pattern(cleaned, negated, regex))
    return patterns


class Matcher:
    """Decides whether a relative path is excluded from the build context."""

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self.patterns = tuple(patterns)
        # Without "!" lines nothing below an excluded folder can come back, so walks may skip it.
        self.can_prune = not any(p.negated for p in self.patterns)

    def excluded(self, rel: str) -> bool:
        """True when `rel` ("/"-separated, relative to the root) is left out of the context."""
        parts = rel.split("/")
        parents = ["/".join(parts[:i]) for i in range(1, len(parts))]
        excluded = False
        for pattern in self.patterns:
            if pattern.negated != excluded:  # cannot change the outcome
                continue
            if pattern.regex.fullmatch(rel) or any(pattern.regex.fullmatch(p) for p in parents):
                excluded = not pattern.negated
        return excluded


def ignore_lines(root: Path, dockerignore: str | None) -> tuple[str, ...] | None:
    """The user's dockerignore lines: the named file, else ``.dockerignore`` if present.

    Returns None when `dockerignore` names a file that cannot be read (`pipec build`
    reports it; a compile hashes the context as if the file were empty).
    """
    name = dockerignore or DEFAULT_DOCKERIGNORE
    if name.startswith("/") or "\\" in name or ".." in name.split("/"):  # only files inside the root
        return None
    try:
        text = (root / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None if dockerignore else ()
    return tuple(text.splitlines())


def matcher_for(user_lines: Sequence[str]) -> Matcher:
    """The matcher for `user_lines` followed by :data:`ALWAYS_EXCLUDED` (which therefore always win)."""
    return Matcher(parse_patterns([*user_lines, *ALWAYS_EXCLUDED]))


@dataclass(frozen=True)
class Entry:
    """One path of the build context."""

    #: "f" (regular file), "l" (symbolic link) or "d" (folder).
    kind: str
    #: Path relative to the root, "/"-separated.
    rel: str
    #: Its lstat result.
    info: os.stat_result


@dataclass(frozen=True)
class Walk:
    """What :func:`walk_context` found below a root."""

    #: Included entries, sorted by path.
    entries: tuple[Entry, ...]
    #: Root-relative paths left out as generated output (the current output and every folder
    #: holding an artifact manifest), sorted.
    outputs: tuple[str, ...]


def _manifest_targets(folder: Path) -> set[str]:
    """The target folders the manifest in `folder` lists (none when it cannot be read)."""
    from pipec.compiler.manifest import ManifestError, read

    try:
        found = read(folder)
    except ManifestError:
        return set()
    return found.targets() if found is not None else set()


def walk_context(root: Path, matcher: Matcher, outputs: Sequence[str] = ()) -> Walk:
    """Every included entry below `root` (see :class:`Walk`).

    `outputs` are root-relative paths of generated output to leave out whatever the
    dockerignore rules say (the current command's output folders). A folder below the
    root that holds an artifact manifest (``.pipec-artifacts``) is left out whole; when
    the root itself holds one (output written into the source root), the manifest and
    the target folders it lists are. Folders are listed, never read: files left out are
    never opened. Other kinds (sockets, pipes, devices) are skipped, as Docker cannot copy
    them.
    """
    from pipec.compiler.manifest import MANIFEST

    found: list[Entry] = []
    skipped: set[str] = {o for o in outputs if o and o != "."}

    def visit(folder: Path, prefix: str) -> bool:
        """Add what `folder` holds; False when it is generated output (then nothing is added)."""
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return True
        if MANIFEST in names:
            if prefix:  # generated output below the root: the whole folder
                skipped.add(prefix[:-1])
                return False
            skipped.update({MANIFEST, *_manifest_targets(folder)})
        for name in names:
            rel = f"{prefix}{name}"
            if rel in skipped:
                continue
            path = folder / name
            try:
                info = path.lstat()
            except OSError:
                continue
            hidden = matcher.excluded(rel)
            if stat.S_ISDIR(info.st_mode):
                if hidden and matcher.can_prune:
                    continue
                if visit(path, rel + "/") and not hidden:
                    found.append(Entry("d", rel, info))
            elif not hidden and stat.S_ISREG(info.st_mode):
                found.append(Entry("f", rel, info))
            elif not hidden and stat.S_ISLNK(info.st_mode):
                found.append(Entry("l", rel, info))
        return True

    visit(root, "")
    # A folder that exists only to hold output (`a/b` of `--out a/b/deploy`) appears with the
    # first compile; it holds nothing of the user's, so it must not change the digest.
    holders = {"/".join(out.split("/")[:i]) for out in skipped for i in range(1, out.count("/") + 1)}
    found = [e for e in found if not (e.kind == "d" and e.rel in holders)]
    found.sort(key=lambda entry: entry.rel)
    return Walk(tuple(found), tuple(sorted(skipped)))


def context_entries(root: Path, matcher: Matcher, outputs: Sequence[str] = ()) -> Iterator[tuple[str, str, os.stat_result]]:
    """``(kind, relative path, lstat)`` of every included entry below `root`, sorted by path."""
    for entry in walk_context(root, matcher, outputs).entries:
        yield entry.kind, entry.rel, entry.info


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ContextScan:
    """The build context of one source root under one dockerignore setting."""

    #: sha256 hex digest of what the image receives.
    digest: str
    #: Generated output left out (see :attr:`Walk.outputs`).
    outputs: tuple[str, ...]
    #: Total bytes of the included regular files.
    size: int
    #: Bytes per top-level entry of the root, for naming what makes a context big.
    sizes: dict[str, int]
    #: True when a dockerignore file applied (the setting's, or ROOT/.dockerignore).
    has_dockerignore: bool


def scan_context(root: Path, dockerignore: str | None = None, outputs: Sequence[str] = (),
                 cache: DigestCache | None = None) -> ContextScan:
    """Walk and hash the build context of `root` (see :func:`walk_context` for `outputs`).

    File contents are hashed through `cache` when given: a file whose size, times and
    inode are unchanged since it was last hashed is not read again.
    """
    lines = ignore_lines(root, dockerignore)
    digest = hashlib.sha256(b"pipec-context-v1\n")
    if lines is None:
        digest.update(b"unreadable dockerignore\n")
    walked = walk_context(root, matcher_for(lines or ()), outputs)
    total, sizes = 0, {}
    for entry in walked.entries:
        path = root / entry.rel
        try:
            if entry.kind == "f":
                sha = cache.get(entry.rel, entry.info) if cache is not None else None
                if sha is None:
                    sha = _file_digest(path)
                    if cache is not None:
                        cache.put(entry.rel, entry.info, sha)
                detail = ("x" if entry.info.st_mode & 0o111 else "-") + sha
                total += entry.info.st_size
                top = entry.rel.split("/", 1)[0]
                sizes[top] = sizes.get(top, 0) + entry.info.st_size
            elif entry.kind == "l":
                detail = os.readlink(path)
            else:
                detail = ""
        except OSError:  # vanished or unreadable: Docker would fail; keep the digest defined
            detail = "?"
        digest.update(f"{entry.kind} {len(entry.rel.encode())} {entry.rel} {detail}\n"
                      .encode("utf-8", "surrogateescape"))
    has_ignore = bool(dockerignore) or (lines is not None and (root / DEFAULT_DOCKERIGNORE).is_file())
    return ContextScan(digest.hexdigest(), walked.outputs, total, sizes, has_ignore)


def context_digest(root: Path, dockerignore: str | None = None, outputs: Sequence[str] = ()) -> str:
    """A sha256 hex digest of the build context of `root` under the `dockerignore` setting."""
    return scan_context(root, dockerignore, outputs).digest


def output_exclusions(root: Path, out_dir: Path, folders: Iterable[str]) -> tuple[str, ...]:
    """Root-relative paths to leave out of `root`'s build contexts for output written to `out_dir`.

    The whole output folder when it is below the root; its manifest and the `folders`
    the command writes (target folders) when it is the root itself; nothing when it is
    outside the root or contains it.
    """
    from pipec.compiler.manifest import MANIFEST

    try:
        rel = Path(os.path.realpath(out_dir)).relative_to(Path(os.path.realpath(root))).as_posix()
    except ValueError:
        return ()
    if rel != ".":
        return (rel,)
    return tuple(sorted({MANIFEST, *folders}))


def literal_pattern(rel: str) -> str:
    """A dockerignore line matching exactly the root-relative path `rel` (wildcards and escapes quoted)."""
    out = []
    for i, ch in enumerate(rel):
        if ch in "\n\r":
            out.append("?")  # a line cannot hold a newline; `?` matches it (and any other one character)
        elif ch in "*?[":
            out.append(f"[{ch}]")  # a class rather than a `\` escape: Docker's matchers agree on classes
        elif ch == "\\":
            out.append("[\\\\]")
        elif ch.isspace() and i == len(rel) - 1:
            out.append("[" + ch + "]")  # Docker strips spaces at the end of a line
        else:
            out.append(ch)
    return "/" + "".join(out)


def generated_dockerignore(user_lines: Sequence[str], outputs: Sequence[str] = ()) -> str:
    """The dockerignore text `pipec build` writes next to a Dockerfile: the user's lines, then pipec's.

    `outputs` are the generated-output paths the context scan left out (see
    :attr:`ContextScan.outputs`), written as literal patterns so Docker leaves out the same.
    """
    head = ["# Written by `pipec build`: the dockerignore setting's lines, then what pipec always leaves out."]
    lines = [*head, *user_lines, "# always excluded by pipec", *ALWAYS_EXCLUDED]
    if outputs:
        lines += ["# generated output (folders holding .pipec-artifacts, and this command's output)",
                  *(literal_pattern(rel) for rel in outputs)]
    return "\n".join(lines) + "\n"
