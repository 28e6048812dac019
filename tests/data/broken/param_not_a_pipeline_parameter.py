# pipec-args: --param sead=3 --param zzz=1 --param epochs=2
"""--param names that are wrong three ways: close to a step's parameter (not the pipeline's),
close to nothing (the error lists what the pipeline declares), and right."""

from pipec import pipeline, step


@step
def load(seed: int = 7) -> list:
    return [seed]


@step
def train(rows: list, epochs: int) -> None:
    pass


@pipeline
def training(epochs: int = 3):
    train(load(), epochs=epochs)
