from typing import Annotated, Tuple

from zenml import pipeline, step


@step
def split() -> Tuple[Annotated[list, "train"], Annotated[list, "test"]]:
    return [1, 2], [3]


@step
def fit(train: list) -> None:
    pass


@pipeline
def training():
    train, test, validation = split()
    fit(train)
