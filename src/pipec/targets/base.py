"""The contract every target implements.

A target turns one checked IR pipeline plus options into ``{relative path: text}``.
It never touches the disk: the shared writer (`pipec.compiler.writer`) handles
``--out``, ``--check`` and atomic writes for every target.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from pipec.ir import Pipeline
from pipec.ir.diagnostics import Diagnostics, did_you_mean


@dataclass(frozen=True)
class OptionKind:
    """What values an option takes: `pipec targets` shows it, the driver checks it once."""

    #: Short name `pipec targets` shows ("positive integer").
    name: str
    #: What a valid value is, ending the error "expected ..." ("a positive whole number").
    expected: str = "any text"
    #: Regular expression a valid value matches in full; None when any text is valid.
    pattern: str | None = None
    #: A valid value, for the error's hint (none when empty).
    example: str = ""
    #: The error's hint instead of one built from `example`.
    hint: str | None = None
    #: Turns a value that matches `pattern` into what the target works with (int for numbers);
    #: raises ValueError for one the kind does not take.
    convert: Callable[[str], object] = str


#: Any text (the kind of an option that declares none).
TEXT = OptionKind("text")
#: A whole number above zero ("0" and "-1" are rejected, leading zeros are not).
POSITIVE_INT = OptionKind("positive integer", "a positive whole number", r"[0-9]*[1-9][0-9]*", "1", convert=int)
#: A Kubernetes quantity as a volume size takes it ("1Gi", "500M", "2").
QUANTITY = OptionKind("Kubernetes quantity", "a Kubernetes quantity such as 1Gi or 500M",
                      r"[0-9]+(\.[0-9]+)?([KMGTPE]i|[kMGTPE])?", "1Gi")
#: A duration in seconds, fractions allowed ("300", "2.5").
SECONDS = OptionKind("seconds", "a number of seconds", r"[0-9]+(\.[0-9]+)?", "300", convert=float)
#: An http:// or https:// URL.
HTTP_URL = OptionKind("URL", "an http(s) URL", r"(?is)https?://.+", "http://127.0.0.1:8080")


class OptionValueError(ValueError):
    """A value an option does not take; carries the error's text (see `OptionSpec.parse`)."""

    def __init__(self, expected: str, hint: str | None) -> None:
        super().__init__(expected)
        #: What a valid value is ("a positive whole number", "one of: a, b").
        self.expected = expected
        #: How to fix it, None when nothing useful can be said.
        self.hint = hint


@dataclass(frozen=True)
class OptionSpec:
    """One `--option key=value` a target accepts."""

    # Option key.
    name: str
    # One-line description for `pipec targets`.
    help: str
    # Default value, as the string a user would pass.
    default: str | None = None
    # Allowed values; empty means the value is of `kind`.
    choices: tuple[str, ...] = ()
    # What values it takes when `choices` is empty (any text by default).
    kind: OptionKind = TEXT

    @property
    def kind_name(self) -> str:
        """What `pipec targets` shows for the values it takes ("choice", "positive integer", ...)."""
        return "choice" if self.choices else self.kind.name

    def parse(self, raw: str) -> object:
        """`raw` as the target uses it; raises OptionValueError for a value the option does not take.

        This is the one check of option values: the driver runs it on every value a user sets,
        for every target. An empty value of a non-choice option means "unset" (targets fall back
        to the default) and is returned as is.
        """
        if self.choices:
            if raw not in self.choices:
                raise OptionValueError(f"one of: {', '.join(self.choices)}", did_you_mean(raw, self.choices))
            return raw
        kind = self.kind
        if raw == "":
            return raw
        try:
            if kind.pattern is not None and not re.fullmatch(kind.pattern, raw):
                raise ValueError(raw)
            return kind.convert(raw)
        except ValueError:
            hint = kind.hint if kind.hint is not None else (
                f"e.g. --option {self.name}={kind.example}" if kind.example else None)
            raise OptionValueError(kind.expected, hint) from None

    def problem(self, raw: str) -> OptionValueError | None:
        """Why this option does not take `raw` (the error `parse` raises), None when it does."""
        try:
            self.parse(raw)
        except OptionValueError as exc:
            return exc
        return None

    def value(self, options: Mapping[str, str]) -> object:
        """This option's value in `options` (the default when unset or empty), parsed."""
        return self.parse(options.get(self.name) or self.default or "")


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
