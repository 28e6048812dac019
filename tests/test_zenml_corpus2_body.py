"""Pipeline bodies from the independent corpus (bench/independent_corpus, (a) items 3 and 7).

- `print(...)` in the body does nothing at compile time whatever its arguments (ZenML formats
  the `StepArtifact` and prints while composing; nothing flows into the DAG), as logger calls.
- `step_output.invocation_id` is the producing invocation's id, a str at compile time, usable in
  `after=` and returned from a nested pipeline (the LLM Engineer's Handbook's `wait_for=` chain).
"""

from __future__ import annotations

import pytest

from pipec.ir import OutputRef
from tests.helpers.frontend_projects import compile_src, only, sources

BODY = """
    import sys
    from zenml import pipeline, step

    @step
    def load() -> str:
        return "x"

    @step
    def use(path: str) -> None:
        pass

    @pipeline
    def p():
        {body}
"""


# ---------------------------------------------------------------------- item 7: print


@pytest.mark.parametrize("call", [
    'print(f"loaded {path}")',
    'print("loaded", path, sep=" ", file=sys.stderr)',
    "print(path.uri)",
    "print(path + 1)",
    "print()",
])
def test_print_is_a_no_op_whatever_its_arguments(tmp_path, call):
    pipe = only(compile_src(tmp_path, BODY.format(body=f"""path = load()
        {call}
        use(path=path)""")))
    assert [s.id for s in pipe.steps] == ["load", "use"]
    assert sources(pipe, "use")["path"] == OutputRef("load", "output")


def test_print_returns_none(tmp_path):
    pipe = only(compile_src(tmp_path, BODY.format(body="""shown = print("x")
        use(path=str(shown))""")))
    assert sources(pipe, "use")["path"].value == "None"


def test_a_shadowed_print_is_not_a_no_op(tmp_path):
    result = compile_src(tmp_path, BODY.format(body="""print = use
        print(path=load())"""))
    pipe = only(result)
    assert [s.id for s in pipe.steps] == ["load", "use"]


@pytest.mark.parametrize("call", ["print(undefined)", 'print(f"{path} {undefined}")',
                                  "print(sep=undefined)", 'print([x for x in undefined])'])
def test_print_of_an_undefined_name_is_still_an_error(tmp_path, call):
    # Python raises NameError while composing: the arguments are not evaluated, but their names are looked up.
    result = compile_src(tmp_path, BODY.format(body=f"path = load()\n        {call}"))
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.code == "PC103" and "`undefined`" in error.message


@pytest.mark.parametrize("call", ["print([x for x in [path]])", "print({k: v for k, v in {}.items()})",
                                  "print((lambda v: v)(path))", "print(n := 1, n)", "print(__name__, len, p)"])
def test_names_bound_inside_print_arguments_are_defined(tmp_path, call):
    pipe = only(compile_src(tmp_path, BODY.format(body=f"path = load()\n        {call}")))
    assert [s.id for s in pipe.steps] == ["load"]


# ---------------------------------------------------------------------- item 3: invocation_id

CHAIN = """
    from zenml import pipeline, step

    @step
    def crawl(link: str = "") -> int:
        return 1

    @step
    def split() -> Tuple[Annotated[int, "left"], Annotated[int, "right"]]:
        return 1, 2

    @step
    def load(rows: int) -> None:
        pass

    @step
    def index(tag: str = "") -> None:
        pass

    @pipeline
    def etl(links: list[str]) -> str:
        for link in links:
            last = crawl(link=link)
        return last.invocation_id

    @pipeline
    def features(wait_for: str | list[str] | None = None) -> list[str]:
        left, right = split(after=wait_for)
        first = load(rows=left)
        second = load(rows=right, id="load_right")
        return [left.invocation_id, right.invocation_id]

    @pipeline
    def both():
        {body}
""".replace("from zenml import", "from typing import Annotated, Tuple\n    from zenml import")


def _chain(tmp_path, body: str):
    return only(compile_src(tmp_path, CHAIN.format(body=body), pipeline="both"))


def test_invocation_id_returned_by_a_nested_pipeline_orders_a_step(tmp_path):
    pipe = _chain(tmp_path, 'done = etl(links=["a", "b"])\n        index(after=done)')
    assert [s.id for s in pipe.steps] == ["crawl", "crawl_2", "index"]
    assert pipe.step("index").after == ("crawl_2",)


def test_the_handbook_wait_for_chain(tmp_path):
    # LLM Engineer's Handbook, pipelines/end_to_end_data.py: ids collected in a loop over nested
    # pipelines, passed as `wait_for=` to the next nested pipeline, which passes them to `after=`.
    pipe = _chain(tmp_path, """wait_for_ids = []
        for links in [["a"], ["b", "c"]]:
            wait_for_ids.append(etl(links=links))
        wait_for_ids = features(wait_for=wait_for_ids)
        index(after=wait_for_ids)""")
    assert [s.id for s in pipe.steps] == ["crawl", "crawl_2", "crawl_3", "split", "load", "load_right", "index"]
    assert pipe.step("split").after == ("crawl", "crawl_3")
    assert pipe.step("index").after == ("split",)


@pytest.mark.parametrize(("body", "after"), [
    ("out = crawl()\n        index(after=out.invocation_id)", ("crawl",)),
    ("crawl()\n        out = crawl()\n        index(after=[out.invocation_id])", ("crawl_2",)),
    ('out = crawl(id="fetch")\n        index(after=[out.invocation_id, "fetch"])', ("fetch",)),
    ("left, right = split()\n        index(after=right.invocation_id)", ("split",)),
])
def test_invocation_id_is_the_producing_invocation(tmp_path, body, after):
    assert _chain(tmp_path, body).step("index").after == after


def test_invocation_id_and_output_name_are_text_at_compile_time(tmp_path):
    pipe = _chain(tmp_path, 'left, right = split()\n        index(tag=f"{right.invocation_id}/{right.output_name}")')
    assert sources(pipe, "index")["tag"].value == "split/right"
    assert pipe.step("index").after == ()


def test_other_attributes_of_a_step_output_are_still_run_time_only(tmp_path):
    result = compile_src(tmp_path, CHAIN.format(body="out = crawl()\n        index(tag=out.uri)"), pipeline="both")
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.code == "PC113" and "`.uri`" in error.message


def test_a_step_without_outputs_has_no_invocation_id(tmp_path):
    # ZenML returns an empty list for a step without outputs: `.invocation_id` fails while composing.
    result = compile_src(tmp_path, CHAIN.format(body="out = index()\n        index(after=out.invocation_id)"),
                         pipeline="both")
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert "step `index` has no outputs" in error.message and 'after="index"' in error.help


@pytest.mark.parametrize(("call", "ids"), [
    ("print(load())", ["load"]),
    ('print(f"{load()} then {use(path=load())}")', ["load", "load_2", "use"]),
    ("print(load(), sep=str(use(path=load())))", ["load", "load_2", "use"]),
    ("print([load() for _ in range(2)])", ["load", "load_2"]),
    ("print([n for n in range(2)], {n: n for n in [1]})", []),
])
def test_a_step_called_inside_print_still_joins_the_pipeline(tmp_path, call, ids):
    # ZenML evaluates print's arguments while composing: the step call adds its invocation.
    pipe = only(compile_src(tmp_path, BODY.format(body=f"{call}\n        use(path='x', id='last')")))
    assert [s.id for s in pipe.steps] == [*ids, "last"]
