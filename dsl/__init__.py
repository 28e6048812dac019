"""pipec: compile ZenML-style Python pipelines into orchestrator artifacts.

User code imports the decorators and settings from here::

    from pipec import step, pipeline, Resources, Docker, Retry, Schedule
"""

from .decorators import pipeline, step
from .settings import Docker, Resources, Retry, Schedule

__version__ = "0.1.0"

__all__ = ["Docker", "Resources", "Retry", "Schedule", "__version__", "pipeline", "step"]
