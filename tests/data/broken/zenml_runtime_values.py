"""Values ZenML code computes at run time: the environment, the active stack, dynamic pipelines, a raise."""

import os

from zenml import pipeline, step, save_artifact
from zenml.client import Client
from zenml.config import DockerSettings

docker_settings = DockerSettings(environment={"API_TOKEN": os.environ["API_TOKEN"]})
tracker = Client().active_stack.experiment_tracker


@step(experiment_tracker=tracker.name)
def fetch(seed: int = 0) -> int:
    return seed


@step
def report(text: str = "") -> None:
    pass


@pipeline(settings={"docker": docker_settings}, dynamic=True)
def nightly(fast: bool = True, retries: int = 0):
    fetch(seed=int(os.getenv("SEED", "1")))
    fetch(after="fetch")
    report(text=Client().zen_store.url, after="fetch_2")
    save_artifact("notes", "notes")
    if fast and retries == 0:
        raise ValueError(f"fast runs need retries, got {retries}")
