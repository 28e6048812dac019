"""Numeric strings in a run configuration (independent corpus, item 10 a:config-str-number).

PyYAML reads `3e-4` (no dot) as a string; ZenML validates parameters with pydantic's lax mode,
which makes a number of it. pipec coerces the same strings, with a PC110 warning; any other
string for a number stays a PC110 error.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pipec.frontend.config_numbers import lax_number
from tests.helpers.frontend_projects import compile_src, only

SOURCE = """
    from typing import Optional
    from zenml import pipeline, step

    @step
    def train(lr: float, epochs: int = 1) -> None:
        pass

    @pipeline
    def p(learning_rate: float = 0.1, limit: Optional[int] = None):
        train(lr=learning_rate)
"""

STRINGS = ["3e-4", " 3e-4 ", "1e3", "1_000", "1__0", "_1", "1.0", "1.00", "1.0_0", "1.5", "10", "\t5\n",
           "+5", "-0.0", "007", "5.", ".5", "0x10", "1,5", "", "abc", "٣", "inf", "nan"]


@pytest.mark.parametrize("text", STRINGS)
@pytest.mark.parametrize("type_str", ["float", "int", "int | float", "float | None"])
def test_lax_number_agrees_with_pydantic(text: str, type_str: str) -> None:
    pydantic = pytest.importorskip("pydantic")
    annotation = {"float": float, "int": int, "int | float": int | float, "float | None": float | None}[type_str]
    try:
        expected = pydantic.TypeAdapter(annotation).validate_python(text)
    except pydantic.ValidationError:
        expected = None
    if isinstance(expected, float) and not math.isfinite(expected):
        expected = None  # non-finite numbers have no JSON form: pipec keeps the error
    got = lax_number(text, type_str)
    assert (got, type(got)) == (expected, type(expected))


def test_strings_stay_strings_for_str_types() -> None:
    assert lax_number("3", "str | int") is None and lax_number("3", "str") is None and lax_number(3, "int") is None


def _compile(tmp_path: Path, yaml: str):
    (tmp_path / "c.yaml").write_text(yaml, encoding="utf-8")
    return compile_src(tmp_path, SOURCE, config=tmp_path / "c.yaml")


def test_pipeline_parameter_exponent_without_a_dot_is_coerced_with_a_warning(tmp_path: Path) -> None:
    result = _compile(tmp_path, "parameters:\n  learning_rate: 3e-4\n  limit: '20'\n")
    pipe = only(result)
    assert pipe.parameter("learning_rate").value == 0.0003
    assert pipe.parameter("limit").value == 20
    warnings = [d for d in result.diagnostics if d.code == "PC110"]
    assert [w.is_error for w in warnings] == [False, False]
    assert warnings[0].message == ("parameter `learning_rate` expects `float` and the run configuration gives the "
                                   "string `\"3e-4\"`: ZenML's pydantic validation reads it as 0.0003, and so does pipec")


def test_step_parameter_string_is_coerced_with_a_warning(tmp_path: Path) -> None:
    result = _compile(tmp_path, "steps:\n  train:\n    parameters:\n      epochs: '3'\n")
    pipe = only(result)
    (binding,) = [b for b in pipe.step("train").inputs if b.name == "epochs"]
    assert binding.source.value == 3
    (warning,) = [d for d in result.diagnostics if d.code == "PC110"]
    assert not warning.is_error and "parameter `epochs` of step `train`" in warning.message


@pytest.mark.parametrize(("yaml", "code"), [
    ("parameters:\n  learning_rate: fast\n", "PC110"),
    ("parameters:\n  limit: 1e3\n", "PC110"),  # pydantic refuses "1e3" for an int
    ("steps:\n  train:\n    parameters:\n      epochs: '1.5'\n", "PC206"),
])
def test_other_strings_stay_errors(tmp_path: Path, yaml: str, code: str) -> None:
    result = _compile(tmp_path, yaml)
    assert any(d.code == code and d.is_error for d in result.diagnostics)
