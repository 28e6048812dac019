from pipec import pipeline, step


@step
def first() -> None:
    pass


@step
def second() -> None:
    pass


@pipeline
def circular():
    first(id="a", after="b")
    second(id="b", after="a")
