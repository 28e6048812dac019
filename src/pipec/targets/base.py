"""The contract every target implements.

A target turns one checked IR pipeline plus options into ``{relative path: text}``.
It never touches the disk: the shared writer (`pipec.compiler.writer`) handles
``--out``, ``--check`` and atomic writes for every target.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from pipec.ir import Pipeline
from pipec.ir.diagnostics import Diagnostics


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
    # Image reference per step id, content-addressed (see `pipec.build.image`); filled by
    # the driver; targets read it through `pipec.targets.common.step_image`.
    images: Mapping[str, str] = field(default_factory=dict)
    # Names of the options the user set (command line, stack or project table); the others in
    # `options` are the target's defaults, which deserve a note at most, never a warning.
    explicit: frozenset[str] = frozenset()


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


@dataclass(frozen=True)
class SubmitContext:
    """What a target's ``submit`` gets: the compiled files and how to run them."""

    # The target's options, as for compile.
    options: dict[str, str]
    # The files compile produced for this pipeline, ``{relative path: text}``.
    files: dict[str, str]
    # Run-time values for pipeline parameters given with --param.
    parameters: dict[str, object] = field(default_factory=dict)
    # Wait until the run ends (False: return once it is started).
    wait: bool = True
    # Seconds to wait at most when `wait` is true.
    timeout: float = 3600.0
    # Progress lines for the user (written to stderr by the CLI).
    log: Callable[[str], None] = print


@dataclass(frozen=True)
class Submission:
    """What a submitted run became."""

    # The engine's id of the run.
    engine_run_id: str
    # The run id the runtime shim records (the expanded run-id placeholder), None if unknown.
    run_id: str | None = None
    # Link to the run in the engine's UI, None when it has none.
    url: str | None = None
    # pipec's name for the state: "completed", "failed", "running" or "queued" (final when waited
    # for; anything but these four makes `pipec submit` exit 1), None when unknown.
    status: str | None = None


class Submitter(Protocol):
    """A target that can also deploy and start what it compiled (`pipec submit`)."""

    def submit(self, pipeline: Pipeline, context: SubmitContext) -> Submission:
        """Deploy `context.files` and start one run of `pipeline`; raise SubmitError on failure."""
        ...


class SubmitError(RuntimeError):
    """A submission failed for a reason the user can act on (shown without a traceback)."""
