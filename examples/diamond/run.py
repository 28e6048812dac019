"""A diamond: one source, two independent branches, one join. Plain Python data only.

    load ──> stats ──┐
       └───> scale ──┴─> join

Runs anywhere (no pandas, no sklearn), which makes it the runtime's smoke test.
"""

from pipec import Retry, pipeline, step


@step
def load(n: int = 10, seed: int = 7) -> list:
    """`n` pseudo-random integers in [0, 100) from a tiny linear congruential generator."""
    values, state = [], seed
    for _ in range(n):
        state = (1103515245 * state + 12345) % 2**31
        values.append(state % 100)
    return values


@step
def stats(values: list) -> dict:
    """Count, sum, minimum, maximum and mean."""
    return {
        "count": len(values),
        "sum": sum(values),
        "min": min(values),
        "max": max(values),
        "mean": sum(values) / len(values),
    }


@step(retry=Retry(max_retries=1, delay=1))
def scale(values: list, factor: float = 1.5) -> float:
    """The sum of the values, each multiplied by `factor`."""
    return sum(v * factor for v in values)


@step
def join(summary: dict, scaled_total: float) -> dict:
    """Both branches in one record, with a cross-check between them."""
    return {**summary, "scaled_total": scaled_total, "ratio": scaled_total / summary["sum"] if summary["sum"] else 0.0}


@pipeline
def diamond(n: int = 10, factor: float = 1.5):
    """load -> (stats, scale) -> join."""
    values = load(n=n)
    summary = stats(values)
    scaled_total = scale(values, factor=factor)
    join(summary=summary, scaled_total=scaled_total)


if __name__ == "__main__":
    diamond()
