"""The producer of the runtime_inputs example: publishes a new version of the `numbers` artifact.

    pipec run publish.py
"""

from typing import Annotated

from zenml import pipeline, step


@step
def make_numbers(n: int = 5) -> Annotated[list, "numbers"]:
    """The first `n` square numbers."""
    return [i * i for i in range(n)]


@pipeline
def publish_numbers(n: int = 5):
    """Publish a new version of the `numbers` artifact."""
    make_numbers(n=n)
