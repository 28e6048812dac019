# pipec-args: --config tests/data/broken/ignored_config_keys.yaml
from zenml import pipeline, step


@step
def load(path: str = "rows.csv") -> int:
    return 1


@pipeline
def ingest():
    load()
