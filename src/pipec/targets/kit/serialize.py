"""The one YAML emitter and the one JSON writer every target's files go through.

The YAML is a small block-style serializer rather than PyYAML's emitter, which is pure
Python here and took 80% of a compile (8 ms per step). The layout is PyYAML's block style
(two-space indent, sequences inside mappings not indented, ``? key`` for keys too long or
odd to be simple). What varies between engines is a :class:`YamlStyle`:

- `CONSERVATIVE` scalars (KFP): a plain word only when it is letters, digits and
  ``_./:=@+-`` and no YAML 1.1 or 1.2 reader could type it, else single quotes when every
  character prints on one line, else double quotes with JSON's escapes (plus ``\\uXXXX``
  for characters YAML must not see raw);
- `PYYAML` scalars (Argo, Tekton, GitHub): exactly the choices and bytes of PyYAML's
  ``SafeDumper`` with ``allow_unicode`` and no line width, plus a per-engine rule of strings
  to single-quote although PyYAML's YAML 1.1 resolver would leave them plain (``1e3``,
  ``0o17``, ``y``), and literal blocks (``|``) for the types the engine names (scripts).

A property test reads arbitrary data back through PyYAML unchanged, and compares the
`PYYAML` bytes with PyYAML's own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from .scalar_analysis import analyze

#: Scalar policies of :class:`YamlStyle`.
CONSERVATIVE = "conservative"
PYYAML = "pyyaml"

_PLAIN = re.compile(r"(?:[A-Za-z_/]|--?[A-Za-z])[A-Za-z0-9_./:=@+-]*\Z")
# Words YAML readers turn into booleans or null (go-yaml v2 also reads y/n as booleans).
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n"})
# Characters a YAML stream may not hold raw, or would fold as line breaks.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# Characters a single-quoted scalar cannot carry (it has no escapes but '').
_NEEDS_ESCAPES = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_BREAKS = "\n\x85\u2028\u2029"
#: Marks a line that must not be followed by a line feed (NUL never appears raw in the output).
_GLUE = "\x00"


@dataclass(frozen=True)
class YamlStyle:
    """How one engine's YAML looks; the layout is the same for all."""

    #: Scalar policy: `CONSERVATIVE` or `PYYAML`.
    scalars: str = CONSERVATIVE
    #: Sort mapping keys (True) or keep the order the builder inserted them in.
    sort_keys: bool = True
    #: Text before the first document (a comment line, or "").
    header: str = ""
    #: ``---`` before every document (PyYAML's explicit_start) instead of only between them.
    explicit_start: bool = False
    #: Strings to single-quote although PyYAML would leave them plain (`PYYAML` only).
    force_quotes: Callable[[str], bool] | None = None
    #: str subclasses written as literal blocks (``|``) where YAML allows one (`PYYAML` only).
    literal_types: tuple[type, ...] = ()


def conservative_scalar(value: object) -> str:
    """One scalar (str, int, float, bool or None) as YAML text under the `CONSERVATIVE` policy."""
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _RESERVED and not value.endswith(":"):
            return value
        if not _NEEDS_ESCAPES.search(value):
            return "'" + value.replace("'", "''") + "'"
        return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))
    return _non_string(value)


def _non_string(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = json.dumps(value)  # raises for NaN and infinities: not JSON, not in the IR
        # YAML 1.1 floats need a dot: 1e+20 -> 1.0e+20.
        return text.replace("e", ".0e", 1) if "e" in text and "." not in text else text
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


# ----------------------------------------------------------------- PyYAML-compatible scalars


@lru_cache(maxsize=4096)
def _analysis(text: str):
    """PyYAML's analysis of `text` (what each scalar style allows)."""
    return analyze(text)


@lru_cache(maxsize=4096)
def _resolves_to_str(text: str) -> bool:
    """True when PyYAML's resolver reads plain `text` back as a string."""
    from yaml.nodes import ScalarNode
    from yaml.resolver import Resolver

    return Resolver().resolve(ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"


def _double_quoted(text: str) -> str:
    from yaml.emitter import Emitter

    out = ['"']
    for ch in text:
        if ch in '"\\\x85\u2028\u2029\ufeff' or not ("\x20" <= ch <= "\x7e" or "\xa0" <= ch <= "\ud7ff"
                                                       or "\ue000" <= ch <= "\ufffd"):
            if ch in Emitter.ESCAPE_REPLACEMENTS:
                out.append("\\" + Emitter.ESCAPE_REPLACEMENTS[ch])
            elif ch <= "\xff":
                out.append(f"\\x{ord(ch):02X}")
            elif ch <= "\uffff":
                out.append(f"\\u{ord(ch):04X}")
            else:
                out.append(f"\\U{ord(ch):08X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_BREAK_RUN = re.compile(f"[{_BREAKS}]+")
#: Where a line starts after a line break (a literal block indents it).
_LINE_START = re.compile(f"(?<=[{_BREAKS}])(?=[^{_BREAKS}])")
#: Line breaks every reader folds to a space unless escaped.
_FOLDED_BREAKS = re.compile(f"[{_BREAKS[1:]}]")


def _single_quoted(text: str, indent: int) -> str:
    """PyYAML's single-quoted form: a run of line breaks is written as itself plus one more
    line feed when it starts with one, then the indentation."""
    pad = " " * indent

    def breaks(match: re.Match) -> str:
        run = match.group()
        return ("\n" if run[0] == "\n" else "") + run + pad

    return "'" + _BREAK_RUN.sub(breaks, text.replace("'", "''")) + "'"


def _literal(text: str, indent: int) -> tuple[str, bool]:
    """PyYAML's literal block (``|`` with its hints), without the final line feed, and whether
    it leaves the document open (``|+``)."""
    hints = ""
    if text[0] in " " + _BREAKS:
        hints += "2"
    if text[-1] not in _BREAKS:
        hints += "-"
    elif len(text) == 1 or text[-2] in _BREAKS:
        hints += "+"
    # Each line after its indentation; a run of breaks written as itself.
    body = "".join(["|" + hints, "\n", "" if text[0] in _BREAKS else " " * indent,
                    _LINE_START.sub(" " * indent, text), "" if text[-1] in _BREAKS else "\n"])
    # The layout ends every line with a line feed: drop the block's own, or glue the next line
    # to a block that ends with another break (as PyYAML does).
    return (body[:-1] if body.endswith("\n") else body + _GLUE), hints.endswith("+")


def _pyyaml_string(text: str, style: YamlStyle, indent: int, simple_key: bool) -> tuple[str, bool]:
    """`text` as PyYAML writes it at `indent` (continuation lines' indentation); second: open end.

    Unlike PyYAML, a string holding NEL, LS or PS is always double-quoted, where they are escapes:
    PyYAML writes them raw in single quotes or blocks, and every reader folds them to a space."""
    if _FOLDED_BREAKS.search(text):
        return _double_quoted(text), False
    analysis = _analysis(text)
    if style.literal_types and isinstance(text, style.literal_types):
        if not simple_key and analysis.allow_block:
            return _literal(text, indent)
        return _double_quoted(text), False
    forced = style.force_quotes is not None and style.force_quotes(text)
    if (not forced and _resolves_to_str(text) and analysis.allow_block_plain
            and not (simple_key and (analysis.empty or analysis.multiline))):
        return text, False
    if analysis.allow_single_quoted and not (simple_key and analysis.multiline):
        return _single_quoted(text, indent), False
    return _double_quoted(text), False


def _pyyaml_non_string(value: object) -> str:
    if isinstance(value, float) and not isinstance(value, bool):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value).lower()
        return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text
    return _non_string(value)


# ----------------------------------------------------------------- layout

#: Per style, the PyYAML form of each string written, by (type, text, indentation, simple key):
#: the same names and values recur in every pipeline's files (the type is part of the key
#: because a style writes some str subclasses as literal blocks).
_FORMS: dict[YamlStyle, dict[tuple[type, str, int, bool], tuple[str, bool]]] = {}
#: Forms kept per style; past this the memory is cleared and refilled.
FORMS_LIMIT = 1 << 15
#: Longer strings are not kept: they are mostly seen once, and memory must not grow with pipelines.
FORM_MAX_LENGTH = 256


class _Emitter:
    """Writes block-style documents under one :class:`YamlStyle`."""

    def __init__(self, style: YamlStyle) -> None:
        self.style = style
        self.pyyaml = style.scalars == PYYAML
        #: The last scalar written was a ``|+`` literal: PyYAML then ends the stream with ``...``.
        self.open_ended = False
        self.forms = _FORMS.setdefault(style, {}) if self.pyyaml else {}

    def scalar(self, value: object, indent: int, simple_key: bool = False) -> str:
        if self.pyyaml and isinstance(value, str):
            if len(value) > FORM_MAX_LENGTH:  # a script or embedded plan: written once, not worth keeping
                text, self.open_ended = _pyyaml_string(value, self.style, indent + 2, simple_key)
                return text
            key = (type(value), value, indent, simple_key)
            form = self.forms.get(key)
            if form is None:
                if len(self.forms) >= FORMS_LIMIT:
                    self.forms.clear()
                form = self.forms[key] = _pyyaml_string(value, self.style, indent + 2, simple_key)
            text, self.open_ended = form
            return text
        self.open_ended = False
        return _pyyaml_non_string(value) if self.pyyaml else conservative_scalar(value)

    def leaf(self, value: object, indent: int) -> str:
        if isinstance(value, dict):
            return "{}"
        if isinstance(value, list):
            return "[]"
        return self.scalar(value, indent)

    def simple_key(self, key: object) -> bool:
        if not self.pyyaml:
            return True
        if not isinstance(key, str):
            return True
        analysis = _analysis(key)
        return len(key) < 128 and not analysis.empty and not analysis.multiline

    def block(self, value: dict | list, out: list[str], indent: str) -> None:
        """Append the lines of a non-empty mapping or sequence at `indent`."""
        width = len(indent)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, (dict, list)) and item:
                    out.append(f"{indent}- " + self.nested_inline(item, indent + "  "))
                else:
                    out.append(f"{indent}- {self.leaf(item, width)}")
            return
        keys = sorted(value) if self.style.sort_keys else value
        for key in keys:
            item = value[key]
            nested = isinstance(item, (dict, list)) and bool(item)
            if self.simple_key(key):
                text = self.scalar(key, width, simple_key=True)
                if self.pyyaml or len(text) <= 1000:
                    if nested:
                        out.append(f"{indent}{text}:")
                        self.block(item, out, indent + "  " if isinstance(item, dict) else indent)
                    else:
                        out.append(f"{indent}{text}: {self.leaf(item, width)}")
                    continue
            else:
                text = self.scalar(key, width)
            out.append(f"{indent}? {text}")
            if not nested:
                out.append(f"{indent}: {self.leaf(item, width)}")
            elif self.pyyaml:  # PyYAML continues on the `:` line
                out.append(f"{indent}: " + self.nested_inline(item, indent + "  "))
            else:
                out.append(f"{indent}:")
                self.block(item, out, indent + "  ")

    def nested_inline(self, item: dict | list, indent: str) -> str:
        """The lines of `item` at `indent`, the first one without its indentation (it follows
        a ``- `` or ``: `` on the line before)."""
        lines: list[str] = []
        self.block(item, lines, indent)
        return "\n".join([lines[0][len(indent):], *lines[1:]])


def dump_yaml(documents: Iterable[object], style: YamlStyle) -> str:
    """`documents` as one YAML stream under `style`."""
    emitter = _Emitter(style)
    parts = []
    for document in documents:
        lines: list[str] = []
        if isinstance(document, (dict, list)) and document:
            emitter.block(document, lines, "")
        elif style.explicit_start:
            lines.append(emitter.leaf(document, -2))
        else:
            lines.append(emitter.leaf(document, -2))
        text = "\n".join(lines) + "\n"
        if style.explicit_start:
            text = ("---\n" if isinstance(document, (dict, list)) and document else "--- ") + text
        parts.append(text)
    text = "".join(parts) if style.explicit_start else "---\n".join(parts)
    if _GLUE in text:
        text = text.replace(_GLUE + "\n", "")
    if emitter.open_ended:
        text += "...\n"
    return style.header + text


def dump_json(document: object) -> str:
    """`document` as indented JSON with sorted keys, non-ASCII kept, and a final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
