"""pipec.runtime: the step shim, the local orchestrator, the artifact and metadata stores.

Nothing heavy is imported here: `python -m pipec.runtime run-step` starts one process
per step, so this package's import cost is paid per step. Public names load lazily::

    from pipec.runtime import Client, run_pipeline, shim_command, get_step_context
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "Client": "client",
    "run_pipeline": "orchestrator",
    "RunResult": "orchestrator",
    "shim_command": "command",
    "get_step_context": "context",
    "StepContext": "context",
    "Materializer": "materializers",
    "register_materializer": "materializers",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipec.runtime' has no attribute {name!r}")
    import importlib

    mod = importlib.import_module(f"{__name__}.{module}")
    value = getattr(mod, "register" if name == "register_materializer" else name)
    globals()[name] = value
    return value
