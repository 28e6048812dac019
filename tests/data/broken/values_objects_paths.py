"""Parameter objects, pure stdlib calls and unknown external values (independent corpus items 4, 5, 9)."""

from dataclasses import dataclass
from math import pi
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from zenml import pipeline, step


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    table: str = "events"


@dataclass
class Tile:
    zoom: int

    def __post_init__(self):
        self.zoom = max(self.zoom, 1)


@step
def use(value: object) -> None:
    pass


@pipeline
def p(angle: float = pi, out: Path = Path("out")):
    use(value=Strict(tabel="x"))
    use(value=Tile())
    use(value=Tile(0), id="tile_zero")
    use(value=(out / "x.json").exists(), id="exists")
