"""Azure ML's naming rules: pipeline job keys (node names) and schedule names."""

from __future__ import annotations

import re

from pipec.targets.kit.names import Namer, short_digest

#: A node name azure-ai-ml accepts: a lower-case Python identifier.
NODE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
#: Longest node name kept as is.
MAX_NODE_NAME = 200
#: Schedule names: letters, digits, ``-`` and ``_``, starting with a letter or digit.
SCHEDULE_NAMES = Namer(r"[^A-Za-z0-9_-]", "_", max_len=255, bad_first="_-")


def component_name(pipeline_name: str) -> str:
    """The pipeline component's name: a lower-case identifier (cleaned as node names are)."""
    return node_names([pipeline_name])[pipeline_name]


def node_names(step_ids: list[str]) -> dict[str, str]:
    """A distinct valid node name per step id: valid ids stay, others are cleaned and get
    ``_`` and a digest of the original (so distinct steps stay distinct)."""
    out: dict[str, str] = {}
    for step_id in step_ids:
        if NODE_NAME.fullmatch(step_id) and len(step_id) <= MAX_NODE_NAME:
            out[step_id] = step_id
            continue
        cleaned = re.sub(r"[^a-z0-9_]", "_", step_id.lower())
        if not re.match(r"[a-z_]", cleaned):
            cleaned = "_" + cleaned
        out[step_id] = f"{cleaned[:MAX_NODE_NAME - 9]}_{short_digest(step_id)}"
    return out
