"""The `sagemaker` target, proven by validators someone else wrote.

* ``jsonschema`` against AWS's pipeline-definition schema in ``../shared/schemas/sagemaker``
  for every golden definition. The schema is stale (see its PROVENANCE.md); the exceptions
  below (`SCHEMA_EXCEPTIONS`) are the minimum, each is shown to be needed, and each names the
  API field it stands for.
* botocore's own ``ParamValidator`` on each step's ``Arguments`` against the
  CreateProcessingJob / CreateTrainingJob input shapes (after evaluating ``Get``/``Std:Join``
  with sample values and adding the job name SageMaker generates), plus the length, pattern
  and enum constraints of the same shapes, which ParamValidator leaves to the server; the
  schedule request against EventBridge Scheduler's CreateSchedule the same way.
* The same pipelines built with the SageMaker Python SDK (3.x, in the side environment
  ``.venvs/sagemaker``) give the same definition, field by field.
* Evaluating the definition gives exactly the runtime shim's argv, and every hostile string
  comes back unchanged; broken definitions are rejected by the validators.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipec.compiler import api
from pipec.compiler.driver import compile_targets
from pipec.ir import LiteralValue, Pipeline, PipelineParameter, Resources, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.shim import parse_args
from pipec.targets.base import CompileContext
from pipec.targets.common import step_argv, step_environment
from pipec.targets.kit.retry import step_retry
from pipec.targets.sagemaker import cron, expressions, instances, parameters
from pipec.targets.sagemaker.names import pipeline_name, step_name
from tests.helpers import requires
from tests.helpers.engines.sagemaker import EXECUTION_ID, container_argv, environment, evaluate
from tests.helpers.schemas import schema_path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SDK_SCRIPT = Path(__file__).with_name("sagemaker_sdk_build.py")
ROLE = "arn:aws:iam::123456789012:role/pipec-sagemaker"


# --------------------------------------------------------------------------- artifacts


def _goldens() -> list[Path]:
    return sorted(p for p in REPO.glob("golden/*/sagemaker*/*.json") if not p.name.endswith(".schedule.json"))


def _schedules() -> list[Path]:
    return sorted(REPO.glob("golden/*/sagemaker*/*.schedule.json"))


def _example_args(case: str) -> dict[str, Any]:
    config = EXAMPLES / case / "config.yaml"
    return {"config": config if config.is_file() else None}


def _load(case: str) -> api.LoadResult:
    result = api.load(EXAMPLES / case / "run.py", **_example_args(case))
    assert not result.diagnostics.has_errors, [d.message for d in result.diagnostics]
    return result


def _compile(result: api.LoadResult, **options: str) -> tuple[dict[str, str], Diagnostics]:
    return compile_targets(result, ["sagemaker"], options)


def _compile_source(tmp_path: Path, source: str, **options: str) -> tuple[dict[str, str], Diagnostics]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "run.py").write_text(source)
    return _compile(api.load(tmp_path / "run.py"), **options)


def test_goldens_exist() -> None:
    """Every example has a default and a training-variant golden definition (so nothing passes vacuously)."""
    cases = sorted(p.parent.name for p in EXAMPLES.glob("*/run.py"))
    for variant in ("sagemaker", "sagemaker@training"):
        found = sorted({p.parents[1].name for p in _goldens() if p.parent.name == variant})
        assert found == cases, f"{variant}: goldens for {found}, examples {cases}"
    assert len(_schedules()) >= 2


# --------------------------------------------------------------------------- evaluation


def _pipeline(case: str) -> Pipeline:
    return _load(case).program.pipelines[0]


def _sample_values(pipe: Pipeline, definition: dict[str, Any]) -> dict[str, Any]:
    """A value other than the default per parameter, as StartPipelineExecution would carry it:
    the text itself for `str`, JSON text for other types of a String parameter."""
    kinds = {p["Name"]: p["Type"] for p in definition["Parameters"]}
    samples = {"str": "other ${{ x }} 'v' \\ ü", "int": 7, "float": 0.125, "bool": False}
    out = {}
    for param in pipe.parameters:
        value = samples.get(param.type, {"k": [1, "two"]})
        if kinds[param.name] == "String" and param.type != "str":
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        out[param.name] = value
    return out


@pytest.mark.parametrize("case", sorted(p.parent.name for p in EXAMPLES.glob("*/run.py")))
@pytest.mark.parametrize("given", [False, True], ids=["defaults", "values"])
def test_evaluated_argv_is_the_shim_argv(case: str, given: bool) -> None:
    """Evaluating each step's command with parameter values gives exactly `step_argv` with those values."""
    result = _load(case)
    pipe = result.program.pipelines[0]
    files, _ = _compile(result)
    definition = json.loads(files[f"sagemaker/{pipe.name}.json"])
    env = environment(definition, values=_sample_values(pipe, definition) if given else None)
    texts = {p.name: env[f"Parameters.{p.name}"] for p in pipe.parameters}
    by_name = {s["Name"]: s for s in definition["Steps"]}
    assert len(by_name) == len(pipe.steps)
    for step in pipe.steps:
        expected = step_argv(pipe, step, CompileContext(), run_id=EXECUTION_ID, parameter_placeholders=texts,
                             placeholder_encoding="text")
        assert container_argv(by_name[step_name(step.id)], env) == expected
        spec = parse_args(expected[4:])  # the shim itself accepts it, and every --param is JSON
        for _, text in spec.params:
            json.loads(text)


def test_hostile_strings_round_trip() -> None:
    """Every hostile literal, environment value and parameter default comes back unchanged."""
    pipe = _pipeline("hostile_strings")
    definition = json.loads((REPO / "golden/hostile_strings/sagemaker/hostile_strings.json").read_text("utf-8"))
    env = environment(definition)
    by_name = {s["Name"]: s for s in definition["Steps"]}
    seen: list[Any] = []
    for step in pipe.steps:
        sm = by_name[step_name(step.id)]
        spec = parse_args(container_argv(sm, env)[4:])
        params = {name: json.loads(text) for name, text in spec.params}
        assert spec.step_id == step.id and spec.pipeline == pipe.name
        for binding in step.inputs:
            if isinstance(binding.source, LiteralValue):
                assert params[binding.name] == binding.source.value
                seen.append(params[binding.name])
        assert sm["Arguments"].get("Environment", {}) == dict(step_environment(step))
        seen += list(sm["Arguments"].get("Environment", {}).values())
    note = pipe.parameter("note")
    assert definition["Parameters"] == [{"Name": "note", "Type": "String", "DefaultValue": note.value}]
    check = parse_args(container_argv(by_name["check"], env)[4:])
    assert dict(check.params)["label"] == json.dumps(note.value, ensure_ascii=False)
    # The source's values, written out independently of the IR.
    for original in ["it's \"double\" and 'single'", "line one\nline two\n\ttabbed\r\nwindows line",
                     "{{ ds }} {% if x %}y{% endif %} {# c #}", "${{ github.token }} ${{ secrets.API_KEY }}",
                     "$(rm -rf /); `id`; echo $HOME && exit 1 | cat > /dev/null", "```python\nprint('hi')\n```",
                     ["yes", "no", "on", "off", "null", "~", "True", "1e3", "0o17"],
                     "naïve ☃ 日本 — ünïcödé \u200b zero-width", "C:\\Users\\pipec\\new\\table.csv",
                     "100% of %s %(name)s %% done", "it's \"quoted\" & $HOME", "{{ var.value.x }}"]:
        assert original in seen, original
    assert note.value == "it's a \"test\"; echo $USER"


# --------------------------------------------------------------------------- JSON schema

#: The schema's stale spots that pipec's definitions hit, as patches: (why, JSON pointer to an
#: object schema, property name or None for the object itself, what to allow). Each one is
#: a field of the real API (botocore's service model, the SageMaker SDK's own output).
SCHEMA_EXCEPTIONS: list[tuple[str, str]] = [
    ("ContainerArguments items may be Std:Join (the SDK writes Join(...) there; the schema's "
     "StringArgumentValue knows only Get, and its JoinFunction is malformed)", "join-arguments"),
    ("RetryPolicy.ExceptionType is a list of exception names (the API and the SDK write a list; "
     "the schema says one string)", "retry-list"),
    ("a training job's AlgorithmSpecification has ContainerEntrypoint/ContainerArguments "
     "(CreateTrainingJob since 2023; absent from the schema)", "training-entrypoint"),
    ("a training job has Environment (CreateTrainingJob's Environment; absent from the schema)",
     "training-environment"),
]


def _raw_schema() -> dict[str, Any]:
    return json.loads(schema_path("sagemaker", "pipeline-definition.schema.json").read_text("utf-8"))


def patched_schema(skip: str | None = None) -> dict[str, Any]:
    """The shared schema with every exception in SCHEMA_EXCEPTIONS but `skip` applied."""
    schema = copy.deepcopy(_raw_schema())
    defs = schema["definitions"]
    # The schema's own JoinFunction is malformed (its "Values" sits where "properties" belongs,
    # next to additionalProperties: false), so it accepts only an empty join: say what a join is.
    join = {"type": "object", "required": ["Std:Join"], "additionalProperties": False, "properties": {
        "Std:Join": {"type": "object", "required": ["On", "Values"], "additionalProperties": False, "properties": {
            "On": {"type": "string"},
            "Values": {"type": "array", "items": {"$ref": "#/definitions/StringArgumentValue"}}}}}}
    string_or_join = {"oneOf": [{"$ref": "#/definitions/StringArgumentValue"}, join]}
    processing_app = defs["ProcessingArgs"]["properties"]["AppSpecification"]["properties"]
    training = defs["TrainingStep"]["properties"]["Arguments"]["properties"]
    training_alg = training["AlgorithmSpecification"]["properties"]
    if skip != "join-arguments":
        processing_app["ContainerArguments"]["items"] = string_or_join
    if skip != "retry-list":
        exception_type = defs["RetryPolicy"]["properties"]["ExceptionType"]
        defs["RetryPolicy"]["properties"]["ExceptionType"] = {"type": "array", "minItems": 1,
                                                              "items": exception_type}
    if skip != "training-entrypoint":
        item = string_or_join if skip != "join-arguments" else {"$ref": "#/definitions/StringArgumentValue"}
        training_alg["ContainerEntrypoint"] = {"type": "array",
                                               "items": {"$ref": "#/definitions/StringArgumentValue"}}
        training_alg["ContainerArguments"] = {"type": "array", "items": item}
    if skip != "training-environment":
        training["Environment"] = {"type": "object",
                                   "patternProperties": {".*": {"$ref": "#/definitions/StringArgumentValue"}}}
    return schema


def _validator(schema: dict[str, Any]) -> Any:
    jsonschema = requires.module("jsonschema")
    from importlib.metadata import version

    assert version("jsonschema") == "4.26.0", version("jsonschema")
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    cls.check_schema(schema)
    return cls(schema)


def _schema_errors(validator: Any, document: Any) -> list[str]:
    """Each error, descending into oneOf alternatives along jsonschema's best match."""
    best_match = requires.module("jsonschema.exceptions").best_match
    out = []
    for error in validator.iter_errors(document):
        while error.context:
            error = best_match(error.context)
        out.append(f"{'/'.join(map(str, error.absolute_path))}: {error.message[:300]}")
    return out


def test_goldens_match_the_schema() -> None:
    """Every golden definition validates against the shared schema with the documented exceptions."""
    validator = _validator(patched_schema())
    goldens = _goldens()
    assert goldens
    for path in goldens:
        errors = _schema_errors(validator, json.loads(path.read_text("utf-8")))
        assert not errors, f"{path.relative_to(REPO)}:\n" + "\n".join(errors)


@pytest.mark.parametrize("exception", [key for _, key in SCHEMA_EXCEPTIONS])
def test_each_schema_exception_is_needed(exception: str) -> None:
    """Without any one exception, some golden fails: none of them is slack."""
    validator = _validator(patched_schema(skip=exception))
    failing = [p for p in _goldens() if _schema_errors(validator, json.loads(p.read_text("utf-8")))]
    assert failing, f"exception `{exception}` is not needed by any golden: drop it"


# --------------------------------------------------------------------------- botocore


@functools.cache
def _service(name: str) -> Any:
    session = requires.module("botocore.session").get_session()
    return session.get_service_model(name)


_JAVA_LINE_BREAKS = "\n\r\u0085\u2028\u2029"


def _python_pattern(java: str) -> str:
    """A Java regex as Python's: `.` outside classes stops at every Java line terminator."""
    out, in_class, escaped = [], False, False
    for ch in java:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[" and not in_class:
            in_class = True
            out.append(ch)
        elif ch == "]" and in_class:
            in_class = False
            out.append(ch)
        elif ch == "." and not in_class:
            out.append(f"[^{_JAVA_LINE_BREAKS}]")
        else:
            out.append(ch)
    return "".join(out)


def constraint_errors(value: Any, shape: Any, path: str = "") -> list[str]:
    """Length, range, pattern and enum violations of `value` against a botocore shape.

    ParamValidator checks types, required members, unknown keys and minimums; the service
    checks the rest, which this reads from the same shape.
    """
    meta, errors = shape.metadata, []
    expected = {"structure": dict, "list": list, "map": dict, "string": str, "integer": int, "long": int}
    if shape.type_name in expected and not isinstance(value, expected[shape.type_name]):
        return []  # a type error: ParamValidator reports those
    if shape.type_name == "structure":
        for key, item in value.items():
            if key in shape.members:
                errors += constraint_errors(item, shape.members[key], f"{path}.{key}")
    elif shape.type_name == "list":
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: {len(value)} items > {meta['max']}")
        for i, item in enumerate(value):
            errors += constraint_errors(item, shape.member, f"{path}[{i}]")
    elif shape.type_name == "map":
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: {len(value)} entries > {meta['max']}")
        for key, item in value.items():
            errors += constraint_errors(key, shape.key, f"{path} key {key!r}")
            errors += constraint_errors(item, shape.value, f"{path}[{key!r}]")
    elif shape.type_name == "string":
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: length {len(value)} > {meta['max']}")
        if "pattern" in meta and re.fullmatch(_python_pattern(meta["pattern"]), value) is None:
            errors.append(f"{path}: {value!r} does not match {meta['pattern']!r}")
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} is not one of the enum")
    elif shape.type_name in ("integer", "long") and "max" in meta and value > meta["max"]:
        errors.append(f"{path}: {value} > {meta['max']}")
    return errors


#: What SageMaker adds to a step's Arguments before it calls the job API: the job name
#: (generated per execution; the SDK pops it from the definition by default).
INJECTED = {"Processing": ("CreateProcessingJob", "ProcessingJobName"),
            "Training": ("CreateTrainingJob", "TrainingJobName")}


def api_errors(step: dict[str, Any], env: dict[str, str]) -> list[str]:
    """botocore's ParamValidator report and the shape constraints for one step's job request."""
    validate = requires.module("botocore.validate")
    operation, name_field = INJECTED[step["Type"]]
    shape = _service("sagemaker").operation_model(operation).input_shape
    request = evaluate(step["Arguments"], env)
    request.setdefault(name_field, f"pipelines-{EXECUTION_ID}-{step['Name'][:20]}".replace("_", "-"))
    report = validate.ParamValidator().validate(request, shape)
    errors = [report.generate_report()] if report.has_errors() else []
    return errors + constraint_errors(request, shape, operation)


def _split_argv(tmp_path: Path, source: str, flag: str) -> list[str]:
    """The container argv of the one step of `source`: a valid request, `flag` in pieces that fit."""
    files, diags = _compile_source(tmp_path, source)
    assert _codes(diags) == [], list(diags)
    definition = json.loads(files["sagemaker/p.json"])
    env = environment(definition)
    [step] = definition["Steps"]
    assert not api_errors(step, env)
    argv = container_argv(step, env)
    assert argv.count(flag) > 2 and all(len(item) <= 256 for item in argv)
    return argv


def test_a_long_literal_is_split_into_arguments_that_fit(tmp_path: Path) -> None:
    """A literal longer than one ContainerArguments item (256 characters) goes as `--param-part`
    pieces: every piece fits botocore's limits, and the shim joins them into the value."""
    value = {"config": {"key": "x" * 40, "list": list(range(60))}, "text": "naïve \"quoted\" " * 20}
    source = (STEP + "@step\ndef a(cfg: dict, short: int = 1) -> None: ...\n\n\n@pipeline\ndef p():\n"
              f"    a(cfg={value!r}, short=2)\n")
    argv = _split_argv(tmp_path, source, "--param-part")
    params = {name: json.loads(text) for name, text in parse_args(argv[4:]).params}
    assert params == {"cfg": value, "short": 2}


def test_goldens_pass_botocore() -> None:
    """Each step of every golden is a valid CreateProcessingJob / CreateTrainingJob request."""
    checked = set()
    for path in _goldens():
        definition = json.loads(path.read_text("utf-8"))
        env = environment(definition)
        for step in definition["Steps"]:
            errors = api_errors(step, env)
            assert not errors, f"{path.relative_to(REPO)} step {step['Name']}:\n" + "\n".join(errors)
            checked.add(step["Type"])
    assert checked == {"Processing", "Training"}


def test_schedules_pass_botocore() -> None:
    """Each golden schedule is a valid EventBridge Scheduler CreateSchedule request."""
    validate = requires.module("botocore.validate")
    shape = _service("scheduler").operation_model("CreateSchedule").input_shape
    for path in _schedules():
        request = json.loads(path.read_text("utf-8"))
        report = validate.ParamValidator().validate(request, shape)
        assert not report.has_errors(), report.generate_report()
        assert not constraint_errors(request, shape, "CreateSchedule")
        assert re.fullmatch(r"cron\(\S+ \S+ \S+ \S+ \S+ \*\)|rate\(\d+ \w+\)", request["ScheduleExpression"])


def test_interval_schedule_with_dates(tmp_path: Path) -> None:
    """An interval with start and end becomes rate(...) with StartDate/EndDate; catch-up is reported."""
    validate = requires.module("botocore.validate")
    source = STEP + ("@step\ndef a() -> None: ...\n\n\n@pipeline(schedule=Schedule(interval_seconds=7200, "
                     "start_time='2027-01-01T06:00:00', end_time='2027-12-31T00:00:00+01:00', catchup=True))\n"
                     "def p():\n    a()\n")
    files, diags = _compile_source(tmp_path, source, role_arn=ROLE, region="eu-central-1")
    assert ("warning", "PC304") in _codes(diags)
    request = json.loads(files["sagemaker/p.schedule.json"])
    assert request["ScheduleExpression"] == "rate(2 hours)"
    assert (request["StartDate"], request["EndDate"]) == ("2027-01-01T06:00:00", "2027-12-31T00:00:00+01:00")
    assert request["Target"] == {"Arn": "arn:aws:sagemaker:eu-central-1:123456789012:pipeline/p", "RoleArn": ROLE}
    shape = _service("scheduler").operation_model("CreateSchedule").input_shape
    report = validate.ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()


def test_instance_table_is_in_botocore() -> None:
    """Every instance type the mapping may choose is one both job APIs accept."""
    model = _service("sagemaker")
    processing = set(model.shape_for("ProcessingInstanceType").enum)
    training = set(model.shape_for("TrainingInstanceType").enum)
    names = [t.name for family in instances.TABLE.values() for t in family] + [instances.DEFAULT_INSTANCE_TYPE]
    assert not [n for n in names if n not in processing or n not in training]


# --------------------------------------------------------------------------- rejection


def _diamond_definition() -> dict[str, Any]:
    return json.loads((REPO / "golden/diamond/sagemaker/diamond.json").read_text("utf-8"))


BROKEN = {
    "unknown argument": lambda d: d["Steps"][0]["Arguments"].update(Bogus=1),
    "instance count as text": lambda d: d["Steps"][0]["Arguments"]["ProcessingResources"]["ClusterConfig"].update(
        InstanceCount="1"),
    "argument is a number": lambda d: d["Steps"][0]["Arguments"]["AppSpecification"]["ContainerArguments"].append(5),
    "no image": lambda d: d["Steps"][0]["Arguments"]["AppSpecification"].pop("ImageUri"),
    "bad step name": lambda d: d["Steps"][0].update(Name="load data!"),
    "bad retry exception": lambda d: d["Steps"][2].update(RetryPolicies=[{"ExceptionType": ["Step.OOPS"]}]),
    "argument too long": lambda d: d["Steps"][0]["Arguments"]["AppSpecification"]["ContainerArguments"].append(
        "x" * 257),
    "line break in argument": lambda d: d["Steps"][0]["Arguments"]["AppSpecification"]["ContainerArguments"].append(
        "a\nb"),
    "unknown instance type": lambda d: d["Steps"][0]["Arguments"]["ProcessingResources"]["ClusterConfig"].update(
        InstanceType="ml.m5.huge"),
    "bad role": lambda d: d["Steps"][0]["Arguments"].update(RoleArn="role/pipec"),
}
#: Which validator must catch each breakage (botocore = ParamValidator + shape constraints).
CAUGHT_BY = {"unknown argument": {"schema", "botocore"}, "instance count as text": {"schema", "botocore"},
             "argument is a number": {"schema", "botocore"}, "no image": {"botocore"},
             "bad step name": {"schema"}, "bad retry exception": {"schema"}, "argument too long": {"botocore"},
             "line break in argument": {"botocore"}, "unknown instance type": {"botocore"},
             "bad role": {"botocore"}}


@pytest.mark.parametrize("breakage", sorted(BROKEN))
def test_validators_reject_broken_definitions(breakage: str) -> None:
    """A definition broken on purpose is rejected by the validators that cover that part."""
    validator = _validator(patched_schema())
    intact = _diamond_definition()
    assert not _schema_errors(validator, intact)
    broken = copy.deepcopy(intact)
    BROKEN[breakage](broken)
    caught = set()
    if _schema_errors(validator, broken):
        caught.add("schema")
    env = environment(broken)
    if any(api_errors(step, env) for step in broken["Steps"]):
        caught.add("botocore")
    assert CAUGHT_BY[breakage] <= caught, f"{breakage}: caught by {caught or 'nothing'}"


# --------------------------------------------------------------------------- SDK


def _sdk_spec(case: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the SDK script builds, built from the IR; pipec's definition of the same pipeline)."""
    result = _load(case)
    pipe = result.program.pipelines[0]
    files, _ = _compile(result, role_arn=ROLE, artifact_store="s3://pipec-artifacts/runs")
    ours = json.loads(files[f"sagemaker/{pipe.name}.json"])
    # Decisions rather than format (the mapping and image references are tested elsewhere): taken as made.
    decided = {s["Name"]: s["Arguments"]["ProcessingResources"]["ClusterConfig"] for s in ours["Steps"]}
    images = {s["Name"]: s["Arguments"]["AppSpecification"]["ImageUri"] for s in ours["Steps"]}
    context = CompileContext(options={"artifact_store": "s3://pipec-artifacts/runs"})
    token = "\x01{}\x01"
    steps = []
    for sid in pipe.topological_order():
        step = pipe.step(sid)
        argv = step_argv(pipe, step, context, run_id=token.format("!run"),
                         parameter_placeholders={p.name: token.format(p.name) for p in pipe.parameters},
                         placeholder_encoding="text")
        items: list[Any] = []
        for item in argv:
            parts = re.split("\x01([^\x01]*)\x01", item)
            if len(parts) == 1:
                items.append(item)
                continue
            items.append({"parts": [({"execution_id": True} if p == "!run" else {"param": p}) if i % 2 else p
                                    for i, p in enumerate(parts) if i % 2 or p]})
        retry = step_retry(step)
        cluster = decided[step_name(sid)]
        steps.append({
            "name": step_name(sid), "description": f"pipec step `{step.id}`: {step.module}.{step.function}",
            "image": images[step_name(sid)],
            "entrypoint": items[:4], "arguments": items[4:], "env": dict(step_environment(step)),
            "instance_type": cluster["InstanceType"], "volume": cluster["VolumeSizeInGB"], "runtime": 86400,
            "role": ROLE, "depends_on": sorted(step_name(d) for d in step.upstream),
            "retry": None if retry is None else {"interval": max(1, math.ceil(retry.delay)),
                                                 "backoff": float(retry.backoff), "attempts": retry.max_retries},
        })
    params = [{"name": p.name, "type": parameters.sagemaker_type(p), "default": _default(p)} for p in pipe.parameters]
    return {"name": pipeline_name(pipe.name), "parameters": params, "steps": steps}, ours


def _default(param: PipelineParameter) -> Any:
    kind = parameters.sagemaker_type(param)
    if kind == "String" and not parameters.is_raw_text(param):
        return json.dumps(param.value, ensure_ascii=False, separators=(",", ":"))
    return float(param.value) if kind == "Float" else param.value


#: Top-level keys the SDK adds that pipec leaves out: the experiment config (SageMaker
#: Experiments tracking, on by default in the SDK) and an empty MLflow config.
SDK_ONLY = {"PipelineExperimentConfig", "MlflowConfig"}


@pytest.fixture(scope="module")
def sdk_definitions() -> Iterator[dict[str, tuple[dict[str, Any], dict[str, Any]]]]:
    side_python = requires.side_python("sagemaker")
    cases = ["diamond", "hostile_strings"]
    specs = {case: _sdk_spec(case) for case in cases}
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([str(side_python), str(SDK_SCRIPT)], input=json.dumps([specs[c][0] for c in cases]),
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    built = json.loads(proc.stdout)
    yield {case: (built[i], specs[case][1]) for i, case in enumerate(cases)}


@pytest.mark.parametrize("case", ["diamond", "hostile_strings"])
def test_sdk_builds_the_same_definition(case: str, sdk_definitions: dict) -> None:
    """The SageMaker SDK's definition of the same pipeline equals pipec's, field by field."""
    sdk, ours = sdk_definitions[case]
    assert set(sdk) - set(ours) == SDK_ONLY and set(ours) <= set(sdk)
    differences = [f"{key}: SDK {sdk[key]!r} != pipec {ours[key]!r}" for key in sorted(ours)
                   if key != "Steps" and sdk[key] != ours[key]]
    assert [s["Name"] for s in sdk["Steps"]] == [s["Name"] for s in ours["Steps"]]
    for mine, theirs in zip(ours["Steps"], sdk["Steps"], strict=True):
        for field in sorted(set(mine) | set(theirs)):
            if field == "Arguments":
                for arg in sorted(set(mine[field]) | set(theirs[field])):
                    if mine[field].get(arg) != theirs[field].get(arg):
                        differences.append(f"{mine['Name']}.Arguments.{arg}: SDK {theirs[field].get(arg)!r} "
                                           f"!= pipec {mine[field].get(arg)!r}")
            elif mine.get(field) != theirs.get(field):
                differences.append(f"{mine['Name']}.{field}: SDK {theirs.get(field)!r} != pipec {mine.get(field)!r}")
    assert not differences, "\n".join(differences)


def test_sdk_output_needs_the_same_schema_exceptions(sdk_definitions: dict) -> None:
    """The SDK's own definitions fail the raw schema only where SCHEMA_EXCEPTIONS (and the
    PROVENANCE's known gaps) say: the exceptions are the schema's staleness, not pipec's."""
    validator = _validator(patched_schema())
    for case, (sdk, _) in sdk_definitions.items():
        trimmed = {k: v for k, v in sdk.items() if k not in SDK_ONLY}  # known gap: PipelineExperimentConfig
        assert not _schema_errors(validator, trimmed), case
    raw = _validator(_raw_schema())
    assert _schema_errors(raw, {k: v for k, v in sdk_definitions["diamond"][0].items() if k not in SDK_ONLY})


# --------------------------------------------------------------------------- cron


@pytest.mark.parametrize(("classic", "aws"), [
    ("0 3 * * *", "cron(0 3 * * ? *)"),
    ("0 6 * * 1", "cron(0 6 ? * 2 *)"),
    ("*/15 * * * *", "cron(0/15 * * * ? *)"),
    ("30 9 * * 1-5", "cron(30 9 ? * 2-6 *)"),
    ("0 0 * * 0", "cron(0 0 ? * 1 *)"),
    ("0 0 * * 7", "cron(0 0 ? * 1 *)"),
    ("0 0 * * SUN,sat", "cron(0 0 ? * 1,7 *)"),
    ("0 0 * * 5-7", "cron(0 0 ? * 1,6,7 *)"),
    ("0 0 * * */2", "cron(0 0 ? * 1,3,5,7 *)"),
    ("0 0 1-31 * 1", "cron(0 0 * * ? *)"),
    ("0 0 */1 * 1", "cron(0 0 ? * 2 *)"),
    ("0 12 1,15 * *", "cron(0 12 1,15 * ? *)"),
    ("5 4 * JAN-MAR *", "cron(5 4 * 1-3 ? *)"),
    ("0 0 1 */3 *", "cron(0 0 1 1/3 ? *)"),
    ("0-10/5 0 * * *", "cron(0,5,10 0 * * ? *)"),
    ("@daily", "cron(0 0 * * ? *)"),
    ("@weekly", "cron(0 0 ? * 1 *)"),
])
def test_cron_conversion(classic: str, aws: str) -> None:
    assert cron.aws_cron(classic) == aws


@pytest.mark.parametrize("classic", ["0 0 1 * 1", "0 0 */2 * 1", "0 0 L * *", "0 0 * * 1#2", "61 * * * *", "0 0 * * 8",
                                     "0 0 * *"])
def test_cron_without_eventbridge_form(classic: str) -> None:
    with pytest.raises(cron.CronError):
        cron.aws_cron(classic)


@pytest.mark.parametrize(("seconds", "rate"), [(60, "rate(1 minute)"), (300, "rate(5 minutes)"),
                                               (3600, "rate(1 hour)"), (7200, "rate(2 hours)"),
                                               (86400, "rate(1 day)"), (5400, "rate(90 minutes)")])
def test_rate_conversion(seconds: float, rate: str) -> None:
    assert cron.aws_rate(seconds) == rate


def _classic_days(expr: str, year: int) -> set[tuple[int, int]]:
    """(month, day) pairs classic cron runs on in `year`: an independent model of Vixie cron (a day
    must match both day fields when either starts with `*`, else either)."""
    import calendar

    _, _, dom, month, dow = expr.split()

    def values(field: str, low: int, high: int) -> set[int]:
        out: set[int] = set()
        for item in field.split(","):
            rng, _, step = item.partition("/")
            lo, hi = (low, high) if rng == "*" else (int(rng.split("-")[0]), int(rng.split("-")[-1]))
            if step and rng != "*" and "-" not in rng:
                hi = high
            out.update(range(lo, hi + 1, int(step or 1)))
        return out

    doms, months, dows = values(dom, 1, 31), values(month, 1, 12), {d % 7 for d in values(dow, 0, 7)}
    days = set()
    for m in months:
        for d in range(1, calendar.monthrange(year, m)[1] + 1):
            weekday = (calendar.weekday(year, m, d) + 1) % 7  # 0 = Sunday
            dom_hit, dow_hit = d in doms, weekday in dows
            star = dom.startswith("*") or dow.startswith("*")  # Vixie: DOM_STAR / DOW_STAR
            hit = (dom_hit and dow_hit) if star else (dom_hit or dow_hit)
            if hit:
                days.add((m, d))
    return days


def _aws_days(expr: str, year: int) -> set[tuple[int, int]]:
    """(month, day) pairs an EventBridge cron(...) runs on in `year`, per AWS's documented rules."""
    import calendar

    fields = expr[len("cron("):-1].split()
    _, _, dom, month, dow, _ = fields

    def values(field: str, low: int, high: int) -> set[int] | None:
        if field in ("*", "?"):
            return None
        out: set[int] = set()
        for item in field.split(","):
            start, _, step = item.partition("/")
            lo, hi = (int(start.split("-")[0]), int(start.split("-")[-1]))
            if step:
                hi = high
            out.update(range(lo, hi + 1, int(step or 1)))
        return out

    assert (dom == "?") != (dow == "?"), expr
    doms, months, dows = values(dom, 1, 31), values(month, 1, 12), values(dow, 1, 7)
    days = set()
    for m in range(1, 13):
        for d in range(1, calendar.monthrange(year, m)[1] + 1):
            weekday = (calendar.weekday(year, m, d) + 1) % 7 + 1  # 1 = Sunday
            if (months is None or m in months) and (doms is None or d in doms) and (dows is None or weekday in dows):
                days.add((m, d))
    return days


def test_cron_days_agree_with_classic_cron() -> None:
    """Over two years, converted expressions select exactly the days classic cron does."""
    hypothesis = requires.module("hypothesis")
    st = requires.module("hypothesis.strategies")

    def field(low: int, high: int) -> Any:
        single = st.integers(low, high).map(str)
        rng = st.tuples(st.integers(low, high), st.integers(low, high)).map(
            lambda t: f"{min(t)}-{max(t)}")
        stepped = st.tuples(rng | st.just("*"), st.integers(1, 4)).map(lambda t: f"{t[0]}/{t[1]}")
        return st.just("*") | st.lists(single | rng | stepped, min_size=1, max_size=3).map(",".join)

    @hypothesis.settings(max_examples=150, deadline=None, derandomize=True)
    @hypothesis.given(field(1, 31), field(1, 12), field(0, 7))
    def check(dom: str, month: str, dow: str) -> None:
        expr = f"0 0 {dom} {month} {dow}"
        try:
            aws = cron.aws_cron(expr)
        except cron.CronError:
            assert dom != "*" and dow != "*"
            return
        for year in (2027, 2028):
            assert _aws_days(aws, year) == _classic_days(expr, year), (expr, aws)

    check()


# --------------------------------------------------------------------------- mapping and diagnostics


@pytest.mark.parametrize(("resources", "expected"), [
    (Resources(), "ml.m5.large"),
    (Resources(cpu=2), "ml.m5.large"),
    (Resources(cpu=4, memory="8GiB"), "ml.c5.xlarge"),
    (Resources(cpu=4, memory="16GB"), "ml.m5.xlarge"),
    (Resources(cpu=2, memory="16GiB"), "ml.r5.large"),
    (Resources(memory="100GiB"), "ml.r5.4xlarge"),
    (Resources(gpu=1), "ml.g4dn.xlarge"),
    (Resources(cpu=2, memory="4GB", gpu=1), "ml.g4dn.xlarge"),
    (Resources(gpu=1, gpu_type="nvidia-a10g"), "ml.g5.xlarge"),
    (Resources(gpu=1, gpu_type="nvidia-l4"), "ml.g6.xlarge"),
    (Resources(gpu=4, gpu_type="nvidia-tesla-v100"), "ml.p3.8xlarge"),
    (Resources(gpu=4), "ml.g4dn.12xlarge"),
    (Resources(gpu=8), "ml.g6.48xlarge"),
])
def test_instance_mapping(resources: Resources, expected: str) -> None:
    assert instances.choose(resources) == expected


def test_instance_mapping_has_limits() -> None:
    with pytest.raises(instances.NoInstanceType, match="16 GPUs"):
        instances.choose(Resources(gpu=16))
    with pytest.raises(instances.NoInstanceType, match="200 CPUs"):
        instances.choose(Resources(cpu=200))


def _codes(diags: Diagnostics) -> list[tuple[str, str]]:
    return [(d.severity, d.code) for d in diags]


STEP = "from pipec import Resources, Retry, Schedule, pipeline, step\n\n\n"


@pytest.mark.parametrize(("source", "options", "expected"), [
    (STEP + "@step\ndef a(x: str) -> None: ...\n\n\n@pipeline(schedule=Schedule(cron='0 0 1 * 1'))\n"
     "def p():\n    a(x='v')\n", {}, ("error", "PC352")),
    (STEP + "@step\ndef a(x: str) -> None: ...\n\n\n@pipeline(schedule=Schedule(interval_seconds=90))\n"
     "def p():\n    a(x='v')\n", {}, ("error", "PC352")),
    (STEP + "@step\ndef a(x: str) -> None: ...\n\n\n@pipeline\ndef p(naïve: str = 'v'):\n    a(x=naïve)\n",
     {}, ("error", "PC353")),
    (STEP + "@step\ndef a(x: str) -> None: ...\n\n\n@pipeline\ndef p():\n    a(x='one\\u2028two')\n",
     {}, ("error", "PC350")),
    (STEP + "@step(resources=Resources(gpu=16))\ndef a() -> None: ...\n\n\n@pipeline\ndef p():\n    a()\n",
     {}, ("error", "PC351")),
    (STEP + "@step(settings={'orchestrator.sagemaker': {'instance_type': 5}})\ndef a() -> None: ...\n\n\n"
     "@pipeline\ndef p():\n    a()\n", {}, ("error", "PC354")),
    (STEP + "@step(settings={'orchestrator.sagemaker': {'keep_alive_period_in_seconds': 5}})\n"
     "def a() -> None: ...\n\n\n@pipeline\ndef p():\n    a()\n", {}, ("warning", "PC304")),
    (STEP + "@step\ndef a() -> None: ...\n\n\n@pipeline\ndef p():\n    a()\n", {"step_kind": "training"},
     ("error", "PC355")),
    (STEP + "@step(retry=Retry(max_retries=2))\ndef a() -> None: ...\n\n\n@pipeline\ndef p():\n    a()\n", {},
     ("warning", "PC356")),
    (STEP + "@step\ndef a() -> int: ...\n\n\n@step\ndef b(v: int) -> None: ...\n\n\n@pipeline\ndef p():\n"
     "    b(a())\n", {"artifact_store": "/data"}, ("warning", "PC307")),
    (STEP + "@step\ndef a() -> None: ...\n\n\n@pipeline\ndef p():\n    a()\n", {"role_arn": "admin"},
     ("error", "PC302")),
    (STEP + "@step\ndef a() -> None: ...\n\n\n@pipeline\ndef p():\n    a()\n", {"volume_size_gb": "0"},
     ("error", "PC302")),
])
def test_diagnostics(tmp_path: Path, source: str, options: dict[str, str], expected: tuple[str, str]) -> None:
    """Things SageMaker cannot take are reported with the target's codes, at compile time."""
    files, diags = _compile_source(tmp_path, source, **options)
    assert expected in _codes(diags), [(d.code, d.message) for d in diags]
    assert bool(files) == (expected[0] == "warning")


def test_step_settings_and_kinds(tmp_path: Path) -> None:
    """Per-step SageMaker settings and step operators choose the job type, instance, volume and runtime."""
    source = STEP + (
        "@step(settings={'orchestrator.sagemaker': {'instance_type': 'ml.c5.2xlarge', 'volume_size_in_gb': 50,\n"
        "      'environment': {'A': 'b'}}, 'step_operator.sagemaker': {'max_runtime_in_seconds': 600}})\n"
        "def a() -> int: ...\n\n\n@step(step_operator='sagemaker')\ndef b(v: int) -> None: ...\n\n\n"
        "@step(settings={'orchestrator.sagemaker': {'use_training_step': True}})\ndef c() -> None: ...\n\n\n"
        "@pipeline\ndef p():\n    b(a())\n    c()\n")
    files, diags = _compile_source(tmp_path, source, artifact_store="s3://b/p", role_arn=ROLE)
    assert not diags.has_errors, [d.message for d in diags]
    steps = {s["Name"]: s for s in json.loads(files["sagemaker/p.json"])["Steps"]}
    assert [steps[n]["Type"] for n in "abc"] == ["Processing", "Training", "Training"]
    a = steps["a"]["Arguments"]
    assert a["ProcessingResources"]["ClusterConfig"] == {"InstanceCount": 1, "InstanceType": "ml.c5.2xlarge",
                                                         "VolumeSizeInGB": 50}
    assert a["StoppingCondition"] == {"MaxRuntimeInSeconds": 600} and a["Environment"] == {"A": "b"}
    b = steps["b"]["Arguments"]
    assert b["OutputDataConfig"] == {"S3OutputPath": "s3://b/p/sagemaker-output"} and b["RoleArn"] == ROLE
    assert steps["b"]["DependsOn"] == ["a"]


def test_parameter_types(tmp_path: Path) -> None:
    """Parameters get SageMaker types; other values travel as JSON in a String parameter."""
    source = STEP + ("@step\ndef a(s: str, i: int, f: float, b: bool, l: list, o: int | None) -> None: ...\n\n\n"
                     "@pipeline\ndef p(s: str = 'x', i: int = 3, f: float = 2, b: bool = True, l: list = [1, 'a'],"
                     " o: int | None = None):\n    a(s=s, i=i, f=f, b=b, l=l, o=o)\n")
    files, diags = _compile_source(tmp_path, source)
    assert not diags.has_errors, [d.message for d in diags]
    definition = json.loads(files["sagemaker/p.json"])
    assert definition["Parameters"] == [
        {"Name": "s", "Type": "String", "DefaultValue": "x"}, {"Name": "i", "Type": "Integer", "DefaultValue": 3},
        {"Name": "f", "Type": "Float", "DefaultValue": 2.0}, {"Name": "b", "Type": "Boolean", "DefaultValue": True},
        {"Name": "l", "Type": "String", "DefaultValue": '[1,"a"]'}, {"Name": "o", "Type": "String",
                                                                    "DefaultValue": "null"}]
    spec = parse_args(container_argv(definition["Steps"][0], environment(definition))[4:])
    assert {n: json.loads(t) for n, t in spec.params} == {"s": "x", "i": 3, "f": 2.0, "b": True, "l": [1, "a"],
                                                          "o": None}


def test_expressions() -> None:
    """Execution variables stand alone; parameters are always joined (text at run time)."""
    from pipec.ir.diagnostics import Diagnostics

    step = StepInvocation(id="s", function="f", module="m", signature=(), outputs=(), inputs=())
    diags = Diagnostics()
    engine = expressions.SageMakerText(step, diags)
    assert engine.literal("plain {{ x }}") == "plain {{ x }}"
    assert engine.run_id() == {"Get": "Execution.PipelineExecutionId"}
    note = engine.param("note", "text")
    assert engine.concat([note]) == {"Std:Join": {"On": "", "Values": [{"Get": "Parameters.note"}]}}
    assert engine.concat([engine.literal("a="), note, engine.literal("/"), engine.run_id()]) == {
        "Std:Join": {"On": "", "Values": ["a=", {"Get": "Parameters.note"}, "/",
                                          {"Get": "Execution.PipelineExecutionId"}]}}
    assert engine.concat(["a", "", "b"]) == "ab" and not diags.has_errors
    # The refusal: a NUL character cannot be in a command line, reported once per step.
    engine.literal("a\x00b")
    engine.literal("c\x00d")
    assert [d.code for d in diags] == ["PC350"]


def test_step_names_are_valid_and_distinct() -> None:
    ids = ["load", "echo_values.v2-final", "echo_values_v2-final", "a b", "x" * 80, "日本"]
    names = [step_name(i) for i in ids]
    assert len(set(names)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", n) for n in names)
    assert pipeline_name("hostile_strings") == "hostile-strings" and pipeline_name("__") .startswith("pipeline-")


def test_output_is_deterministic_json() -> None:
    """Goldens are sorted, indented JSON with a final newline, exactly what json.dumps gives back."""
    for path in _goldens() + _schedules():
        text = path.read_text("utf-8")
        assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_compile_never_imports_aws_packages(tmp_path: Path) -> None:
    """`pipec compile --target sagemaker` needs neither boto3 nor the SDK."""
    code = ("import sys, runpy; sys.argv = ['pipec', 'compile', 'examples/diamond/run.py', '--target', "
            f"'sagemaker', '--out', {str(tmp_path)!r}]\n"
            "try:\n    runpy.run_module('pipec', run_name='__main__')\nexcept SystemExit as e:\n    code = e.code\n"
            "bad = [m for m in ('boto3', 'botocore', 'sagemaker') if m in sys.modules]\n"
            "print(code, bad)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.stdout.splitlines()[-1] in ("0 []", "None []"), proc.stdout + proc.stderr


def test_a_long_model_is_split_into_model_parts(tmp_path: Path) -> None:
    """A model whose fields do not fit one argument (a long description) goes as `--model-part`
    pieces that fit botocore's limits; the shim joins them into the model."""
    description = "A model card: " + "naïve \"quoted\" text " * 40
    source = (STEP.replace("from pipec import", "from pipec import Model,") + "@step\ndef a() -> None: ...\n\n\n"
              f"@pipeline(model=Model(name=\"iris\", version=\"production\", description={description!r}))\n"
              "def p():\n    a()\n")
    argv = _split_argv(tmp_path, source, "--model-part")
    assert "--model" not in argv
    name, text = parse_args(argv[4:]).model
    assert (name, json.loads(text)) == ("iris", {"version": "production", "description": description})


def test_a_long_stored_value_is_split_into_arguments_that_fit(tmp_path: Path) -> None:
    """`ExternalArtifact(value=...)` with a long multi-line text (a prompt) goes as
    `--input-value-part` pieces that fit, joined by the shim into the value."""
    prompt = "\nYou are a friendly \"assistant\".\n" * 30
    source = ("from zenml import ExternalArtifact\n" + STEP + "@step\ndef a(prompt: str) -> None: ...\n\n\n"
              f"@pipeline\ndef p():\n    a(prompt=ExternalArtifact(value={prompt!r}))\n")
    argv = _split_argv(tmp_path, source, "--input-value-part")
    values = {name: json.loads(text) for name, text in parse_args(argv[4:]).values}
    assert values == {"prompt": {"value": prompt}}
