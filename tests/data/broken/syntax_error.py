from pipec import pipeline, step


@step
def load() -> int:
    return 1


@pipeline
def broken():
    x = load(
    print(x


