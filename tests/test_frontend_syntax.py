"""The frontend's reading of Python syntax where `ast` needs care: character columns on
non-ASCII lines, `elif` against `else: if`, argument order, subscripts, signatures and
string annotations."""

from __future__ import annotations

from pipec.ir import LiteralValue, OutputRef
from tests.helpers.frontend_projects import codes, compile_src, only, sources

HEADER = """
    from typing import Tuple
    from pipec import step, pipeline

    @step
    def make(*, n: int = 3) -> Tuple[int, int]:
        return n, n

    @step
    def use(a: int, b: int) -> None:
        print(a, b)
"""


def test_columns_count_characters_on_non_ascii_lines(tmp_path):
    result = compile_src(tmp_path, HEADER + """
    @pipeline
    def p():
        label = "日本語 café"; x = undefined_name
    """)
    (diag,) = [d for d in result.diagnostics if d.code == "PC103"]
    line = (tmp_path / "run.py").read_text(encoding="utf-8").splitlines()[diag.span.line - 1]
    assert line[diag.span.column - 1: diag.span.end_column - 1] == "undefined_name"


def test_attribute_error_points_at_the_attribute_name(tmp_path):
    result = compile_src(tmp_path, HEADER + """
    import helpers

    @pipeline
    def p():
        use(1, "é" and helpers.no_such_thing)
    """, {"helpers.py": "X = 1\n"})
    (diag,) = [d for d in result.diagnostics if d.code == "PC103"]
    line = (tmp_path / "run.py").read_text(encoding="utf-8").splitlines()[diag.span.line - 1]
    assert diag.message.startswith("`no_such_thing`")
    assert line[diag.span.column - 1: diag.span.end_column - 1] == "no_such_thing"


def test_keyword_only_step_parameters_are_allowed(tmp_path):
    pipe = only(compile_src(tmp_path, HEADER + """
    @pipeline
    def p():
        a, b = make(n=4)
        use(a, b)
    """))
    assert sources(pipe, "make") == {"n": LiteralValue(4)}


def test_star_args_are_still_rejected_at_the_star_parameter(tmp_path):
    result = compile_src(tmp_path, """
    from pipec import step, pipeline

    @step
    def s(x: int, *rest: int) -> int:
        return x

    @pipeline
    def p():
        s(1)
    """)
    (diag,) = [d for d in result.diagnostics if d.code == "PC107"]
    line = (tmp_path / "run.py").read_text(encoding="utf-8").splitlines()[diag.span.line - 1]
    assert line[diag.span.column - 1: diag.span.end_column - 1] == "rest: int"


def test_elif_and_else_if(tmp_path):
    pipe = only(compile_src(tmp_path, HEADER + """
    @pipeline
    def p(n: int = 2):
        a, b = make()
        if n == 1:
            use(a, b, id="one")
        elif n == 2:
            use(b, a, id="two")
        else:
            if n == 3:
                use(a, a, id="three")
    """))
    assert [s.id for s in pipe.steps] == ["make", "two"]


def test_a_failing_elif_condition_poisons_the_whole_if_statement(tmp_path):
    # One error for the condition; `y`, assigned only in the first branch, is not then
    # reported again as undefined (as it would be if the `elif` were its own statement).
    result = compile_src(tmp_path, HEADER + """
    @pipeline
    def p(n: int = 2):
        a, b = make()
        if n == 1:
            y = a
        elif undefined_name:
            x = b
        use(y, b)
    """)
    assert codes(result) == ["PC103"]


def test_star_arguments_after_keywords(tmp_path):
    pipe = only(compile_src(tmp_path, HEADER + """
    @pipeline
    def p():
        a, b = make()
        use(b=b, *[a])
        use(*[a], **{"b": b}, id="second")
    """))
    assert sources(pipe, "use") == {"a": OutputRef("make", "output_0"), "b": OutputRef("make", "output_1")}
    assert sources(pipe, "second") == sources(pipe, "use")


def test_tuple_subscripts_read_like_python(tmp_path):
    pipe = only(compile_src(tmp_path, HEADER + """
    SIZES = {("x", "y"): 5}

    @pipeline
    def p():
        sizes = dict(SIZES)
        sizes["x", "z"] = 6
        a, b = make(n=SIZES["x", "y"] + sizes[("x", "z")])
    """))
    assert sources(pipe, "make") == {"n": LiteralValue(11)}


def test_fstring_conversion_and_nested_format_spec(tmp_path):
    pipe = only(compile_src(tmp_path, HEADER + """
    @pipeline
    def p(width: int = 8):
        a, b = make()
        use(a, b, id=f"{'é'!r:>{width}}|{{x}}|{width:03d}")
    """))
    assert [s.id for s in pipe.steps] == ["make", f"{'é'!r:>8}|{{x}}|{8:03d}"]


def test_string_annotations_and_empty_tuple(tmp_path):
    pipe = only(compile_src(tmp_path, """
    from typing import Optional
    from pipec import step, pipeline

    @step
    def s(x: " Optional[int] ", y: "list[str]" = None) -> "dict[str, float]":
        return {}

    @pipeline
    def p():
        s(1)
    """))
    step = pipe.step("s")
    assert [(p.name, p.type) for p in step.signature] == [("x", "int | None"), ("y", "list[str]")]
    assert [(o.name, o.type) for o in step.outputs] == [("output", "dict[str, float]")]
