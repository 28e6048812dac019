"""Quickstart with ZenML's original (<= 0.39) API: steps are slots of the pipeline.

Load the iris data set into a DataFrame, split it, train a support vector
classifier and report its accuracy. Compile it without ZenML installed:

    pipec compile examples/quickstart_old_api/run.py --target all --out out
"""

import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC
from zenml.pipelines import pipeline
from zenml.steps import BaseParameters, Output, step


class SplitterParams(BaseParameters):
    """How much of the data the evaluation holds back."""

    test_size: float = 0.2
    random_state: int = 42


class TrainerParams(BaseParameters):
    """Hyperparameters of the support vector classifier."""

    gamma: float = 0.001
    C: float = 1.0


@step
def get_dataframe() -> pd.DataFrame:
    """Load iris as one DataFrame, the label in column `target`."""
    iris = load_iris(as_frame=True)
    return iris.frame


@step
def splitter(params: SplitterParams, df: pd.DataFrame) -> Output(
    X_train=pd.DataFrame, X_test=pd.DataFrame, y_train=pd.Series, y_test=pd.Series
):
    """Split features and label into train and test parts."""
    X = df.drop(columns=["target"])
    y = df["target"]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=params.test_size, random_state=params.random_state
    )
    return X_train, X_test, y_train, y_test


@step
def trainer(
    params: TrainerParams, X_train: pd.DataFrame, y_train: pd.Series, X_test: pd.DataFrame, y_test: pd.Series
) -> Output(model=ClassifierMixin, accuracy=float):
    """Fit an SVC and score it on the held-back part."""
    model = SVC(gamma=params.gamma, C=params.C)
    model.fit(X_train, y_train)
    accuracy = float(model.score(X_test, y_test))
    return model, accuracy


@step
def reporter(model: ClassifierMixin, accuracy: float) -> str:
    """A one-line summary of the run."""
    summary = f"{type(model).__name__} test accuracy: {accuracy:.3f}"
    print(summary)
    return summary


@step
def data_checker() -> bool:
    """Pretend pre-flight check that must pass before any data is read."""
    return True


@pipeline
def test_pipeline(data_checker, get_dataframe, splitter, trainer, reporter):
    """Check, load, split, train, report."""
    data_checker()
    df = get_dataframe()
    get_dataframe.after(data_checker)
    X_train, X_test, y_train, y_test = splitter(df)
    model, accuracy = trainer(X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test)
    reporter(model=model, accuracy=accuracy)


test_pipeline(
    data_checker=data_checker(),
    get_dataframe=get_dataframe(),
    splitter=splitter(params=SplitterParams(test_size=0.25)),
    trainer=trainer(params=TrainerParams(gamma=0.01)),
    reporter=reporter(),
).run()
