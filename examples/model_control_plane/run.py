"""ZenML's Model Control Plane without a ZenML server: a training and an inference pipeline.

    iris_training:  load_data ──> train ──> evaluate       (model `iris-rules`, a new version per run)
    iris_inference: predict(get_pipeline_context().model.get_artifact("classifier"))
                                                        (the version in stage `production`)

Every output of a training run is linked to the run's new model version: `dataset` and
`accuracy` as data artifacts, `classifier` (``is_model_artifact=True``) as a model artifact.
Promote a version with ``pipec.Client().get_model_version("iris-rules", 2).set_stage("production")``;
the inference pipeline then reads that version's classifier. Plain Python data only.
"""

from typing import Annotated

from zenml import ArtifactConfig, Model, get_pipeline_context, pipeline, step

MODEL_NAME = "iris-rules"


@step
def load_data(rows: int = 30, seed: int = 3) -> Annotated[list, "dataset"]:
    """`rows` (petal length, label) pairs from a tiny linear congruential generator."""
    data, state = [], seed
    for _ in range(rows):
        state = (1103515245 * state + 12345) % 2**31
        length = 1.0 + (state % 60) / 10
        data.append([length, "virginica" if length > 4.8 else "versicolor" if length > 2.5 else "setosa"])
    return data


@step
def train(dataset: list, margin: float = 0.0) -> Annotated[dict, ArtifactConfig(name="classifier",
                                                                                is_model_artifact=True)]:
    """Thresholds on petal length between the classes, shifted by `margin`."""
    def longest(label: str) -> float:
        return max(length for length, name in dataset if name == label)

    return {"setosa": longest("setosa") + margin, "versicolor": longest("versicolor") + margin}


def classify(classifier: dict, length: float) -> str:
    """The label the thresholds give."""
    if length <= classifier["setosa"]:
        return "setosa"
    return "versicolor" if length <= classifier["versicolor"] else "virginica"


@step
def evaluate(dataset: list, classifier: dict) -> Annotated[float, "accuracy"]:
    """The share of rows the classifier labels right."""
    return sum(classify(classifier, length) == label for length, label in dataset) / len(dataset)


@step
def predict(classifier: dict, lengths: list) -> Annotated[list, "predictions"]:
    """A label per petal length."""
    return [classify(classifier, length) for length in lengths]


@pipeline(model=Model(name=MODEL_NAME, license="Apache-2.0", description="Petal-length rules for iris",
                      tags=["iris", "rules"]))
def iris_training(rows: int = 30, margin: float = 0.0):
    """load_data -> train -> evaluate, linked to a new version of the model."""
    dataset = load_data(rows=rows)
    classifier = train(dataset, margin=margin)
    evaluate(dataset, classifier)


@pipeline(model=Model(name=MODEL_NAME, version="production"))
def iris_inference(lengths: list = [1.2, 3.9, 5.5]):  # noqa: B006 - a pipeline parameter's default
    """predict with the classifier of the model version in production."""
    classifier = get_pipeline_context().model.get_artifact("classifier")
    predict(classifier, lengths=lengths)
