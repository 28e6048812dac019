"""The static frontend: every API style, imports, partial evaluation, settings, configs."""

from __future__ import annotations

import textwrap

import pytest

from pipec.compiler.api import load
from pipec.ir import LiteralValue, OutputRef, ParameterRef
from tests.helpers.frontend_projects import codes, compile_src, only, sources, write

# ---------------------------------------------------------------------- API styles


def test_pipec_api_bindings_ids_and_spans(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from pipec import step, pipeline

        @step
        def load() -> int:
            return 1

        @step
        def add(x: int, y: int = 2) -> int:
            return x + y

        @pipeline
        def p(offset: int = 5):
            a = load()
            b = add(a)
            add(b, y=offset)
            add(b, 3, id="custom")
    """))
    assert [s.id for s in pipe.steps] == ["load", "add", "add_2", "custom"]
    assert sources(pipe, "add") == {"x": OutputRef("load", "output")}
    assert sources(pipe, "add_2") == {"x": OutputRef("add", "output"), "y": ParameterRef("offset")}
    assert sources(pipe, "custom")["y"] == LiteralValue(3)
    assert pipe.step("add").upstream == ("load",)
    span = pipe.step("add_2").span
    assert (span.path, span.line, span.column) == ("run.py", 15, 5)
    assert pipe.step("add").definition_span.line == 8
    assert pipe.parameters[0].value == 5 and pipe.parameters[0].known


def test_zenml_aliases_and_module_import(tmp_path):
    pipe = only(compile_src(tmp_path, """
        import zenml
        from zenml import step as s, pipeline as pl

        @s
        def one() -> int:
            return 1

        @zenml.step(enable_cache=False)
        def two(v: int) -> None:
            pass

        @pl(name="renamed")
        def p():
            two(one())
    """))
    assert pipe.name == "renamed" and pipe.function == "p"
    assert [s.id for s in pipe.steps] == ["one", "two"]
    assert pipe.step("two").settings.enable_cache is False
    assert pipe.step("two").outputs == ()


def test_zenml_outputs_naming_and_unpacking(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from typing import Annotated, Tuple
        import pandas as pd
        from zenml import step, pipeline

        @step
        def plain() -> pd.DataFrame: ...

        @step
        def pair() -> Tuple[int, str]: ...

        @step
        def named() -> Tuple[Annotated[int, "rows"], Annotated[float, "score"]]: ...

        @step
        def single() -> Annotated[dict, "report"]: ...

        @step
        def untyped(): ...

        @step
        def sink(a: pd.DataFrame, b: str, c: float, d: dict, e) -> None: ...

        @pipeline
        def p():
            df = plain()
            _, text = pair()
            rows, score = named()
            sink(df, text, score, single(), untyped(), after=[rows])
    """))
    assert [(o.name, o.type) for o in pipe.step("plain").outputs] == [("output", "pandas.DataFrame")]
    assert [o.name for o in pipe.step("pair").outputs] == ["output_0", "output_1"]
    assert [(o.name, o.type) for o in pipe.step("named").outputs] == [("rows", "int"), ("score", "float")]
    assert [o.name for o in pipe.step("single").outputs] == ["report"]
    assert [(o.name, o.type) for o in pipe.step("untyped").outputs] == [("output", "Any")]
    assert sources(pipe, "sink") == {
        "a": OutputRef("plain", "output"), "b": OutputRef("pair", "output_1"), "c": OutputRef("named", "score"),
        "d": OutputRef("single", "report"), "e": OutputRef("untyped", "output")}
    assert pipe.step("sink").after == ("named",)


def test_old_api_slots_parameters_after_and_run(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from zenml.steps import step, Output, BaseParameters
        from zenml.pipelines import pipeline
        from zenml.pipelines import Schedule

        class P(BaseParameters):
            gamma: float = 0.001
            kernel: str = "rbf"

        @step
        def get_dataframe() -> int: ...

        @step
        def trainer(params: P, df: int) -> Output(model=str, accuracy=float): ...

        @step
        def checker() -> None: ...

        @pipeline(enable_cache=False)
        def test_pipeline(checker, get_dataframe, trainer):
            checker()
            df = get_dataframe()
            get_dataframe.after(checker)
            model, acc = trainer(df)

        test_pipeline(checker(), get_dataframe=get_dataframe(), trainer=trainer(params=P(gamma=0.01))).run(
            schedule=Schedule(cron_expression="0 3 * * *"))
    """))
    assert [s.id for s in pipe.steps] == ["checker", "get_dataframe", "trainer"]
    assert pipe.step("get_dataframe").after == ("checker",)
    assert sources(pipe, "trainer") == {"df": OutputRef("get_dataframe", "output"),
                                         "params": LiteralValue({"gamma": 0.01, "kernel": "rbf"})}
    assert [o.name for o in pipe.step("trainer").outputs] == ["model", "accuracy"]
    assert pipe.schedule is not None and pipe.schedule.cron == "0 3 * * *"
    assert pipe.settings.enable_cache is False
    assert all(s.settings.enable_cache is False for s in pipe.steps)


def test_old_api_without_instantiation_is_reported(tmp_path):
    result = compile_src(tmp_path, """
        from zenml.steps import step
        from zenml.pipelines import pipeline

        @step
        def a() -> int: ...

        @pipeline
        def p(a):
            a()
    """)
    assert "PC115" in codes(result)


# ---------------------------------------------------------------------- imports


def test_steps_from_other_modules(tmp_path):
    write(tmp_path, {
        "steps/__init__.py": "from .ops import clean\nfrom . import train\n",
        "steps/ops.py": """
            from pipec import step
            from .shared import DEFAULT

            @step
            def clean(x: int = DEFAULT) -> int: ...
        """,
        "steps/shared.py": "DEFAULT = 7\n",
        "steps/train.py": """
            from pipec import step as s

            @s
            def fit(x: int) -> float: ...
        """,
        "pipelines/training.py": """
            from pipec import pipeline
            from steps import clean, train
            import steps.train as tr

            @pipeline
            def training():
                tr.fit(clean())
                train.fit(x=3)
        """,
    })
    pipe = only(compile_src(tmp_path, "from pipelines.training import training\n\ntraining()\n"))
    assert [(s.id, s.module) for s in pipe.steps] == [("clean", "steps.ops"), ("fit", "steps.train"),
                                                       ("fit_2", "steps.train")]
    assert pipe.step("clean").signature[0].default == 7
    assert pipe.step("clean").definition_span.path == "steps/ops.py"
    assert pipe.span.path == "pipelines/training.py"


def test_unresolved_project_import(tmp_path):
    result = compile_src(tmp_path, """
        from pipec import pipeline
        from steps.missing import clean

        @pipeline
        def p():
            clean()
    """, {"steps/__init__.py": ""})
    assert "PC106" in codes(result)
    diag = next(d for d in result.diagnostics if d.code == "PC106")
    assert diag.span.line == 2


def test_root_override(tmp_path):
    write(tmp_path, {"lib/steps.py": "from pipec import step\n@step\ndef s() -> int: ...\n",
                     "app/run.py": "from pipec import pipeline\nfrom lib.steps import s\n@pipeline\ndef p():\n    s()\n"})
    result = load(tmp_path / "app" / "run.py", root=tmp_path)
    assert [s.id for s in only(result).steps] == ["s"]


# ---------------------------------------------------------------------- partial evaluation

EVAL_PIPELINE = """
    from pipec import step, pipeline

    MODELS = ["lr", "rf"]

    @step
    def train(name: str, lr: float = 0.1, tags: list = []) -> float: ...

    @step
    def pick(scores: list = [], a: float = 0, b: float = 0) -> str: ...

    @pipeline
    def p(use_extra: bool = False, base: float = 0.5, extra_name: str = "xgb"):
        scores = []
        for i, name in enumerate(MODELS):
            scores.append(train(name=f"{name}-{i:02d}", lr=base * (i + 1), tags=[name.upper()]))
        if use_extra:
            scores.append(train(extra_name, id=f"train_{extra_name}"))
        elif base > 1:
            train("never")
        else:
            pass
        lrs = {m: n for n, m in enumerate(sorted(MODELS))}
        more = [train(str(k), lr=v) for k, v in lrs.items() if v > 0]
        pick(a=scores[0], b=more[-1])
"""


def test_partial_evaluation(tmp_path):
    pipe = only(compile_src(tmp_path, EVAL_PIPELINE))
    assert [s.id for s in pipe.steps] == ["train", "train_2", "train_3", "pick"]
    assert sources(pipe, "train")["name"] == LiteralValue("lr-00")
    assert sources(pipe, "train_2")["lr"] == LiteralValue(1.0)
    assert sources(pipe, "train_2")["tags"] == LiteralValue(["RF"])
    assert sources(pipe, "train_3")["name"] == LiteralValue("rf")
    assert sources(pipe, "pick") == {"a": OutputRef("train", "output"), "b": OutputRef("train_3", "output")}


def test_if_on_param_from_cli_and_config(tmp_path):
    (tmp_path / "c.yaml").write_text("parameters:\n  extra_name: cat\n")
    result = compile_src(tmp_path, EVAL_PIPELINE, params={"use_extra": "yes"}, config=tmp_path / "c.yaml")
    pipe = only(result)
    assert "train_cat" in [s.id for s in pipe.steps]
    assert pipe.parameter("use_extra").value is True
    assert pipe.parameter("extra_name").value == "cat"


def test_unknown_parameter_value_is_a_diagnostic(tmp_path):
    result = compile_src(tmp_path, """
        from pipec import step, pipeline

        @step
        def s(n: int) -> None: ...

        @pipeline
        def p(n: int):
            s(n)             # fine: flows to the step as a run-time parameter
            for i in range(n):
                s(i)
    """)
    assert codes(result) == ["PC102"]
    diag = list(result.diagnostics)[0]
    assert "`n` has no value at compile time" in diag.message and diag.span.line == 9
    assert sources(result.program.pipelines[0], "s") == {"n": ParameterRef("n")}


@pytest.mark.parametrize("body, code", [
    ("s(random.random())", "PC102"),
    ("s.submit(1)", "PC105"),
    ("s.map(n=[1, 2])", "PC105"),
    ("while True:\n        s(1)", "PC101"),
    ("x = s(1)\n    if x:\n        s(2)", "PC113"),
    ("x = s(1)\n    s(x + 1)", "PC113"),
    ("a, b = s(1)", "PC112"),
    ("s(1, 2)", "PC204"),
    ("s(undefined)", "PC103"),
    ("helper()", "PC104"),
    ("s(n=1, after=3)", "PC119"),
    ("for i in range(10**9):\n        s(i)", "PC114"),
    ("s(n=float('nan'))", "PC111"),
    ("s(n='x' * 10**8)", "PC141"),
    ("s(n=lambda: 1)", "PC102"),
])
def test_unsupported_constructs(tmp_path, body, code):
    result = compile_src(tmp_path, f"""
import random
from pipec import step, pipeline

def helper():
    return 1

@step
def s(n: int) -> int: ...

@pipeline
def p():
    {body}
""")
    assert code in codes(result), [f"{d.code}: {d.message}" for d in result.diagnostics]
    assert all(d.span.path == "run.py" for d in result.diagnostics if d.code == code)


def test_errors_are_collected_not_stopped(tmp_path):
    result = compile_src(tmp_path, """
        import random
        from pipec import step, pipeline

        @step
        def s(n: int) -> int: ...

        @pipeline
        def p():
            a = s(random.random())
            s(a)
            s(undefined)
            while True:
                pass
    """)
    assert codes(result) == ["PC102", "PC103", "PC101"]  # `s(a)` is not a cascade error


# ---------------------------------------------------------------------- settings and runs


def test_settings_merge_and_module_level_run(tmp_path):
    (tmp_path / "cfg.yaml").write_text(textwrap.dedent("""
        settings:
          docker:
            requirements: [pandas]
        steps:
          train:
            parameters: {epochs: 3}
            settings:
              resources: {memory: 8GB}
    """))
    pipe = only(compile_src(tmp_path, """
        from zenml import step, pipeline
        from zenml.config import ResourceSettings, DockerSettings
        from zenml.config.retry_config import StepRetryConfig
        from zenml.config.schedule import Schedule

        @step(settings={"resources": ResourceSettings(cpu_count=2, gpu_count=1)},
              retry=StepRetryConfig(max_retries=2, delay=10, backoff=2))
        def train(epochs: int, lr: float = 0.1) -> None: ...

        @pipeline(settings={"docker": DockerSettings(parent_image="python:3.11-slim"),
                            "orchestrator.kubeflow": {"synchronous": True}})
        def p(lr: float = 0.1):
            train.with_options(enable_cache=False)(lr=lr)

        if __name__ == "__main__":
            p.with_options(schedule=Schedule(cron_expression="*/5 * * * *"), config_path="cfg.yaml")(lr=0.2)
    """))
    step = pipe.step("train")
    assert step.settings.resources.cpu == 2.0 and step.settings.resources.gpu == 1
    assert step.settings.resources.memory == "8GB"
    assert step.settings.retry.max_retries == 2 and step.settings.retry.backoff == 2
    assert step.settings.docker.parent_image == "python:3.11-slim"
    assert step.settings.docker.requirements == ("pandas",)
    assert step.settings.enable_cache is False
    assert dict(step.settings.extra) == {"orchestrator.kubeflow": {"synchronous": True}}
    assert sources(pipe, "train") == {"lr": ParameterRef("lr"), "epochs": LiteralValue(3)}
    assert pipe.parameter("lr").value == 0.2
    assert pipe.schedule.cron == "*/5 * * * *"


def test_config_errors_point_into_yaml(tmp_path):
    (tmp_path / "cfg.yaml").write_text("parameters:\n  lr: 0.1\nstepz: {}\n")
    result = compile_src(tmp_path, """
        from pipec import step, pipeline

        @step
        def s() -> None: ...

        @pipeline
        def p():
            s()
    """, config=tmp_path / "cfg.yaml")
    found = {(d.code, d.severity, d.span.path, d.span.line) for d in result.diagnostics}
    assert ("PC116", "warning", "cfg.yaml", 3) in found  # ZenML ignores unknown keys
    assert ("PC109", "error", "cfg.yaml", 2) in found


def test_bad_cli_param(tmp_path):
    result = compile_src(tmp_path, """
        from pipec import step, pipeline

        @step
        def s(n: int) -> None: ...

        @pipeline
        def p(n: int = 1):
            s(n)
    """, params={"n": "many", "m": "1"})
    assert sorted(codes(result)) == ["PC109", "PC303"]


def test_pipec_settings_classes(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from datetime import datetime, timedelta
        from pipec import step, pipeline, Resources, Docker, Retry, Schedule

        @step(resources=Resources(cpu=0.5, memory="512Mi", gpu=1, gpu_type="nvidia-l4"),
              docker=Docker(image="ghcr.io/acme/train:1", environment={"A": 1}),
              retry=Retry(max_retries=1), step_operator="sagemaker", options={"airflow": {"pool": "gpu"}})
        def s() -> None: ...

        @pipeline(schedule=Schedule(interval_seconds=timedelta(hours=1).total_seconds() if False else 3600,
                                    start_time=datetime(2024, 1, 1)))
        def p():
            s()
    """))
    settings = pipe.step("s").settings
    assert settings.resources.memory == "512MiB" and settings.resources.gpu_type == "nvidia-l4"
    assert settings.docker.image == "ghcr.io/acme/train:1" and settings.docker.environment == (("A", "1"),)
    assert settings.step_operator == "sagemaker"
    assert dict(settings.extra) == {"target.airflow": {"pool": "gpu"}}
    assert pipe.schedule.interval_seconds == 3600.0 and pipe.schedule.start_time == "2024-01-01T00:00:00"


def test_syntax_error_and_no_pipeline(tmp_path):
    result = compile_src(tmp_path, "def broken(:\n    pass\n")
    assert codes(result) == ["PC001"]
    assert list(result.diagnostics)[0].span.line == 1
    result = compile_src(tmp_path, "x = 1\n")
    assert codes(result) == ["PC003"]


def test_unknown_pipeline_name(tmp_path):
    result = compile_src(tmp_path, """
        from pipec import step, pipeline

        @step
        def s() -> None: ...

        @pipeline
        def training():
            s()
    """, pipeline="trainng")
    diag = list(result.diagnostics)[0]
    assert diag.code == "PC004" and "did you mean `training`" in diag.help


def test_frontend_never_imports_user_code(tmp_path):
    marker = tmp_path / "imported"
    pipe = only(compile_src(tmp_path, f"""
        open({str(marker)!r}, "w").write("x")
        from pipec import step, pipeline
        import module_that_does_not_exist

        @step
        def s() -> None: ...

        @pipeline
        def p():
            s()
    """))
    assert pipe.steps and not marker.exists()


def test_run_config_values_and_step_ids_are_checked(tmp_path):
    (tmp_path / "cfg.yaml").write_text("parameters:\n  epochs: [not, an, int]\nsteps:\n  trian:\n    enable_cache: false\n")
    result = compile_src(tmp_path, """
        from pipec import step, pipeline

        @step
        def train(epochs: int) -> None: ...

        @pipeline
        def p(epochs: int = 3):
            train(epochs)
    """, config=tmp_path / "cfg.yaml")
    found = sorted((d.code, d.severity, d.span.line, d.help) for d in result.diagnostics)
    assert found == [("PC110", "error", 2, None), ("PC116", "warning", 4, "did you mean `train`?")]


def test_old_api_positional_parameters_object(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from zenml.steps import step, BaseParameters
        from zenml.pipelines import pipeline

        class P(BaseParameters):
            k: int

        @step
        def a(params: P) -> int: ...

        @pipeline
        def p(a):
            a()

        p(a(P(k=3))).run()
    """))
    assert sources(pipe, "a") == {"params": LiteralValue({"k": 3})}


def test_module_level_configure_changes_the_step(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from zenml import step, pipeline
        from zenml.config import ResourceSettings

        @step
        def train() -> None: ...

        train.configure(enable_cache=False, settings={"resources": ResourceSettings(cpu_count=4)})

        @pipeline
        def p():
            train()
            train.with_options(enable_cache=True)()
    """))
    assert pipe.step("train").settings.enable_cache is False
    assert pipe.step("train").settings.resources.cpu == 4.0
    assert pipe.step("train_2").settings.enable_cache is True
