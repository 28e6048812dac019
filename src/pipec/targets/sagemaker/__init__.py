"""The `sagemaker` target: SageMaker Pipelines definitions (see :mod:`pipec.targets.sagemaker.target`)."""

from __future__ import annotations

from .target import TARGET, SageMakerTarget

__all__ = ["TARGET", "SageMakerTarget"]
