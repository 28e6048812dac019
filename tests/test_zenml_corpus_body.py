"""Pipeline bodies as ZenML projects write them (corpus measurement, issue 12: A6 and features 2, 4).

- `after=None` (or a parameter whose value is None) is no dependency.
- A pipeline called inside a pipeline is inlined, as ZenML's `Pipeline.__call__` does while
  another pipeline is being composed: the inner function runs as plain Python, its steps join
  the outer DAG with ids from the same counter (`name`, `name_2`, ...), the outer pipeline's
  configuration applies, and its return value is the call's value.
- `__name__`, logger calls and `try/except/else/finally` in the body.
"""

from __future__ import annotations

import pytest

from pipec.ir import LiteralValue, OutputRef, ParameterRef
from tests.helpers.frontend_projects import codes, compile_src, only, sources, write

# ---------------------------------------------------------------------- A6: after=None

AFTER = """
    from typing import List, Optional
    from zenml import pipeline, step

    @step
    def first() -> None:
        pass

    @step
    def second() -> None:
        pass

    @pipeline
    def ordered(wait_for: Optional[str] = None, also: Optional[List[str]] = None):
        first()
        {call}
"""


@pytest.mark.parametrize(("call", "after"), [
    ("second(after=None)", ()),
    ("second(after=wait_for)", ()),
    ("second(after=also)", ()),
    ("second(after=[None, 'first'])", ("first",)),
    ("second(after=[wait_for, 'first'])", ("first",)),
])
def test_after_none_is_no_dependency(tmp_path, call, after):
    pipe = only(compile_src(tmp_path, AFTER.format(call=call)))
    assert pipe.step("second").after == after


def test_after_from_a_parameter_with_a_value(tmp_path):
    pipe = only(compile_src(tmp_path, AFTER.format(call="second(after=wait_for)"), params={"wait_for": "first"}))
    assert pipe.step("second").after == ("first",)


def test_after_with_a_number_is_still_an_error(tmp_path):
    result = compile_src(tmp_path, AFTER.format(call="second(after=3)"))
    assert "PC119" in codes(result)


# ---------------------------------------------------------------------- nested pipelines

NESTED = """
    from typing import Optional, Tuple
    from typing_extensions import Annotated
    from zenml import pipeline, step

    @step
    def load(rows: int = 10) -> int:
        return rows

    @step
    def split(data: int, ratio: float = 0.5) -> Tuple[Annotated[int, "train"], Annotated[int, "test"]]:
        return data, data

    @step
    def fit(train: int, test: int, rate: float = 0.1) -> int:
        return 1

    @pipeline
    def prepare(ratio: float = 0.25, rows: int = 100):
        data = load(rows=rows)
        train, test = split(data, ratio=ratio)
        return train, test

    @pipeline
    def training(dataset_id: Optional[str] = None, rows: int = 7, rate: float = 0.01):
        if dataset_id is None:
            train, test = prepare(rows=rows)
        else:
            train, test = 1, 2
        fit(train, test, rate=rate)
"""


def _training(result):
    errors = [f"{d.code} {d.message}" for d in result.diagnostics if d.is_error]
    assert not errors, errors
    return next(p for p in result.program.pipelines if p.name == "training")


def test_an_inner_pipeline_is_inlined_with_its_steps_outputs_and_edges(tmp_path):
    pipe = _training(compile_src(tmp_path, NESTED))
    assert [s.id for s in pipe.steps] == ["load", "split", "fit"]
    assert [o.name for o in pipe.step("split").outputs] == ["train", "test"]
    assert sources(pipe, "split")["data"] == OutputRef("load", "output")
    assert sources(pipe, "fit")["train"] == OutputRef("split", "train")
    assert sources(pipe, "fit")["test"] == OutputRef("split", "test")


def test_inner_parameters_come_from_the_call_then_the_inner_defaults(tmp_path):
    pipe = _training(compile_src(tmp_path, NESTED))
    # `rows=rows` passes the outer parameter through; `ratio` keeps the inner default.
    assert sources(pipe, "load")["rows"] == ParameterRef("rows")
    assert sources(pipe, "split")["ratio"] == LiteralValue(0.25)
    assert [p.name for p in pipe.parameters] == ["dataset_id", "rows", "rate"]  # only the outer ones


def test_the_outer_parameters_decide_whether_the_inner_pipeline_runs(tmp_path):
    result = compile_src(tmp_path, NESTED, params={"dataset_id": "abc"}, pipeline="training")
    pipe = _training(result)
    assert [s.id for s in pipe.steps] == ["fit"]
    assert sources(pipe, "fit")["train"] == LiteralValue(1)


def test_repeated_inner_calls_number_their_steps_across_the_outer_pipeline(tmp_path):
    pipe = _training(compile_src(tmp_path, NESTED.replace("fit(train, test, rate=rate)", """fit(train, test, rate=rate)
        again_train, again_test = prepare(ratio=0.5)
        load()
        fit(again_train, again_test)""")))
    assert [s.id for s in pipe.steps] == ["load", "split", "fit", "load_2", "split_2", "load_3", "fit_2"]
    assert sources(pipe, "split_2")["data"] == OutputRef("load_2", "output")
    assert sources(pipe, "split_2")["ratio"] == LiteralValue(0.5)
    assert sources(pipe, "load_2")["rows"] == LiteralValue(100)
    assert sources(pipe, "fit_2")["train"] == OutputRef("split_2", "train")


def test_the_run_configuration_applies_to_inlined_steps_by_their_ids(tmp_path):
    write(tmp_path, {"run.yaml": "steps:\n  load:\n    enable_cache: false\n"})
    pipe = _training(compile_src(tmp_path, NESTED, config=tmp_path / "run.yaml", pipeline="training"))
    assert pipe.step("load").settings.enable_cache is False


def test_an_inner_pipeline_from_another_module(tmp_path):
    inner = """
        from zenml import pipeline, step

        @step
        def make(n: int = 1) -> int:
            return n

        @pipeline
        def produce(n: int = 3):
            return make(n=n)
    """
    pipe = only(compile_src(tmp_path, """
        from zenml import pipeline, step
        from parts import produce

        @step
        def show(value: int) -> None:
            pass

        @pipeline
        def outer():
            show(produce(n=5))
    """, extra={"parts.py": inner}, pipeline="outer"))
    assert [s.id for s in pipe.steps] == ["make", "show"]
    assert sources(pipe, "make")["n"] == LiteralValue(5)
    assert sources(pipe, "show")["value"] == OutputRef("make", "output")
    assert pipe.step("make").span.path == "parts.py"


def test_inner_pipeline_options_are_ignored_with_a_warning(tmp_path):
    result = compile_src(tmp_path, NESTED.replace("@pipeline\n    def prepare", "@pipeline(enable_cache=False)\n"
                                                  "    def prepare"))
    pipe = _training(result)
    assert pipe.step("load").settings.enable_cache is None
    warnings = [d for d in result.diagnostics if d.code == "PC116" and "`prepare`" in d.message]
    assert len(warnings) == 1 and "`enable_cache`" in warnings[0].message


@pytest.mark.parametrize(("call", "code", "words"), [
    ("prepare(size=3)", "PC204", "has no parameter `size`"),
    ("prepare(1, 2, 3)", "PC204", "takes 2 positional arguments but 3 were given"),
    ("needs()", "PC203", "without its required parameter `rows`"),
])
def test_wrong_inner_calls(tmp_path, call, code, words):
    source = NESTED.replace("fit(train, test, rate=rate)", call) + """
    @pipeline
    def needs(rows: int):
        load(rows=rows)
"""
    result = compile_src(tmp_path, source, pipeline="training")
    found = [d for d in result.diagnostics if d.code == code]
    assert found and words in found[0].message, [f"{d.code} {d.message}" for d in result.diagnostics]


def test_a_pipeline_calling_itself_is_an_error(tmp_path):
    result = compile_src(tmp_path, """
        from zenml import pipeline, step

        @step
        def tick() -> None:
            pass

        @pipeline
        def forever(n: int = 1):
            tick()
            forever(n=n)
    """)
    found = [d for d in result.diagnostics if d.code == "PC101"]
    assert found and "calls itself" in found[0].message


# ---------------------------------------------------------------------- __name__, loggers, try

BODY = """
    import logging
    from zenml import pipeline, step
    from zenml.logger import get_logger

    log = logging.getLogger(__name__)
    zlog = get_logger(__name__)

    @step
    def load() -> int:
        return 1

    @step
    def report(value: int) -> None:
        pass

    @step
    def cleanup() -> None:
        pass

    @pipeline
    def flow():
        {body}
"""


def test_name_is_the_module_name(tmp_path):
    pipe = only(compile_src(tmp_path, BODY.format(body="report(len(__name__))")))
    assert sources(pipe, "report")["value"] == LiteralValue(len("run"))


def test_logger_calls_are_no_ops_even_on_step_outputs(tmp_path):
    pipe = only(compile_src(tmp_path, BODY.format(body="""value = load()
        log.info("loaded %s", value)
        zlog.warning(f"value: {value}")
        log.exception("never")
        logging.debug("module-level logging too")
        report(value)""")))
    assert [s.id for s in pipe.steps] == ["load", "report"]


def test_other_logger_methods_are_not_evaluated(tmp_path):
    result = compile_src(tmp_path, BODY.format(body="log.setLevel(10)"))
    found = [d for d in result.diagnostics if d.code == "PC102"]
    assert found and "a logger" in found[0].message and "Logger`" not in found[0].message


def test_try_body_else_and_finally_run_and_handlers_are_ignored(tmp_path):
    pipe = only(compile_src(tmp_path, BODY.format(body="""try:
            value = load()
        except Exception as exc:
            log.error(exc)
            raise exc
        else:
            report(value)
        finally:
            cleanup()""")))
    assert [s.id for s in pipe.steps] == ["load", "report", "cleanup"]
    assert sources(pipe, "report")["value"] == OutputRef("load", "output")


def test_errors_inside_a_try_body_are_still_reported(tmp_path):
    result = compile_src(tmp_path, BODY.format(body="""try:
            report(undefined_name)
        except NameError:
            pass"""))
    assert "PC103" in codes(result)
