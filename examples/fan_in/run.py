"""A fan-in: `k` models trained with different seeds, their scores combined as one list input.

    train(seed=0) ──┐
    train(seed=1) ──┼─> combine(scores: list[float])
    ...          ──┘

The number of `train` steps follows the compile-time value of the pipeline parameter `k`
(pinned by the compile: it shapes the DAG). Plain Python data only.
"""

from pipec import pipeline, step


@step
def train(seed: int, n: int = 20) -> float:
    """A stand-in score: the mean of `n` pseudo-random numbers in [0, 1) from `seed`."""
    state, total = seed + 1, 0.0
    for _ in range(n):
        state = (1103515245 * state + 12345) % 2**31
        total += (state % 1000) / 1000
    return total / n


@step
def combine(scores: list[float]) -> dict:
    """The scores in training order, with the best one and its position."""
    best = max(range(len(scores)), key=lambda i: scores[i])
    return {"scores": scores, "best": best, "best_score": scores[best]}


@pipeline
def fan_in(k: int = 3, n: int = 20):
    """k x train -> combine."""
    combine(scores=[train(seed=i, n=n, id=f"train_{i}") for i in range(k)])


if __name__ == "__main__":
    fan_in()
