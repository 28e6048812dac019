"""Pipeline bodies from the independent corpus (bench/independent_corpus, (a) items 3 and 7).

- `print(...)` in the body does nothing at compile time whatever its arguments (ZenML formats
  the `StepArtifact` and prints while composing; nothing flows into the DAG), as logger calls.
- `step_output.invocation_id` is the producing invocation's id, a str at compile time, usable in
  `after=` and returned from a nested pipeline (the LLM Engineer's Handbook's `wait_for=` chain).
"""

from __future__ import annotations

import pytest

from pipec.ir import OutputRef
from tests.helpers.frontend_projects import codes, compile_src, only, sources

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
