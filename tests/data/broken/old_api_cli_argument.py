"""An original-API pipeline instantiated in a click command from a command-line argument."""

import click
from zenml.pipelines import pipeline
from zenml.steps import BaseParameters, step


class GateParams(BaseParameters):
    threshold: float


@step
def gate(params: GateParams) -> bool:
    return True


@pipeline
def guarded(gate):
    gate()


@click.command()
@click.option("--threshold", default=0.9)
def main(threshold: float):
    guarded(gate=gate(params=GateParams(threshold=threshold))).run()


def rerun(threshold):
    level = threshold * 2
    guarded(gate=gate(params=GateParams(threshold=level))).run()


if __name__ == "__main__":
    main()
