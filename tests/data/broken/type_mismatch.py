from pipec import pipeline, step


@step
def name_of_model() -> str:
    return "svc"


@step
def train(epochs: int) -> float:
    return 0.1 * epochs


@pipeline
def training():
    epochs = name_of_model()
    train(epochs=epochs)
