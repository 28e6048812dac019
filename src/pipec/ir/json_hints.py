"""How a field of the IR appears in its JSON form (read by the generic codec, :mod:`pipec.ir.codec`).

A field without a hint is written under its own name, always, in its natural form. The
hint says when to leave it out, whether a tuple of named nodes becomes an object keyed
by their names, and whether a missing key loads as the empty value. Classes may order
their keys (and add derived ones) with a ``json_keys`` class variable, and name their
instances in error messages with ``json_label``.
"""

from __future__ import annotations

from dataclasses import MISSING, Field, dataclass, field
from typing import Any

#: Metadata key under which a field's :class:`JsonHint` is stored.
JSON = "pipec.json"


@dataclass(frozen=True)
class JsonHint:
    """How one field is written and read."""

    #: When to leave the field out: "never", "none" (when None) or "empty" (when None or ()).
    omit: str = "never"
    #: For a tuple of nodes: the field naming each node; the tuple becomes an object keyed by it.
    keyed_by: str | None = None
    #: For a keyed tuple: the one other field each key maps to directly (e.g. an output's type).
    scalar: str | None = None
    #: What one entry is called in "... appears more than once" (keyed tuples and (key, value) pairs).
    noun: str = ""
    #: What one value of (key, value) pairs is called in a value's error, e.g. "setting".
    item_label: str = ""
    #: True when a missing key loads as the empty tuple although the field has no default.
    optional: bool = False


_PLAIN = JsonHint()


def json_field(default: Any = MISSING, **hint: Any) -> Any:
    """A dataclass field carrying a :class:`JsonHint`."""
    return field(default=default, metadata={JSON: JsonHint(**hint)})


def hint_of(fld: Field) -> JsonHint:
    """The :class:`JsonHint` of a dataclass field (the plain one when it has none)."""
    return fld.metadata.get(JSON) or _PLAIN
