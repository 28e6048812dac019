"""Model steps: a one-threshold classifier, its evaluation and a report."""

from typing import Annotated

from zenml import step

from constants import LABEL_COLUMN

__all__ = ["evaluate", "notify", "train_threshold"]


@step
def train_threshold(train_set: list, learning_rate: float = 0.1, epochs: int = 20) -> Annotated[dict, "model"]:
    """Learn the threshold on `x` that separates the labels, by nudging it towards mistakes."""
    threshold = 0.0
    for _ in range(epochs):
        for row in train_set:
            predicted = int(row["x"] > threshold)
            threshold += learning_rate * (predicted - row[LABEL_COLUMN]) * 0.1
    return {"threshold": threshold}


@step
def evaluate(model: dict, test_set: list) -> Annotated[float, "accuracy"]:
    """Share of test rows the threshold classifies right."""
    right = sum(int(row["x"] > model["threshold"]) == row[LABEL_COLUMN] for row in test_set)
    return right / max(len(test_set), 1)


@step
def notify(accuracy: float, channel: str = "#ml") -> str:
    """The message a notifier would send."""
    message = f"{channel}: accuracy {accuracy:.2f}"
    print(message)
    return message
