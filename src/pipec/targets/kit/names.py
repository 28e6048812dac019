"""Names engines accept, made from pipec's (pipeline names and step ids are any text).

One :class:`Namer` per kind of engine name says which characters are allowed, how long a
name may be, whether case folds, and what keeps distinct names distinct: a short digest of
the original (:func:`short_digest`) or an index (``-2``, ``-3``...). Every target builds its
names with one, so a new engine writes a line of configuration instead of a sanitizer.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

#: When a digest is appended: whenever the name had to change, only when it had to be cut
#: (or came out empty), or never (clashes then take an index).
CHANGED, CUT, NEVER = "changed", "cut", "never"
#: How names that come out equal are told apart.
HASH, INDEX = "hash", "index"


def short_digest(text: str) -> str:
    """Eight hex digits of the SHA-256 of `text`: keeps names that had to change distinct."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


@dataclass(frozen=True)
class Namer:
    """A naming rule: allowed characters, length, case, and clash policy."""

    #: Regular expression of what is replaced (a character class, with ``+`` to collapse runs).
    invalid: str
    #: What each match of `invalid` becomes.
    replacement: str = "_"
    #: Longest name.
    max_len: int = 63
    #: Lower-case first (names compared case-insensitively by the engine).
    case_fold: bool = False
    #: Characters trimmed off both ends (and off a cut end).
    trim: str = ""
    #: A first character that is replaced by `replacement` (e.g. "." for file names).
    bad_first: str = ""
    #: When a digest of the original is appended: `CHANGED`, `CUT` or `NEVER`.
    digest: str = CHANGED
    #: Cut the name to make room for the digest (False: the digest follows `max_len` characters).
    room_for_digest: bool = True
    #: What tells apart names that come out equal: `HASH` or `INDEX`.
    clash: str = HASH
    #: The name when nothing is left and no digest is appended.
    fallback: str = ""

    @cached_property
    def _pattern(self) -> re.Pattern:
        return re.compile(self.invalid)

    def clean(self, text: str) -> str:
        """`text` with case folded, invalid characters replaced and the ends trimmed (not cut)."""
        name = self._pattern.sub(self.replacement, text.lower() if self.case_fold else text)
        if self.trim:
            name = name.strip(self.trim)
        if self.bad_first and name and name[0] in self.bad_first:
            name = self.replacement + name[1:]
        return name

    def name(self, text: str) -> str:
        """The engine name for `text` under this rule (clashes with other names not considered)."""
        name = self.clean(text)
        fits = 0 < len(name) <= self.max_len
        if self.digest == NEVER or (fits and (self.digest == CUT or name == text)):
            return (name[:self.max_len].rstrip(self.trim) if self.trim else name[:self.max_len]) or self.fallback
        return self._with_digest(name, text)

    def _with_digest(self, name: str, original: str, extra: str = "") -> str:
        suffix = f"{short_digest(original)}{extra}"
        room = self.max_len - len(suffix) - 1 if self.room_for_digest else self.max_len
        stem = name[:room].rstrip(self.trim) if self.trim else name[:room]
        return f"{stem}-{suffix}" if stem else suffix

    def _with_index(self, name: str, index: int) -> str:
        suffix = f"-{index}"
        stem = name[:self.max_len - len(suffix)]
        return (stem.rstrip(self.trim) if self.trim else stem) + suffix

    def unique(self, texts: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
        """``{text: name}`` with pairwise distinct names (and none in `taken`), deterministic for
        a given list: equal names get a digest of their original (`HASH`, plus an index in the
        unlikely case that meets another name) or ``-2``, ``-3``... in order (`INDEX`)."""
        texts = list(dict.fromkeys(texts))
        used = set(taken)
        names: dict[str, str] = {}
        if self.clash == INDEX:
            for text in texts:
                base = self.name(text)
                name, index = base, 2
                while name in used:
                    name, index = self._with_index(base, index), index + 1
                used.add(name)
                names[text] = name
            return names

        base = {text: self.name(text) for text in texts}
        counts = Counter(base.values())
        for text in texts:
            name = base[text]
            if counts[name] > 1:
                name = self._with_digest(name, text)
            index = 2
            while name in used:  # only if a hashed name met another text's plain name
                name = self._with_digest(base[text], text, f"-{index}")
                index += 1
            used.add(name)
            names[text] = name
        return names


#: File names (and Airflow ids): ``[A-Za-z0-9_.-]``, no leading dot, a digest after a changed name.
FILE_NAMES = Namer(r"[^A-Za-z0-9_.-]", "_", max_len=100, bad_first=".", room_for_digest=False)
#: Kubernetes object names and labels (RFC 1123): lower case, runs of others as one ``-``,
#: a digest only when cut or empty, clashes hashed.
DNS_LABELS = Namer(r"[^a-z0-9]+", "-", case_fold=True, trim="-", digest=CUT)
#: KFP task names: as Kubernetes names, but never a digest; clashes get ``-2``, ``-3``...
KFP_TASKS = Namer(r"[^a-z0-9]+", "-", case_fold=True, trim="-", digest=NEVER, clash=INDEX, fallback="task")
