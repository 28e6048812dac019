"""The `hyperai` target: a Docker Compose file run on a HyperAI instance over SSH.

The package exposes `TARGET`; see `target.py`.
"""

from .target import TARGET

__all__ = ["TARGET"]
