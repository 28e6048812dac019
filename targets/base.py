"""The contract every target implements.

A target turns one checked IR pipeline plus options into ``{relative path: text}``.
It never touches the disk: the shared writer (`pipec.compiler.writer`) handles
``--out``, ``--check`` and atomic writes for every target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from pipec.compiler.diagnostics import Diagnostics
from pipec.compiler.ir import Pipeline


@dataclass(frozen=True)
class OptionSpec:
    """One `--option key=value` a target accepts."""

    # Option key.
    name: str
    # One-line description for `pipec targets`.
    help: str
    # Default value, as the string a user would pass.
    default: str | None = None
    # Allowed values; empty means any string.
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompileContext:
    """What a target gets besides the pipeline."""

    # Validated `--option` values merged over the option defaults.
    options: dict[str, str] = field(default_factory=dict)
    # Where the target reports unsupported settings and other problems.
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


class Target(Protocol):
    """A registered compilation target."""

    #: Name used with `--target`.
    name: str
    #: One-line description for `pipec targets`.
    description: str
    #: Options accepted through `--option key=value`.
    options: tuple[OptionSpec, ...]

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """Return the artifacts for `pipeline` as ``{relative path: text}``."""
        ...
