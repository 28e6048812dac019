from pipec import pipeline, step


@step
def tick(i: int) -> int:
    return i + 1


@pipeline
def ticking():
    i = 0
    while i < 3:
        tick(i=i)
        i += 1
