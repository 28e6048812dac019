"""Data steps: generate labelled rows and split them."""

import random
from typing import Annotated

from typing_extensions import Tuple
from zenml import ArtifactConfig, step

from constants import LABEL_COLUMN, ArtifactNames

__all__ = ["load_rows", "split_rows"]


@step
def load_rows(n_rows: int = 100, seed: int = 0) -> Annotated[list, ArtifactConfig(name=ArtifactNames.RAW_ROWS)]:
    """`n_rows` rows of one feature `x` and a label that is 1 when x > 0.5."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n_rows):
        x = rng.random()
        rows.append({"x": x, LABEL_COLUMN: int(x > 0.5)})
    return rows


@step
def split_rows(
    rows: list, test_fraction: float = 0.2
) -> Tuple[Annotated[list, ArtifactNames.TRAIN_SET], Annotated[list, ArtifactNames.TEST_SET]]:
    """The first rows for training, the last `test_fraction` of them for testing."""
    cut = int(len(rows) * (1 - test_fraction))
    return rows[:cut], rows[cut:]
