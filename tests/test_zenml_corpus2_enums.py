"""Enum members in pipeline bodies (bench/independent_corpus, (a) item 6: a:enum-compare).

Every expression here is evaluated twice: by CPython, on the real Enum classes defined by the
same source, and by pipec, inside a pipeline body that passes `repr(<expression>)` to a step.
The two must agree (the value, or that both fail). Members compare by identity; a member of a
str- or int-based Enum is that str or int. A value given for an Enum-annotated pipeline
parameter (--param, the run configuration, the run call) is the member with that value in the
body, as ZenML's pydantic validation makes it; a default is what the source wrote.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from pipec.ir import LiteralValue
from tests.helpers.frontend_projects import compile_src, only, sources, write

ENUMS = """
from enum import Enum, IntEnum, StrEnum, auto


class Kind(Enum):
    A = "a"
    B = "b"
    ALIAS = "a"


class Other(Enum):
    A = "a"


class Num(Enum):
    ONE = 1
    TWO = 2


class Mixed(str, Enum):
    A = "a"
    B = "b"


class Text(StrEnum):
    A = "a"
    C = auto()


class Level(IntEnum):
    LOW = 1
    HIGH = 2
"""

EXPRESSIONS = [
    # plain Enum: identity
    "Kind.A == Kind.A", "Kind.A != Kind.A", "Kind.A == Kind.B", "Kind.A != Kind.B", "Kind.A is Kind.A",
    "Kind.A is not Kind.B", "Kind.A is Kind.B", "Kind.ALIAS is Kind.A", "Kind.ALIAS == Kind.A",
    "Kind.A == Kind.A == Kind.ALIAS", "Kind.A == Kind.A != Kind.B",
    # a plain member never equals its value, nor a member of another class with the same value
    'Kind.A == "a"', 'Kind.A != "a"', '"a" == Kind.A', "Kind.A == Other.A", "Kind.A is Other.A", "Num.ONE == 1",
    # membership
    "Kind.A in (Kind.A, Kind.B)", "Kind.A in [Kind.B]", "Kind.A not in [Kind.B]", '"a" in (Kind.A,)',
    "Kind.A in Kind", "Kind.ALIAS in Kind", "Other.A in Kind", "Other.A not in Kind", "Num.TWO in Num",
    "Kind.A in {Kind.A: 1}", "{Kind.A: 1}[Kind.ALIAS]", "len({Kind.A, Kind.ALIAS, Kind.B})",
    # str- and int-based members are their values
    'Mixed.A == "a"', '"a" == Mixed.A', 'Mixed.A != "a"', "Mixed.A == Text.A", "Mixed.A is Mixed.A",
    'Mixed.A in ("a",)', '"a" in [Mixed.A]', "Mixed.A in Mixed", "Text.A in Mixed", 'Text.C == "c"',
    'Text.A != "a"', '"b" < Mixed.B', "Level.LOW == 1", "Level.LOW < Level.HIGH", "Level.HIGH > 1",
    "Level.LOW in (1, 2)", "1 in [Level.LOW]", "Level.LOW + 1", "Level.HIGH in Level",
    # attributes, lookups, iteration, text
    'Kind.A.value == "a"', "Kind.A.name", "Kind.ALIAS.name", 'Kind("a")', 'Kind("a") is Kind.A',
    "Kind(Kind.B)", 'Kind["B"]', 'Kind["ALIAS"]', 'Mixed("b")', "Level(2)", "Num(1.0)", "Num(True)",
    "[k.name for k in Kind]", "[k for k in Mixed]", "[k.value for k in Level if k > 1]",
    "str(Kind.A)", 'f"{Mixed.A}|{Text.A}|{Level.LOW}"', "Kind.A if Kind.A == Kind.A else Kind.B",
    "not Kind.A", "bool(Kind.A)", "repr(Mixed.A)",
    # what Python refuses
    "Kind.A < Kind.B", "Num.ONE >= Num.TWO", 'Kind("z")', 'Kind["Z"]', 'Kind["_value_"]', "Kind()",
]


def _python(expression: str, **names: str) -> tuple[bool, str]:
    """(True, repr(value)) of `expression` evaluated by CPython on the real classes, with `names`
    bound to the values of their expressions, else (False, the error)."""
    scope: dict = {}
    exec(compile(ENUMS, "enums", "exec"), scope)  # noqa: S102 - our own test source
    scope.update({name: eval(value, scope) for name, value in names.items()})  # noqa: S307
    try:
        return True, repr(eval(expression, scope))  # noqa: S307 - our own test expressions
    except (TypeError, ValueError, KeyError) as exc:
        return False, f"{type(exc).__name__}: {exc}"


def _pipec(tmp_path, expression: str):
    return compile_src(tmp_path, f"""
        from zenml import pipeline, step
        from enums import Kind, Other, Num, Mixed, Text, Level

        @step
        def s(text: str) -> None:
            pass

        @pipeline
        def p():
            s(text=repr({expression}))
    """, {"enums.py": ENUMS})


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_enum_expressions_evaluate_as_cpython_does(tmp_path, expression):
    ok, expected = _python(expression)
    result = _pipec(tmp_path, expression)
    errors = [d for d in result.diagnostics if d.is_error]
    if not ok:
        assert errors, f"CPython raises {expected}, pipec gives a value"
        assert all("EnumMember" not in d.message and "EnumStr" not in d.message for d in errors)
        return
    assert not errors, [f"{d.code} {d.message}" for d in errors]
    assert sources(only(result), "s")["text"] == LiteralValue(expected)


def test_the_corpus_covers_both_outcomes():
    outcomes = [_python(e)[0] for e in EXPRESSIONS]
    results = [_python(e)[1] for e in EXPRESSIONS if _python(e)[0]]
    assert outcomes.count(False) >= 5 and "True" in results and "False" in results


# ---------------------------------------------------------------------- the README's reproduction

BRANCHES = """
    from enum import Enum
    from zenml import pipeline, step

    class Kind(Enum):
        A = "a"
        B = "b"

    @step
    def make_a() -> int:
        return 1

    @step
    def make_b() -> int:
        return 2

    @pipeline
    def p(kind: Kind = Kind.A):
        if kind == Kind.A:
            make_a()
        elif kind == Kind.B:
            make_b()
        {tail}
"""


@pytest.mark.parametrize("tail", ['else:\n            raise ValueError(f"bad kind {kind}")', ""])
@pytest.mark.parametrize(("params", "step"), [({}, "make_a"), ({"kind": "b"}, "make_b"), ({"kind": "a"}, "make_a")])
def test_a_branch_on_an_enum_parameter_picks_its_step(tmp_path, tail, params, step):
    pipe = only(compile_src(tmp_path, BRANCHES.format(tail=tail), params=params))
    assert [s.id for s in pipe.steps] == [step]
    assert pipe.parameters[0].value == params.get("kind", "a")  # the IR keeps the member's value


# ---------------------------------------------------------------------- parameters

PARAMETERS = ENUMS + """

from typing import List, Optional
from zenml import pipeline, step


@step
def s(text: str) -> None:
    pass


@pipeline
def p(kind: Kind = Kind.A, mixed: Optional[Mixed] = None, level: Level = Level.LOW, raw: Kind = "a",
      kinds: Optional[List[Kind]] = None, bare=Kind.B, listed: list[Kind] = [Kind.B]):
    s(text=repr([{checks}]))
"""

CHECKS = ["kind", "kind == Kind.A", "kind is Kind.B", "kind in (Kind.B,)", 'kind == "a"', "kind.value", "kind.name",
          "mixed", 'mixed == "b"', "mixed is Mixed.B", "level", "level == 2", "level is Level.HIGH",
          "raw", "raw == Kind.A", "raw is Kind.A", "kinds", "bare", "bare is Kind.B", "listed", "Kind.B in listed"]

#: What the body sees for each parameter's default (Python runs the body with the defaults as written).
DEFAULTS = {"kind": "Kind.A", "mixed": "None", "level": "Level.LOW", "raw": "'a'", "kinds": "None", "bare": "Kind.B",
            "listed": "[Kind.B]"}
#: The Enum class each annotated parameter validates into (pydantic calls the class with the value).
CLASSES = {"kind": "Kind", "mixed": "Mixed", "level": "Level", "listed": "Kind"}


def _expected(**given: object) -> str:
    """The checks' repr as CPython gives them when pydantic has made each given value a member."""
    names = dict(DEFAULTS)
    for name, value in given.items():
        if name in ("kinds", "listed"):
            names[name] = f"[Kind(v) for v in {value!r}]"
        else:
            names[name] = f"{CLASSES[name]}({value!r})"
    ok, text = _python(f"[{', '.join(CHECKS)}]", **names)
    assert ok, text
    return text


def _write_project(tmp_path, run: str = "") -> None:
    source = PARAMETERS.format(checks=", ".join(CHECKS))
    files = {"pyproject.toml": "", "flow.py": source}
    if run:
        files["run.py"] = "from flow import p, Kind, Mixed, Level\n\n" + textwrap.dedent(run)
    write(tmp_path, files)


def _text(result) -> str:
    return sources(only(result), "s")["text"].value


def test_defaults_are_what_the_source_wrote(tmp_path):
    from pipec.compiler.api import load

    _write_project(tmp_path)
    assert _text(load(tmp_path / "flow.py")) == _expected()


@pytest.mark.parametrize("given", [{"kind": "b"}, {"kind": "a", "mixed": "b", "level": 2}, {"mixed": "a"},
                                   {"kinds": ["b", "a"], "listed": ["a"]}])
def test_param_and_config_values_become_members(tmp_path, given):
    from pipec.compiler.api import load

    _write_project(tmp_path)
    by_param = load(tmp_path / "flow.py", params={k: json.dumps(v) if isinstance(v, list) else str(v)
                                                  for k, v in given.items()})
    assert _text(by_param) == _expected(**given)
    (tmp_path / "c.yaml").write_text("parameters:\n" + "".join(f"  {k}: {v}\n" for k, v in given.items()))
    by_config = load(tmp_path / "flow.py", config=tmp_path / "c.yaml")
    assert _text(by_config) == _expected(**given)
    assert {p.name: p.value for p in only(by_config).parameters if p.name in given} == given


@pytest.mark.parametrize("call", ['p(kind="b", level=2)', "p(kind=Kind.B, level=Level.HIGH)"])
def test_run_call_values_become_members(tmp_path, call):
    from pipec.compiler.api import load

    _write_project(tmp_path, call)
    assert _text(load(tmp_path / "run.py")) == _expected(kind="b", level=2)


@pytest.mark.parametrize(("how", "code", "where"), [
    ("param", "PC303", "flow.py:"), ("config", "PC110", "c.yaml:2"), ("call", "PC303", "run.py:3")])
def test_a_value_no_member_has_is_a_located_error_listing_the_values(tmp_path, how, code, where):
    from pipec.compiler.api import load

    _write_project(tmp_path, 'p(kind="z")' if how == "call" else "")
    (tmp_path / "c.yaml").write_text("parameters:\n  kind: z\n")
    result = load(tmp_path / ("run.py" if how == "call" else "flow.py"),
                  params={"kind": "z"} if how == "param" else None,
                  config=tmp_path / "c.yaml" if how == "config" else None)
    (error,) = [d for d in result.diagnostics if d.is_error]  # the body does not echo it
    assert error.code == code and str(error.span).startswith(where), (error.code, str(error.span))
    assert "`Kind`" in error.message and "'z'" in error.message and "'a', 'b'" in (error.help or "")


def test_a_nested_pipeline_sees_its_enum_default_as_written(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from enum import Enum
        from zenml import pipeline, step

        class DatasetType(Enum):
            INSTRUCTION = "instruction"
            PREFERENCE = "preference"

        @step
        def instruct() -> None: ...

        @step
        def prefer() -> None: ...

        @pipeline
        def generate(dataset_type: DatasetType = DatasetType.INSTRUCTION):
            if dataset_type == DatasetType.INSTRUCTION:
                instruct()
            elif dataset_type == DatasetType.PREFERENCE:
                prefer()
            else:
                raise ValueError(f"Invalid dataset type: {dataset_type}")

        @pipeline
        def outer():
            generate()
            generate(dataset_type=DatasetType.PREFERENCE)
    """, pipeline="outer"))
    assert [s.id for s in pipe.steps] == ["instruct", "prefer"]



def test_members_of_two_classes_with_one_name_differ(tmp_path):
    # Python: different classes, different members, whatever their names and values.
    pipe = only(compile_src(tmp_path, """
        from zenml import pipeline, step
        from enums import Kind
        from more.enums import Kind as Twin

        @step
        def s(text: str) -> None:
            pass

        @pipeline
        def p():
            s(text=repr([Kind.A == Twin.A, Kind.A in Twin, Twin.A is Twin.A]))
    """, {"enums.py": ENUMS, "more/__init__.py": "", "more/enums.py": ENUMS}))
    assert sources(pipe, "s")["text"] == LiteralValue("[False, False, True]")


def test_a_list_item_no_member_has_is_an_error_too(tmp_path):
    from pipec.compiler.api import load

    _write_project(tmp_path)
    (tmp_path / "c.yaml").write_text("parameters:\n  kinds: [a, z]\n")
    (error,) = [d for d in load(tmp_path / "flow.py", config=tmp_path / "c.yaml").diagnostics if d.is_error]
    assert error.code == "PC110" and "`kinds`" in error.message and "'z'" in error.message


def test_a_step_parameter_typed_with_an_enum_gets_the_member_at_run_time(tmp_path) -> None:
    """ZenML validates step parameters with pydantic, which turns the value into the member."""
    import enum

    from pipec.runtime.shim import StepError, build_kwargs

    class Kind(enum.Enum):
        A = "a"
        B = "b"

    def step(kind, n): ...

    step.__annotations__ = {"kind": Kind, "n": int}  # a local class: no string annotation to resolve
    assert build_kwargs(step, {"kind": "b", "n": 1}, {}) == {"kind": Kind.B, "n": 1}
    assert build_kwargs(step, {"kind": Kind.A, "n": 1}, {})["kind"] is Kind.A
    with pytest.raises(StepError, match=r"parameter `kind`: 'c' is no value of Kind \('a', 'b'\)"):
        build_kwargs(step, {"kind": "c", "n": 1}, {})
