from typing import Annotated

from pipec import pipeline, step


@step
def make(n: int = 3) -> Annotated[list, "numbers"]:
    return list(range(n))


@step
def total(numbers: list) -> int:
    return sum(numbers)


@pipeline
def legacy(n: int = 3):
    total(make(n=n))
