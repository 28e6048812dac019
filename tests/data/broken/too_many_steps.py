from pipec import pipeline, step


@step
def noop(i: int) -> None:
    pass


@pipeline
def huge():
    for i in range(10_000_000):
        noop(i=i)
