"""The `github` target: one GitHub Actions workflow per pipeline, one job per step.

The package exposes `TARGET`; see `target.py`.
"""

from .target import TARGET

__all__ = ["TARGET"]
