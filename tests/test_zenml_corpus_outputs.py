"""ZenML-written steps and pipelines from the corpus measurement (issue 12): output names,
class and Enum constants, star re-exports, Optional parameters, typing_extensions.

Every expected name below is what ZenML's own parser (`parse_return_type_annotations` and
`get_artifact_config_from_annotation_metadata`) gives for the same source: a wrong output name
is a silent data bug, so each annotation form has its own case.
"""

from __future__ import annotations

import pytest

from pipec.ir import LiteralValue, OutputRef
from tests.helpers.frontend_projects import codes, compile_src, only, sources

CONSTANTS = """
    from enum import Enum, IntEnum, StrEnum, auto

    DATASET = "dataset"
    PREFIX = "clf"

    class Names:
        TRAIN = "train_set"
        TEST = TRAIN.replace("train", "test")

    class Kind(StrEnum):
        RAW = "raw_frame"
        AUTO = auto()

    class Mixed(str, Enum):
        SCORES = "score_table"

    class Level(IntEnum):
        LOW = 1

    class Color(Enum):
        RED = "red"
"""


def outputs_of(tmp_path, returns: str | None, body: str = "return 1, 2", header: str = "") -> list[str]:
    """The output names pipec gives a step `s` declared `-> returns` (None: no annotation) with `body`."""
    pipe = only(compile_src(tmp_path, f"""
from typing import Annotated, Optional, Tuple
import typing_extensions
import zenml
from zenml import ArtifactConfig, pipeline, step
from zenml.artifacts.artifact_config import ArtifactConfig as DeepConfig
import consts
from consts import DATASET, Names, Kind, Mixed
{header}

@step
def s(){"" if returns is None else f" -> {returns}"}:
    {body}

@pipeline
def p():
    s()
""", {"consts.py": CONSTANTS}))
    return [o.name for o in pipe.step("s").outputs]


#: (return annotation, body, the output names ZenML gives): tests/test_zenml_output_names_real.py
#: checks every row against ZenML's own parser.
OUTPUT_NAME_CASES = [
    # one output
    ("int", "return 1", ["output"]),
    ('Annotated[int, "model"]', "return 1", ["model"]),
    ('Annotated[int, ArtifactConfig(name="model")]', "return 1", ["model"]),
    ('Annotated[int, zenml.ArtifactConfig(name="model")]', "return 1", ["model"]),
    ('Annotated[int, DeepConfig(name="model", tags=["a"])]', "return 1", ["model"]),
    # a name and a config without a name (ZenML's legacy form), in either order
    ('Annotated[int, "model", ArtifactConfig(tags=["x"])]', "return 1", ["model"]),
    ('Annotated[int, ArtifactConfig(is_model_artifact=True), "model"]', "return 1", ["model"]),
    ("Annotated[int, ArtifactConfig()]", "return 1", ["output"]),
    # an empty str is no name; a config's empty name is filled by the str
    ('Annotated[int, ""]', "return 1", ["output"]),
    ('Annotated[int, "a", ArtifactConfig(name="")]', "return 1", ["a"]),
    ('Tuple[Annotated[int, ""], str]', "return 1, 'a'", ["output_0", "output_1"]),
    ('typing_extensions.Annotated[int, "model"]', "return 1", ["model"]),
    # a Tuple annotation is one output per element only when the body returns a tuple literal
    ("Tuple[int, str]", "return 1, 'a'", ["output_0", "output_1"]),
    ("Tuple[int, str]", "pair = (1, 'a')\n    return pair", ["output"]),
    ("tuple[int, str]", "return (1, 'a')", ["output_0", "output_1"]),
    ("typing_extensions.Tuple[int, str]", "return 1, 'a'", ["output_0", "output_1"]),
    ('Tuple[Annotated[int, "rows"], str]', "return 1, 'a'", ["rows", "output_1"]),
    ('Annotated[Tuple[int, int], "pair"]', "return 1, 2", ["pair"]),
    ("Tuple[int, ...]", "return (1,)", ["output"]),
    ('Optional[Annotated[int, "x"]]', "return 1", ["output"]),
    # stubs: the annotation decides
    ("Tuple[int, str]", "...", ["output_0", "output_1"]),
    # names from constants, classes and Enums
    ("Annotated[int, DATASET]", "return 1", ["dataset"]),
    ("Annotated[int, consts.DATASET]", "return 1", ["dataset"]),
    ('Annotated[int, f"{consts.PREFIX}_model"]', "return 1", ["clf_model"]),
    ("Annotated[int, Names.TRAIN]", "return 1", ["train_set"]),
    ("Annotated[int, Names.TEST]", "return 1", ["test_set"]),
    ("Annotated[int, Kind.RAW]", "return 1", ["raw_frame"]),
    ("Annotated[int, Kind.AUTO]", "return 1", ["auto"]),
    ("Annotated[int, Mixed.SCORES]", "return 1", ["score_table"]),
    ("Annotated[int, ArtifactConfig(name=Kind.RAW)]", "return 1", ["raw_frame"]),
    ("Tuple[Annotated[int, Names.TRAIN], Annotated[int, Names.TEST]]", "return 1, 2", ["train_set", "test_set"]),
    # no return annotation: one `output` unless every return is None (or there is none)
    (None, "return 1", ["output"]),
    (None, "print('no return')", []),
    (None, "if True:\n        return\n    return None", []),
    (None, "def helper():\n        return 1\n    helper()", []),
    (None, "return 3 if True else None", ["output"]),
    ("None", "return None", []),
    (None, "...", ["output"]),
]


@pytest.mark.parametrize(("returns", "body", "expected"), OUTPUT_NAME_CASES)
def test_output_names_follow_zenml(tmp_path, returns, body, expected):
    assert outputs_of(tmp_path, returns, body) == expected


def test_corpus_reproduction_artifact_config_and_module_constant(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from typing import Annotated, Tuple
        from zenml import ArtifactConfig, pipeline, step

        SCORE_NAME = "metrics"

        @step
        def fit() -> Tuple[Annotated[int, ArtifactConfig(name="model")], Annotated[float, SCORE_NAME]]:
            return 1, 0.5

        @step
        def report(m: float) -> None: ...

        @pipeline
        def p():
            model, score = fit()
            report(m=score)
    """))
    assert [(o.name, o.type) for o in pipe.step("fit").outputs] == [("model", "int"), ("metrics", "float")]
    assert sources(pipe, "report") == {"m": OutputRef("fit", "metrics")}


def test_untyped_step_returning_nothing_has_no_output(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from zenml import pipeline, step

        @step
        def notify(flag: bool = True):
            if flag:
                print("done")
                return
            return None

        @step
        def value(flag: bool = True):
            return 3 if flag else None

        @pipeline
        def p():
            notify()
            value()
    """))
    assert pipe.step("notify").outputs == ()
    assert [(o.name, o.type) for o in pipe.step("value").outputs] == [("output", "Any")]


def test_nested_functions_do_not_count_as_tuple_returns(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from typing import Tuple
        from zenml import pipeline, step

        @step
        def s() -> Tuple[int, int]:
            def helper():
                return 1, 2
            return helper()

        @pipeline
        def p():
            s()
    """))
    assert [o.name for o in pipe.step("s").outputs] == ["output"]


#: (return annotation, pipec's message) of annotations ZenML refuses; the body is `return 1, 2`.
#: tests/test_zenml_output_names_real.py checks that ZenML's own parser refuses each one too.
REJECTED_ANNOTATIONS = [
    ('Annotated[int, "a", "b"]', "holds two output names; ZenML takes one"),
    ("Annotated[int, ArtifactConfig(), ArtifactConfig()]", "holds two `ArtifactConfig`s"),
    ('Annotated[int, "a", ArtifactConfig(name="b")]', 'the output is named twice: `a` and `ArtifactConfig(name="b")`'),
    ('Annotated[Annotated[int, "a"], "b"]', "holds two output names"),
    ('Annotated[int, "", ArtifactConfig(name="x")]', "the output is named twice"),
    ('Annotated[int, ArtifactConfig(name="")]', "an output name cannot be empty"),
    ('Annotated[int, "a", ArtifactConfig(), "c"]', "at most two items"),
    ("Annotated[int, 3]", "this is a int"),
    ("Annotated[int, Color.RED]", "the enum member `Color.RED`, which is not a str"),
    ('Annotated[int, Field(description="x")]', "not `Field(...)`"),
    ('Annotated[int, ArtifactConfig("a")]', "`ArtifactConfig` takes keyword arguments only"),
    ("Annotated[int, ArtifactConfig(name=3)]", "`ArtifactConfig(name=...)` must be a str"),
    ('Tuple[Annotated[int, "x"], Annotated[int, "x"]]', "two outputs named `x`"),
    ('Tuple[int, Annotated[int, "output_0"]]', "two outputs named `output_0`"),
    ("Tuple[int, ...]", "variable-length"),
    ("Tuple", "bare `Tuple`"),
]


@pytest.mark.parametrize(("returns", "message"), REJECTED_ANNOTATIONS)
def test_annotations_zenml_rejects_are_errors(tmp_path, returns, message):
    result = compile_src(tmp_path, f"""
        from typing import Annotated, Tuple
        from pydantic import Field
        from zenml import ArtifactConfig, pipeline, step
        from consts import Color

        @step
        def s() -> {returns}:
            return 1, 2

        @pipeline
        def p():
            s()
    """, {"consts.py": CONSTANTS})
    errors = [d for d in result.diagnostics if d.is_error]
    assert [d.code for d in errors] == ["PC118"], [d.message for d in errors]
    assert message in errors[0].message
    assert errors[0].span.line == 7
    assert "ClassRef" not in errors[0].message and "EnumMember" not in errors[0].message


def test_unevaluable_output_name_says_why(tmp_path):
    result = compile_src(tmp_path, """
        import os
        from typing import Annotated
        from zenml import pipeline, step

        NAME = os.getenv("OUTPUT_NAME")

        @step
        def s() -> Annotated[int, NAME]:
            return 1

        @pipeline
        def p():
            s()
    """)
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.code == "PC102"
    assert error.message.startswith('`os.getenv("OUTPUT_NAME")` reads the environment')


# ---------------------------------------------------------------------- class and Enum constants


def test_enum_and_class_constants_name_pipelines_and_values(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from zenml import pipeline, step
        from consts import Names, Kind, Mixed, Level, Color

        @step
        def s(text: str, number: int = 0, raw: str = "") -> None: ...

        @pipeline(name=Kind.RAW)
        def p():
            s(text=f"{Kind.RAW}|{Mixed.SCORES}|{Color.RED}|{Level.LOW}", id="fmt")
            s(text=Color.RED.value + Mixed.SCORES.name, number=Level.LOW, raw=Kind.RAW, id="vals")
            s(text=Names.TRAIN + "-" + Kind.RAW.upper(), id="ops")
    """, {"consts.py": CONSTANTS}))
    assert pipe.name == "raw_frame"
    # Python >= 3.11: StrEnum and IntEnum format as their value, other Enums as `Class.NAME`
    assert sources(pipe, "fmt")["text"] == LiteralValue("raw_frame|Mixed.SCORES|Color.RED|1")
    vals = sources(pipe, "vals")
    assert vals["text"] == LiteralValue("redSCORES")
    assert vals["number"] == LiteralValue(1) and type(vals["number"].value) is int
    assert vals["raw"] == LiteralValue("raw_frame") and type(vals["raw"].value) is str
    assert sources(pipe, "ops")["text"] == LiteralValue("train_set-RAW_FRAME")


def test_enum_aliases_auto_and_custom_str(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from enum import Enum, auto
        from zenml import pipeline, step

        class Stage(Enum):
            DEV = auto()
            PROD = auto()
            LIVE = PROD

        class Env(str, Enum):
            DEV = "dev"

            def __str__(self):
                return self.value

        @step
        def s(text: str) -> None: ...

        @pipeline
        def p():
            s(text=f"{Stage.DEV.value}{Stage.PROD.value}{Stage.LIVE.name}-{Env.DEV}")
    """))
    assert sources(pipe, "s")["text"] == LiteralValue("12PROD-dev")


def test_try_import_fallback_uses_the_try_part(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from zenml import pipeline, step

        try:
            from enum import StrEnum
        except ImportError:
            from enum import Enum

            class StrEnum(str, Enum):
                pass

        class Names(StrEnum):
            FE = "features"

        @step
        def s(text: str) -> None: ...

        @pipeline
        def p():
            s(text=f"{Names.FE}")
    """))
    assert sources(pipe, "s")["text"] == LiteralValue("features")


@pytest.mark.parametrize(("source", "code", "message"), [
    ("Settings.CHANNEL", "PC102", '`os.getenv("SLACK_CHANNEL")` reads the environment'),
    ("Settings.CHANEL", "PC103", "class `Settings` has no attribute `CHANEL`"),
    ("Model.name_field", "PC102", "it would come from the base class `pydantic.BaseModel`"),
    ("Settings.DECLARED", "PC102", "`Settings.DECLARED` cannot be used here: it is declared without a value"),
    ("Custom.A", None, None),
])
def test_class_attribute_errors_say_why(tmp_path, source, code, message):
    result = compile_src(tmp_path, f"""
        import os
        from enum import Enum
        from pydantic import BaseModel
        from zenml import pipeline, step

        class Settings:
            CHANNEL = os.getenv("SLACK_CHANNEL")
            DECLARED: str

        class Model(BaseModel):
            pass

        class Custom(Enum):
            A = "a"

            def __str__(self):
                return "custom"

        @step
        def s(text: str) -> None: ...

        @pipeline
        def p():
            s(text=f"{{{source}}}")
    """)
    errors = [d for d in result.diagnostics if d.is_error]
    if code is None:  # a custom __str__ pipec cannot run
        assert [d.code for d in errors] == ["PC102"]
        assert "defines its own `__str__`" in errors[0].message
        return
    assert [d.code for d in errors] == [code]
    assert message in errors[0].message
    assert "ClassRef" not in errors[0].message
    if source == "Settings.CHANEL":
        assert errors[0].help == "did you mean `CHANNEL`?"


# ---------------------------------------------------------------------- star re-exports


def test_star_reexports_honour_all(tmp_path):
    files = {
        "pkg/__init__.py": "from .names import *\nfrom .more import *\n",
        "pkg/names.py": 'from enum import StrEnum\n__all__ = ["Pipelines"]\n'
                        'class Pipelines(StrEnum):\n    FE = "feature_engineering"\nHIDDEN = 1\n',
        "pkg/more.py": 'from .deeper import *\nLABEL = "label"\n_PRIVATE = 2\n',
        "pkg/deeper.py": 'DEEP = "deep"\n',
    }
    pipe = only(compile_src(tmp_path, """
        from zenml import pipeline, step
        from pkg import Pipelines, LABEL, DEEP

        @step
        def s(text: str) -> None: ...

        @pipeline(name=Pipelines.FE)
        def p():
            s(text=LABEL + DEEP)
    """, files))
    assert pipe.name == "feature_engineering"
    assert sources(pipe, "s")["text"] == LiteralValue("labeldeep")

    result = compile_src(tmp_path, """
        from zenml import pipeline, step
        from pkg import HIDDEN, _PRIVATE

        @pipeline
        def p():
            pass
    """, files)
    helps = {d.message: d.help for d in result.diagnostics if d.code == "PC106"}
    assert helps["cannot find `HIDDEN` in project module `pkg`"].endswith(
        "it is not in that module's `__all__`; import it from `pkg.names`")
    assert "star imports skip names that start with `_`" in helps["cannot find `_PRIVATE` in project module `pkg`"]


def test_star_import_cycle_terminates(tmp_path):
    result = compile_src(tmp_path, """
        from zenml import pipeline
        from a import MISSING

        @pipeline
        def p():
            pass
    """, {"a.py": "from b import *\n", "b.py": "from a import *\n"})
    assert "PC106" in codes(result)


# ---------------------------------------------------------------------- Optional parameters (A3)


OPTIONAL_PIPELINE = """
    from typing import Optional
    from zenml import pipeline, step

    @step
    def load(target: str = "target") -> int:
        return 1

    @pipeline
    def p(target: Optional[str] = {default}):
        load(target=target)
"""


def test_optional_parameter_with_fitting_default_is_accepted(tmp_path):
    result = compile_src(tmp_path, OPTIONAL_PIPELINE.format(default='"target"'))
    only(result)
    assert codes(result) == []


@pytest.mark.parametrize(("default", "params", "phrase"), [
    ("None", {}, "is `None`"),
    ("None", {"target": "null"}, "is `None`"),
])
def test_optional_parameter_that_is_none_warns(tmp_path, default, params, phrase):
    result = compile_src(tmp_path, OPTIONAL_PIPELINE.format(default=default), params=params)
    only(result)
    (warning,) = [d for d in result.diagnostics if d.code == "PC206"]
    assert not warning.is_error
    assert phrase in warning.message
    assert "fails at run time when ZenML validates its inputs" in warning.help


def test_optional_parameter_with_a_value_from_params_is_accepted(tmp_path):
    result = compile_src(tmp_path, OPTIONAL_PIPELINE.format(default="None"), params={"target": "label"})
    only(result)
    assert "PC206" not in codes(result)


def test_optional_parameter_with_a_wrong_value_is_an_error(tmp_path):
    result = compile_src(tmp_path, OPTIONAL_PIPELINE.format(default="3"))
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.code == "PC206"
    assert error.message.endswith("pipeline parameter `target` has the value `3`, which is `int`")


# ---------------------------------------------------------------------- typing_extensions (A7)


def test_typing_extensions_tuple_unpacks_and_types_normalise(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from typing_extensions import Annotated, Dict, List, Tuple
        from zenml import pipeline, step

        @step
        def split() -> Tuple[Annotated[int, "train"], Annotated[int, "test"]]:
            return 1, 2

        @step
        def use(a: int, xs: List[int], d: Dict[str, int]) -> None: ...

        @pipeline
        def p():
            train, test = split()
            use(a=test, xs=[1], d={"k": 1})
    """))
    assert sources(pipe, "use")["a"] == OutputRef("split", "test")
    assert [(p.name, p.type) for p in pipe.step("use").signature] == [
        ("a", "int"), ("xs", "list[int]"), ("d", "dict[str, int]")]


def test_unpacking_a_tuple_that_is_one_output_explains_zenml_rule(tmp_path):
    result = compile_src(tmp_path, """
        from typing import Tuple
        from zenml import pipeline, step

        @step
        def split() -> Tuple[int, int]:
            result = (1, 2)
            return result

        @pipeline
        def p():
            a, b = split()
    """)
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.code == "PC112"
    assert "returns a tuple literal (`return a, b`)" in error.help
