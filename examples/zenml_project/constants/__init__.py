"""Names shared by the whole project (re-exported from `constants.names`)."""

from .names import *  # noqa: F403
