from zenml import pipeline, step


@step
def load() -> int:
    return 1


@step
def use(x: int) -> None:
    pass


@pipeline
def training():
    value = load()
    use(x=value.outputs["missing"])
