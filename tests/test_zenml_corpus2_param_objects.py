"""Parameter objects (independent corpus, item a:param-object).

A project class that is a pydantic model or a dataclass, built from literals and its own
literal field defaults, is a JSON object as ZenML serializes it: fields in class order, defaults
filled in. `obj.field` reads a field; the step gets an instance of its class again at run time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipec.ir import LiteralValue
from tests.helpers.frontend_projects import codes, compile_src, only, sources
from tests.helpers.runtime_projects import make_project

CLASSES = """
    from dataclasses import dataclass, field
    from typing import ClassVar, List
    from pydantic import BaseModel, ConfigDict, Field
    from zenml import pipeline, step

    class Inner(BaseModel):
        k: int = 2

    class LoadParams(BaseModel):
        table: str = "events"
        batch: str = "train"
        inner: Inner = Inner()
        limit: int = Field(default=10, ge=0)
        kind: ClassVar[str] = "not a field"
        _private: int = 3

    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int

    class MoreParams(LoadParams):
        extra: str = "x"

    @dataclass
    class Tile:
        zoom: int = 19
        tags: List[str] = field(default_factory=list)

    @dataclass
    class Point:
        x: int
        y: int = 0

    @step
    def load(params: LoadParams, tile: Tile) -> int:
        return 1

    @step
    def use(value: object) -> None:
        pass
"""


def _body(body: str, signature: str = "") -> str:
    return CLASSES + f"""
    @pipeline
    def p({signature}):
        {body}
"""


def test_the_readme_reproduction_compiles_to_json_objects(tmp_path):
    pipe = only(compile_src(tmp_path, _body('load(params=LoadParams(batch="test"), tile=Tile())')))
    got = sources(pipe, "load")
    assert got["params"] == LiteralValue({"table": "events", "batch": "test", "inner": {"k": 2}, "limit": 10})
    assert list(got["params"].value) == ["table", "batch", "inner", "limit"]  # class order
    assert got["tile"] == LiteralValue({"zoom": 19, "tags": []})


@pytest.mark.parametrize(("call", "value"), [
    ("Point(1, 2)", {"x": 1, "y": 2}),
    ("Point(1)", {"x": 1, "y": 0}),
    ("Point(y=5, x=1)", {"x": 1, "y": 5}),
    ("MoreParams(extra='e', inner=Inner(k=7))",
     {"table": "events", "batch": "train", "inner": {"k": 7}, "limit": 10, "extra": "e"}),
    ("LoadParams(nope=1).table", "events"),  # pydantic ignores unknown keywords by default
    ("LoadParams(inner=Inner(k=4)).inner.k", 4),
    ("Strict(a=1)", {"a": 1}),
])
def test_values_attribute_access_and_inheritance(tmp_path, call, value):
    pipe = only(compile_src(tmp_path, _body(f"use(value={call})")))
    assert sources(pipe, "use")["value"] == LiteralValue(value)


def test_a_field_names_a_step_id(tmp_path):
    pipe = only(compile_src(tmp_path, _body('params = LoadParams(batch="b")\n        '
                                            'use(value=1, id=f"use_{params.batch}")')))
    assert [s.id for s in pipe.steps] == ["use_b"]


def test_a_pipeline_parameter_default_is_its_json(tmp_path):
    pipe = only(compile_src(tmp_path, _body("load(params=params, tile=Tile(3))",
                                            signature="params: LoadParams = LoadParams(table='t')")))
    assert pipe.parameters[0].default == {"table": "t", "batch": "train", "inner": {"k": 2}, "limit": 10}


@pytest.mark.parametrize(("call", "message"), [
    ("Strict(a=1, b=2)", "`Strict` has no field `b`"),
    ("Point(1, z=3)", "`Point` has no field `z`"),
    ("Point()", "`Point` needs a value for field `x`"),
    ("Strict()", "`Strict` needs a value for field `a`"),
    ("Point(1, 2, 3)", "`Point` takes 2 positional arguments but 3 were given"),
    ("Point(1, x=2)", "`Point` got multiple values for field `x`"),
    ("LoadParams('t')", "`LoadParams` is a pydantic model: it takes keyword arguments only"),
    ("LoadParams().nope", "`LoadParams` has no field `nope`"),
])
def test_calls_python_would_reject_are_located_errors(tmp_path, call, message):
    result = compile_src(tmp_path, _body(f"use(value={call})"))
    errors = [d for d in result.diagnostics if d.is_error]
    assert [d.message for d in errors] == [message]
    assert errors[0].span.line == CLASSES.count("\n") + 3  # the line of the call in the body


def test_an_unknown_field_points_at_the_keyword(tmp_path):
    result = compile_src(tmp_path, _body("use(value=Strict(a=1, b=2))"))
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.span.column == len("    use(value=Strict(a=1, ") + 1


def test_a_default_that_cannot_be_known_is_reported_at_the_call(tmp_path):
    source = """
        import random
        from pydantic import BaseModel
        from zenml import pipeline, step

        class Seeded(BaseModel):
            seed: int = random.randint(0, 9)

        @step
        def use(value: Seeded) -> None:
            pass

        @pipeline
        def p():
            use(value=Seeded())
    """
    result = compile_src(tmp_path, source)
    assert codes(result) == ["PC102"]
    assert "default of field `seed` of `Seeded`" in list(result.diagnostics)[0].message
    only(compile_src(tmp_path, source.replace("Seeded())", "Seeded(seed=1))")))


def test_a_plain_class_is_still_not_instantiated(tmp_path):
    source = """
        from zenml import pipeline, step

        class Plain:
            a: int = 1

        @step
        def use(value: Plain) -> None:
            pass

        @pipeline
        def p():
            use(value=Plain())
    """
    result = compile_src(tmp_path, source)
    assert codes(result) == ["PC102"]
    assert "cannot be instantiated" in list(result.diagnostics)[0].message


RUN_PROJECT = {
    "pyproject.toml": "",  # the project root, where steps run
    "run.py": """
        from dataclasses import dataclass
        from pydantic import BaseModel
        from zenml import pipeline, step

        class Inner(BaseModel):
            k: int = 2

        class LoadParams(BaseModel):
            table: str = "events"
            batch: str = "train"
            inner: Inner = Inner()

        @dataclass
        class Tile:
            zoom: int = 19

        @step
        def load(params: LoadParams, tile: Tile) -> str:
            assert isinstance(params, LoadParams) and isinstance(params.inner, Inner), type(params)
            assert isinstance(tile, Tile), type(tile)
            return f"{params.table}/{params.batch}/{params.inner.k}/{tile.zoom}"

        @step
        def show(text: str) -> None:
            with open("got.txt", "w") as out:
                out.write(text)

        @pipeline
        def p():
            params = LoadParams(batch="test")
            show(text=load(params=params, tile=Tile(3)), id=f"show_{params.table}")
    """,
}


def test_pipec_run_hands_the_step_an_instance_of_its_class(tmp_path: Path) -> None:
    root = make_project(tmp_path, RUN_PROJECT)
    done = subprocess.run([sys.executable, "-m", "pipec.runtime", "run", "run.py", "--max-parallel", "1"],
                          cwd=root, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    shown = subprocess.run([sys.executable, "-m", "pipec.runtime", "runs", "show", "p", "--json"], cwd=root,
                           capture_output=True, text=True, timeout=120)
    data = json.loads(shown.stdout)
    assert set(data["steps"]) == {"load", "show_events"}
    assert data["steps"]["load"]["status"] == "completed"
    assert (root / "got.txt").read_text() == "events/test/2/3"


@pytest.mark.parametrize(("params", "table"), [({}, "t"), ({"params": '{"table": "u"}'}, "u"), ({"params": "{}"}, "events")])
def test_a_pipeline_parameter_of_a_model_class_reads_its_fields(tmp_path, params, table):
    pipe = only(compile_src(tmp_path, _body("use(value=params.table, id=f'use_{params.limit}')",
                                            signature="params: LoadParams = LoadParams(table='t')"),
                            params=params))
    assert sources(pipe, "use_10")["value"] == LiteralValue(table)


def test_a_pipeline_parameter_value_with_an_unknown_field_is_an_error(tmp_path):
    result = compile_src(tmp_path, _body("use(value=params.a)", signature="params: Strict = Strict(a=1)"),
                         params={"params": '{"a": 1, "b": 2}'})
    assert [d.message for d in result.diagnostics if d.is_error] == ["`Strict` has no field `b`"]


def test_model_dump_gives_the_fields(tmp_path):
    pipe = only(compile_src(tmp_path, _body("use(value=LoadParams(limit=1).model_dump()['inner'])")))
    assert sources(pipe, "use")["value"] == LiteralValue({"k": 2})


def test_a_field_from_a_parameter_without_value_or_a_step_output_is_located(tmp_path):
    result = compile_src(tmp_path, _body("use(value=LoadParams(table=name))", signature="name: str"))
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.message == "pipeline parameter `name` has no value at compile time"
    pipe = only(compile_src(tmp_path, _body("use(value=LoadParams(table=name))", signature="name: str"),
                            params={"name": "n"}))
    assert sources(pipe, "use")["value"].value["table"] == "n"


@pytest.mark.parametrize("method", ["def __post_init__(self):\n                self.a = [1]",
                                    "@field_validator('a')\n            def check(cls, v):\n                return v"])
def test_a_class_running_its_own_code_warns(tmp_path, method):
    source = f"""
        from dataclasses import dataclass
        from pydantic import BaseModel, field_validator
        from zenml import pipeline, step

        @dataclass
        class Config:
            a: list = None

            {method}

        @step
        def use(value: Config) -> None:
            pass

        @pipeline
        def p():
            use(value=Config())
    """
    result = compile_src(tmp_path, source)
    assert codes(result) == ["PC128"]
    assert sources(only(result), "use")["value"] == LiteralValue({"a": None})
