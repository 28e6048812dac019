from zenml import pipeline, step


@step
def square(x: int) -> int:
    return x * x


@pipeline
def squares():
    future = square.submit(x=3)
    square(x=future)
