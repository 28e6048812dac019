"""The `vertex` target: a Vertex AI PipelineJob JSON per pipeline (see `target.py`).

The PipelineSpec inside is built by `pipec.targets.kfp_spec`, shared with the `kubeflow`
target; only accelerators (Vertex's AcceleratorType names), resource limits, labels, the
run-time configuration and schedules differ. The package exposes `TARGET`.
"""

from .target import TARGET

__all__ = ["TARGET"]
