# pipec-args: --config tests/data/broken/config_code_conflict.yaml
from zenml import pipeline, step


@step
def wait(timeout: int = 3600) -> int:
    return timeout


@pipeline
def poll(timeout: int = 3600):
    wait(timeout=timeout)
    wait(timeout=60, id="short")
