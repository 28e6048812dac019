from pipec import pipeline, step


@step
def load_data() -> list:
    return [1, 2, 3]


@step
def trainer(data: list) -> float:
    return sum(data) / len(data)


@pipeline
def training():
    data = load_data()
    trainr(data)
