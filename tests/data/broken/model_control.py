"""ZenML's Model Control Plane read statically: what pipec reports."""
from datetime import datetime

from zenml import Model, get_pipeline_context, pipeline, step


@step
def use(x: int) -> None:
    print(x)


@pipeline(model=Model(name="clock", version=f"run-{datetime.now()}"))
def clock_version():
    use(1)


@pipeline(model=Model(name="m", versoin="production"))
def misspelt_field():
    use(2)


@pipeline(model="m")
def not_a_model():
    use(3)


@pipeline
def no_model():
    use(get_pipeline_context().model.get_artifact("clf"))


@pipeline(model=Model(name="m"))
def run_time_attribute():
    use(get_pipeline_context().model.number)
