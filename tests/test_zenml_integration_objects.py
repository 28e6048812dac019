"""ZenML integration objects as step parameters (`EvidentlyColumnMapping(...)`,
`EvidentlyMetricConfig.metric(...)`): recorded as deferred calls, made by the shim.

- a stand-in ZenML package in a temporary folder on `sys.path` (our own tiny
  `zenml/integrations/acme`, whose classes are pydantic models, one through a base class in
  a ZenML module outside the integrations): the frontend forms, the escaping of a user's
  dict that uses the reserved keys, and the shim really importing the stand-in to build
  the objects before the call;
- the shim's decoding alone, and its one-line errors;
- the real zenml 0.98.0 wheel in `.venvs/zenml`: evidently's objects in the form
  zenml-projects' huggingface-sagemaker writes them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipec.ir import LiteralValue
from pipec.runtime import deferred_calls
from pipec.runtime.artifacts import ArtifactStore
from pipec.runtime.command import shim_call, shim_command
from tests.helpers import requires
from tests.helpers.frontend_projects import codes, compile_src, only, write

ACME = "zenml.integrations.acme"
MAPPING = f"{ACME}.config.AcmeMapping"
METRIC = f"{ACME}.config.AcmeMetric.metric"

#: The stand-in ZenML (`zenml/integrations/acme`), also used by the diagnostics case below.
STAND_IN = Path(__file__).resolve().parent / "data" / "zenml_standin"
#: The forms pipec cannot defer, compiled without ZenML by `test_diagnostics_snapshots.py`.
CASE = "tests/data/broken/integration_objects/run.py"
SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "integration_objects" / "with_zenml.txt"

BODY = """
    from zenml import pipeline
    from zenml.integrations.acme.config import AcmeMetric
    from zenml.integrations.acme.steps import AcmeMapping, acme_report_step

    @pipeline
    def p(column: str = "text"):
        {call}
"""

HOSTILE = {"$pipec.call": "os.system", "args": ["echo no"], "$pipec.literal": {"x": [1, {"$pipec.call": 2}]},
           "quote\"s": "\u00e9\n"}


@pytest.fixture()
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in ZenML on sys.path (for the compiler, which only reads it)."""
    monkeypatch.syspath_prepend(str(STAND_IN))
    return STAND_IN


def _compile(tmp_path: Path, call: str, **kwargs):
    return compile_src(tmp_path / "project", BODY.replace("{call}", call), **kwargs)


def _value(pipe, step: str, name: str):
    [binding] = [b for b in pipe.step(step).inputs if b.name == name]
    assert isinstance(binding.source, LiteralValue)
    return binding.source.value


def _call(name: str, *args, **kwargs) -> dict:
    return {"$pipec.call": name, "args": list(args), "kwargs": kwargs}


# ---------------------------------------------------------------------- the frontend


def test_constructor_and_classmethod_become_deferred_calls(tmp_path: Path, stand_in: Path) -> None:
    pipe = only(_compile(tmp_path, 'acme_report_step(mapping=AcmeMapping(target="label", features=[column]), '
                                   'metrics=[AcmeMetric.metric("Quality"), AcmeMetric.metric("Text", column=column)])'))
    # the class is named where ZenML defines it, not where the project imported it from
    assert _value(pipe, "acme_report_step", "mapping") == _call(MAPPING, target="label", features=["text"])
    assert _value(pipe, "acme_report_step", "metrics") == [_call(METRIC, "Quality"),
                                                          _call(METRIC, "Text", column="text")]
    assert "zenml" not in sys.modules or not str(getattr(sys.modules["zenml"], "__file__", "")).startswith(
        str(stand_in))


def test_objects_nested_in_dicts_and_with_options_parameters(tmp_path: Path, stand_in: Path) -> None:
    pipe = only(_compile(tmp_path, 'acme_report_step.with_options(parameters=dict(metrics=[AcmeMetric.metric("Q")], '
                                   'options={"by_name": {"m": AcmeMapping(target=column)}, "n": 1}))()'))
    assert _value(pipe, "acme_report_step", "metrics") == [_call(METRIC, "Q")]
    assert _value(pipe, "acme_report_step", "options") == {"by_name": {"m": _call(MAPPING, target="text")}, "n": 1}


def test_config_yaml_adds_plain_data_and_a_differing_value_conflicts(tmp_path: Path, stand_in: Path) -> None:
    config = "steps:\n  acme_report_step:\n    parameters:\n      options: {k: 1}\n      mapping: {target: y}\n"
    call = 'acme_report_step(metrics=[AcmeMetric.metric("Q")], mapping=AcmeMapping(target="x"))'
    result = compile_src(tmp_path / "project", BODY.replace("{call}", call),
                         extra={"c.yaml": config}, config=tmp_path / "project" / "c.yaml")
    [error] = [d for d in result.diagnostics if d.is_error]
    assert error.code == "PC110" and "`mapping`" in error.message  # ZenML fails when the two differ
    assert 'the code gives `AcmeMapping(target="x")`, the run configuration `{"target": "y"}`' in error.help
    pipe = only(compile_src(tmp_path / "p2", BODY.replace("{call}", call.replace(', mapping=AcmeMapping(target="x")',
                                                                                   "")),
                            extra={"c.yaml": config}, config=tmp_path / "p2" / "c.yaml"))
    assert _value(pipe, "acme_report_step", "mapping") == {"target": "y"}  # validated by the shim at run time
    assert _value(pipe, "acme_report_step", "metrics") == [_call(METRIC, "Q")]


def test_hostile_user_dicts_are_escaped(tmp_path: Path, stand_in: Path) -> None:
    pipe = only(_compile(tmp_path, f"acme_report_step(options={HOSTILE!r}, metrics=[AcmeMetric.metric('Q')])"))
    encoded = _value(pipe, "acme_report_step", "options")
    assert encoded == {"$pipec.literal": {**HOSTILE, "$pipec.literal": {
        "x": [1, {"$pipec.literal": {"$pipec.call": 2}}]}}}
    assert deferred_calls.decode(encoded) == HOSTILE
    call = shim_call(pipe, pipe.step("acme_report_step"), artifact_store="a", metadata_store=None)
    assert sorted(o.value.text for o in call.options if o.flag == "--construct") == ["metrics", "options"]


def test_type_checks_see_the_users_dict_not_its_escape(tmp_path: Path, stand_in: Path) -> None:
    source = BODY.replace("{call}", 'counts(c={"$pipec.call": 1}, id="fits")\n        '
                                    'counts(c={"$pipec.call": "x"}, id="misfit")\n        '
                                    'counts(c=AcmeMapping(target="x"), id="object")')
    source = source.replace("@pipeline", "from zenml import step\n\n    @step\n    def counts(c: dict[str, int]) -> None:"
                                         "\n        pass\n\n\n    @pipeline")
    result = compile_src(tmp_path / "project", source)
    [error] = [d for d in result.diagnostics if d.is_error]
    assert error.code == "PC206" and "`misfit`" in error.message, error.message
    assert 'the literal `{"$pipec.call": "x"}`' in error.message  # the user's value, not its escaped form


def test_a_plain_dict_without_objects_is_not_marked_for_decoding(tmp_path: Path, stand_in: Path) -> None:
    pipe = only(_compile(tmp_path, 'acme_report_step(options={"a": {"b": "$pipec.call"}})'))
    assert _value(pipe, "acme_report_step", "options") == {"a": {"b": "$pipec.call"}}
    call = shim_call(pipe, pipe.step("acme_report_step"), artifact_store="a", metadata_store=None)
    assert not [o for o in call.options if o.flag == "--construct"]


@pytest.mark.parametrize(("call", "code", "words"), [
    ("acme_report_step(options=AcmeClient())", "PC102", "ZenML's acme integration"),  # not a pydantic model
    ("acme_report_step(options=AcmeMetric.describe(1))", "PC102", "ZenML's acme integration"),  # not a classmethod
    ('acme_report_step(mapping=AcmeMapping("label"))', "PC108", "keyword arguments only"),
    ("acme_report_step(mapping=AcmeMapping(target={1, 2}))", "PC111", "must be JSON data"),
])
def test_what_cannot_be_deferred_keeps_a_precise_error(tmp_path: Path, stand_in: Path, call: str, code: str,
                                                       words: str) -> None:
    source = BODY.replace("{call}", call).replace("AcmeMetric\n", "AcmeMetric, AcmeClient\n")
    result = compile_src(tmp_path / "project", source)
    errors = [d for d in result.diagnostics if d.is_error]
    assert [d.code for d in errors] == [code], [d.message for d in errors]
    assert words in errors[0].message


def test_without_zenml_an_object_names_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipec.frontend import integration_steps

    monkeypatch.setattr(integration_steps, "zenml_package", lambda: None)
    result = _compile(tmp_path, 'acme_report_step(metrics=[AcmeMetric.metric("Q")])')
    assert set(codes(result)) >= {"PC106"}
    assert any("`AcmeMetric.metric` comes from ZenML's acme integration" in d.message for d in result.diagnostics)


def test_diagnostics_snapshot_with_zenml(cli, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The errors of the forms pipec cannot defer, where ZenML is installed (the stand-in)."""
    args = ["compile", CASE, "--target", "ir", "--out", str(tmp_path / "out")]
    proc = cli.run(args, env=cli.env(PYTHONPATH=str(STAND_IN)))
    assert cli.traceback not in proc.stderr and proc.returncode == 2
    actual = f"$ PYTHONPATH=tests/data/zenml_standin pipec compile {CASE} --target ir --out OUT\n" \
             f"exit code: {proc.returncode}\n--- stderr\n{proc.stderr}"
    if request.config.getoption("--update-snapshots"):
        SNAPSHOT.write_text(actual, encoding="utf-8")
    assert actual == SNAPSHOT.read_text(encoding="utf-8")


# ---------------------------------------------------------------------- the shim


def test_the_shim_builds_the_objects_by_importing_the_stand_in(tmp_path: Path, stand_in: Path) -> None:
    config = "steps:\n  acme_report_step:\n    parameters:\n      mapping: {target: y, features: [a]}\n"
    call = f"acme_report_step(metrics=[AcmeMetric.metric('Q'), AcmeMetric.metric('T', column=column)], " \
           f"options={HOSTILE!r})"
    project = tmp_path / "project"
    pipe = only(compile_src(project, BODY.replace("{call}", call), extra={"c.yaml": config},
                            config=project / "c.yaml"))
    argv = shim_command(pipe, pipe.step("acme_report_step"), run_id="r1", artifact_store=str(tmp_path / "art"),
                        metadata_store=None, python=sys.executable, source_root=str(project))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(stand_in), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=project)
    assert done.returncode == 0, done.stderr
    store = ArtifactStore(str(tmp_path / "art"))
    got = json.loads(store.load(store.read_marker(pipe.name, "r1", "acme_report_step", "output")))
    assert got["mapping"] == ["AcmeMapping", {"target": "y", "features": ["a"]}]  # a plain dict, as ZenML builds it
    assert got["metrics"] == [["AcmeMetric", "acme.metrics.Q", {}], ["AcmeMetric", "acme.metrics.T", {"column": "text"}]]
    assert got["options"] == HOSTILE


RUN_PROJECT = """
    from zenml import pipeline
    from zenml.integrations.acme.config import AcmeMetric
    from zenml.integrations.acme.steps import AcmeMapping, acme_report_step


    @pipeline
    def quality(column: str = "text"):
        acme_report_step.with_options(parameters=dict(
            mapping=AcmeMapping(target="label", features=[column]),
            metrics=[AcmeMetric.metric("Quality"), AcmeMetric.metric("Text", column=column)],
            options={"$pipec.call": "os.system"}))()
"""


def test_pipec_run_and_every_target(cli, tmp_path: Path) -> None:
    """`pipec run` builds the objects in the step's process; every target compiles the parameters."""
    write(tmp_path, {"pyproject.toml": "", "run.py": RUN_PROJECT})
    env = cli.env(PYTHONPATH=str(STAND_IN))
    done = cli.run(["run", "run.py", "--param", "column=body"], cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr + done.stdout
    [payload] = (tmp_path / ".pipec" / "artifacts" / "quality").glob("*/acme_report_step/output/data-*.json")
    got = json.loads(json.loads(payload.read_text()))
    assert got == {"mapping": ["AcmeMapping", {"target": "label", "features": ["body"]}],
                   "metrics": [["AcmeMetric", "acme.metrics.Quality", {}],
                               ["AcmeMetric", "acme.metrics.Text", {"column": "body"}]],
                   "options": {"$pipec.call": "os.system"}}
    compiled = cli.run(["compile", "run.py", "--target", "all", "--out", "out"], cwd=tmp_path, env=env)
    assert compiled.returncode == 0 and "error" not in compiled.stderr, compiled.stderr
    argo = (tmp_path / "out" / "argo" / "quality.yaml").read_text()
    assert "--construct" in argo and "zenml.integrations.acme.config.AcmeMetric.metric" in argo


def _run(tmp_path: Path, params: list[str], site: Path | None) -> subprocess.CompletedProcess[str]:
    write(tmp_path / "proj", {"steps.py": """
        def show(value=None) -> str:
            return repr(value)
    """})
    argv = [sys.executable, "-m", "pipec.runtime", "run-step", "--source-root", str(tmp_path / "proj"), "--module",
            "steps", "--function", "show", "--pipeline", "p", "--step-id", "s", "--run-id", "r",
            "--artifact-store", str(tmp_path / "art"), *params, "--output", "output=str"]
    env = {**os.environ, "PYTHONPATH": str(site) if site else ""}
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)


PYDANTIC_STEP = """
    from typing import List, Optional
    from pydantic import BaseModel

    class Mapping(BaseModel):
        target: str

    def typed(one: Optional[Mapping] = None, many: Optional[List[Mapping]] = None, raw: Optional[dict] = None) -> str:
        return repr((one, many, raw))
"""


def test_plain_dicts_become_the_pydantic_models_of_the_annotation(tmp_path: Path) -> None:
    """As ZenML validates a step's arguments: `Optional[Model]`, `List[Model]`; a plain dict stays one."""
    write(tmp_path / "proj", {"typed.py": PYDANTIC_STEP})
    base = [sys.executable, "-m", "pipec.runtime", "run-step", "--source-root", str(tmp_path / "proj"), "--module",
            "typed", "--function", "typed", "--pipeline", "p", "--step-id", "s", "--artifact-store",
            str(tmp_path / "art"), "--output", "output=str"]
    done = subprocess.run([*base, "--run-id", "r1", "--param", 'one={"target":"a"}', "--param",
                           'many=[{"target":"b"}]', "--param", 'raw={"target":"c"}'],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    store = ArtifactStore(str(tmp_path / "art"))
    assert store.load(store.read_marker("p", "r1", "s", "output")) == \
        "(Mapping(target='a'), [Mapping(target='b')], {'target': 'c'})"
    bad = subprocess.run([*base, "--run-id", "r2", "--param", 'many=[{"target":1}]'],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert bad.returncode == 1
    [line] = [x for x in bad.stderr.splitlines() if x.strip()]
    assert "parameter `many`: the value does not fit `Optional[List[" in line and "0.target" in line


def test_shim_errors_are_one_line_and_name_the_package(tmp_path: Path) -> None:
    value = json.dumps(_call(MAPPING, target="x"))
    done = _run(tmp_path, ["--param", f"value={value}", "--construct", "value"], site=None)
    assert done.returncode == 1
    [line] = [x for x in done.stderr.splitlines() if x.strip()]
    assert "needs the package `zenml`" in line and "zenml integration install acme" in line
    outside = json.dumps(_call("os.system", "echo hacked"))
    done = _run(tmp_path, ["--param", f"value={outside}", "--construct", "value"], site=None)
    assert done.returncode == 1 and "hacked" not in done.stdout
    assert "`os.system` is not a ZenML integration object" in done.stderr
    done = _run(tmp_path, ["--param", "value=1", "--construct", "other"], site=None)
    assert done.returncode == 2 and "--construct names 'other', which no --param binds" in done.stderr


def test_a_value_without_construct_reaches_the_step_as_is(tmp_path: Path) -> None:
    value = json.dumps(_call("os.system", "echo hacked"))  # e.g. a pipeline parameter given at run time
    done = _run(tmp_path, ["--param", f"value={value}"], site=None)
    assert done.returncode == 0, done.stderr
    store = ArtifactStore(str(tmp_path / "art"))
    assert store.load(store.read_marker("p", "r", "s", "output")) == repr(json.loads(value))


@pytest.mark.parametrize("value", [
    {"$pipec.call": 1}, {"$pipec.call": "zenml.integrations.x.Y", "args": [], "extra": 1},
    {"$pipec.literal": {"a": 1}, "b": 2}, {"$pipec.literal": [1]},
])
def test_malformed_markers_are_refused(value: dict) -> None:
    with pytest.raises(deferred_calls.DeferredCallError, match="malformed"):
        deferred_calls.decode(value)


@pytest.mark.parametrize("value", [
    {}, [], "$pipec.call", {"a": [{"$pipec.call": "x"}]}, {"$pipec.literal": {}}, [[{"$pipec.literal": 1}]],
    {"k": {"$pipec.literal": {"$pipec.call": {"$pipec.literal": None}}}},
])
def test_escape_and_decode_round_trip(value) -> None:
    assert deferred_calls.decode(deferred_calls.escape(value)) == value
    assert deferred_calls.holds_reserved(deferred_calls.escape(value)) == _has_reserved_key(value)


def _has_reserved_key(value) -> bool:
    if isinstance(value, list):
        return any(_has_reserved_key(v) for v in value)
    if isinstance(value, dict):
        return any(k.startswith("$pipec.") or _has_reserved_key(v) for k, v in value.items())
    return False


# ---------------------------------------------------------------------- the real ZenML wheel

REAL_PIPELINE = """
    import pandas as pd
    from zenml import pipeline, step
    from zenml.integrations.evidently.metrics import EvidentlyMetricConfig
    from zenml.integrations.evidently.steps import EvidentlyColumnMapping, evidently_report_step, evidently_test_step
    from zenml.integrations.evidently.tests import EvidentlyTestConfig

    @step
    def load() -> pd.DataFrame:
        return pd.DataFrame()

    @pipeline(settings={"docker": {"requirements": ["zenml[server]==0.98.0"]}})
    def quality():
        df = load()
        report = evidently_report_step.with_options(parameters=dict(
            column_mapping=EvidentlyColumnMapping(target="label", text_features=["text"]),
            metrics=[EvidentlyMetricConfig.metric("DataQualityPreset"),
                     EvidentlyMetricConfig.metric("TextOverviewPreset", column_name="text")],
            download_nltk_data=True))
        report(df, df)
        evidently_test_step(reference_dataset=df, comparison_dataset=None,
                            tests=[EvidentlyTestConfig.test("DataQualityTestPreset")])
"""

SIDE_SCRIPT = """
import json, sys
from pathlib import Path
from pipec.compiler.api import load
from pipec.ir.codec import program_to_json
result = load(Path(sys.argv[1]))
print(json.dumps({
    "errors": [[d.code, d.message] for d in result.diagnostics if d.is_error],
    "program": program_to_json(result.program) if result.program.pipelines else None,
    "zenml_imported": any(m == "zenml" or m.startswith("zenml.") for m in sys.modules),
}))
"""


def test_real_zenml_evidently_objects(tmp_path: Path) -> None:
    side_python = requires.side_python("zenml")
    write(tmp_path, {"pyproject.toml": "", "run.py": REAL_PIPELINE})
    proc = subprocess.run([str(side_python), "-c", textwrap.dedent(SIDE_SCRIPT), str(tmp_path / "run.py")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["zenml_imported"] is False and out["errors"] == []
    [pipe] = out["program"]["pipelines"]
    inputs = {s["id"]: s for s in pipe["steps"]}["evidently_report_step"]["inputs"]
    evidently = "zenml.integrations.evidently"
    assert inputs["column_mapping"]["value"] == _call(f"{evidently}.column_mapping.EvidentlyColumnMapping",
                                                      target="label", text_features=["text"])
    assert inputs["metrics"]["value"] == [
        _call(f"{evidently}.metrics.EvidentlyMetricConfig.metric", "DataQualityPreset"),
        _call(f"{evidently}.metrics.EvidentlyMetricConfig.metric", "TextOverviewPreset", column_name="text")]
    assert inputs["download_nltk_data"]["value"] is True
    tests = {s["id"]: s for s in pipe["steps"]}["evidently_test_step"]["inputs"]["tests"]["value"]
    assert tests == [_call(f"{evidently}.tests.EvidentlyTestConfig.test", "DataQualityTestPreset")]
