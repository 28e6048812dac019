# pipec-args: --config tests/data/broken/bad_config.yaml
from pipec import pipeline, step


@step
def train(epochs: int = 1) -> None:
    pass


@pipeline
def training(epochs: int = 3):
    train(epochs=epochs)
