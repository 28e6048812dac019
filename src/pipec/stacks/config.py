"""Reading and validating the stack configuration of a source root.

Stacks live in ``ROOT/pipec.toml`` (top level) or ``ROOT/pyproject.toml`` (under
``[tool.pipec]``), with the same keys in both::

    active = "dev"                      # optional: the stack used when nothing else selects one
    [stacks.dev]                        # in pyproject.toml: [tool.pipec.stacks.dev]
    target = "local"
    metadata_store = "postgresql://pipec:${PGPASSWORD}@db/pipec"
    [stacks.prod]
    target = "airflow"
    image = "ghcr.io/acme/train:1.4"
    registry = "ghcr.io/acme"
    artifact_store = "s3://acme-ml/pipec"
    options = { operator = "kubernetes", max_active_runs = 2 }

When both files exist, pipec.toml wins and stacks in pyproject.toml are reported as
ignored (a warning). Every problem becomes a diagnostic pointing at the offending key;
nothing here raises.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipec.compiler import deps
from pipec.ir import NO_SPAN, Span
from pipec.ir.diagnostics import Diagnostics, did_you_mean

from .model import (
    BUILTIN_DEFAULT,
    COMMON_OPTION_KEYS,
    DEFAULT,
    LOCAL,
    PIPEC_TOML,
    PYPROJECT,
    STACK_KEYS,
    TOP_KEYS,
    Stack,
    StackConfig,
)
from .toml_spans import key_spans

#: What a stack name may look like (it appears on command lines and in .pipec/active-stack).
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


class TableSource:
    """One parsed config file's pipec table and where its keys are (also read by `pipec.compiler.project`)."""

    def __init__(self, path: str, data: dict[str, Any], prefix: tuple[str, ...], text: str) -> None:
        # The file name relative to the root, as spans show it.
        self.path = path
        # The table stacks are read from: the whole document or its [tool.pipec].
        self.data = data
        # Key path of that table in the document: () or ("tool", "pipec").
        self.prefix = prefix
        self._spans = key_spans(text, path)

    def span(self, *keys: str) -> Span:
        full = self.prefix + keys
        for cut in range(len(full), -1, -1):
            found = self._spans.get(full[:cut])
            if found is not None:
                return found
        return Span(self.path, 1, 1)

    def spans_under(self, *keys: str) -> dict[tuple[str, ...], Span]:
        """Spans of the keys below `keys`, relative to it."""
        full = self.prefix + keys
        return {k[len(full):]: s for k, s in self._spans.items() if k[:len(full)] == full}

    @property
    def table(self) -> str:
        """How messages name the table: "[tool.pipec]" or the file name."""
        return f"[{'.'.join(self.prefix)}]" if self.prefix else self.path


def load_config(root: str | Path, diags: Diagnostics) -> StackConfig:
    """The stacks `root` defines plus the built-in `default`; problems go to `diags`."""
    root = Path(root)
    chosen: TableSource | None = None
    if deps.is_file(root / PIPEC_TOML):
        chosen = read_table(root, PIPEC_TOML, (), diags)
        shadowed = read_table(root, PYPROJECT, ("tool", "pipec"), Diagnostics()) \
            if deps.is_file(root / PYPROJECT) else None
        if chosen is not None and shadowed is not None:
            for key in TOP_KEYS:
                if key in shadowed.data:
                    diags.warning("PC368", f"`{key}` in {shadowed.table} of {PYPROJECT} is ignored: "
                                  f"{PIPEC_TOML} exists and wins", shadowed.span(key),
                                  help=f"move the stack settings into {PIPEC_TOML}, or delete {PIPEC_TOML}")
    elif deps.is_file(root / PYPROJECT):
        chosen = read_table(root, PYPROJECT, ("tool", "pipec"), diags)
    if chosen is None:
        return StackConfig(root, None, {DEFAULT: BUILTIN_DEFAULT})
    if not any(key in chosen.data for key in TOP_KEYS):
        _check_top_keys(chosen, diags)
        return StackConfig(root, None, {DEFAULT: BUILTIN_DEFAULT})
    return _build(root, chosen, diags)


def read_table(root: Path, name: str, prefix: tuple[str, ...], diags: Diagnostics) -> TableSource | None:
    """Parse `name` below `root`; the table at key path `prefix` (None when the file is unusable).

    Problems (unreadable file, invalid TOML, a non-table) are PC360/PC362 errors in `diags`.
    """
    try:
        text = deps.read_text(root / name)
    except (OSError, UnicodeDecodeError) as exc:
        diags.error("PC360", f"cannot read {name}: {getattr(exc, 'strerror', None) or exc}", Span(name, 0, 0))
        return None
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            if prefix and "tool.pipec" not in text:
                return None  # a pyproject.toml without pipec settings needs no parser
            diags.error("PC360", f"reading {name} needs Python 3.11 or the `tomli` package",
                        Span(name, 0, 0), help="pip install tomli")
            return None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_POSITION.search(message)
        line, column = (int(where.group(1)), int(where.group(2))) if where else (1, 1)
        message = _TOML_POSITION.sub("", message).replace(" (at end of document)", "")
        diags.error("PC360", f"invalid TOML in {name}: {message}", Span(name, line, column),
                    help="see https://toml.io for the syntax")
        return None
    except RecursionError:  # tomllib recurses once per level of nested arrays and inline tables
        diags.error("PC360", f"invalid TOML in {name}: arrays or inline tables nested too deeply to read",
                    Span(name, 1, 1), help="flatten the nesting (pipec's settings need at most a few levels)")
        return None
    table: Any = document
    for key in prefix:
        table = table.get(key) if isinstance(table, dict) else None
    if table is None:
        return TableSource(name, {}, prefix, "")
    source = TableSource(name, table if isinstance(table, dict) else {}, prefix, text)
    if not isinstance(table, dict):
        diags.error("PC362", f"`{'.'.join(prefix)}` in {name} must be a table, not {_kind(table)}",
                    source.span(), help=f"write `[{'.'.join(prefix)}]` followed by `key = value` lines")
    return source


def _check_top_keys(source: TableSource, diags: Diagnostics) -> None:
    # Other pipec features may own other keys of this table: only near misses are errors.
    for key in source.data:
        if key not in TOP_KEYS:
            hint = did_you_mean(key, TOP_KEYS)
            if hint:
                diags.error("PC361", f"unknown key `{key}` in {source.table}", source.span(key), help=hint)


def _build(root: Path, source: TableSource, diags: Diagnostics) -> StackConfig:
    _check_top_keys(source, diags)
    stacks: dict[str, Stack] = {DEFAULT: BUILTIN_DEFAULT}
    raw = source.data.get("stacks", {})
    if not isinstance(raw, dict):
        diags.error("PC362", f"`stacks` in {source.table} must be a table of stacks, not {_kind(raw)}",
                    source.span("stacks"), help=f"write one `[{_table(source, 'NAME')}]` table per stack")
        raw = {}
    invalid: set[str] = set()
    for name, body in raw.items():
        stack = _stack(source, name, body, diags)
        if stack is None:
            invalid.add(name)
        else:
            stacks[name] = stack
    active = source.data.get("active")
    active_span = source.span("active") if "active" in source.data else NO_SPAN
    if active is not None and not isinstance(active, str):
        diags.error("PC362", f"`active` in {source.table} must be a stack name (a string), not {_kind(active)}",
                    active_span)
        active = None
    elif active is not None and active not in stacks and active not in invalid:
        diags.error("PC364", f"`active` names unknown stack `{active}`", active_span,
                    help=did_you_mean(active, stacks) or f"defined stacks: {', '.join(sorted(stacks))}")
        active = None
    return StackConfig(root, source.path, dict(sorted(stacks.items())), active, active_span, frozenset(invalid))


def _table(source: TableSource, name: str) -> str:
    return ".".join((*source.prefix, "stacks", _quote_key(name)))


def _quote_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else '"' + name.replace('"', '\\"') + '"'


def _stack(source: TableSource, name: str, body: Any, diags: Diagnostics) -> Stack | None:
    """One validated stack; None when it is unusable (the errors are in `diags`)."""
    where = source.span("stacks", name)
    before = sum(d.is_error for d in diags)
    if not NAME_PATTERN.match(name):
        diags.error("PC362", f"invalid stack name `{name}`", where,
                    help="use letters, digits, `_`, `-` and `.`, starting with a letter or digit")
    if not isinstance(body, dict):
        diags.error("PC362", f"stack `{name}` must be a table of keys, not {_kind(body)}", where,
                    help=f"write `[{_table(source, name)}]` followed by `target = \"NAME\"` and other keys")
        return None
    values: dict[str, str] = {}
    for key, value in body.items():
        span = source.span("stacks", name, key)
        if key not in STACK_KEYS:
            diags.error("PC361", f"unknown key `{key}` in stack `{name}`", span,
                        help=did_you_mean(key, STACK_KEYS) or f"stack keys: {', '.join(STACK_KEYS)}")
        elif key != "options":
            if not isinstance(value, str):
                diags.error("PC362", f"`{key}` of stack `{name}` must be a string, not {_kind(value)}", span)
            elif not value.strip():
                diags.error("PC362", f"`{key}` of stack `{name}` is empty", span,
                            help="remove the key to use the default")
            else:
                values[key] = value
    options = _options(source, name, body.get("options", {}), diags)
    if options and values.get("target", LOCAL if name == DEFAULT else None) == LOCAL:
        diags.error("PC366", f"stack `{name}` runs locally (target `{LOCAL}`), which takes no `options`",
                    source.span("stacks", name, "options"),
                    help="remove `options`, or set `target` to an engine from `pipec targets`")
    if "target" not in body and name != DEFAULT:
        diags.error("PC362", f"stack `{name}` has no `target`", where,
                    help=f"add `target = \"NAME\"`: `{LOCAL}` runs the pipeline with `pipec run`, "
                         "or an engine from `pipec targets`")
    if sum(d.is_error for d in diags) > before:
        return None
    return Stack(name, values.get("target", LOCAL), values.get("image"), values.get("registry"),
                 values.get("artifact_store"), values.get("metadata_store"), options,
                 defined_in=f"{source.path}:{where.line}", table=_table(source, name),
                 spans=source.spans_under("stacks", name))


def _options(source: TableSource, name: str, raw: Any, diags: Diagnostics) -> dict[str, str]:
    if not isinstance(raw, dict):
        diags.error("PC362", f"`options` of stack `{name}` must be a table, not {_kind(raw)}",
                    source.span("stacks", name, "options"),
                    help="write `options = { key = \"value\" }`, as `--option key=value` would give")
        return {}
    out: dict[str, str] = {}
    for key, value in raw.items():
        span = source.span("stacks", name, "options", key)
        if key in COMMON_OPTION_KEYS:
            diags.error("PC362", f"set `{key}` as a key of stack `{name}`, not in its `options`", span,
                        help=f"move `{key} = ...` next to `target`")
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            out[key] = str(value)
        else:
            diags.error("PC362", f"option `{key}` of stack `{name}` must be a string, number or boolean, "
                        f"not {_kind(value)}", span)
    return dict(sorted(out.items()))


def _kind(value: Any) -> str:
    """How TOML calls the type of `value`, with an article."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date-time"
