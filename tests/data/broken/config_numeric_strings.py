# pipec-args: --config tests/data/broken/config_numeric_strings.yaml
from zenml import pipeline, step


@step
def train(lr: float, epochs: int = 1) -> None:
    pass


@pipeline
def training(learning_rate: float = 0.1):
    train(lr=learning_rate)
