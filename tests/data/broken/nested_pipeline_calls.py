"""Pipelines called inside a pipeline: options that do not apply, a wrong argument, a self-call."""

from zenml import pipeline, step


@step
def fetch(rows: int = 1) -> int:
    return rows


@pipeline(enable_cache=False)
def inner(rows: int = 10):
    return fetch(rows=rows)


@pipeline
def outer():
    inner(rows=5)
    inner(size=3)


@pipeline
def looping(n: int = 1):
    fetch(rows=n)
    looping(n=n)
