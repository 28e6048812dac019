from pipec import pipeline, step


@step
def load() -> list:
    return [1, 2, 3]


@step
def train(data: list, learning_rate: float = 0.1) -> float:
    return learning_rate * len(data)


@pipeline
def training():
    data = load()
    train(data=data, learnig_rate=0.01)
