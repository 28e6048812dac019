"""Where each key of a TOML document is written: tomllib parses values but keeps no positions.

A small line scanner over table headers, ``key = value`` lines (dotted and quoted keys) and
one-line inline tables. It only locates keys for error messages; tomllib stays the parser,
so a construct the scanner misreads costs a less precise caret, never a wrong value.
"""

from __future__ import annotations

import re

from pipec.ir import Span

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def key_spans(text: str, path: str) -> dict[tuple[str, ...], Span]:
    """``{key path: Span}`` for every table header and key in `text` (first occurrence wins)."""
    spans: dict[tuple[str, ...], Span] = {}
    header: tuple[str, ...] = ()
    open_string: str | None = None  # the delimiter of a multi-line string being skipped
    for lineno, line in enumerate(text.splitlines(), 1):
        if open_string is not None:
            if open_string in line:
                open_string = None
            continue
        i = _skip_space(line, 0)
        if i >= len(line) or line[i] == "#":
            continue
        if line[i] == "[":
            start = i + (2 if line.startswith("[[", i) else 1)
            keys, end = _parse_key(line, start)
            if keys:
                header = tuple(keys)
                close = line.find("]", end)
                _record(spans, header, Span(path, lineno, i + 1, lineno, (close if close >= 0 else end) + 2))
            continue
        keys, end = _parse_key(line, i)
        eq = _skip_space(line, end)
        if not keys or line[eq:eq + 1] != "=":
            continue
        full = header + tuple(keys)
        value = _skip_space(line, eq + 1)
        _record(spans, full, Span(path, lineno, i + 1, lineno, _value_end(line, value) + 1))
        if line.startswith("{", value):
            _inline_table(line, value + 1, full, lineno, path, spans)
        for delim in ('"""', "'''"):
            if line.startswith(delim, value) and line.count(delim, value) == 1:
                open_string = delim
    return spans


def _record(spans: dict[tuple[str, ...], Span], keys: tuple[str, ...], span: Span) -> None:
    for cut in range(1, len(keys) + 1):
        spans.setdefault(keys[:cut], span)


def _skip_space(line: str, i: int) -> int:
    while i < len(line) and line[i] in " \t":
        i += 1
    return i


def _parse_key(line: str, i: int) -> tuple[list[str], int]:
    """A dotted key starting at `i`: its parts and the index just past it ([] when none)."""
    parts: list[str] = []
    while True:
        i = _skip_space(line, i)
        part, end = _parse_simple_key(line, i)
        if part is None:
            return [], i
        parts.append(part)
        after = _skip_space(line, end)
        if not line.startswith(".", after):
            return parts, end
        i = after + 1


def _parse_simple_key(line: str, i: int) -> tuple[str | None, int]:
    if line.startswith('"', i):
        end = i + 1
        while end < len(line) and line[end] != '"':
            end += 2 if line[end] == "\\" else 1
        if end >= len(line):
            return None, i
        return _unescape(line[i + 1:end]), end + 1
    if line.startswith("'", i):
        end = line.find("'", i + 1)
        return (line[i + 1:end], end + 1) if end >= 0 else (None, i)
    match = _BARE.match(line, i)
    return (match.group(), match.end()) if match else (None, i)


def _unescape(raw: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, code)

    return _ESCAPE.sub(one, raw)


def _inline_table(line: str, i: int, prefix: tuple[str, ...], lineno: int, path: str,
                  spans: dict[tuple[str, ...], Span]) -> int:
    """Record the keys of the inline table whose ``{`` precedes `i`; return the index past ``}``."""
    while i < len(line):
        i = _skip_space(line, i)
        if line.startswith("}", i):
            return i + 1
        keys, end = _parse_key(line, i)
        eq = _skip_space(line, end)
        if not keys or line[eq:eq + 1] != "=":
            return len(line)
        full = prefix + tuple(keys)
        value = _skip_space(line, eq + 1)
        _record(spans, full, Span(path, lineno, i + 1, lineno, _value_end(line, value) + 1))
        if line.startswith("{", value):
            i = _inline_table(line, value + 1, full, lineno, path, spans)
        else:
            i = _skip_value(line, value)
        i = _skip_space(line, i)
        if line.startswith(",", i):
            i += 1
    return i


def _value_end(line: str, i: int) -> int:
    """The index just past the value starting at `i`, trailing blanks and comment excluded."""
    end = _skip_value(line, i)
    while end > i and line[end - 1] in " \t":
        end -= 1
    return end


def _skip_value(line: str, i: int) -> int:
    """The index where the value at `i` ends: a `,` or closing bracket outside it, a comment, or
    the end of the line (strings, arrays and inline tables are skipped whole)."""
    depth = 0
    while i < len(line):
        ch = line[i]
        if ch in "\"'":
            end = i + 1
            while end < len(line) and line[end] != ch:
                end += 2 if ch == '"' and line[end] == "\\" else 1
            i = min(end + 1, len(line))
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            if depth == 0:
                return i
            depth -= 1
        elif ch in ",#" and depth == 0:
            return i
        i += 1
    return i
