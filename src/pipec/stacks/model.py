"""What a stack is: the dataclasses and names every other stacks module shares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipec.ir import NO_SPAN, Span

#: The target name of stacks that run with `pipec run` on this machine.
LOCAL = "local"
#: The stack used when nothing selects another.
DEFAULT = "default"
#: Environment variable naming the active stack (beats `pipec stack set` and `active`).
ENV_VAR = "PIPEC_STACK"
#: Where `pipec stack set` remembers its choice, relative to the source root.
ACTIVE_FILE = ".pipec/active-stack"
#: Config files, relative to the source root; pipec.toml wins over pyproject.toml's [tool.pipec].
PIPEC_TOML = "pipec.toml"
PYPROJECT = "pyproject.toml"

#: Keys of a stack table.
STACK_KEYS = ("target", "image", "registry", "artifact_store", "metadata_store", "options")
#: Stack keys that become the target option of the same name (for targets that declare it).
COMMON_OPTION_KEYS = ("image", "artifact_store", "metadata_store")
#: Keys of the [tool.pipec] table (or pipec.toml's top level) that stacks own.
TOP_KEYS = ("active", "stacks")


@dataclass(frozen=True)
class Stack:
    """One named stack with its raw values (``${VAR}`` references not yet expanded)."""

    # Name used with --stack, `pipec stack set` and PIPEC_STACK.
    name: str
    # "local" (`pipec run` on this machine) or a registered target name.
    target: str
    # Image for steps without their own (the `image` target option).
    image: str | None = None
    # Container registry the content-addressed image references are made in.
    registry: str | None = None
    # Artifact store URI (a folder or an fsspec URL).
    artifact_store: str | None = None
    # SQLAlchemy URL of the metadata store.
    metadata_store: str | None = None
    # Target options, as `--option key=value` would give them, sorted by key.
    options: Mapping[str, str] = field(default_factory=dict)
    # Where it was defined, e.g. "pyproject.toml:12"; "built-in" for the built-in default.
    defined_in: str = "built-in"
    # The table name users see in messages, e.g. "tool.pipec.stacks.prod".
    table: str = ""
    # Span of each key path inside the stack: ("target",), ("options", "retries"); () is the table.
    spans: Mapping[tuple[str, ...], Span] = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        """True when the stack runs pipelines on this machine (`pipec run`)."""
        return self.target == LOCAL

    def span(self, *keys: str) -> Span:
        """Span of the entry at `keys`, else of its nearest ancestor, else NO_SPAN (built-in)."""
        for cut in range(len(keys), -1, -1):
            found = self.spans.get(tuple(keys[:cut]))
            if found is not None:
                return found
        return NO_SPAN


#: The built-in `default` stack: `pipec run` with its default stores under ROOT/.pipec/.
BUILTIN_DEFAULT = Stack(DEFAULT, LOCAL)


@dataclass(frozen=True)
class StackConfig:
    """Every stack a source root defines, plus the built-in default."""

    # The source root the config was read from.
    root: Path
    # The file the stacks come from, relative to the root; None when neither file defines any.
    path: str | None
    # Stack name -> stack, sorted by name; always holds `default`.
    stacks: Mapping[str, Stack]
    # The config's `active = "NAME"`, None when unset.
    active: str | None = None
    # Where `active` is written.
    active_span: Span = NO_SPAN
    # Stacks left out because of errors (already reported): selecting one adds no second error.
    invalid: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Selection:
    """The stack a command uses and why."""

    # The chosen stack.
    stack: Stack
    # What chose it, read after "selected by": "--stack", "$PIPEC_STACK", "`pipec stack set` in
    # .pipec/active-stack", "`active` in pyproject.toml:3" or "default".
    reason: str
