"""ZenML-written pipelines run without ZenML installed, through the compatibility module."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

from pipec.runtime import Client, run_pipeline, zenml_compat
from tests.helpers.runtime_projects import load_pipeline, make_project


def _real_zenml() -> bool:
    """Whether ZenML itself is importable (pipec's `.pth` file serves the stand-in otherwise)."""
    spec = importlib.util.find_spec("zenml")
    return spec is not None and not isinstance(spec.loader, zenml_compat._Loader)


pytestmark = pytest.mark.skipif(_real_zenml(), reason="a real ZenML is installed: the stand-in is not used")

NEW_API = {
    "pipelines/training.py": """
        from typing import Annotated, Tuple

        from zenml import get_step_context, log_metadata, pipeline, step
        from zenml.client import Client
        from zenml.config import DockerSettings, ResourceSettings
        from zenml.config.retry_config import StepRetryConfig
        from zenml.integrations.constants import SKLEARN
        from zenml.logger import get_logger

        logger = get_logger(__name__)
        docker = DockerSettings(required_integrations=[SKLEARN], requirements=["pandas"])

        @step(settings={"resources": ResourceSettings(cpu_count=1)}, retry=StepRetryConfig(max_retries=1))
        def make_data(size: int = 3) -> Annotated[list, "rows"]:
            logger.info("making %d rows", size)
            return list(range(size))

        @step
        def fit(rows: list, lr: float) -> Tuple[Annotated[float, "score"], Annotated[str, "run_name"]]:
            log_metadata(metadata={"lr": lr})
            ctx = get_step_context()
            return sum(rows) * lr, f"{ctx.pipeline.name}/{ctx.step_run.name}"

        @pipeline(settings={"docker": docker}, enable_cache=False)
        def training(lr: float = 0.5):
            rows = make_data(size=4)
            fit(rows, lr=lr)

        # Unguarded, as in many ZenML scripts: must be inert when the runtime imports this module.
        training()
    """,
}


def test_new_api_module_runs_without_zenml(tmp_path: Path) -> None:
    root = make_project(tmp_path, NEW_API)
    pipe = load_pipeline(root, "pipelines/training.py")
    result = run_pipeline(pipe, root)
    assert result.exit_code == 0, result.summary() + open(result.steps["fit"].logs or "/dev/null").read()
    run = Client(root=root).get_pipeline_run(result.run_id)
    assert run.steps["make_data"].outputs["rows"].load() == [0, 1, 2, 3]
    fit = run.steps["fit"]
    assert fit.outputs["score"].load() == 3.0
    assert fit.outputs["run_name"].load() == "training/fit"
    assert fit.run_metadata == {"lr": 0.5}


OLD_API = {
    "steps.py": """
        from zenml.steps import BaseParameters, Output, step
        from zenml.pipelines import pipeline

        class TrainerParams(BaseParameters):
            lr: float = 0.1
            epochs: int = 2

        @step
        def importer() -> Output(features=list, labels=list):
            return [1.0, 2.0, 3.0], [0, 1, 1]

        @step
        def trainer(params: TrainerParams, features: list, labels: list) -> float:
            return params.lr * params.epochs * len(features) + sum(labels)

        @step
        def defaults_only(params: TrainerParams) -> float:
            return params.lr

        @pipeline
        def old_pipeline(importer, trainer, defaults_only):
            features, labels = importer()
            trainer(features=features, labels=labels)
            defaults_only()

        # Old-API instantiation and run at module level, in the steps module itself.
        old_pipeline(importer=importer(), trainer=trainer(params=TrainerParams(lr=0.5)),
                     defaults_only=defaults_only()).run()
    """,
}


def test_old_api_module_runs_without_zenml(tmp_path: Path) -> None:
    root = make_project(tmp_path, OLD_API)
    result = run_pipeline(load_pipeline(root, "steps.py"), root)
    assert result.exit_code == 0, result.summary()
    run = Client(root=root).get_pipeline_run(result.run_id)
    assert run.steps["importer"].outputs["features"].load() == [1.0, 2.0, 3.0]
    assert run.steps["trainer"].outputs["output"].load() == 0.5 * 2 * 3 + 2
    assert run.steps["defaults_only"].outputs["output"].load() == 0.1


def test_stand_in_modules_in_process() -> None:
    zenml_compat.install()
    try:
        zenml = importlib.import_module("zenml")
        assert zenml.__pipec_compat__ and zenml.steps.__name__ == "zenml.steps"
        from zenml.config.schedule import Schedule
        from zenml.steps import BaseParameters, Output, step

        class P(BaseParameters):
            a: int
            b: str = "x"

        assert P(a=1).dict() == {"a": 1, "b": "x"}
        with pytest.raises(TypeError, match="missing required field 'a'"):
            P()
        with pytest.raises(TypeError, match="no field"):
            P(a=1, c=2)
        assert Schedule(cron_expression="0 * * * *").cron_expression == "0 * * * *"

        @step(enable_cache=False)
        def double(x: int) -> Output(y=int):
            return x * 2

        assert double(2) == 4  # outside an import, calling a step runs it (as in ZenML)
        from zenml.anything.at_all import SomeFeature

        assert SomeFeature(1, k=2) is not None  # unknown names are inert placeholders
    finally:
        zenml_compat.uninstall()
    assert zenml_compat._FINDER not in sys.meta_path
    assert not [name for name in sys.modules if name.partition(".")[0] == "zenml"]
