"""ZenML's Model Control Plane read statically: Model(...), where it is given, and the outputs' kinds."""

from __future__ import annotations

import pytest

from pipec.ir import ArtifactLookup, ModelSpec
from tests.helpers.frontend_projects import codes, compile_src, only, sources

HEAD = """
from typing import Annotated
from zenml import ArtifactConfig, Model, get_pipeline_context, pipeline, step
from zenml.enums import ModelStages
from zenml.model.artifact_config import DeploymentArtifactConfig

@step
def use(x: int = 0) -> int:
    return x
"""


def test_pipeline_model_and_step_overrides(tmp_path):
    pipe = only(compile_src(tmp_path, HEAD + """
@step(model=Model(name="own", version=3))
def own() -> int:
    return 1

@pipeline(model=Model(name="iris", license="MIT", description="d", tags=["a", "b"], audience="ops"))
def p():
    use()
    own()
    use.with_options(model=Model(name="opt", version=ModelStages.PRODUCTION))()
"""))
    assert pipe.model == ModelSpec("iris", None, "MIT", "d", "ops", tags=("a", "b"))
    assert pipe.step("use").model == pipe.model  # the pipeline's, as the step has none
    assert pipe.step("own").model == ModelSpec("own", "3")
    assert pipe.step("use_2").model == ModelSpec("opt", "production")


def test_run_config_model_section_updates_the_code_model_field_by_field(tmp_path):
    result = compile_src(tmp_path, HEAD + """
@pipeline(model=Model(name="iris", license="MIT"))
def p():
    use()
    use()
""", extra={"run.yaml": "model:\n  version: latest\n  tags: [x]\nsteps:\n  use_2:\n    model:\n      name: other\n"},
        config=tmp_path / "run.yaml")
    pipe = only(result)
    assert pipe.model == ModelSpec("iris", "latest", "MIT", tags=("x",))
    assert pipe.step("use").model == pipe.model
    assert pipe.step("use_2").model == ModelSpec("other", "latest", "MIT", tags=("x",))
    assert "PC116" not in codes(result)


@pytest.mark.parametrize("section, message", [
    ("model: 3\n", "`model` must be a mapping"),
    ("model:\n  version: 2\n", "a model needs a `name`"),
    ("model:\n  name: m\n  colour: red\n", "has no field `colour`"),
])
def test_a_bad_model_section_is_pointed_at(tmp_path, section, message):
    result = compile_src(tmp_path, HEAD + """
@pipeline
def p():
    use()
""", extra={"run.yaml": section}, config=tmp_path / "run.yaml")
    errors = [d for d in result.diagnostics if d.is_error]
    assert [d.code for d in errors] == ["PC110"] and message in errors[0].message
    assert errors[0].span.path == "run.yaml" and errors[0].span.line == 1


def test_a_clock_version_is_a_new_version_per_run(tmp_path):
    result = compile_src(tmp_path, HEAD + """
from datetime import datetime

@pipeline(model=Model(name="m", version=f"v-{datetime.now():%Y}"))
def p():
    use()
""")
    assert only(result).model == ModelSpec("m")
    assert codes(result) == ["PC126"]


def test_pipeline_context_model_gives_model_artifact_lookups(tmp_path):
    pipe = only(compile_src(tmp_path, HEAD + """
@pipeline(model=Model(name="m", version="production"))
def p():
    model = get_pipeline_context().model
    use(model.get_artifact("clf"))
    use(x=model.get_artifact(name="clf", version=2))
"""))
    assert sources(pipe, "use") == {"x": ArtifactLookup("model", "clf")}
    assert sources(pipe, "use_2") == {"x": ArtifactLookup("model", "clf", "2")}
    assert pipe.step("use").upstream == ()


def test_pipecs_own_model_spelling(tmp_path):
    pipe = only(compile_src(tmp_path, """
from pipec import Model, pipeline, step

@step
def use() -> None:
    pass

@pipeline(model=Model("m", version="staging"))
def p():
    use()
"""))
    assert pipe.model == ModelSpec("m", "staging")


def test_output_kinds_follow_artifact_config(tmp_path):
    pipe = only(compile_src(tmp_path, HEAD + """
from typing import Tuple
from zenml.enums import ArtifactType

@step
def make() -> Tuple[
        Annotated[int, ArtifactConfig(name="clf", is_model_artifact=True)],
        Annotated[int, DeploymentArtifactConfig(name="svc")],
        Annotated[int, ArtifactConfig(name="typed", artifact_type=ArtifactType.MODEL)],
        Annotated[int, "data"]]:
    return 1, 2, 3, 4

@pipeline
def p():
    a, b, c, d = make()
    use(a); use(b); use(c); use(d)
"""))
    assert {o.name: o.kind for o in pipe.step("make").outputs} == {
        "clf": "model", "svc": "deployment", "typed": "model", "data": None}


def test_a_model_artifact_without_a_model_compiles_with_a_warning(tmp_path):
    """ZenML projects often give the model only in the run configuration: the module alone compiles."""
    result = compile_src(tmp_path, HEAD + """
@pipeline
def p():
    use(get_pipeline_context().model.get_artifact("clf"))
""")
    pipe = only(result)
    assert codes(result) == ["PC125"] and pipe.model is None and pipe.step("use").model is None
    assert sources(pipe, "use") == {"x": ArtifactLookup("model", "clf")}
    configured = only(compile_src(tmp_path, HEAD + """
@pipeline
def p():
    use(get_pipeline_context().model.get_artifact("clf"))
""", extra={"run.yaml": "model:\n  name: m\n  version: production\n"}, config=tmp_path / "run.yaml"))
    assert configured.step("use").model == ModelSpec("m", "production")
