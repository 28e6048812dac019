from pipec import pipeline
from steps.preprocessing import clean


@pipeline
def training():
    clean()
