"""The `azureml` target: an Azure ML CLI v2 pipeline job (and its schedule) per pipeline."""

from .target import TARGET

__all__ = ["TARGET"]
