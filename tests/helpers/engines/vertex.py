"""Vertex AI Pipelines: the job file's ``pipelineSpec`` runs on KFP's driver, as kubeflow's does
(`tests.helpers.engines.kubeflow`)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.engines.kubeflow import container_argvs

#: One compile per proof: the target's defaults.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = ({},)


def step_argvs(text: str, pipeline, tmp_path: Path) -> list[list[str]]:
    """The argv of every executor's container of the Vertex job file in `text`."""
    return container_argvs(json.loads(text)["pipelineSpec"])
