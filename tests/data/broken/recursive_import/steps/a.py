from pipec import step
from steps.b import second


@step
def first() -> None:
    pass
