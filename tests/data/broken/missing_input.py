from pipec import pipeline, step


@step
def load() -> list:
    return [1, 2, 3]


@step
def train(data: list, learning_rate: float) -> float:
    return learning_rate * len(data)


@pipeline
def training():
    data = load()
    train(data=data)
