"""Step-to-step edges ZenML runs although the types differ (independent corpus, items 2 and 12).

ZenML never compares an output's type with the consuming input's annotation: an edge one
materializer stores and loads (pandas Series into DataFrame) runs, and an `Optional[X]` output
into an `X` input fails only if a None arrives. pipec warns (PC206 as a warning) and
`pipec run` loads the input as ZenML does; types no materializer bridges stay PC206 errors.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipec.ir.materializer_bridges import _BRIDGES
from pipec.runtime import Client
from pipec.runtime.edge_conversions import CONVERSIONS, EdgeConversionError, as_annotated
from tests.helpers.frontend_projects import codes, compile_src

pd = pytest.importorskip("pandas")

SPLIT = """
    from typing import Annotated, Optional, Tuple
    import pandas as pd
    from zenml import pipeline, step

    @step
    def split() -> Tuple[Annotated[pd.DataFrame, "X"], Annotated[pd.Series, "y"]]:
        return pd.DataFrame({{"a": [1, 2]}}), pd.Series([3, 4])

    @step
    def train(X: {x}, y: {y}) -> None:
        {body}

    @pipeline
    def p():
        X, y = split()
        train(X=X, y=y)
"""


def _pc206(result) -> list:
    return [d for d in result.diagnostics if d.code == "PC206"]


def test_series_into_dataframe_is_a_warning_naming_the_materializer(tmp_path: Path) -> None:
    result = compile_src(tmp_path, SPLIT.format(x="pd.DataFrame", y="pd.DataFrame", body="pass"))
    (warning,) = _pc206(result)
    assert not warning.is_error
    assert warning.message == ("step `train` input `y` expects `pandas.DataFrame` but `split.y` produces "
                               "`pandas.Series`")
    assert "ZenML's PandasMaterializer loads a stored Series as a DataFrame" in warning.help


def test_dataframe_into_series_is_a_warning_that_says_when_it_fails(tmp_path: Path) -> None:
    result = compile_src(tmp_path, SPLIT.format(x="pd.Series", y="pd.Series", body="pass"))
    (warning,) = _pc206(result)
    assert not warning.is_error and "`split.X` produces `pandas.DataFrame`" in warning.message
    assert "more than one column" in warning.help


@pytest.mark.parametrize("x", ["int", "pd.Series | None", "list[pd.DataFrame]", "np.ndarray"])
def test_types_no_materializer_bridges_stay_errors(tmp_path: Path, x: str) -> None:
    source = SPLIT.format(x=x, y="pd.Series", body="pass").replace("import pandas as pd",
                                                                     "import pandas as pd\n    import numpy as np")
    (error,) = _pc206(compile_src(tmp_path, source))
    assert error.is_error and "`split.X` produces `pandas.DataFrame`" in error.message


OPTIONAL = """
    from typing import Optional
    from zenml import pipeline, step

    @step
    def load() -> {returns}:
        return 1

    @step
    def use(x: int) -> None:
        pass

    @pipeline
    def p():
        use(x=load())
"""


def test_optional_output_into_required_input_is_a_warning(tmp_path: Path) -> None:
    (warning,) = _pc206(compile_src(tmp_path, OPTIONAL.format(returns="Optional[int]")))
    assert not warning.is_error
    assert warning.message.endswith("`load.output` produces `int | None`")
    assert warning.help == "`load.output` may be `None`: annotate the input as `int | None`"


def test_optional_output_of_a_wrong_type_stays_an_error(tmp_path: Path) -> None:
    (error,) = _pc206(compile_src(tmp_path, OPTIONAL.format(returns="Optional[str]")))
    assert error.is_error


def test_every_bridge_has_a_runtime_conversion() -> None:
    """A pair the check lets through must be one `pipec run` converts."""
    assert set(CONVERSIONS) == set(_BRIDGES)


def test_conversions_load_as_zenml_does() -> None:
    frame = as_annotated(pd.Series([1, 2]), pd.DataFrame)
    assert list(frame.columns) == ["series"] and frame["series"].tolist() == [1, 2]
    assert as_annotated(pd.DataFrame({"a": [5]}), pd.Series).tolist() == [5]
    with pytest.raises(EdgeConversionError, match="2 columns"):
        as_annotated(pd.DataFrame({"a": [1], "b": [2]}), pd.Series)
    assert as_annotated(pd.Series([1]), int).tolist() == [1]  # no bridge: unchanged


def test_pipec_run_loads_a_stored_series_as_the_dataframe_the_input_asks_for(tmp_path: Path) -> None:
    body = "assert isinstance(y, pd.DataFrame), type(y)\n        return y"
    source = SPLIT.format(x="pd.DataFrame", y="pd.DataFrame", body=body).replace(
        "y: pd.DataFrame) -> None", "y: pd.DataFrame) -> pd.DataFrame")
    (tmp_path / "run.py").write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    meta = f"sqlite:///{tmp_path / 'meta.db'}"
    proc = subprocess.run([sys.executable, "-m", "pipec", "run", "run.py", "--metadata-store", meta,
                           "--artifact-store", str(tmp_path / "store"), "--run-id", "r1"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "warning[PC206]" in proc.stderr
    out = Client(meta).get_pipeline_run("r1").steps["train"].outputs["output"].load()
    assert isinstance(out, pd.DataFrame) and out["series"].tolist() == [3, 4]


IS_NONE = """
    from zenml import pipeline, step

    @step
    def load() -> int:
        return 1

    @step
    def use(x: int) -> None:
        pass

    @pipeline
    def p():
        x = load()
        {body}
"""


@pytest.mark.parametrize(("body", "steps", "always"), [
    ("if x is None:\n            return\n        use(x=x)", ["load", "use"], "False"),
    ("if x is not None:\n            use(x=x)", ["load", "use"], "True"),
    ("if None is x:\n            use(x=x)", ["load"], "False"),
    ("use(x=x) if x is None else None", ["load"], "False"),
])
def test_is_none_on_a_step_output_is_static_as_in_zenml(tmp_path: Path, body: str, steps: list[str],
                                                         always: str) -> None:
    result = compile_src(tmp_path, IS_NONE.format(body=body))
    (pipe,) = result.program.pipelines
    assert [s.id for s in pipe.steps] == steps
    (warning,) = result.diagnostics
    assert (warning.code, warning.is_error) == ("PC113", False)
    assert f"this test is always {always}, whatever the step returns at run time" in warning.message


@pytest.mark.parametrize("test", ["x == None", "x is 1", "not x", "x"])
def test_other_tests_on_a_step_output_stay_errors(tmp_path: Path, test: str) -> None:
    result = compile_src(tmp_path, IS_NONE.format(body=f"if {test}:\n            use(x=x)"))
    assert "PC113" in codes(result) and any(d.is_error for d in result.diagnostics)
