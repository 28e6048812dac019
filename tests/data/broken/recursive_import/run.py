from pipec import pipeline
from steps.a import first


@pipeline
def loop():
    first()
