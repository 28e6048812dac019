"""The reference target `ir`: each pipeline's checked IR as JSON.

The package exposes `TARGET`; see `target.py`.
"""

from .target import TARGET

__all__ = ["TARGET"]
