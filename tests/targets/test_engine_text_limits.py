"""Text an engine would rewrite or refuse is caught when compiling (issue 17, item 4; report F11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.kube_proofs import compile_source

PIPELINE = "from zenml import pipeline, step\n\n@step\ndef s() -> None:\n    pass\n\n@pipeline\ndef p():\n    s()\n"


def _errors(tmp_path: Path, target: str, options: dict[str, str]) -> list[tuple[str, str]]:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "run.py").write_text(PIPELINE)
    _, diagnostics = compile_source(tmp_path / "run.py", target, options=options)
    return [(d.code, d.message) for d in diagnostics if d.is_error]


def test_tekton_refuses_an_image_it_would_substitute(tmp_path: Path) -> None:
    assert _errors(tmp_path, "tekton", {"image": "reg/x:$(params.payload_p)"}) == [
        ("PC332", "the image `reg/x:$(params.payload_p)` of step `s` contains `$(`, which Tekton substitutes")]
    assert _errors(tmp_path, "tekton", {"image": "reg/x:1$"}) == []


@pytest.mark.parametrize(("length", "refused"), [(100, False), (101, True)])
def test_airflow_refuses_a_tag_airflow_would_not_load(tmp_path: Path, length: int, refused: bool) -> None:
    errors = _errors(tmp_path, "airflow", {"tags": "pipec," + "t" * length})
    assert [code for code, _ in errors] == (["PC310"] if refused else [])


def test_azureml_reports_a_parameter_without_a_value_and_does_not_crash(tmp_path: Path) -> None:
    """Found by the corpus: a bound parameter with no value crashed the azureml target; it is
    now a pipeline component (tests/azureml/test_azureml_component.py), with a warning."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "run.py").write_text("from zenml import pipeline, step\n\n@step\ndef s(n: int) -> None:\n    pass\n\n"
                                     "@pipeline\ndef p(n: int):\n    s(n=n)\n")
    files, diagnostics = compile_source(tmp_path / "run.py", "azureml")
    assert [d.code for d in diagnostics if d.is_error] == []
    assert [d.code for d in diagnostics if d.code == "PC331"] == ["PC331"]
    ((_, texts),) = files
    assert list(texts) == ["p.component.yaml"]
