"""The argo target, proven against Argo Workflows' JSON schema and a model of its templating.

- Every Workflow and CronWorkflow validates against the Workflow / CronWorkflow definitions
  of the Argo Workflows v4.1.2 schema (../shared/schemas/argo) with every object closed;
  quantities must be strings there.
- References hold: the entrypoint and each task's template exist, every dependency names a
  task and the graph is acyclic, task arguments match template inputs, every
  ``{{workflow.parameters.x}}`` / ``{{inputs.parameters.x}}`` is declared.
- The validators reject broken documents (unknown key, numeric quantity, dangling dependency).
- Hostile text: the artifacts are parsed back, Argo's templating is applied (our own
  placeholders once, then further passes that substitute any tag with a root Argo knows and
  evaluate expressions must change nothing), Kubernetes' expansion is applied, and the
  runtime shim's view of the argv and env equals the compile-time values exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipec.ir import Schedule
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.argo import TARGET
from pipec.targets.argo.schedule import cron_schedule
from tests.helpers.engines.argo import UID, argo_pass, documents, engine_view
from tests.helpers.kube_proofs import (
    all_strings,
    compile_source,
    dag_problems,
    example_source,
    expected_view,
    hostile_project,
    plain_scalars,
    retyped_by_some_reader,
    shim_view,
)
from tests.helpers.schemas import closed, errors, load_schema

SCHEMA_FILE = ("argo", "argo-workflows-v4.1.2.schema.json")
DEFINITION = "io.argoproj.workflow.v1alpha1."
FIELD_NAME = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]{0,127}")
PARAM_NAME = re.compile(r"[-a-zA-Z0-9_]+")
OBJECT_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
OBJECT_STORE = {"artifact_store": "s3://pipec-example/artifacts", "service_account": "pipec-runner"}


@pytest.fixture(scope="module")
def validators() -> dict:
    """Closed validators for the Workflow and CronWorkflow definitions."""
    from jsonschema import Draft202012Validator

    schema = load_schema(*SCHEMA_FILE)
    definitions = closed(schema["definitions"])
    result = {}
    for kind in ("Workflow", "CronWorkflow"):
        wrapper = {"$schema": schema["$schema"], "$ref": f"#/definitions/{DEFINITION}{kind}",
                   "definitions": definitions}
        Draft202012Validator.check_schema(wrapper)
        result[kind] = Draft202012Validator(wrapper)
    return result


def problems(text: str, validators: dict) -> list[str]:
    """Everything wrong with one argo artifact; [] when it is valid."""
    docs = documents(text)
    found: list[str] = []
    for doc in docs:
        kind = doc["kind"]
        found += [f"{kind} {e}" for e in errors(validators[kind], doc)]
        spec = doc["spec"] if kind == "Workflow" else doc["spec"].get("workflowSpec", {})
        found += [f"{kind} {p}" for p in _spec_problems(spec)]
        for text_ in all_strings(doc):
            try:
                argo_pass(text_, {}, hostile=True)
            except AssertionError as exc:
                if not re.fullmatch(r"\{\{(workflow\.uid|(workflow|inputs)\.parameters\.[-\w]+)\}\}", text_) \
                        and not re.fullmatch(r"[-\w]+=\{\{inputs\.parameters\.[-\w]+\}\}", text_):
                    found.append(f"{kind}: {exc}")
    workflow = docs[0]
    name = workflow["metadata"].get("generateName", "").removesuffix("-")
    if not OBJECT_NAME.fullmatch(name) or len(name) > 57:
        found.append(f"Workflow generateName {name!r} is not a valid name prefix")
    if len(docs) == 2:
        cron = docs[1]
        if not OBJECT_NAME.fullmatch(cron["metadata"]["name"]) or len(cron["metadata"]["name"]) > 52:
            found.append("CronWorkflow name is not valid or longer than 52 characters")
        if not cron["spec"].get("schedules"):
            found.append("CronWorkflow has no schedule")
        if cron["spec"].get("workflowSpec") != workflow["spec"]:
            found.append("CronWorkflow runs another spec than the Workflow")
    return found


def _spec_problems(spec: dict) -> list[str]:
    found: list[str] = []
    templates = {t["name"]: t for t in spec.get("templates", [])}
    if len(templates) != len(spec.get("templates", [])):
        found.append("template names are not unique")
    found += [f"template name {n!r} is not valid" for n in templates if not FIELD_NAME.fullmatch(n)]
    arguments = {p["name"] for p in spec.get("arguments", {}).get("parameters", [])}
    found += [f"parameter name {n!r} is not valid" for n in arguments if not PARAM_NAME.fullmatch(n)]
    entry = templates.get(spec.get("entrypoint"))
    if entry is None or "dag" not in entry:
        return found + ["the entrypoint is not a DAG template"]
    tasks = entry["dag"]["tasks"]
    found += [f"task name {t['name']!r} is not valid" for t in tasks if not FIELD_NAME.fullmatch(t["name"])]
    found += dag_problems({t["name"]: t.get("dependencies", []) for t in tasks})
    for task in tasks:
        template = templates.get(task["template"])
        if template is None or "container" not in template:
            found.append(f"task {task['name']} runs unknown container template {task['template']!r}")
            continue
        given = sorted(p["name"] for p in task.get("arguments", {}).get("parameters", []))
        inputs = sorted(p["name"] for p in template.get("inputs", {}).get("parameters", []))
        if given != inputs:
            found.append(f"task {task['name']} passes {given}, its template takes {inputs}")
        for text_ in all_strings(task):
            for ref in re.findall(r"\{\{workflow\.parameters\.([^}]*)\}\}", text_):
                if ref not in arguments:
                    found.append(f"task {task['name']} refers to unknown workflow parameter {ref}")
        for text_ in all_strings(template["container"]):
            for ref in re.findall(r"\{\{inputs\.parameters\.([^}]*)\}\}", text_):
                if ref not in inputs:
                    found.append(f"template {template['name']} refers to unknown input {ref}")
    return found


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize("options", [{}, OBJECT_STORE], ids=["folder-store", "object-store"])
def test_every_example_is_valid(example_case: str, options: dict, validators: dict) -> None:
    """Each example compiles to documents the closed Argo schema and our reference checks accept
    (with the default folder store, mounted as a shared volume, and with an object store)."""
    source, config = example_source(example_case)
    outputs, _ = compile_source(source, "argo", config=config, options=options)
    assert outputs
    for pipeline, files in outputs:
        assert len(files) == 1 and next(iter(files)).endswith(".yaml")
        text = next(iter(files.values()))
        assert problems(text, validators) == [], pipeline.name
        assert [v for v in plain_scalars(text) if retyped_by_some_reader(v)] == []
        docs = documents(text)
        assert len(docs) == (2 if pipeline.schedule else 1)
        assert len(docs[0]["spec"]["templates"]) == len(pipeline.steps) + 1


def test_dependencies_retries_resources_and_cron() -> None:
    """dependencies from the DAG (data and `after=`), retryStrategy from Retry, string quantities,
    the schedule as a CronWorkflow running the same spec."""
    source, config = example_source("zenml_new_api")
    [(pipeline, files)] = compile_source(source, "argo", config=config)[0]
    workflow, cron = documents(next(iter(files.values())))
    templates = {t["name"]: t for t in workflow["spec"]["templates"]}
    tasks = {t["name"]: t for t in templates["pipeline"]["dag"]["tasks"]}
    assert tasks["split-data"]["dependencies"] == ["load-data", "schema-check"]
    train = templates["train-forest"]
    assert train["retryStrategy"] == {"limit": "2", "backoff": {"duration": "10s", "factor": "2"}}
    assert train["container"]["resources"] == {"requests": {"cpu": "4", "memory": "8G"},
                                               "limits": {"nvidia.com/gpu": "1"}}
    assert cron["spec"]["schedules"] == [pipeline.schedule.cron]
    assert workflow["spec"]["arguments"]["parameters"][0]["value"] == "0.25"


def test_interval_schedules(tmp_path: Path, validators: dict) -> None:
    """An interval becomes `@every Ns`; a fractional one is rounded with a warning."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    for interval, expected, warned in ((90, "@every 90s", False), (0.4, "@every 1s", True)):
        source = tmp_path / "run.py"
        source.write_text(
            "from pipec import Schedule, pipeline, step\n\n\n@step\ndef one() -> int:\n    return 1\n\n\n"
            f"@pipeline(schedule=Schedule(interval_seconds={interval}))\ndef every():\n    one()\n",
            encoding="utf-8")
        [(_, files)], diags = compile_source(source, "argo")
        text = next(iter(files.values()))
        assert problems(text, validators) == []
        assert documents(text)[1]["spec"]["schedules"] == [expected]
        assert any(d.code == "PC304" and "whole seconds" in d.message for d in diags.sorted()) is warned


# --------------------------------------------------------------------------- the validators can fail


def _valid_artifact() -> str:
    source, config = example_source("zenml_new_api")
    outputs, _ = compile_source(source, "argo", config=config)
    return next(iter(outputs[0][1].values()))


def _container(docs: list[dict], name: str = "train-forest") -> dict:
    return next(t for t in docs[0]["spec"]["templates"] if t["name"] == name)["container"]


def _dag(docs: list[dict]) -> list[dict]:
    return docs[0]["spec"]["templates"][0]["dag"]["tasks"]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: _container(d).update(resource={}), "Additional properties are not allowed ('resource'"),
    (lambda d: _container(d)["resources"]["requests"].update(cpu=4), "4 is not of type 'string'"),
    (lambda d: _container(d)["resources"]["requests"].update(memory=8e9), "8000000000.0 is not of type 'string'"),
    (lambda d: d[0]["spec"]["templates"][1].update(retryStrategy={"limit": 2}), "2 is not of type 'string'"),
    (lambda d: d[1]["spec"].update(schedule_={}), "Additional properties are not allowed ('schedule_'"),
    (lambda d: _dag(d)[1].update(dependencies=["nowhere"]), "depends on unknown task `nowhere`"),
    (lambda d: _dag(d)[0].update(dependencies=[_dag(d)[-1]["name"]]), "cycle: "),
    (lambda d: _dag(d)[0].update(template="ghost"), "runs unknown container template 'ghost'"),
    (lambda d: _container(d)["args"].append("{{workflow.name}}"), "Argo might substitute"),
    (lambda d: _container(d)["env"].append({"name": "X", "value": "{{"}), "unclosed tag"),
])
def test_validators_reject_broken_documents(change, expected: str, validators: dict) -> None:
    """Each kind of breakage is caught, so the checks above cannot pass vacuously."""
    text = _valid_artifact()
    assert problems(text, validators) == []
    docs = documents(text)
    change(docs)
    found = problems(yaml.safe_dump_all(docs, sort_keys=False), validators)
    assert any(expected in p for p in found), found


def test_closing_makes_unknown_keys_fail(validators: dict) -> None:
    """The open definitions accept an unknown key; the closed ones reject it."""
    from jsonschema import Draft202012Validator

    schema = load_schema(*SCHEMA_FILE)
    doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "x-"},
           "spec": {"entrypoint": "a", "templates": [{"name": "a", "container": {"image": "i", "bogus": 1}}]}}
    wrapper = {"$ref": f"#/definitions/{DEFINITION}Workflow", "definitions": schema["definitions"]}
    assert errors(Draft202012Validator(wrapper), doc) == []
    assert errors(validators["Workflow"], doc) != []


# --------------------------------------------------------------------------- hostile text


def _round_trip(source: Path, validators: dict) -> list:
    outputs, diags = compile_source(source, "argo")
    options = {spec.name: spec.default for spec in TARGET.options if spec.default is not None}
    for pipeline, files in outputs:
        text = next(iter(files.values()))
        assert problems(text, validators) == []
        assert [v for v in plain_scalars(text) if retyped_by_some_reader(v)] == []
        workflow = documents(text)[0]
        tasks = workflow["spec"]["templates"][0]["dag"]["tasks"]
        for step, task in zip(pipeline.steps, tasks, strict=True):
            argv, env = engine_view(workflow, task["name"])
            assert shim_view(argv) == expected_view(pipeline, step, options, UID)
            assert env == (dict(step.settings.docker.environment) if step.settings.docker else {})
    return diags.sorted()


def test_hostile_strings_example_round_trips(validators: dict) -> None:
    """examples/hostile_strings reaches the shim unchanged (quotes, newlines, {{ }}, ${{ }}, $(...))."""
    _round_trip(example_source("hostile_strings")[0], validators)


def test_template_syntax_in_user_values_round_trips(tmp_path: Path, validators: dict) -> None:
    """Values holding Argo tags ({{workflow.name}}, {{=expr}}, a lone {{), Kubernetes references
    ($(HOME), $$) and Tekton ones, in literals, env values, parameters and the step id, all arrive
    unchanged; the parameter Argo would expand is baked in, with a warning."""
    source = hostile_project(tmp_path, "k8s $(params.note) {{ ds }} ${{ x }}")
    diags = _round_trip(source, validators)
    assert [(d.code, d.message) for d in diags] == [
        ("PC330", "pipeline parameter `note` is fixed at compile time in the argo target: its value holds "
                  "`{{workflow.uid}}`, which Argo substitutes")]
    outputs, _ = compile_source(source, "argo")
    workflow = documents(next(iter(outputs[0][1].values())))[0]
    assert {p["name"]: p["value"] for p in workflow["spec"]["arguments"]["parameters"]} == {
        "safe": "it's $HOME {{ ds }} ${{ x }}", "number": "1.5", "flag": "true"}
    first = workflow["spec"]["templates"][1]
    assert first["retryStrategy"] == {"limit": "2", "backoff": {"duration": "1500ms", "factor": "2"}}


def test_round_trip_model_catches_raw_text(tmp_path: Path) -> None:
    """Undo the JSON escapes of a literal: the model of Argo's passes objects."""
    source = hostile_project(tmp_path, "plain")
    outputs, _ = compile_source(source, "argo")
    workflow = documents(next(iter(outputs[0][1].values())))[0]
    args = workflow["spec"]["templates"][1]["container"]["args"]
    args[:] = [a.replace("\\u007b", "{") for a in args]
    with pytest.raises(AssertionError, match="Argo"):
        engine_view(workflow, workflow["spec"]["templates"][0]["dag"]["tasks"][0]["name"])


def test_overridden_parameter_reaches_the_step() -> None:
    """A value given at submission (`argo submit -p factor=2.5`) is what the shim gets."""
    source, _ = example_source("diamond")
    [(_, files)] = compile_source(source, "argo")[0]
    workflow = documents(next(iter(files.values())))[0]
    argv, _ = engine_view(workflow, "scale", {"factor": "2.5"})
    assert shim_view(argv)["params"]["factor"] == 2.5
    assert shim_view(argv)["run_id"] == UID


@pytest.mark.parametrize(("where", "source_line"), [
    ("step id", 'one(id="{{workflow.name}}")'),
    ("environment value", 'one.configure(settings={"docker": Docker(environment={"X": "{{=1}}"})})\n    one()'),
])
def test_untemplatable_text_is_a_compile_error(where: str, source_line: str, tmp_path: Path, cli) -> None:
    """Text that no encoding carries past Argo (not a JSON literal) is refused with PC332, exit 2."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "run.py").write_text(
        "from pipec import Docker, pipeline, step\n\n\n@step\ndef one() -> int:\n    return 1\n\n\n"
        f"@pipeline\ndef p():\n    {source_line}\n", encoding="utf-8")
    proc = cli.run(["compile", str(tmp_path / "run.py"), "--target", "argo", "--out", str(tmp_path / "out")])
    assert proc.returncode == 2, proc.stderr
    assert cli.traceback not in proc.stderr
    assert "error[PC332]" in proc.stderr, proc.stderr


@pytest.mark.parametrize(("schedule", "when", "notes"), [
    (Schedule(cron="*/5 * * * *"), "*/5 * * * *", []),
    (Schedule(interval_seconds=90), "@every 90s", []),
    (Schedule(interval_seconds=90.4), "@every 90s", ["Argo schedules count whole seconds; the interval of 90.4s "
                                                     "becomes 90s"]),
    (Schedule(interval_seconds=0.2), "@every 1s", ["Argo schedules count whole seconds; the interval of 0.2s "
                                                   "becomes 1s"]),
    (Schedule(cron="@daily", start_time="2024-01-01", end_time="2025-01-01"), "@daily",
     ["Argo CronWorkflows have no end time; it is ignored", "Argo CronWorkflows have no start time; it is ignored"]),
])
def test_cron_schedule(schedule: Schedule, when: str, notes: list[str]) -> None:
    """The CronWorkflow's schedule entry, and what Argo cannot honour reported (never dropped silently)."""
    diags = Diagnostics()
    assert cron_schedule(schedule, diags) == when
    assert sorted(d.message for d in diags) == notes
