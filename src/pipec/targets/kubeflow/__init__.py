"""The `kubeflow` target: a KFP v2 pipeline package per pipeline (see `target.py`).

The PipelineSpec inside is built by `pipec.targets.kfp_spec`, shared with the `vertex`
target; this folder adds the Kubernetes platform spec (`platform`) and recurring runs
(`schedule`). The package exposes `TARGET`.
"""

from .target import TARGET

__all__ = ["TARGET"]
