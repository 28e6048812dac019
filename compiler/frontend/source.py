"""Parsed source files and cheap source positions.

libcst's PositionProvider re-generates the whole module to compute positions, which
costs several times the parse. We only need positions inside the statements we
report on, so each top-level statement is located on demand: it is wrapped in a
one-statement module, positioned, and shifted by its start line, which Python's own
(fast, C) parser reports.

The positions are PositionProvider's own (same code generation, same ranges), but
run directly instead of through a MetadataWrapper, whose resolve also walks the whole
tree with a visitor that has nothing to do, and with a cheaper position update for
tokens without line breaks (nearly all of them).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst import CSTNode
from libcst.metadata import PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

from ..diagnostics import Diagnostics
from ..ir import Span


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
    # The libcst tree.
    tree: cst.Module
    # 1-based start line of each top-level libcst statement, by identity.
    start_lines: dict[int, int]

    def __post_init__(self) -> None:
        self._located: dict[int, tuple[int, dict[cst.CSTNode, _Range]]] = {}

    def statement_span(self, stmt: cst.CSTNode) -> Span:
        """The span of a top-level statement's first line (no position pass needed)."""
        line = self.start_lines.get(id(stmt), 0)
        return Span(self.rel, line, 1, line, 0)

    def span(self, node: cst.CSTNode, top: cst.CSTNode) -> Span:
        """The span of `node`, which lies inside the top-level statement `top`."""
        offset, ranges = self._locate(top)
        rng = ranges.get(node)
        if rng is None:
            return self.statement_span(top)
        start_line, start_col, end_line, end_col = rng
        return Span(self.rel, start_line + offset, start_col + 1, end_line + offset, end_col + 1)

    def _locate(self, top: cst.CSTNode) -> tuple[int, dict[cst.CSTNode, _Range]]:
        key = id(top)
        if key not in self._located:
            sub = self.tree.with_changes(body=[top], header=[], footer=[])
            ranges = _positions(sub)
            anchor = ranges.get(top)
            first = anchor[0] if anchor is not None else 1
            offset = self.start_lines.get(key, first) - first
            self._located[key] = (offset, ranges)
        return self._located[key]


#: A node's range as PositionProvider computes it: start line (1-based), start column
#: (0-based), end line, end column; plain tuples, as building libcst's frozen
#: CodeRange/CodePosition for every node costs more than the code generation itself.
_Range = tuple[int, int, int, int]


class _Syntactic:
    """PositionProvidingCodegenState.record_syntactic_position as a plain context manager
    (the generator-based original costs a generator and a contextlib wrapper per node)."""

    __slots__ = ("state", "node", "start_node", "end_node", "line", "column")

    def __init__(self, state: _CodegenState, node: cst.CSTNode, start_node: cst.CSTNode | None,
                 end_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node
        self.line, self.column = state.line, state.column

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        state = self.state
        computed = state.ranges
        start = computed[self.start_node][:2] if self.start_node is not None else (self.line, self.column)
        end = computed[self.end_node][2:] if self.end_node is not None else (state.line, state.column)
        computed[self.node] = (*start, *end)


class _CodegenState(PositionProvidingCodegenState):
    """PositionProvider's code generation state, recording plain tuples (see `_Range`)
    and with a fast path for tokens without line breaks (nearly all of them)."""

    ranges: dict[cst.CSTNode, _Range]
    starts: list[tuple[int, int]]

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if "\n" in value or "\r" in value:
            self._update_position(value)
        else:
            self.column += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.starts.pop()
        if node not in self.ranges:  # a syntactic position recorded inside wins, as in libcst
            self.ranges[node] = (*start, self.line, self.column)

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> _Syntactic:
        return _Syntactic(self, node, start_node, end_node)


def _positions(module: cst.Module) -> dict[cst.CSTNode, _Range]:
    """PositionProvider's ranges for every node of `module` (libcst's own algorithm:
    the module is generated once while each node records where it starts and ends)."""
    state = _CodegenState(default_indent=module.default_indent, default_newline=module.default_newline,
                          provider=PositionProvider())
    state.ranges = {}
    state.starts = []
    module._codegen(state)
    return state.ranges


@contextmanager
def _unvalidated() -> Iterator[None]:
    """Skip libcst's per-node validation while its parser builds a tree.

    Every node's ``__post_init__`` re-checks invariants meant for hand-built trees; the
    parser only builds valid ones (libcst's own comment there says as much), and the
    checks cost a tenth of a parse. Restored afterwards; pipec compiles on one thread.
    """
    original = CSTNode.__post_init__
    CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        yield
    finally:
        CSTNode.__post_init__ = original  # type: ignore[method-assign]


def _no_validation(self: CSTNode) -> None:
    return None


def _start_lines(tree: cst.Module, parsed: ast.Module) -> dict[int, int]:
    """Map each top-level libcst statement to the line where its keyword starts.

    libcst groups `a; b` into one SimpleStatementLine where ast has two statements,
    so the two bodies are walked in step, consuming one ast statement per small statement.
    """
    lines: dict[int, int] = {}
    index = 0
    body = parsed.body
    for stmt in tree.body:
        if index >= len(body):
            break
        lines[id(stmt)] = body[index].lineno
        index += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
    return lines


def parse_file(path: Path, rel: str, module_name: str, diags: Diagnostics) -> SourceFile | None:
    """Read and parse `path`; report PC002/PC001 and return None when that fails."""
    try:
        data = path.read_bytes()
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
    # Python's own parser first: its messages are the ones users know ("'(' was never closed").
    try:
        parsed = ast.parse(text, filename=rel)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = exc.offset or 1
        diags.error("PC001", f"syntax error: {exc.msg}", Span(rel, line, col, line, col + 1),
                    help="fix the syntax; pipec reads the file without running it")
        return None
    except (RecursionError, MemoryError, ValueError) as exc:
        diags.error("PC001", f"cannot parse `{rel}`: {type(exc).__name__}", Span(rel, 1, 1))
        return None
    try:
        with _unvalidated():
            tree = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        line, col = exc.raw_line, exc.raw_column + 1
        message = str(exc.message).strip().splitlines()[0] if exc.message else "invalid syntax"
        diags.error("PC001", f"syntax error: {message}", Span(rel, line, col, line, col + 1),
                    help="fix the syntax; pipec reads the file without running it")
        return None
    except Exception as exc:  # libcst's native parser has edge cases (deep nesting) that are not syntax errors
        diags.error("PC001", f"cannot parse `{rel}`: {type(exc).__name__}", Span(rel, 1, 1))
        return None
    is_package = path.name == "__init__.py"
    return SourceFile(path, rel, module_name, is_package, tree, _start_lines(tree, parsed))
