from pipec import pipeline, step


@step
def load(part: int) -> list:
    return [part]


@pipeline
def training():
    load(part=1, id="load_part")
    load(part=2, id="load_part")
