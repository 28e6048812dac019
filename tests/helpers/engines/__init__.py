"""Models of what each target's engine hands the container that runs a step.

Every registered target has a module here named after it (``argo.py`` for ``argo``...) with:

- ``COMPILE_OPTIONS``: the option sets a proof compiles the target with (one artifact set per
  entry; empty when no engine runs the target's output),
- ``step_argvs(text, pipeline, tmp_path)``: the argv each step's process gets, in step order,
  for the artifact `text` (the pipeline file, not a schedule) compiled from IR `pipeline`.

The models are written from each engine's documentation and source (templating, substitution,
Kubernetes' expansion, a shell running a script) and are what the hostile-string and store
tests compare with the runtime shim's own parser. `kubelet` is Kubernetes' part, shared by the
targets that run pods.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def model(target: str) -> ModuleType | None:
    """The engine model of registered target `target`, None when tests/helpers/engines has none."""
    name = f"{__name__}.{target}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return None
