"""Diagnostics for values ZenML projects compute at run time (corpus.md sections 2, 3 "Also seen" and 5).

Written from the reproductions described there: environment reads, ZenML's client and
active stack, ZenML API pipec does not model, `dynamic=True`, a `raise` in the body,
echo errors after a failed step call, options pipec ignores, and `get_pipeline_context()`.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from pipec.ir import LiteralValue
from tests.helpers.frontend_projects import codes, compile_src, only

#: Class names of pipec's evaluator; no message may show one.
INTERNAL = re.compile(r"\b(ExternalName|ClassRef|BoundMethod|FunctionRef|ModuleRef|Builtin|StepHandle|"
                      r"PipelineHandle|Slot|OldStepInstance|PipelineInstance|ParamValue|SettingsObject|"
                      r"ParamsInstance|RunTimeValue|PipelineContext|Poison)\b|qualname=|object at 0x")


def texts(result) -> list[str]:
    return [" | ".join([d.message, d.help or "", *d.notes]) for d in result.diagnostics]


def errors(result) -> list:
    return [d for d in result.diagnostics if d.is_error]


def assert_no_internal_names(result) -> None:
    leaked = [t for t in texts(result) if INTERNAL.search(t)]
    assert not leaked, leaked


HEADER = """
    import os
    from zenml import pipeline, step
    from zenml.client import Client
    from zenml.config import DockerSettings

    @step
    def load(seed: int = 0) -> int:
        return seed

    @step
    def show(text: str = "") -> None:
        pass
"""


def src(body: str) -> str:
    return textwrap.dedent(HEADER) + textwrap.dedent(body)


# ---------------------------------------------------------------------- the environment


def test_environ_subscript_in_docker_settings_is_a_secret_hint(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        docker_settings = DockerSettings(environment={"HF_TOKEN": os.environ["HF_TOKEN"]})

        @pipeline(settings={"docker": docker_settings})
        def p():
            load()
    """))
    [error] = errors(result)
    assert error.code == "PC102"
    assert error.message.startswith('`os.environ["HF_TOKEN"]` reads the environment, which gives a different value')
    assert "supply secrets at run time" in error.help
    assert any("is at run.py:14" in n for n in error.notes)  # where the environment is read
    assert_no_internal_names(result)


@pytest.mark.parametrize("read", ['os.environ["SEED"]', 'os.environ.get("SEED")', 'os.getenv("SEED")',
                                  'os.getenv("SEED", "1")'])
def test_every_environment_read_gets_the_same_message(tmp_path: Path, read: str) -> None:
    result = compile_src(tmp_path, src(f"""
        @pipeline
        def p():
            show(text={read})
    """))
    [error] = errors(result)
    assert error.code == "PC102"
    assert f"`{read}` reads the environment, which gives a different value each run" in error.message
    assert "--param" in error.help and "secret" not in error.help


def test_environment_in_step_environment_option(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        @step(environment={"TOKEN": os.getenv("TOKEN")})
        def secret_user() -> None:
            pass

        @pipeline
        def p():
            secret_user()
    """))
    [error] = errors(result)
    assert "reads the environment" in error.message and "supply secrets at run time" in error.help


# ---------------------------------------------------------------------- the active stack and client


def test_stack_value_as_input_says_it_depends_on_the_stack(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        @pipeline
        def p():
            show(text=Client().zen_store.url)
    """))
    [error] = errors(result)
    assert error.message == ("`Client().zen_store.url` depends on the active ZenML stack at run time; it cannot be "
                             "evaluated while compiling")
    assert "pipec stack" in error.help and "--param" in error.help
    assert "--root" not in error.help


def test_ignored_option_from_the_stack_is_one_warning(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        tracker = Client().active_stack.experiment_tracker

        @step(experiment_tracker=tracker.name)
        def train() -> int:
            return 1

        @pipeline
        def p():
            train()
    """))
    only(result)
    [warning] = [d for d in result.diagnostics if d.code == "PC116"]
    assert "`experiment_tracker` has no effect on compiled pipelines" in warning.message
    assert "`Client().active_stack.experiment_tracker.name` depends on the active ZenML stack" in warning.message


def test_step_operator_from_the_stack_is_the_stacks_step_operator(tmp_path: Path) -> None:
    pipe = only(result := compile_src(tmp_path, src("""
        @step(step_operator=Client().active_stack.step_operator.name)
        def train() -> int:
            return 1

        @pipeline
        def p():
            train()
    """)))
    assert pipe.step("train").settings.step_operator == "default"
    [warning] = [d for d in result.diagnostics if d.code == "PC116"]
    assert "as `step_operator=True` does" in warning.message


def test_ignored_options_are_not_evaluated_beyond_reporting(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        import datetime
        from zenml import Model

        @step(on_failure=Client().active_stack.alerter.post)
        def train() -> int:
            return 1

        @pipeline(model=Model(name="m", version=f"v-{datetime.datetime.now()}"))
        def p():
            train.with_options(experiment_tracker=Client().active_stack.experiment_tracker.name)()
    """))
    only(result)
    warnings = [d for d in result.diagnostics if d.code == "PC116"]
    assert sorted(w.message.split("`")[1] for w in warnings) == ["experiment_tracker", "on_failure"]
    # The model is read (issue 14); a version that depends on the clock is a new version per run.
    [model] = [d for d in result.diagnostics if d.code == "PC126"]
    assert "datetime.datetime.now()" in model.message and "new numbered version" in model.message
    assert only(result).model.name == "m" and only(result).model.version is None


def test_client_call_as_a_statement_is_reported(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        @pipeline
        def p():
            load()
            Client().delete_pipeline("old")
    """))
    [error] = errors(result)
    assert "acts on ZenML's client" in error.message and "inside a step" in error.help


# ---------------------------------------------------------------------- ZenML API pipec does not model


@pytest.mark.parametrize(("imported", "call", "expected"), [
    ("save_artifact", 'save_artifact(show, "prompt")', "the value `save_artifact(show, \"prompt\")` stores must be "
                                                       "data known at compile time: the step `show` is not data"),
    ("ExternalArtifact", "ExternalArtifact(model_name=\"m\")", "`ExternalArtifact(model_name=...)` looks the artifact up"),
    ("log_metadata", 'log_metadata({"a": 1})', "ZenML's `log_metadata` acts on ZenML's server"),
    ("get_step_context", "get_step_context()", "`get_step_context()` exists only while a step runs"),
    ("Tag", 'Tag(name="x")', "ZenML's `Tag` is not modelled by pipec"),
])
def test_zenml_api_never_gets_the_root_help(tmp_path: Path, imported: str, call: str, expected: str) -> None:
    result = compile_src(tmp_path, src(f"""
        from zenml import {imported}

        @pipeline
        def p():
            show(text={call})
    """))
    [error] = errors(result)
    assert expected in error.message
    assert "--root" not in (error.help or "") and "outside the source root" not in error.message


# ---------------------------------------------------------------------- dynamic pipelines, raise, echoes


def test_dynamic_pipeline_is_pc105(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        @pipeline(dynamic=True)
        def p():
            load()
    """))
    assert codes(result) == ["PC105"]
    assert "dynamic pipelines cannot be compiled statically" in errors(result)[0].message


def test_dynamic_false_is_accepted(tmp_path: Path) -> None:
    only(compile_src(tmp_path, src("""
        @pipeline(dynamic=False)
        def p():
            load()
    """)))


def test_raise_shows_the_exception_and_the_parameter_values(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        @pipeline
        def p(use_gpu: bool = False, use_tpu: bool = False, name: str = "x"):
            if not use_gpu and not use_tpu:
                raise ValueError(f"{name}: choose an accelerator")
            load()
    """), params={"name": "run7"})
    [error] = errors(result)
    assert error.code == "PC101"
    assert error.message.endswith("during static evaluation: ValueError: run7: choose an accelerator")
    assert error.notes == ("with use_gpu=False, use_tpu=False, name='run7'",)


def test_no_unknown_step_echo_after_a_failed_call(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        import random

        @pipeline
        def p():
            load(seed=random.randint(0, 9))
            show(after="load")
            show(after=["lod"])
    """))
    assert sorted(codes(result)) == ["PC102", "PC202"]  # the typo is still reported, the failed call is not
    [unknown] = [d for d in result.diagnostics if d.code == "PC202"]
    assert "`lod`" in unknown.message


def test_config_of_a_step_whose_call_failed_is_no_echo(tmp_path: Path) -> None:
    """A dropped call's `steps.<id>` section is not "a step the pipeline does not invoke"."""
    (tmp_path / "c.yaml").write_text("steps:\n  show:\n    parameters:\n      text: hi\n  shwo: {}\n")
    result = compile_src(tmp_path, src("""
        import random

        @pipeline
        def p():
            show(text=str(load(seed=random.randint(0, 9))))
    """), config=tmp_path / "c.yaml")
    assert "PC102" in codes(result)
    [echo] = [d for d in result.diagnostics if d.code == "PC116"]  # the stray section only, not `show`
    assert "`shwo`" in echo.message
    clean = compile_src(tmp_path, src("""
        @pipeline
        def p():
            show()
    """), config=tmp_path / "c.yaml")
    assert [d.code for d in clean.diagnostics] == ["PC116"]


def test_ids_of_failed_calls_stay_taken(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        @pipeline
        def p():
            load(seed=os.getenv("SEED"))
            load(seed=2)
    """))
    assert codes(result) == ["PC102"]
    assert [s.id for s in result.program.pipelines[0].steps] == ["load_2"]  # as ZenML numbers them


# ---------------------------------------------------------------------- get_pipeline_context()


def test_pipeline_context_reads_extra_name_and_enable_cache(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        from zenml import get_pipeline_context

        @pipeline(name="nightly", extra={"seed": 3, "label": "from-code"}, enable_cache=False)
        def p():
            context = get_pipeline_context()
            load(seed=context.extra["seed"])
            show(text=context.extra.get("label", "none"))
            show(text=context.extra.get("missing", "fallback"), id="fallback")
            show(text=context.name, id="named")
            if context.enable_cache is False:
                show(text="uncached", id="uncached")
    """), extra={"run.yaml": "extra:\n  label: from-config\n"}, config=tmp_path / "run.yaml")
    pipe = only(result)
    inputs = {s.id: {b.name: b.source for b in s.inputs} for s in pipe.steps}
    assert inputs["load"]["seed"] == LiteralValue(3)
    assert inputs["show"]["text"] == LiteralValue("from-config")  # the run configuration wins
    assert inputs["fallback"]["text"] == LiteralValue("fallback")
    assert inputs["named"]["text"] == LiteralValue("nightly")
    assert "uncached" in inputs


@pytest.mark.parametrize(("read", "named"), [
    ('get_pipeline_context().extra["mlflow_model_name"]', "`get_pipeline_context().extra`"),
    ('extra["mlflow_model_name"]', "`extra` (`get_pipeline_context().extra`)"),
])
def test_a_missing_extra_key_says_where_it_comes_from(tmp_path: Path, read: str, named: str) -> None:
    """huggingface-sagemaker's training module reads a key only its run configurations give."""
    result = compile_src(tmp_path, src(f"""
        from zenml import get_pipeline_context

        @pipeline(extra={{"seed": 3}})
        def p():
            extra = get_pipeline_context().extra
            show(text={read})
    """))
    [error] = [d for d in result.diagnostics if d.is_error]
    assert (error.code, error.message) == ("PC102", f"{named} has no key 'mlflow_model_name' in this compile")
    assert "`extra:` section" in error.help
    plain = compile_src(tmp_path / "plain", src("""
        @pipeline
        def p():
            show(text={"a": "1"}["b"])
    """))
    assert [d.message for d in plain.diagnostics if d.is_error] == ["subscript fails at compile time: KeyError: 'b'"]


def test_pipeline_context_model_artifact_is_a_model_lookup(tmp_path: Path) -> None:
    """oncoclear's `model.get_artifact("random_state")`: an input resolved from the run's model version
    (issue 14); the model comes from the run configuration there, so the module alone warns."""
    from pipec.ir import ArtifactLookup

    result = compile_src(tmp_path, src("""
        from zenml import get_pipeline_context

        @pipeline
        def p():
            model = get_pipeline_context().model
            load(seed=model.get_artifact("random_state"))
    """))
    assert errors(result) == [] and [d.code for d in result.diagnostics] == ["PC125"]
    assert only(result).step("load").input("seed").source == ArtifactLookup("model", "random_state")


def test_pipeline_context_outside_a_body(tmp_path: Path) -> None:
    result = compile_src(tmp_path, src("""
        from zenml import get_pipeline_context

        NAME = get_pipeline_context().name

        @pipeline
        def p():
            show(text=NAME)
    """))
    assert any("exists only inside a pipeline body" in d.message for d in errors(result))


# ---------------------------------------------------------------------- no internal names, every path


OPAQUE = {
    "module": "os",
    "external": "os.path",
    "environ": "os.environ",
    "class": "Local",
    "function": "helper",
    "step": "load",
    "pipeline": "other",
    "method": "'abc'.upper",
    "builtin": "len",
    "client": "Client()",
    "context": "get_pipeline_context()",
}
OPERATIONS = ["{x} + 1", "-{x}", "{x}[0]", "len({x})", "str({x})", 'f"{{{x}}}"', "[i for i in {x}]",
              "{x} > 1", "{x} in [1]", "{{{x}: 1}}", "sorted({x})", "'-'.join({x})"]


def test_no_internal_type_name_on_any_error_path(tmp_path: Path) -> None:
    lines = []
    for value in OPAQUE.values():
        for operation in OPERATIONS:
            lines.append(f"show(text={operation.format(x=value)})")
    body = "\n".join(f"    {line}" for line in lines)
    source = src("""
        from zenml import get_pipeline_context

        class Local:
            pass

        def helper():
            return 1

        @pipeline
        def other():
            load()

        @pipeline
        def p():
    """) + body + "\n"
    result = compile_src(tmp_path, source, pipeline="p")
    assert_no_internal_names(result)
    written = (tmp_path / "run.py").read_text(encoding="utf-8").splitlines()
    first = written.index(f"    {lines[0]}") + 1
    reported = {d.span.line for d in errors(result)}
    silent = [line for number, line in enumerate(lines, first) if number not in reported]
    assert not silent, (silent, [(d.code, d.message, d.span.line) for d in result.diagnostics][:5])  # every use of a value that has no compile-time form is an error

