"""User text in a diagnostic never reaches the terminal as control characters (report F14: a
step id holding ``\\x1b]0;title\\x07\\x1b[2J`` set the terminal's title and cleared the screen
when PC205 named it, with or without colour)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipec.compiler.api import load
from pipec.ir.diagnostics import render_all

SOURCE = '''\
from pipec import pipeline, step


@step
def s() -> int:
    return 1


@pipeline
def p():
    s(id="a\\x1b]0;title\\x07\\x1b[2J\\x00\\x9b")
    s(id="a\\x1b]0;title\\x07\\x1b[2J\\x00\\x9b")
'''


@pytest.mark.parametrize("color", [False, True])
def test_control_characters_are_escaped(tmp_path: Path, color: bool) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "e.py").write_text(SOURCE + "x = '\x1b[2J'  # written raw in the source\n")
    result = load(tmp_path / "e.py", root=tmp_path)
    text = render_all(result.diagnostics, tmp_path, color=color, cwd=tmp_path)
    assert "duplicate step id `a\\x1b]0;title\\x07\\x1b[2J\\x00\\x9b`" in text
    ours = text.replace("\x1b[1m", "").replace("\x1b[0m", "").replace("\x1b[1;31m", "").replace("\x1b[1;33m", "")
    assert not any(ch in ours for ch in "\x1b\x07\x00\x9b"), repr(ours)


def test_a_raw_control_character_in_a_source_line_keeps_the_caret_in_place(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "e.py").write_text("x = '\x1b' + (\n")
    result = load(tmp_path / "e.py", root=tmp_path)
    lines = render_all(result.diagnostics, tmp_path, cwd=tmp_path).splitlines()
    source, caret = lines[2], lines[3]
    assert source == "1 | x = '\ufffd' + ("
    assert caret.index("^") == source.index("(")
