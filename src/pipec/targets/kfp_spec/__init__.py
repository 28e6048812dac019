"""The KFP PipelineSpec that both the `kubeflow` and the `vertex` target write.

Not a target (no `target.py`): the part two engines running KFP's pipeline schema share.
`build` makes the spec as plain dicts, with a :class:`~pipec.targets.kfp_spec.build.Flavor`
for what differs between the engines; `names` and `params` give its task names and run-time
inputs; `dump` writes it as YAML (Kubeflow) or JSON (Vertex AI); `references` checks the
cross-references inside a spec that KFP's schema cannot; `settings` reads the engine
settings of either target; `checks` and `times` hold the checks and schedule times both make.
"""
