# pipec-args: --param gama=0.1 --param zzz=1 --config tests/data/broken/old_api_params.yaml
"""ZenML's original API has no pipeline parameters: --param points to the step's parameters in a
run configuration, whose unknown keys (a step's, or top-level `parameters`) are errors too."""

from zenml.pipelines import pipeline
from zenml.steps import BaseParameters, step


class TrainerParams(BaseParameters):
    gamma: float = 0.001
    C: float = 1.0


@step
def loader() -> int:
    return 1


@step
def trainer(params: TrainerParams, rows: int) -> float:
    return params.gamma * rows


@pipeline
def old_pipeline(loader, trainer):
    trainer(rows=loader())


old_pipeline(loader=loader(), trainer=trainer(params=TrainerParams(C=2.0))).run()
