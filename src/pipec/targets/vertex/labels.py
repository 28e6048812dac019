"""Vertex AI resource labels: at most 64, keys and values of at most 63 lowercase letters,
digits, `_` and `-` (international letters allowed), keys starting with a letter."""

from __future__ import annotations

import re

from pipec.targets.kit.names import NEVER, Namer

MAX_LABELS = 64
MAX_LENGTH = 63
_VALUE = re.compile(r"^[\w-]{0,63}$")
_KEY = re.compile(r"^[^\W\d_][\w-]{0,62}$")
#: Label values: lower-cased, runs of characters other than word characters and `-` as one
#: `-`, cut to 63 (never a digest: the label only mirrors the pipeline's name).
LABEL_VALUES = Namer(r"[^\w-]+", "-", max_len=MAX_LENGTH, case_fold=True, digest=NEVER)


def label_problem(key: str, value: str) -> str | None:
    """Why ``key: value`` is not a valid label, None when it is."""
    if not _KEY.match(key) or key != key.lower():
        return f"label key `{key}` must start with a lowercase letter and hold at most {MAX_LENGTH} " \
               "lowercase letters, digits, `_` or `-`"
    if not _VALUE.match(value) or value != value.lower():
        return f"label value `{value}` (key `{key}`) must hold at most {MAX_LENGTH} lowercase letters, " \
               "digits, `_` or `-`"
    return None


def label_value(text: str) -> str:
    """`text` made a valid label value: lower-cased, other characters as `-`, cut to 63."""
    return LABEL_VALUES.name(text)
