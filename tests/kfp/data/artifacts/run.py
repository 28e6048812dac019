"""Data edges as KFP artifacts, on names KFP would not take as they are (tests/kfp).

Output names with quotes, brackets, spaces, unicode and a leading digit; two that
sanitise alike; a data input named like a pipeline parameter the same step reads; one
output feeding two inputs of one step; caching off for the pipeline, back on for a step.
"""

from typing import Annotated

from pipec import pipeline, step


@step
def make() -> tuple[
    Annotated[int, "it's [a] \"count\""],
    Annotated[int, "it's (a) count"],
    Annotated[str, "9 lives ☃"],
]:
    """Three outputs with hostile names."""
    return 1, 2, "x"


@step(enable_cache=True)
def use(a: int, b: int, c: str, same: int, n: int) -> int:
    """Reads every output of `make` (the first twice) and a pipeline parameter."""
    return a + b + len(c) + same + n


@step
def last(total: int) -> None:
    """A consumer without outputs."""


@pipeline(enable_cache=False)
def artifacts(a: int = 1):
    """make -> use -> last."""
    x, y, z = make()
    total = use(a=x, b=y, c=z, same=x, n=a)
    last(total)
