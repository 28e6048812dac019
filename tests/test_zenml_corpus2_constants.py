"""ZenML's module constants as values (independent corpus, item a:zenml-constant).

`timeout: int = DEFAULT_SERVICE_START_STOP_TIMEOUT` (from `zenml.constants`) is read from ZenML's
installed source, as ZenML's integration steps are; without ZenML the diagnostic says that the
value cannot be known, not that it is "not a JSON value".
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pipec.frontend import integration_steps
from pipec.ir import LiteralValue
from tests.helpers import requires
from tests.helpers.frontend_projects import codes, compile_src, only, sources, write

PIPELINE = """
    from zenml import pipeline, step
    from zenml.constants import {name}
    from zenml import constants

    @step
    def deploy(timeout: object) -> None:
        pass

    @pipeline
    def p(timeout: object = {name}):
        deploy(timeout=timeout)
        deploy(timeout=constants.{name}, id="again")
"""

FAKE_ZENML = {
    "zenml/__init__.py": "raise RuntimeError('pipec must never import zenml')\n",
    "zenml/integrations/__init__.py": "",
    "zenml/constants.py": """
        import os
        BASE = 30
        DEFAULT_TIMEOUT = 60
        DOUBLED = BASE * 2 + 1
        NEGATIVE = -5
        PREFIX = "zen" + "ml"
        PORTS = (8000, 8001)
        LIMITS = {"a": [1, 2.5, None, True]}
        FROM_ENV = int(os.getenv("ZENML_X", "3"))
        CHANGED = 1
        CHANGED = 2
        if os.name == "nt":
            IN_BRANCH = 1
        else:
            IN_BRANCH = 2
        def helper():
            return 1
    """,
}


@pytest.fixture()
def fake_zenml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in ZenML package on sys.path (never importable: its __init__ raises)."""
    site = tmp_path / "site"
    write(site, FAKE_ZENML)
    monkeypatch.syspath_prepend(str(site))
    return site


@pytest.mark.parametrize(("name", "value"), [
    ("DEFAULT_TIMEOUT", 60),
    ("DOUBLED", 61),
    ("NEGATIVE", -5),
    ("PREFIX", "zenml"),
    ("PORTS", [8000, 8001]),
    ("LIMITS", {"a": [1, 2.5, None, True]}),
])
def test_a_literal_constant_is_read_from_zenml_source(tmp_path, fake_zenml, name, value):
    pipe = only(compile_src(tmp_path / "project", PIPELINE.format(name=name)))
    assert pipe.parameters[0].default == value
    assert sources(pipe, "again")["timeout"] == LiteralValue(value)


@pytest.mark.parametrize("name", ["FROM_ENV", "CHANGED", "IN_BRANCH", "helper"])
def test_a_constant_that_is_not_a_literal_stays_unknown(tmp_path, fake_zenml, name):
    result = compile_src(tmp_path / "project", PIPELINE.format(name=name))
    messages = [d.message for d in result.diagnostics if d.is_error]
    assert messages == [f"the default of `timeout` is `zenml.constants.{name}`, which ZenML's source does not "
                        "assign a literal value; it is only known when ZenML runs",
                        f"input `timeout` of step `deploy` is `zenml.constants.{name}`, which ZenML's source does "
                        "not assign a literal value; it is only known when ZenML runs"]


def test_without_zenml_the_value_cannot_be_known(tmp_path, monkeypatch):
    monkeypatch.setattr(integration_steps, "zenml_package", lambda: None)
    result = compile_src(tmp_path, PIPELINE.format(name="DEFAULT_SERVICE_START_STOP_TIMEOUT"))
    assert codes(result) == ["PC102", "PC102"]
    first = next(iter(result.diagnostics))
    assert first.message == ("the default of `timeout` is `zenml.constants.DEFAULT_SERVICE_START_STOP_TIMEOUT`, "
                             "whose value cannot be known without ZenML installed")
    assert "install zenml" in first.help
    assert "JSON" not in " ".join(d.message for d in result.diagnostics)


def test_a_name_from_another_library_is_unknown_not_a_bad_json_value(tmp_path):
    source = """
        from math import pi
        from zenml import pipeline, step

        @step
        def use(x: float) -> None:
            pass

        @pipeline
        def p(x: float = pi):
            use(x=x)
    """
    result = compile_src(tmp_path, source)
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.code == "PC102"
    assert error.message.startswith("the default of `x` is `math.pi`, from `math` outside the source root")


def test_real_zenml_constant(tmp_path: Path) -> None:
    side = requires.side_python("zenml")
    write(tmp_path, {"pyproject.toml": "", "run.py": PIPELINE.format(name="DEFAULT_SERVICE_START_STOP_TIMEOUT")})
    proc = subprocess.run([str(side.parent / "pipec"), "compile", "--target", "ir", "run.py", "--out", "out"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    pipe = json.loads((tmp_path / "out" / "ir" / "p.json").read_text())
    assert pipe["pipelines"][0]["parameters"]["timeout"]["default"] == 60  # zenml/constants.py of ZenML 0.98
