"""The build context of a step image: which files of the source root Docker receives, and their digest.

The context is the source root minus what a dockerignore file excludes, minus what
pipec always excludes (:data:`ALWAYS_EXCLUDED`: version control, virtual environments,
run state, byte code, caches and the default output folder). Patterns follow Docker's
``.dockerignore`` rules: paths relative to the root with ``/`` separators, ``*`` and
``?`` within one path component, ``**`` across components, ``[...]`` classes, ``\\``
escapes, ``!`` re-including, the last matching line deciding, and a pattern that
matches a folder also covering everything below it.

:func:`context_digest` hashes what the image receives: every included path, whether it
is a file (content and executable bit), a symbolic link (its target) or a folder.
Modification times, owners and other permission bits are left out, as Docker's own
build cache does, so a fresh clone gets the same digest as the working copy it came from.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Excluded from every build context, whatever the dockerignore file says (it cannot re-include them).
ALWAYS_EXCLUDED: tuple[str, ...] = (
    "**/.git", ".pipec", "**/.venv", "**/.venvs", "**/.nox", "**/.tox", "**/__pycache__", "**/*.pyc",
    "**/.pytest_cache", "**/.mypy_cache", "**/.ruff_cache", "**/.hypothesis", "out",
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
                out.append("[" + body.replace("\\", "\\\\") + "]")
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


def context_entries(root: Path, matcher: Matcher) -> Iterator[tuple[str, str, os.stat_result]]:
    """``(kind, relative path, lstat)`` of every included entry below `root`, sorted by path.

    `kind` is ``"f"`` (regular file), ``"l"`` (symbolic link) or ``"d"`` (folder);
    other kinds (sockets, pipes, devices) are skipped, as Docker cannot copy them.
    """
    found: list[tuple[str, str, os.stat_result]] = []

    def walk(folder: Path, prefix: str) -> None:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return
        for name in names:
            rel = f"{prefix}{name}"
            path = folder / name
            try:
                info = path.lstat()
            except OSError:
                continue
            hidden = matcher.excluded(rel)
            if stat.S_ISDIR(info.st_mode):
                if not hidden:
                    found.append(("d", rel, info))
                if not (hidden and matcher.can_prune):
                    walk(path, rel + "/")
            elif not hidden and stat.S_ISREG(info.st_mode):
                found.append(("f", rel, info))
            elif not hidden and stat.S_ISLNK(info.st_mode):
                found.append(("l", rel, info))

    walk(root, "")
    yield from sorted(found, key=lambda item: item[1])


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def context_digest(root: Path, dockerignore: str | None = None) -> str:
    """A sha256 hex digest of the build context of `root` under the `dockerignore` setting."""
    lines = ignore_lines(root, dockerignore)
    digest = hashlib.sha256(b"pipec-context-v1\n")
    if lines is None:
        digest.update(b"unreadable dockerignore\n")
        lines = ()
    for kind, rel, info in context_entries(root, matcher_for(lines)):
        path = root / rel
        try:
            if kind == "f":
                detail = ("x" if info.st_mode & 0o111 else "-") + _file_digest(path)
            elif kind == "l":
                detail = os.readlink(path)
            else:
                detail = ""
        except OSError:  # vanished or unreadable: Docker would fail; keep the digest defined
            detail = "?"
        digest.update(f"{kind} {len(rel.encode())} {rel} {detail}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def generated_dockerignore(user_lines: Sequence[str]) -> str:
    """The dockerignore text `pipec build` writes next to a Dockerfile: the user's lines, then pipec's."""
    head = ["# Written by `pipec build`: the dockerignore setting's lines, then what pipec always leaves out."]
    return "\n".join([*head, *user_lines, "# always excluded by pipec", *ALWAYS_EXCLUDED]) + "\n"
