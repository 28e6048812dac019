"""pipec: compile ZenML-style Python pipelines into orchestrator artifacts.

User code imports the decorators and settings from here::

    from pipec import step, pipeline, Resources, Docker, Retry, Schedule
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ imports them on first use
    from .artifacts import ExternalArtifact, save_artifact
    from .decorators import pipeline, step
    from .model import Model
    from .runtime.client import Client
    from .settings import Docker, Resources, Retry, Schedule

__version__ = "0.1.0"

__all__ = ["Client", "Docker", "ExternalArtifact", "Model", "Resources", "Retry", "Schedule", "__version__",
           "pipeline", "save_artifact", "step"]

#: Public names and the module that defines each. Imported when first asked for, so the
#: `pipec` command line (whose compile-cache hit needs none of them) and every step process
#: (which needs only some) pay for what they use; Client pulls in SQLAlchemy.
_LAZY = {"pipeline": ".decorators", "step": ".decorators", "Docker": ".settings", "Resources": ".settings",
         "Retry": ".settings", "Schedule": ".settings", "Client": ".runtime.client", "ExternalArtifact": ".artifacts",
         "save_artifact": ".artifacts", "Model": ".model"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pipec' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
