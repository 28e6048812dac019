"""The parameter that sets the number of fanned-in outputs is also bound to a step: it is pinned."""
from pipec import pipeline, step


@step
def train(seed: int) -> float:
    return 0.1 * seed


@step
def combine(scores: list[float], expected: int) -> None:
    assert len(scores) == expected


@pipeline
def fan_in_pinned(k: int = 3):
    combine(scores=[train(seed=i, id=f"train_{i}") for i in range(k)], expected=k)
