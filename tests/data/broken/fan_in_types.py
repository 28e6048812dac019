"""Lists of step outputs (fan-ins) whose elements do not fit the input, or into an input that takes no list."""
from pipec import pipeline, step


@step
def train(seed: int) -> float:
    return 0.1 * seed


@step
def label(seed: int) -> str:
    return str(seed)


@step
def combine(scores: list[int]) -> None:
    print(scores)


@step
def best(score: float) -> None:
    print(score)


@pipeline
def fan_in_types(k: int = 2):
    scores = [train(seed=i, id=f"train_{i}") for i in range(k)]
    combine(scores=[*scores, label(seed=1)])
    best(score=scores)
