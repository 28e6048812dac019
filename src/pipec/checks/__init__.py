"""Checks on the IR: each a small registered function reporting into a Diagnostics.

Importing this package registers every check (see :mod:`.registry`); the modules
group them by what they look at:

* :mod:`.structure` -- empty pipelines, duplicate ids, references to unknown steps;
* :mod:`.cycles` -- dependency cycles through data and `after=` edges;
* :mod:`.bindings` -- arguments against signatures and outputs;
* :mod:`.edges` -- types on data edges and unused outputs.
"""

from __future__ import annotations

from . import bindings, cycles, edges, structure  # noqa: F401  (registration side effect)
from .registry import CHECKS, register, run_checks

__all__ = ["CHECKS", "register", "run_checks"]
