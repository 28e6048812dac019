# pipec-args: --param kind=c
"""A value given for an Enum-annotated pipeline parameter that no member has (pydantic rejects it)."""

from enum import Enum

from zenml import pipeline, step


class Kind(Enum):
    A = "a"
    B = "b"


@step
def make(kind: str) -> None:
    pass


@pipeline
def p(kind: Kind = Kind.A):
    if kind == Kind.A:
        make(kind=kind.value)
    elif kind == Kind.B:
        make(kind="b")
    else:
        raise ValueError(f"bad kind {kind}")
