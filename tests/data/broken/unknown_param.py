# pipec-args: --param epochs=ten --param learning_rat=0.1
from pipec import pipeline, step


@step
def train(epochs: int, learning_rate: float) -> None:
    pass


@pipeline
def training(epochs: int = 3, learning_rate: float = 0.01):
    train(epochs=epochs, learning_rate=learning_rate)
