"""The tekton target, proven against Tekton's own v1 CRD schemas and a model of its substitution.

- Every Pipeline and PipelineRun validates against the CRD schemas of tektoncd/pipeline
  v1.15.0 (../shared/schemas/tekton) with every structural object closed; every embedded
  taskSpec validates against the Task CRD's ``spec`` the same way.
- References hold: runAfter names existing tasks and the graph is acyclic; task params match
  the taskSpec's; every ``$(params.x)`` names a declared param; workspaces are bound.
- The validators reject broken documents (unknown key, wrong type, dangling runAfter, cycle).
- Hostile text: the artifacts are parsed back, Tekton's substitution is applied (our own
  placeholders once, then any further pass must find nothing to substitute), Kubernetes'
  expansion is applied, and the runtime shim's view of the resulting argv and env equals the
  compile-time values exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipec.targets.tekton import TARGET
from tests.helpers.engines.tekton import TEKTON_REF, UID, documents, engine_view
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
from tests.helpers.schemas import closed, errors, load_schema, validator

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
QUALIFIED_KEY = re.compile(r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                           r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
OBJECT_STORE = {"artifact_store": "s3://pipec-example/artifacts", "service_account": "pipec-runner"}


@pytest.fixture(scope="module")
def validators() -> dict:
    """Closed validators for Pipeline, PipelineRun and a Task's spec."""
    task = load_schema("tekton", "task_v1.openapi.json")
    return {
        "Pipeline": validator(closed(load_schema("tekton", "pipeline_v1.openapi.json"))),
        "PipelineRun": validator(closed(load_schema("tekton", "pipelinerun_v1.openapi.json"))),
        "taskSpec": validator(closed(task["properties"]["spec"])),
    }


def problems(text: str, validators: dict) -> list[str]:
    """Everything wrong with one tekton artifact; [] when it is valid."""
    pipeline, run = documents(text)
    found = [f"Pipeline {e}" for e in errors(validators["Pipeline"], pipeline)]
    found += [f"PipelineRun {e}" for e in errors(validators["PipelineRun"], run)]
    spec = pipeline["spec"]
    declared = {p["name"] for p in spec.get("params", [])}
    workspaces = {w["name"] for w in spec.get("workspaces", [])}
    tasks = spec.get("tasks", [])
    names = [t.get("name") for t in tasks]
    found += [f"task name {n!r} is not a DNS label" for n in names if not DNS_LABEL.fullmatch(str(n))]
    found += [f"task name {n!r} is used twice" for n in set(names) if names.count(n) > 1]
    found += dag_problems({t["name"]: t.get("runAfter", []) for t in tasks})
    for task in tasks:
        where = f"task {task['name']}"
        task_spec = dict(task.get("taskSpec") or {})
        metadata = task_spec.pop("metadata", {})
        found += [f"{where} taskSpec {e}" for e in errors(validators["taskSpec"], task_spec)]
        if set(metadata) - {"labels", "annotations"}:
            found.append(f"{where}: taskSpec.metadata may hold only labels and annotations: {sorted(metadata)}")
        for key, value in {**metadata.get("labels", {}), **metadata.get("annotations", {})}.items():
            if not QUALIFIED_KEY.fullmatch(key) or not isinstance(value, str):
                found.append(f"{where}: bad metadata entry {key!r}: {value!r}")
        given = [p["name"] for p in task.get("params", [])]
        wanted = [p["name"] for p in task_spec.get("params", [])]
        if sorted(given) != sorted(wanted):
            found.append(f"{where}: params {given} do not match its taskSpec's {wanted}")
        for param in task.get("params", []):
            for ref in TEKTON_REF.findall(param["value"]):
                if ref != "context.pipelineRun.uid" and ref.removeprefix("params.") not in declared:
                    found.append(f"{where}: param {param['name']} refers to unknown `$({ref})`")
        for text_ in all_strings(task_spec.get("steps", [])):
            for ref in TEKTON_REF.findall(text_):
                if ref.startswith("params.") and ref.removeprefix("params.") not in wanted:
                    found.append(f"{where}: step refers to undeclared `$({ref})`")
        bound = {w["workspace"] for w in task.get("workspaces", [])}
        if not bound <= workspaces or {w["name"] for w in task_spec.get("workspaces", [])} != bound:
            found.append(f"{where}: workspaces do not match the Pipeline's and the taskSpec's")
    if run["spec"].get("pipelineRef", {}).get("name") != pipeline["metadata"]["name"]:
        found.append("PipelineRun does not reference the Pipeline")
    given = {p["name"] for p in run["spec"].get("params", [])}
    found += [f"PipelineRun passes unknown param {n}" for n in sorted(given - declared)]
    found += [f"param {p['name']} has neither a value nor a default"
              for p in spec.get("params", []) if p["name"] not in given and "default" not in p]
    if {w["name"] for w in run["spec"].get("workspaces", [])} != workspaces:
        found.append("PipelineRun does not bind exactly the Pipeline's workspaces")
    return found


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize("options", [{}, OBJECT_STORE], ids=["folder-store", "object-store"])
def test_every_example_is_valid(example_case: str, options: dict, validators: dict) -> None:
    """Each example compiles to documents the closed Tekton schemas and our reference checks accept
    (with the default folder store, mounted as a shared volume, and with an object store)."""
    source, config = example_source(example_case)
    outputs, _ = compile_source(source, "tekton", config=config, options=options)
    assert outputs
    for pipeline, files in outputs:
        assert len(files) == 1 and next(iter(files)).endswith(".yaml")
        for text in files.values():
            assert problems(text, validators) == [], pipeline.name
            pipeline_doc, _ = documents(text)
            assert len(pipeline_doc["spec"]["tasks"]) == len(pipeline.steps)


def test_yaml_strings_stay_strings(example_case: str) -> None:
    """No string is written as a plain scalar that some YAML reader would retype (yes, 1e3, 0o17...)."""
    source, config = example_source(example_case)
    outputs, _ = compile_source(source, "tekton", config=config)
    for _, files in outputs:
        for text in files.values():
            assert [v for v in plain_scalars(text) if retyped_by_some_reader(v)] == []


def test_run_after_follows_the_dag() -> None:
    """runAfter holds each step's upstream steps: data edges and `after=` (zenml_new_api has both)."""
    source, config = example_source("zenml_new_api")
    [(pipeline, files)] = compile_source(source, "tekton", config=config)[0]
    pipeline_doc, _ = documents(next(iter(files.values())))
    run_after = {t["name"]: t.get("runAfter", []) for t in pipeline_doc["spec"]["tasks"]}
    by_id = {s.id: s for s in pipeline.steps}
    label = {s.id: t["name"] for s, t in zip(pipeline.steps, pipeline_doc["spec"]["tasks"], strict=True)}
    for step_id, step in by_id.items():
        assert run_after[label[step_id]] == [label[d] for d in step.upstream]
    assert run_after[label["split_data"]] == [label["load_data"], label["schema_check"]]


def test_resources_retries_and_warnings() -> None:
    """computeResources from the step's resources, retries from Retry, unsupported parts reported."""
    source, config = example_source("zenml_new_api")
    outputs, diags = compile_source(source, "tekton", config=config)
    pipeline_doc, run = documents(next(iter(outputs[0][1].values())))
    tasks = {t["name"]: t for t in pipeline_doc["spec"]["tasks"]}
    train = tasks["train-forest"]
    assert train["retries"] == 2
    assert train["taskSpec"]["steps"][0]["computeResources"] == {
        "requests": {"cpu": "4", "memory": "8G"}, "limits": {"nvidia.com/gpu": "1"}}
    assert [p["value"] for p in run["spec"]["params"]] == ["0.25"]
    messages = [(d.code, d.message) for d in diags.sorted()]
    assert ("PC304", "Tekton Pipelines has no schedules; the schedule is ignored") in messages
    assert any(code == "PC304" and "retries at once" in message for code, message in messages)


# --------------------------------------------------------------------------- the validators can fail


def _valid_artifact() -> str:
    source, _ = example_source("diamond")
    outputs, _ = compile_source(source, "tekton")
    return next(iter(outputs[0][1].values()))


def _edit(text: str, change) -> str:
    pipeline, run = documents(text)
    change(pipeline, run)
    return yaml.safe_dump_all([pipeline, run], sort_keys=False)


@pytest.mark.parametrize(("change", "expected"), [
    (lambda p, r: p["spec"]["tasks"][0].update(retry=2), "Additional properties are not allowed ('retry'"),
    (lambda p, r: p["spec"]["tasks"][0].update(retries="2"), "'2' is not of type 'integer'"),
    (lambda p, r: p["spec"]["tasks"][0]["taskSpec"]["steps"][0].update(resources={}),
     "Additional properties are not allowed ('resources'"),
    (lambda p, r: p["spec"]["tasks"][0]["taskSpec"]["steps"][0].update(computeResources={"request": {}}),
     "Additional properties are not allowed ('request'"),
    (lambda p, r: r["spec"].update(pipelineRefs={}), "Additional properties are not allowed ('pipelineRefs'"),
    (lambda p, r: p["spec"]["tasks"][1].update(runAfter=["nowhere"]), "depends on unknown task `nowhere`"),
    (lambda p, r: p["spec"]["tasks"][0].update(runAfter=[p["spec"]["tasks"][-1]["name"]]), "cycle: "),
    (lambda p, r: r["spec"]["params"].append({"name": "ghost", "value": "1"}), "passes unknown param ghost"),
    (lambda p, r: p["spec"]["tasks"][0]["params"].append({"name": "x", "value": "1"}), "do not match its taskSpec"),
])
def test_validators_reject_broken_documents(change, expected: str, validators: dict) -> None:
    """Each kind of breakage is caught, so the checks above cannot pass vacuously."""
    text = _valid_artifact()
    assert problems(text, validators) == []
    found = problems(_edit(text, change), validators)
    assert any(expected in p for p in found), found


def test_closing_makes_unknown_keys_fail() -> None:
    """Without closing, the structural schema accepts an unknown key; closed, it rejects it."""
    schema = load_schema("tekton", "pipeline_v1.openapi.json")
    doc = {"apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "x"},
           "spec": {"tasks": [{"name": "a", "taskRef": {"name": "t"}, "bogus": 1}]}}
    assert errors(validator(schema), doc) == []
    assert errors(validator(closed(schema)), doc) != []


# --------------------------------------------------------------------------- hostile text


def _round_trip(source: Path, validators: dict, config: Path | None = None) -> list:
    outputs, diags = compile_source(source, "tekton", config=config)
    options = {spec.name: spec.default for spec in TARGET.options if spec.default is not None}
    for pipeline, files in outputs:
        text = next(iter(files.values()))
        assert problems(text, validators) == []
        assert [v for v in plain_scalars(text) if retyped_by_some_reader(v)] == []
        pipeline_doc, run_doc = documents(text)
        for step, task in zip(pipeline.steps, pipeline_doc["spec"]["tasks"], strict=True):
            argv, env = engine_view(pipeline_doc, run_doc, task)
            assert shim_view(argv) == expected_view(pipeline, step, options, UID)
            user_env = dict(step.settings.docker.environment) if step.settings.docker else {}
            assert {k: v for k, v in env.items() if k in user_env} == user_env
            assert all(k in user_env or k.startswith("PIPEC_ARG_") for k in env)
    return diags.sorted()


def test_hostile_strings_example_round_trips(validators: dict) -> None:
    """examples/hostile_strings reaches the shim unchanged (quotes, newlines, {{ }}, ${{ }}, $(...))."""
    _round_trip(example_source("hostile_strings")[0], validators)


def test_substitution_syntax_in_user_values_round_trips(tmp_path: Path, validators: dict) -> None:
    """Values holding Tekton references ($(params.x), $(context...)), Kubernetes ones ($(HOME), $$)
    and Argo tags, in literals, env values, parameters, the step id and the pipeline name,
    all arrive unchanged; the parameter Tekton would expand is baked in, with a warning."""
    source = hostile_project(tmp_path, "k8s $(params.note) {{workflow.name}} $(context.pipelineRun.name)")
    diags = _round_trip(source, validators)
    assert [(d.code, d.message.split(":")[0]) for d in diags] == [
        ("PC330", "pipeline parameter `note` is fixed at compile time in the tekton target"),
        ("PC304", "step `first.$(step)` waits 1.5s between retries, but Tekton retries at once; "
                  "the delay and backoff are ignored")]
    outputs, _ = compile_source(source, "tekton")
    pipeline_doc, run_doc = documents(next(iter(outputs[0][1].values())))
    assert [p["name"] for p in pipeline_doc["spec"]["params"]] == ["safe", "number", "flag"]
    assert {p["name"]: p["value"] for p in run_doc["spec"]["params"]} == {
        "safe": "it's $HOME {{ ds }} ${{ x }}", "number": "1.5", "flag": "true"}


def test_overridden_parameter_reaches_the_step(tmp_path: Path, validators: dict) -> None:
    """A PipelineRun value other than the compile-time one is what the shim gets."""
    source, _ = example_source("diamond")
    [(pipeline, files)] = compile_source(source, "tekton")[0]
    pipeline_doc, run_doc = documents(next(iter(files.values())))
    for param in run_doc["spec"]["params"]:
        if param["name"] == "factor":
            param["value"] = "2.5"
    task = next(t for t in pipeline_doc["spec"]["tasks"] if t["name"] == "scale")
    argv, _ = engine_view(pipeline_doc, run_doc, task)
    assert shim_view(argv)["params"]["factor"] == 2.5
    assert shim_view(argv)["run_id"] == UID


def test_round_trip_model_catches_unrouted_text(tmp_path: Path) -> None:
    """Put the annotated literals back into args: the model of Tekton's passes objects."""
    source = hostile_project(tmp_path, "plain")
    outputs, _ = compile_source(source, "tekton")
    pipeline_doc, run_doc = documents(next(iter(outputs[0][1].values())))
    task = pipeline_doc["spec"]["tasks"][0]
    annotations = task["taskSpec"]["metadata"]["annotations"]
    step = task["taskSpec"]["steps"][0]
    step["args"] = [annotations[f"pipec/arg-{i + 1}"] if arg.startswith("$(PIPEC_ARG_") else arg
                    for i, arg in enumerate(step["args"])]
    with pytest.raises(AssertionError, match="a later Tekton pass could change"):
        engine_view(pipeline_doc, run_doc, task)
