"""Enum members and step results used the way Python refuses (each line is one error)."""

from enum import Enum

from zenml import pipeline, step


class Kind(Enum):
    A = "a"
    B = "b"


@step
def make(text: str) -> None:
    pass


@pipeline
def p():
    done = make(text="x")
    make(text=str(Kind.A < Kind.B))
    make(text="y", after=done.invocation_id)
    make(text=Kind("z").value)
    make(text=Kind["Z"].value)
    print(f"{undefined}")
