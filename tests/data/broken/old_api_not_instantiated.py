from zenml.pipelines import pipeline
from zenml.steps import step


@step
def load() -> int:
    return 1


@pipeline
def old_pipeline(load):
    load()
