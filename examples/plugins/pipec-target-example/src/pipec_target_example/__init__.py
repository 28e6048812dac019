"""pipec target `example`: ``example/<pipeline>.sh``, a POSIX shell script that runs each step's
shim call in DAG order on the machine it runs on (see `target.py`)."""

from .target import TARGET

__all__ = ["TARGET"]
