"""The `local_docker` target: a Docker Compose file running one service per step.

The package exposes `TARGET`; see `target.py`.
"""

from .target import TARGET

__all__ = ["TARGET"]
