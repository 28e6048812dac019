"""Task text that spans lines (the ``run`` script, the plan) as its own type, so the YAML writer
shows it as a literal block."""

from __future__ import annotations


class Block(str):
    """Text written as a literal block (``|``) where YAML allows one."""

    __slots__ = ()
