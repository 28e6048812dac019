"""The `tekton` target: a Tekton Pipelines v1 ``Pipeline`` plus a ``PipelineRun`` per pipeline.

The package exposes `TARGET`; see `target.py`.
"""

from .target import TARGET

__all__ = ["TARGET"]
