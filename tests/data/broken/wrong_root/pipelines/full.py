from zenml import pipeline

from steps import load


@pipeline
def tune():
    load()
