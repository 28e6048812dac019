from zenml import pipeline, step


@step
def first() -> None:
    pass


@step
def second() -> None:
    pass


@pipeline
def ordering():
    first()
    second(after=42)
    second(after="frist")
