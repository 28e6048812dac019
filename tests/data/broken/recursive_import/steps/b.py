from pipec import step
from steps.a import first


@step
def second() -> None:
    pass
