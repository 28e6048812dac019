from pipec import Resources, Retry, pipeline, step


@step(resources=Resources(cpu="lots", memory="4 gigs"), retry=Retry(max_retries=-1))
def train() -> None:
    pass


@pipeline
def training():
    train()
