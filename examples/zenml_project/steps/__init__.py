"""The project's steps, re-exported as ZenML templates do."""

from .data import *  # noqa: F403
from .model import *  # noqa: F403
