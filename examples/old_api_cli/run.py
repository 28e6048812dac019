"""ZenML's original (<= 0.39) API driven by a click command, as the 2023 zenml-projects are.

The pipeline is instantiated inside the command with local constants; `Tuple[...]` is one
output under the original rules, and a step without a return annotation has none. Compile it
(neither ZenML nor click need be installed) or run it:

    pipec compile examples/old_api_cli/run.py --target all --out out
    python examples/old_api_cli/run.py --verbose
"""

from typing import Tuple

import click
from zenml.pipelines import pipeline
from zenml.steps import BaseParameters, Output, step

DEFAULT_ROWS = 50


class LoaderParams(BaseParameters):
    """Where the rows come from and how many."""

    source: str
    rows: int = DEFAULT_ROWS


class GateParams(BaseParameters):
    """The accuracy a model needs to be deployed."""

    min_accuracy: float = 0.8


@step
def loader(params: LoaderParams) -> Output(features=list, labels=list):
    """Features 0..rows-1 and their parity as labels."""
    features = list(range(params.rows))
    return features, [x % 2 for x in features]


@step
def trainer(features: list, labels: list) -> Tuple[float, int]:
    """A 'model' that always predicts the majority label: its accuracy and that label."""
    majority = int(sum(labels) * 2 >= len(labels))
    accuracy = sum(label == majority for label in labels) / max(len(labels), 1)
    return accuracy, majority


@step
def gate(params: GateParams, model: Tuple[float, int]) -> bool:
    """Whether the model is good enough to deploy."""
    return model[0] >= params.min_accuracy


@step
def announce(deploy: bool):
    """Print the decision (no return annotation: no output, as in ZenML <= 0.39)."""
    print("deploying" if deploy else "not deploying")


@pipeline
def deployment_pipeline(load, train, decide, report):
    """Load, train, decide, report."""
    features, labels = load()
    model = train(features=features, labels=labels)
    deploy = decide(model=model)
    report(deploy=deploy)


@click.command()
@click.option("--verbose", is_flag=True, help="say what runs")
def main(verbose: bool) -> None:
    """Run the deployment pipeline."""
    source = "generated"
    if verbose:
        click.echo(f"running the deployment pipeline on {DEFAULT_ROWS * 2} {source} rows")
    instance = deployment_pipeline(
        load=loader(params=LoaderParams(source=source, rows=DEFAULT_ROWS * 2)),
        train=trainer(),
        decide=gate(params=GateParams(min_accuracy=0.5)),
        report=announce(),
    )
    instance.run(enable_cache=False)


if __name__ == "__main__":
    main()
