"""The `kubernetes` target: plain Kubernetes objects that run pipec's own orchestrator in a pod.

The package exposes `TARGET`; see `target.py`.
"""

from .target import TARGET

__all__ = ["TARGET"]
