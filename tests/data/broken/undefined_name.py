from pipec import pipeline, step


@step
def scale(values: list, factor: float) -> list:
    return [v * factor for v in values]


@pipeline
def scaling():
    scale(values=[1, 2, 3], factor=FACTOR)
