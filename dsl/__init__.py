"""pipec: compile ZenML-style Python pipelines into orchestrator artifacts.

User code imports the decorators and settings from here::

    from pipec import step, pipeline, Resources, Docker, Retry, Schedule
"""

from .decorators import pipeline, step
from .settings import Docker, Resources, Retry, Schedule

__version__ = "0.1.0"

__all__ = ["Client", "Docker", "Resources", "Retry", "Schedule", "__version__", "pipeline", "step"]


def __getattr__(name: str):
    # Client pulls in the metadata store (SQLAlchemy): imported only when asked for, so
    # `import pipec` stays cheap in every step process and in the compiler.
    if name == "Client":
        from .runtime.client import Client

        return Client
    raise AttributeError(f"module 'pipec' has no attribute {name!r}")
