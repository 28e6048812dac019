"""Run-time-resolved step inputs (issue 14) used in ways pipec cannot compile."""

from zenml import ExternalArtifact, pipeline, save_artifact, step
from zenml.client import Client

LATEST = Client().get_artifact_version("numbers")


@step
def make() -> int:
    return 1


@step
def use(value: int, other: str = "") -> None:
    pass


@pipeline
def lookups(name: str, label: str = "x"):
    client = Client()
    use(value=client.get_artifact_version("numbers").id)
    use(value=Client().get_artifact("numbers").load())
    use(value=client.get_artifact_version("numbers", name))
    use(value=client.get_artifact_version(make()))
    use(value=client.get_artifact_version("numbers", hydrate=False, version=[1]))
    use(value=ExternalArtifact(value=make))
    use(value=ExternalArtifact(1))
    use(value=ExternalArtifact(name="numbers", value=1))
    use(value=ExternalArtifact(model_name="m", name="numbers"))
    use(value=ExternalArtifact(value=1, materializer="m"), other=save_artifact(label, "label", version="v1"))
    save_artifact(label, "unread")
    use(value=ExternalArtifact(valu=1))
