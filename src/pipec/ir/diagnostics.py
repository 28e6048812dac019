"""Diagnostics: stable codes, a collector, and the human-readable renderer.

Every user-facing problem is a :class:`Diagnostic` with a stable code from :data:`CODES`.
Stages append to a :class:`Diagnostics` collector instead of raising, so one run
reports every problem it can find. Rendering follows the rustc style::

    pipeline.py:12:5: error[PC203]: step `train` is missing required input `data`
       |
    12 |     train(lr=0.1)
       |     ^^^^^^^^^^^^^
    help: pass `data=` or give the parameter a default
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import NO_SPAN, Span

ERROR = "error"
WARNING = "warning"

#: Every diagnostic code with a one-line summary. Codes are stable: never reuse or renumber.
CODES: dict[str, str] = {
    # PC0xx: reading input
    "PC001": "syntax error in a source file",
    "PC002": "a file cannot be read",
    "PC003": "no pipeline found",
    "PC004": "the requested pipeline does not exist",
    "PC005": "several pipelines fit; choose one with --pipeline",
    # PC1xx: frontend (static evaluation)
    "PC101": "unsupported statement in a pipeline body",
    "PC102": "expression cannot be evaluated statically",
    "PC103": "name is not defined",
    "PC104": "called object is not a step",
    "PC105": "dynamic pipeline construct",
    "PC106": "import cannot be resolved in the source root",
    "PC107": "invalid step or pipeline decorator argument",
    "PC108": "invalid settings value",
    "PC109": "unknown pipeline parameter",
    "PC110": "invalid run configuration",
    "PC111": "value is not JSON-serialisable",
    "PC112": "wrong number of values to unpack",
    "PC113": "step output used incorrectly",
    "PC114": "too many step invocations",
    "PC115": "old-style pipeline is never instantiated",
    "PC116": "ignored setting",
    "PC117": "invalid schedule",
    "PC118": "invalid type annotation",
    "PC119": "invalid `after=` value",
    "PC120": "recursive import",
    "PC125": "invalid model (ZenML's Model Control Plane)",
    "PC126": "model version known only when the pipeline runs",
    "PC127": "pipeline parameter pinned by the compile: it sets the length of a list of step outputs",
    "PC128": "parameter object whose class runs its own code when built",
    "PC140": "compile-time evaluation exceeded its work budget",
    "PC141": "value too large to build at compile time",
    "PC142": "integer too large to compute at compile time",
    # PC2xx: checks on the IR
    "PC201": "dependency cycle",
    "PC202": "unknown step id",
    "PC203": "missing required input",
    "PC204": "unknown keyword argument",
    "PC205": "duplicate step id",
    "PC206": "type mismatch on a data edge",
    "PC207": "unused step output",
    "PC208": "unknown step output",
    "PC209": "input bound more than once",
    "PC210": "pipeline has no steps",
    # PC3xx: command line, configuration and targets
    "PC301": "unknown target",
    "PC302": "invalid target option",
    "PC303": "invalid --param value",
    "PC304": "setting not supported by the target",
    "PC305": "target failed to load",
    "PC306": "target cannot submit runs",
    "PC307": "folder artifact store not shared between the steps' machines",
    "PC308": "engine settings the target does not read",
    # PC31x: airflow target
    "PC310": "invalid airflow setting",
    "PC311": "retry backoff approximated by Airflow",
    "PC312": "scheduled DAG with a required parameter",
    "PC313": "invalid schedule time",
    "PC314": "folder artifact store not shared between the steps' containers (retired: now PC307)",
    "PC315": "name Airflow may template",
    # PC32x: kubeflow and vertex targets
    "PC320": "accelerator type unknown to Vertex AI",
    "PC321": "invalid or unsupported kubeflow/vertex setting",
    "PC322": "pipeline parameter cannot be a KFP run-time input",
    "PC323": "value would be expanded as a KFP placeholder",
    "PC324": "local artifact store cannot be shared between KFP or Vertex steps (retired: now PC307)",
    "PC325": "schedule has no KFP or Vertex AI form",
    "PC326": "invalid Vertex AI label",
    "PC327": "resources exceed what Vertex AI offers",
    # PC33x: tekton and argo targets
    "PC330": "pipeline parameter fixed at compile time: the engine would expand its value",
    "PC331": "pipeline parameter has no value for the generated run",
    "PC332": "text would be expanded by Argo Workflows templating",
    "PC333": "relative artifact store folder cannot be shared between pods (retired: now PC307)",
    # PC34x: github target
    "PC340": "name not valid in a GitHub workflow",
    "PC341": "local artifact store cannot be shared between GitHub jobs (retired: now PC307)",
    "PC342": "schedule has no GitHub cron form",
    "PC343": "step needs a GPU but no GPU runner is set",
    "PC344": "invalid github target option value",
    "PC345": "pipeline parameter has no value for scheduled runs",
    "PC346": "too many pipeline parameters for workflow_dispatch inputs",
    # PC35x: sagemaker target
    "PC350": "value does not fit SageMaker's limits",
    "PC351": "no SageMaker instance type fits the step's resources",
    "PC352": "schedule has no EventBridge form",
    "PC353": "pipeline parameter cannot be a SageMaker parameter",
    "PC354": "invalid SageMaker step setting",
    "PC355": "training step needs an S3 output path",
    "PC356": "SageMaker retries only service and capacity errors",
    "PC357": "local artifact store cannot be shared between SageMaker jobs (retired: now PC307)",
    # PC36x: stacks
    "PC360": "stack configuration file cannot be read or is not valid TOML",
    "PC361": "unknown key in the stack configuration",
    "PC362": "invalid value in the stack configuration",
    "PC363": "stack uses an unknown target",
    "PC364": "unknown stack",
    "PC365": "the stack does not fit the command",
    "PC366": "stack option not accepted by its target",
    "PC367": "environment variable in a stack value is not set",
    "PC368": "stack configuration ignored",
    "PC369": "a password from the environment is written into compiled files",
    # PC37x: pipec build (container images)
    "PC370": "requirements file cannot be copied into the image",
    "PC371": "invalid parent image or pip requirement",
    "PC372": "invalid apt package name",
    "PC373": "environment variable cannot be written into a Dockerfile",
    "PC374": "invalid build settings",
    "PC375": "dockerignore file cannot be read",
    "PC376": "output folder is inside the build context (retired: output folders are left out of it)",
    "PC377": "docker build or push failed",
    "PC378": "images cannot be pushed",
    "PC379": "large build context without a dockerignore file",
    # PC38x: the project's compile (several files, one output folder)
    "PC380": "invalid compile configuration",
    "PC381": "a `files` entry matches no file",
    "PC382": "two sources write the same output file",
    "PC383": "output folder would hold the source",
    "PC384": "artifact manifest cannot be read",
    # PC385: the local_docker target
    "PC385": "invalid local_docker setting",
    # PC386: the hyperai target
    "PC386": "invalid hyperai setting",
    # PC393-PC394: the SkyPilot targets (vm_aws, vm_gcp, vm_azure)
    "PC393": "invalid SkyPilot setting",
    "PC394": "accelerator SkyPilot does not know",
    # PC39x: azureml
    "PC396": "text would be expanded as an Azure ML expression",
    "PC397": "invalid Azure ML step setting",
    "PC398": "no Azure ML VM size fits the step's resources",
}

#: Retired codes and the code that now reports the same problem (docs and `--explain`-style
#: look-ups map old codes through this; no diagnostic is emitted under an alias).
ALIASES: dict[str, str] = {"PC314": "PC307", "PC324": "PC307", "PC333": "PC307", "PC341": "PC307",
                           "PC357": "PC307"}


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the user's input."""

    # "error" or "warning".
    severity: str
    # Stable code, a key of CODES.
    code: str
    # One-sentence description, specific to this occurrence.
    message: str
    # Where; NO_SPAN for problems without a source location.
    span: Span = NO_SPAN
    # How to fix it, when known.
    help: str | None = None
    # Secondary notes, e.g. "defined here: steps.py:3:1".
    notes: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        """True for errors (which make the command exit 2)."""
        return self.severity == ERROR

    def sort_key(self) -> tuple:
        """Order diagnostics by file, position, then code, for stable output."""
        return (self.span.path, self.span.line, self.span.column, self.code, self.message)


class Diagnostics:
    """Collects diagnostics from every stage instead of stopping at the first."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []
        self._seen: set[tuple] = set()
        #: One-line notes about pipec's own defaults, each said once per command (not problems:
        #: they do not count as warnings). Insertion-ordered.
        self.notices: dict[str, None] = {}
        #: Spans of step calls whose inputs the frontend could not bind and reported why: a
        #: check's "missing required input" there would only echo that error.
        self.unbound_calls: set[Span] = set()
        #: How a target's report of a setting its engine cannot honour is recorded: "warn" or
        #: "error" (``pipec compile --unsupported``; see `pipec.targets.kit.unsupported`).
        self.unsupported_level = "warn"

    def notice(self, text: str) -> None:
        """Record a one-line note (repeats are said once)."""
        self.notices.setdefault(text, None)

    def add(self, diag: Diagnostic) -> None:
        """Record `diag` (exact duplicates are kept once)."""
        if diag.code not in CODES:
            raise ValueError(f"unregistered diagnostic code {diag.code}")
        key = (diag.severity, diag.code, diag.message, diag.span)
        if key not in self._seen:
            self._seen.add(key)
            self._items.append(diag)

    def error(self, code: str, message: str, span: Span = NO_SPAN, help: str | None = None,
              notes: Iterable[str] = ()) -> None:
        """Record an error."""
        self.add(Diagnostic(ERROR, code, message, span, help, tuple(notes)))

    def warning(self, code: str, message: str, span: Span = NO_SPAN, help: str | None = None,
                notes: Iterable[str] = ()) -> None:
        """Record a warning."""
        self.add(Diagnostic(WARNING, code, message, span, help, tuple(notes)))

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        """Record several diagnostics (and, from another Diagnostics, its notices)."""
        for diag in diags:
            self.add(diag)
        for text in getattr(diags, "notices", ()):
            self.notice(text)

    @property
    def has_errors(self) -> bool:
        """True when any error was recorded."""
        return any(d.is_error for d in self._items)

    def sorted(self) -> list[Diagnostic]:
        """All diagnostics in a stable order."""
        return sorted(self._items, key=Diagnostic.sort_key)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self._items)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A `help:` text suggesting the closest candidate to `name`, or None."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None


class SourceCache:
    """Reads source lines for rendering, relative to a root directory."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._lines: dict[str, list[str] | None] = {}

    def line(self, path: str, lineno: int) -> str | None:
        """Line `lineno` (1-based) of `path`, without its newline, or None."""
        if path not in self._lines:
            try:
                full = Path(path) if self.root is None else self.root / path
                text = full.read_text(encoding="utf-8", errors="replace")
                self._lines[path] = text.splitlines()
            except OSError:
                self._lines[path] = None
        lines = self._lines[path]
        if lines is None or not 1 <= lineno <= len(lines):
            return None
        return lines[lineno - 1]


def display_path(span_path: str, root: Path | None, cwd: Path | None = None) -> str:
    """`span_path` as the user should see it: relative to `cwd` when below it."""
    if root is None or span_path.startswith("<"):
        return span_path
    full = root / span_path
    cwd = cwd or Path.cwd()
    try:
        return os.path.relpath(full, cwd) if str(full).startswith(str(cwd)) else str(full)
    except ValueError:
        return str(full)


#: Control characters a terminal acts on (C0 but tab and newline, DEL, C1): user text shown in a
#: diagnostic could otherwise set the terminal's title, clear the screen or hide the message.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every terminal control character written as an escape (``\\x1b``)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _printable_line(text: str) -> str:
    """A source line with control characters shown as U+FFFD, one column each, so the caret
    under it stays in place."""
    return _CONTROL.sub("\ufffd", text)


def render(diag: Diagnostic, sources: SourceCache, shown_path: str | None = None, color: bool = False) -> str:
    """Render one diagnostic with its source line, a caret under the span and help; user text
    never reaches the terminal as control characters."""
    bold = (lambda s: f"\x1b[1m{s}\x1b[0m") if color else (lambda s: s)
    sev_color = "\x1b[1;31m" if diag.is_error else "\x1b[1;33m"
    sev = f"{sev_color}{diag.severity}[{diag.code}]\x1b[0m" if color else f"{diag.severity}[{diag.code}]"
    span = diag.span
    out: list[str] = []
    if span.line > 0:
        where = f"{shown_path or span.path}:{span.line}:{span.column}"
        out.append(f"{bold(printable(where))}: {sev}: {printable(diag.message)}")
        text = sources.line(span.path, span.line)
        if text is not None:
            text = _printable_line(text)
            gutter = " " * len(str(span.line))
            expanded = text
            start = max(span.column - 1, 0)
            # Keep tabs in the caret's indent so it lines up however the terminal renders them.
            indent = "".join("\t" if ch == "\t" else " " for ch in text[:start])
            if span.end_line == span.line and span.end_column > span.column:
                width = span.end_column - span.column
            else:
                width = max(len(expanded.rstrip()) - start, 1)
            out.append(f"{gutter} |")
            out.append(f"{span.line} | {expanded.rstrip()}")
            out.append(f"{gutter} | {indent}{'^' * width}")
    elif span.path and not span.path.startswith("<"):
        out.append(f"{bold(printable(shown_path or span.path))}: {sev}: {printable(diag.message)}")
    else:
        out.append(f"{sev}: {printable(diag.message)}")
    for note in diag.notes:
        out.append(f"note: {printable(note)}")
    if diag.help:
        out.append(f"help: {printable(diag.help)}")
    return "\n".join(out)


def render_all(diags: Iterable[Diagnostic], root: Path | None, color: bool = False,
               cwd: Path | None = None) -> str:
    """Render diagnostics in order, blank-line separated, with a closing summary line."""
    sources = SourceCache(root)
    diags = list(diags)
    blocks = [render(d, sources, display_path(d.span.path, root, cwd), color) for d in diags]
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    if not diags:
        return ""
    summary = []
    if errors:
        summary.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        summary.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return "\n\n".join(blocks) + "\n\n" + ", ".join(summary) + " found\n"
