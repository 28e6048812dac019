from pipec import step, pipeline
@step
def s(v: list) -> None:
    pass
@pipeline
def p(v: list = []):
    s(v=v)
