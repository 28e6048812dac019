from pipec import pipeline, step


@step
def count() -> int:
    return 3


@step
def show(label: str) -> None:
    print(label)


@pipeline
def misuse():
    n = count()
    show(label=f"{n} items")
    if n > 2:
        show(label="many")
