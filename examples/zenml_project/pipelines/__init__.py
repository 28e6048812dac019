"""The project's pipelines."""

from .feature_engineering import feature_engineering
from .training import training

__all__ = ["feature_engineering", "training"]
