"""The `argo` target: an Argo Workflows ``Workflow`` (plus a ``CronWorkflow`` when scheduled).

The package exposes `TARGET`; see `target.py`.
"""

from .target import TARGET

__all__ = ["TARGET"]
