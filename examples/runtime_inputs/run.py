"""Step inputs resolved when the step starts (ZenML's artifact lookups and stored values).

`publish_numbers` (publish.py) makes a named artifact, `numbers` (a new version each run);
`report_pipeline` reads its latest version back with `Client().get_artifact_version(...)`,
gets a value stored for the run with `ExternalArtifact(value=...)`, and one saved under a
name with `save_artifact(...)`:

    pipec run publish.py
    pipec run run.py

Each resolved input is recorded with where it came from (`pipec runs show`,
`pipec.Client().get_pipeline_run("report_pipeline").steps["report"].inputs`).
"""

from zenml import ExternalArtifact, pipeline, save_artifact, step
from zenml.client import Client


@step
def report(numbers: list, settings: dict, title: str) -> dict:
    """A summary of the looked-up numbers, scaled and titled by the stored values."""
    return {"title": title, "count": len(numbers), "total": sum(numbers) * settings["scale"]}


@pipeline
def report_pipeline(artifact: str = "numbers", title: str = "Squares, 'quoted' & $escaped"):
    """Read the latest `numbers` and two values stored for the run."""
    report(numbers=Client().get_artifact_version(artifact),
           settings=ExternalArtifact(value={"scale": 2}),
           title=save_artifact(title, "report_title"))
