# pipec-args: --target vertex --option artifact_store=gs://bucket/pipec
"""A GPU type Vertex AI does not know: PC320 lists the accelerator names it takes."""

from pipec import Resources, pipeline, step


@step
def prepare() -> list:
    return [1, 2, 3]


@step(resources=Resources(gpu=1, gpu_type="nvidia-rtx-4090"))
def train(rows: list) -> float:
    return sum(rows) / len(rows)


@pipeline
def gpu_training():
    train(prepare())
