from pipec import pipeline, step


def helper(x: int) -> int:
    return x + 1


@step
def use(x: int) -> int:
    return x


@pipeline
def plain_call():
    use(x=helper(1))
