"""ZenML's built-in integration steps (`zenml.integrations.<name>.steps`), read from ZenML's source.

Three layers:

- a stand-in ZenML package written into a temporary folder on `sys.path` (our own tiny
  `zenml/integrations/acme/steps`), so CI checks the reading logic without ZenML;
- no ZenML at all: a PC106 error that names what to install;
- the real zenml 0.98.0 wheel in the side environment `.venvs/zenml` (built by
  `.ci/after-install.d/zenml.sh`), run as a subprocess: evidently's report step and
  MLflow's deployer step compile with ZenML's own signature, outputs and options, and
  zenml is never imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipec.frontend import integration_steps
from pipec.ir import OutputRef
from tests.helpers import requires
from tests.helpers.frontend_projects import codes, compile_src, write

REPO = Path(__file__).resolve().parent.parent

USER_PIPELINE = """
    from zenml import pipeline, step
    from zenml.integrations.acme.steps import acme_check_step, AcmeOptions

    @step
    def load() -> int:
        return 1

    @pipeline
    def p():
        n = load()
        verdict, score = acme_check_step(data=n, threshold=0.5)
        acme_check_step.with_options(enable_cache=True)(data=n, threshold=score, id="again")
"""

FAKE_ZENML = {
    "zenml/__init__.py": "raise RuntimeError('pipec must never import zenml')\n",
    "zenml/integrations/__init__.py": "",
    "zenml/integrations/acme/__init__.py": """
        class AcmeIntegration:
            NAME = "acme"
            REQUIREMENTS = ["acme-checks>=2.0"]
    """,
    "zenml/integrations/acme/steps/__init__.py": """
        from zenml.integrations.acme.steps.checks import acme_check_step, AcmeOptions
    """,
    "zenml/integrations/acme/steps/checks.py": """
        from typing import Tuple
        from typing_extensions import Annotated
        from zenml import step
        from zenml.integrations.acme.constants import FLAG

        class AcmeOptions:
            pass

        @step(enable_cache=False, extra={FLAG: True})
        def acme_check_step(data: int, threshold: float = 0.1) -> Tuple[
            Annotated[bool, "verdict"], Annotated[float, "score"]
        ]:
            return True, 1.0
    """,
    "zenml/integrations/acme/constants.py": "FLAG = 'acme_flag'\n",
}


@pytest.fixture()
def fake_zenml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in ZenML package on sys.path (never importable: its __init__ raises)."""
    site = tmp_path / "site"
    write(site, FAKE_ZENML)
    monkeypatch.syspath_prepend(str(site))
    return site


def test_integration_step_read_from_the_installed_zenml_source(tmp_path: Path, fake_zenml: Path) -> None:
    project = tmp_path / "project"
    result = compile_src(project, USER_PIPELINE)
    errors = [d for d in result.diagnostics if d.is_error]
    assert not errors, [d.message for d in errors]
    assert "zenml" not in sys.modules or not str(getattr(sys.modules["zenml"], "__file__", "")).startswith(
        str(fake_zenml))
    pipe = result.program.pipelines[0]
    check = pipe.step("acme_check_step")
    assert check.module == "zenml.integrations.acme.steps.checks"
    assert check.function == "acme_check_step"
    assert [o.name for o in check.outputs] == ["verdict", "score"]
    assert {b.name: b.source for b in check.inputs}["data"] == OutputRef("load", "output")
    assert check.settings.enable_cache is False  # ZenML's own decorator option
    assert dict(check.settings.extra).get("extra") == {"acme_flag": True}
    again = pipe.step("again")
    assert again.settings.enable_cache is True  # with_options on the integration step
    assert {b.name: b.source for b in again.inputs}["threshold"] == OutputRef("acme_check_step", "score")
    image = [d for d in result.diagnostics if d.code == "PC116" and "ZenML's own code" in d.message]
    assert len(image) == 2 and "`acme-checks>=2.0`" in (image[0].help or "")


def test_integration_step_image_warning_silenced_by_requirements(tmp_path: Path, fake_zenml: Path) -> None:
    source = USER_PIPELINE.replace("@pipeline\n", "@pipeline(settings={'docker': {'requirements': ['zenml==0.98.0']}})\n")
    result = compile_src(tmp_path / "project", source)
    assert not [d for d in result.diagnostics if "ZenML's own code" in d.message]
    assert "PC102" not in codes(result)


def test_a_non_step_name_of_an_integration_is_not_modelled(tmp_path: Path, fake_zenml: Path) -> None:
    source = USER_PIPELINE + "        acme_check_step(data=n, threshold=AcmeOptions())\n"
    result = compile_src(tmp_path / "project", source)
    [error] = [d for d in result.diagnostics if d.is_error]
    assert error.code == "PC102" and "ZenML's acme integration" in error.message
    assert "--root" not in (error.help or "")


def test_without_zenml_the_error_names_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(integration_steps, "zenml_package", lambda: None)
    result = compile_src(tmp_path, USER_PIPELINE)
    errors = [d for d in result.diagnostics if d.is_error]
    assert {d.code for d in errors} == {"PC106"}
    first = errors[0]
    assert "`acme_check_step` comes from ZenML's acme integration" in first.message
    assert "`pip install zenml`" in first.help and "`zenml integration install acme`" in first.help
    assert all("with_options" not in d.message for d in errors)  # names the step, not the method


def test_finder_never_imports_and_ignores_a_package_without_integrations(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    write(site, {"zenml/__init__.py": "raise RuntimeError('imported')\n"})
    monkeypatch.syspath_prepend(str(site))
    assert integration_steps.zenml_package() is None
    write(site, {"zenml/integrations/__init__.py": ""})
    monkeypatch.syspath_prepend(str(tmp_path))  # a new sys.path: looked up again
    assert integration_steps.zenml_package() == site / "zenml"


# ---------------------------------------------------------------------- the real ZenML wheel

SIDE_SCRIPT = """
import json, sys
from pathlib import Path
from pipec.compiler.api import load
from pipec.ir.codec import program_to_json
result = load(Path(sys.argv[1]))
print(json.dumps({
    "diagnostics": [[d.code, d.severity, d.message, d.help] for d in result.diagnostics],
    "program": program_to_json(result.program) if result.program.pipelines else None,
    "zenml_imported": any(m == "zenml" or m.startswith("zenml.") for m in sys.modules),
}))
"""

REAL_PIPELINE = """
    import pandas as pd
    from zenml import pipeline, step
    from zenml.integrations.evidently.steps import evidently_report_step
    from zenml.integrations.mlflow.steps.mlflow_deployer import mlflow_model_deployer_step

    @step
    def load() -> pd.DataFrame:
        return pd.DataFrame()

    @step
    def train(df: pd.DataFrame) -> int:
        return 1

    @pipeline(settings={"docker": {"requirements": ["zenml[server]==0.98.0"]}})
    def monitored():
        df = load()
        report_json, report_html = evidently_report_step(reference_dataset=df, comparison_dataset=df,
                                                         ignored_cols=["id"])
        model = train(df)
        mlflow_model_deployer_step(model=model, deploy_decision=True)
"""


@pytest.fixture(scope="module")
def side_python() -> Path:
    return requires.side_python("zenml")


def test_real_zenml_integration_steps_compile_without_importing_zenml(side_python: Path, tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "run.py": REAL_PIPELINE})
    proc = subprocess.run([str(side_python), "-c", textwrap.dedent(SIDE_SCRIPT), str(tmp_path / "run.py")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["zenml_imported"] is False
    errors = [d for d in out["diagnostics"] if d[1] == "error"]
    assert not errors, errors
    [pipe] = out["program"]["pipelines"]
    steps = {s["id"]: s for s in pipe["steps"]}
    report = steps["evidently_report_step"]
    assert report["module"] == "zenml.integrations.evidently.steps.evidently_report"
    assert list(report["outputs"]) == ["report_json", "report_html"]
    assert report["inputs"]["reference_dataset"]["step"] == "load"
    assert report["inputs"]["ignored_cols"]["value"] == ["id"]
    deployer = steps["mlflow_model_deployer_step"]
    assert deployer["module"] == "zenml.integrations.mlflow.steps.mlflow_deployer"
    assert deployer["inputs"]["model"]["step"] == "train"
    assert deployer["settings"].get("enable_cache") is False  # @step(enable_cache=False) in ZenML's source
