"""Model selection with ZenML's current API: Annotated outputs, settings, retries, a schedule.

Output names come from `Annotated[...]`: a literal, an Enum member or `ArtifactConfig(name=...)`.

Train two classifiers on the breast cancer data set, evaluate both and keep the
better one. Compile it (ZenML need not be installed) with its run configuration:

    pipec compile examples/zenml_new_api/run.py --config examples/zenml_new_api/config.yaml \
        --target all --out out
"""

from enum import Enum
from typing import Annotated, Tuple

import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from zenml import ArtifactConfig, pipeline, step
from zenml.config import DockerSettings, ResourceSettings
from zenml.config.retry_config import StepRetryConfig
from zenml.config.schedule import Schedule


class Names(str, Enum):
    """Artifact names shared by the steps."""

    DATASET = "dataset"
    MODEL = "model"


@step
def load_data() -> Annotated[pd.DataFrame, Names.DATASET]:
    """The breast cancer data set as one DataFrame, the label in column `target`."""
    return load_breast_cancer(as_frame=True).frame


@step
def validate_schema(dataset: pd.DataFrame) -> None:
    """Fail early when the label column is missing or the data is empty."""
    if "target" not in dataset.columns or dataset.empty:
        raise ValueError("dataset needs rows and a `target` column")


@step
def describe(dataset: pd.DataFrame) -> Tuple[int, int]:
    """Number of rows and of feature columns."""
    return len(dataset), dataset.shape[1] - 1


@step
def split_data(
    dataset: pd.DataFrame, test_size: float = 0.2, random_state: int = 42
) -> Tuple[
    Annotated[pd.DataFrame, "X_train"],
    Annotated[pd.DataFrame, "X_test"],
    Annotated[pd.Series, "y_train"],
    Annotated[pd.Series, "y_test"],
]:
    """Stratified train/test split."""
    X = dataset.drop(columns=["target"])
    y = dataset["target"]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=random_state, stratify=y
    )
    return X_train, X_test, y_train, y_test


@step(
    settings={
        "docker": DockerSettings(requirements=["scikit-learn>=1.3", "pandas>=2.0"]),
        "resources": ResourceSettings(cpu_count=2, memory="4GB", gpu_count=1),
    },
    retry=StepRetryConfig(max_retries=2, delay=10, backoff=2),
)
def train_model(
    X_train: pd.DataFrame, y_train: pd.Series, model_type: str = "logreg", C: float = 1.0
) -> Annotated[ClassifierMixin, ArtifactConfig(name=Names.MODEL)]:
    """Fit a logistic regression or a random forest."""
    if model_type == "logreg":
        model = LogisticRegression(C=C, max_iter=5000)
    elif model_type == "forest":
        model = RandomForestClassifier(n_estimators=200, random_state=0)
    else:
        raise ValueError(f"unknown model type {model_type!r}")
    model.fit(X_train, y_train)
    return model


@step
def evaluate(model: ClassifierMixin, X_test: pd.DataFrame, y_test: pd.Series) -> float:
    """Accuracy on the test split."""
    return float(model.score(X_test, y_test))


@step
def pick_winner(
    logreg_accuracy: float, forest_accuracy: float
) -> Tuple[Annotated[str, "winner"], Annotated[float, "best_accuracy"]]:
    """The better model type and its accuracy."""
    if logreg_accuracy >= forest_accuracy:
        return "logreg", logreg_accuracy
    return "forest", forest_accuracy


@step(enable_cache=False)
def write_report(winner: str, best_accuracy: float, n_rows: int) -> str:
    """A short markdown report."""
    return f"# Model selection\n\n{winner} wins with accuracy {best_accuracy:.3f} on {n_rows} rows.\n"


@pipeline(
    enable_cache=True,
    settings={"docker": DockerSettings(parent_image="python:3.11-slim", apt_packages=["libgomp1"])},
)
def model_selection(test_size: float = 0.2, with_report: bool = True):
    """Load, validate, split, train two models, evaluate them, pick the winner."""
    dataset = load_data()
    validate_schema(dataset, id="schema_check")
    n_rows, _ = describe(dataset)
    X_train, X_test, y_train, y_test = split_data(dataset, test_size=test_size, after="schema_check")

    accuracies = []
    for model_type in ["logreg", "forest"]:
        model = train_model(X_train, y_train, model_type=model_type, id=f"train_{model_type}")
        accuracies.append(evaluate.with_options(enable_cache=False)(model, X_test, y_test))

    winner, best_accuracy = pick_winner(logreg_accuracy=accuracies[0], forest_accuracy=accuracies[1])
    if with_report:
        write_report(winner=winner, best_accuracy=best_accuracy, n_rows=n_rows)


if __name__ == "__main__":
    model_selection.with_options(schedule=Schedule(cron_expression="0 3 * * *"))()
