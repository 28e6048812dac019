"""Hostile `--config` files (issue 17, item 2; `../shared/reliability/report.md` F3): alias bombs
and self-referencing aliases are refused before anything expands them, and a malformed step
section is a located error, never an internal one."""

from __future__ import annotations

import time

import pytest

from tests.helpers.frontend_projects import compile_src

PIPELINE = """
from zenml import pipeline, step

@step
def load(n: int = 1) -> int:
    return n

@pipeline
def p(n: int = 1):
    load(n=n)
"""


def _bomb(levels: int, section: str = "extra") -> str:
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        rows.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]")
    return f"{section}:\n" + "".join(f"  {row}\n" for row in rows)


def _errors(tmp_path, config_text: str):
    result = compile_src(tmp_path, PIPELINE, {"c.yaml": config_text}, config=tmp_path / "c.yaml")
    return [d for d in result.diagnostics if d.is_error]


@pytest.mark.parametrize("section", ["extra", "parameters", "unknown_key"])
def test_an_alias_bomb_is_refused_at_once(tmp_path, section):
    started = time.perf_counter()
    errors = _errors(tmp_path, _bomb(10, section))  # 4 billion values once expanded
    assert time.perf_counter() - started < 5  # measured, not expanded (this is no benchmark: 1000x slack)
    assert [d.code for d in errors] == ["PC110"]
    assert "aliases expand to 4,412,961,518 values, more than the 100,000" in errors[0].message
    assert errors[0].span.line > 1 and "&anchor" in errors[0].help


def test_a_few_aliases_are_fine(tmp_path):
    errors = _errors(tmp_path, _bomb(4) + "parameters:\n  n: 3\n")  # 9^4 values: a large but real config
    assert errors == []


@pytest.mark.parametrize("text", ["parameters:\n  n: &r [*r]\n", "extra: &r {a: *r}\n"])
def test_a_self_referencing_alias_is_refused(tmp_path, text):
    errors = _errors(tmp_path, text)
    assert [d.code for d in errors] == ["PC110"]
    assert "an alias refers to the value that contains it" in errors[0].message


def test_a_step_section_that_is_not_a_mapping_is_one_located_error(tmp_path):
    errors = _errors(tmp_path, "steps: {load: {parameters: 5, enable_cache: false}}\n")
    assert [(d.code, d.message, d.span.line, d.span.column) for d in errors] == [
        ("PC110", "`steps.load.parameters` must be a mapping", 1, 16)]
