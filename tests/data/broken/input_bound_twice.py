from pipec import pipeline, step


@step
def load() -> list:
    return [1]


@step
def train(data: list) -> None:
    pass


@pipeline
def training():
    data = load()
    train(data, data=data)
