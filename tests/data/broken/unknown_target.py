# pipec-args: --target airflw
from pipec import pipeline, step


@step
def load() -> int:
    return 1


@pipeline
def training():
    load()
