"""Kubeflow Pipelines v2: a PipelineSpec package per pipeline (see `target`).

`build` makes the PipelineSpec as plain dicts and is shared with the `vertex` target;
`references` checks the cross-references inside a spec that KFP's schema cannot.
"""
