"""``${NAME}`` references in store URLs, expanded from the environment where the step runs.

Compiled artifacts carry `--artifact-store` and `--metadata-store` as written (e.g.
``postgresql://pipec:${PGPASSWORD}@db/pipec``), so no secret is ever compiled in; the
shim expands them from its own environment (which the engine fills from its secrets).

The rule, the same wherever a store URL is expanded (the shim, `pipec run`, `pipec submit`
and `pipec runs` on a stack): every ``${NAME}`` with NAME matching
``[A-Za-z_][A-Za-z0-9_]*`` is replaced by that variable's value; nothing else is special
(``$NAME``, ``$(NAME)``, a lone ``$`` or ``${`` stay as they are) and there is no escape,
so a store URL cannot hold a literal ``${NAME}``. A value is expanded once: text a variable
brings in is not scanned again. An unset variable is an error, never an empty string.

Expanded values must not leak: :class:`Redactor` turns them back into their references in
text the shim prints or records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Environment variable holding a store URL (references intact) that a step is not given but
#: whose values it must hide too: `pipec run` records the metadata itself, so its steps get no
#: --metadata-store, yet a step may print the password it holds.
REDACTED_STORE_ENV = "PIPEC_REDACTED_STORE"
#: One reference: ``${NAME}``.
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Substituted values shorter than this are not redacted from free text: replacing every
#: "5" or "db" in a log would garble it, and so short a value protects nothing.
MIN_REDACTED = 4


class UnsetVariable(LookupError):
    """A ``${NAME}`` reference to a variable the environment does not set."""

    def __init__(self, name: str, flag: str = "") -> None:
        super().__init__(name)
        # The variable's name.
        self.name = name
        # Where the reference was, e.g. "--metadata-store" ("" when not known).
        self.flag = flag


def references(text: str) -> list[str]:
    """The variable names `text` refers to, in order of first use, without repeats."""
    return list(dict.fromkeys(REFERENCE.findall(text)))


@dataclass(frozen=True)
class Expanded:
    """A store URL with its references expanded."""

    # The URL as given (references intact): safe to print and record.
    raw: str
    # The URL with every reference replaced by its value: only for opening the store.
    value: str
    # Name -> value of each variable used.
    used: Mapping[str, str]


def expand(text: str, env: Mapping[str, str]) -> Expanded:
    """`text` with every ``${NAME}`` replaced from `env`; UnsetVariable for the first unset one."""
    for name in references(text):
        if name not in env:
            raise UnsetVariable(name)
    used = {name: env[name] for name in references(text)}
    return Expanded(text, REFERENCE.sub(lambda m: env[m.group(1)], text), used)


class Redactor:
    """Turns expanded store URLs, and the values their references brought in, back into text
    that names the references (e.g. ``postgresql://u:${PGPASSWORD}@db/x``)."""

    def __init__(self, *expanded: Expanded) -> None:
        pairs: dict[str, str] = {}
        for item in expanded:
            if item.value != item.raw:
                pairs[item.value] = item.raw
        for item in expanded:
            for name, value in item.used.items():
                if len(value) >= MIN_REDACTED:
                    pairs.setdefault(value, "${" + name + "}")
        self._lookup = pairs
        # Longest first: at one position a whole URL wins over the password inside it.
        ordered = sorted(pairs, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        """`text` with every expanded URL and substituted value replaced by its reference text."""
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda m: self._lookup[m.group(0)], text)
