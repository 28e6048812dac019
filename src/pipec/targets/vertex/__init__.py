"""Vertex AI Pipelines: a PipelineJob JSON per pipeline (see `target`).

The PipelineSpec inside is built by the `kubeflow` target's builder; only accelerators
(Vertex's AcceleratorType names), resource limits, labels, the run-time configuration
and schedules differ.
"""
