# pipec-args: --root tests/data/broken/star_import_hidden
from zenml import pipeline, step

from constants import Pipelines, TIMEOUT


@step
def wait(seconds: int) -> None:
    print(seconds)


@pipeline(name=Pipelines.TRAINING)
def training():
    wait(seconds=TIMEOUT)
