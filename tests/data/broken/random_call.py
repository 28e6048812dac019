import random

from pipec import pipeline, step


@step
def train(learning_rate: float) -> float:
    return learning_rate


@pipeline
def training():
    train(learning_rate=random.random())
