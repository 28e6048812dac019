from zenml import pipeline, step


@step
def numbers() -> list:
    return [1, 2, 3]


@step
def square(x: int) -> int:
    return x * x


@pipeline(dynamic=True)
def squares():
    square.map(x=numbers())
