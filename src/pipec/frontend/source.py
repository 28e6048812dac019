"""Parsed source files and their source positions.

The frontend reads the user's modules with Python's own parser (`ast`): it is the
parser users' code is written for, its messages are the ones users know ("'(' was
never closed"), it is fast (C), and every node carries its position. pipec never
rewrites source, so a concrete syntax tree's comments and whitespace would buy
nothing; an earlier libcst frontend spent most of a small compile importing libcst.

`ast` columns count UTF-8 bytes; spans count characters, so a line with non-ASCII
text is converted (see `SourceFile.column`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipec.compiler import deps
from pipec.ir.diagnostics import Diagnostics

from ..ir import Span

#: Python's line breaks (not str.splitlines', which also splits on \f, \v, \x1c...).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class SourceFile:
    """One parsed Python file of the user's project."""

    # Absolute path on disk.
    path: Path
    # Path relative to the source root, "/"-separated (what spans carry).
    rel: str
    # Dotted module name relative to the source root, e.g. "steps.ops".
    module_name: str
    # True for a package's __init__.py (relative imports resolve from the module itself).
    is_package: bool
    # The module's syntax tree.
    tree: ast.Module
    # The file's text.
    text: str
    # The text's lines, split on demand (only non-ASCII files and source checks need them).
    _lines: list[str] | None = field(default=None, repr=False)
    # Whether the whole text is ASCII (then byte columns are character columns); set once.
    _ascii: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._ascii = self.text.isascii()

    @property
    def lines(self) -> list[str]:
        """The file's lines without their line breaks (index 0 is line 1)."""
        if self._lines is None:
            self._lines = LINE_BREAK.split(self.text)
        return self._lines

    def column(self, line: int, offset: int) -> int:
        """The 0-based character column of UTF-8 byte `offset` on 1-based `line`."""
        if self._ascii or line < 1 or line > len(self.lines):
            return offset
        text = self.lines[line - 1]
        if text.isascii():
            return offset
        return len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))

    def statement_span(self, stmt: ast.AST) -> Span:
        """The span of a statement's first line (where its keyword starts)."""
        line = getattr(stmt, "lineno", 0)
        return Span(self.rel, line, 1, line, 0)

    def span(self, node: ast.AST, top: ast.AST | None = None) -> Span:
        """The span of `node`; `top`, the statement holding it, stands in for nodes without a position."""
        line = getattr(node, "lineno", None)
        if line is None:
            return self.statement_span(top) if top is not None else Span(self.rel, 0, 0)
        end_line = node.end_lineno or line
        start = self.column(line, node.col_offset)
        end = self.column(end_line, node.end_col_offset or 0)
        return Span(self.rel, line, start + 1, end_line, end + 1)

    def name_span(self, node: ast.AST, name: str) -> Span:
        """The span of identifier `name` written at the start of `node` (a parameter)."""
        line = node.lineno
        start = self.column(line, node.col_offset)
        return Span(self.rel, line, start + 1, line, start + 1 + len(name))

    def attr_span(self, node: ast.Attribute) -> Span:
        """The span of the attribute name in `value.attr` (ast keeps it as a plain string)."""
        line = node.end_lineno or node.lineno
        end = self.column(line, node.end_col_offset or 0)
        return Span(self.rel, line, end + 1 - len(node.attr), line, end + 1)

    def is_elif(self, node: ast.If) -> bool:
        """True when the `if` statement `node` was written as an `elif` branch."""
        line = self.lines[node.lineno - 1] if 0 < node.lineno <= len(self.lines) else ""
        return line.encode("utf-8")[node.col_offset:].startswith(b"elif")


def parse_file(path: Path, rel: str, module_name: str, diags: Diagnostics) -> SourceFile | None:
    """Read and parse `path`; report PC002/PC001 and return None when that fails."""
    try:
        data = deps.read_bytes(path)
    except OSError as exc:
        diags.error("PC002", f"cannot read `{rel}`: {exc.strerror or exc}", Span(rel, 0, 0))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        diags.error("PC002", f"`{rel}` is not UTF-8 text ({exc.reason} at byte {exc.start})", Span(rel, 0, 0))
        return None
    if "\x00" in text:
        diags.error("PC002", f"`{rel}` contains a NUL byte; it is not a Python source file", Span(rel, 0, 0))
        return None
    try:
        tree = ast.parse(text, filename=rel)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = exc.offset or 1
        diags.error("PC001", f"syntax error: {exc.msg}", Span(rel, line, col, line, col + 1),
                    help="fix the syntax; pipec reads the file without running it")
        return None
    except (RecursionError, MemoryError, ValueError) as exc:
        diags.error("PC001", f"cannot parse `{rel}`: {type(exc).__name__}", Span(rel, 1, 1))
        return None
    return SourceFile(path, rel, module_name, path.name == "__init__.py", tree, text)
