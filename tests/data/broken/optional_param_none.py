from typing import Optional

from zenml import pipeline, step


@step
def load(target: str = "label") -> int:
    return 1


@pipeline
def training(target: Optional[str] = None):
    load(target=target)
