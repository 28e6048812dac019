"""`from types import Tuple`: the standard-library module has no such name (an ImportError in Python)."""

from types import Tuple
from typing import Annotated

from zenml import pipeline, step


@step
def split() -> Tuple[Annotated[int, "a"], Annotated[int, "b"]]:
    return 1, 2


@pipeline
def stdlib_missing_name():
    split()
