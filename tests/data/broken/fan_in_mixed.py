"""A list passed to a step input mixes step outputs with other values."""
from pipec import pipeline, step


@step
def train(seed: int) -> float:
    return 0.1 * seed


@step
def combine(scores: list[float]) -> None:
    print(scores)


@pipeline
def fan_in_mixed(baseline: float = 0.5):
    combine(scores=[train(seed=1), baseline])
