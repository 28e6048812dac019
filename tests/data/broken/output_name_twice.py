from typing import Annotated, Tuple

from zenml import ArtifactConfig, pipeline, step


@step
def split() -> Tuple[Annotated[int, "rows", ArtifactConfig(name="train")], Annotated[int, ""]]:
    return 1, 2


@pipeline
def training():
    split()
