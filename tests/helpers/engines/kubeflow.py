"""Kubeflow Pipelines: what a compiled PipelineSpec's executors hand their containers.

KFP's driver fills its own ``{{$...}}`` placeholders (inputs, outputs, the run id); then
Kubernetes expands ``$(NAME)`` (`tests.helpers.engines.kubelet`). The validity of the spec
itself is proved by kfp's own reader in tests/kfp (side environment .venvs/kfp).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.helpers.engines.kubelet import k8s_expand

#: One compile per proof: the target's defaults.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = ({},)


def container_argvs(spec: dict) -> list[list[str]]:
    """The argv of every executor's container of a PipelineSpec, with each ``{{$...}}`` placeholder
    filled with 1 by KFP's driver, then expanded by Kubernetes."""
    containers = [e["container"] for e in spec["deploymentSpec"]["executors"].values()]
    return [[k8s_expand(re.sub(r"\{\{\$[^}]*\}\}", "1", t), {}) for t in [*c["command"], *c["args"]]]
            for c in containers]


def step_argvs(text: str, pipeline, tmp_path: Path) -> list[list[str]]:
    """The argv of every executor's container of the kubeflow package in `text`."""
    return container_argvs(yaml.safe_load(text))
