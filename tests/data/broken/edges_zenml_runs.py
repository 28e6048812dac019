from typing import Annotated, Optional, Tuple

import pandas as pd
from zenml import pipeline, step


@step
def split() -> Tuple[Annotated[pd.DataFrame, "features"], Annotated[pd.Series, "target"]]:
    return pd.DataFrame({"a": [1]}), pd.Series([1])


@step
def load_model() -> Optional[int]:
    return None


@step
def train(features: pd.DataFrame, target: pd.DataFrame, model: int) -> None:
    pass


@pipeline
def training():
    features, target = split()
    model = load_model()
    if model is None:
        return
    train(features=features, target=target, model=model)
