"""Using a stack: ``${VAR}`` expansion, target options for compile/submit, stores for `pipec run`.

A stack's `options` and its `image`, `artifact_store` and `metadata_store` become target
options; the last three only for targets that declare an option of that name (see
`pipec.targets.common.CONTAINER_OPTIONS`), while an `options` key the target lacks is an
error naming the stack's key. Command-line ``--option`` values win over the stack's.

Where ``${VAR}`` is expanded: `image`, `registry` and `options` when the stack is used
(``$${`` is a literal ``${`` there). `artifact_store` and `metadata_store` are never
compiled in expanded: `pipec compile` passes their references through to the artifacts
and the runtime shim expands them in the step's environment (the shim's rule, see
`pipec.runtime.store_env`: every ``${NAME}`` is a reference, there is no escape);
`pipec run`, `pipec submit` and `pipec runs` expand them by the same rule when they use them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipec.compiler import deps
from pipec.ir.diagnostics import Diagnostics, did_you_mean

from .model import COMMON_OPTION_KEYS, LOCAL, Selection, Stack
from .select import resolve

#: ``${NAME}`` expands to the environment variable; ``$${`` is a literal ``${``.
_REFERENCE = re.compile(r"\$(\$\{)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: The same without the escape: the runtime shim's rule, used for the store fields.
_RUNTIME_REFERENCE = re.compile(r"()\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Stack keys whose ``${VAR}`` references reach the compiled artifacts unexpanded.
STORE_KEYS = ("artifact_store", "metadata_store")
_URL_AUTHORITY = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)([^/?#\s]*)")
_WHOLE_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}\Z")
_REFERENCE_NAME = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class CompilePlan:
    """What `pipec compile`/`submit` compile for once the stack (if any) is applied."""

    # Target names to compile for; empty when the stack could not be used (errors reported).
    targets: tuple[str, ...]
    # The `--option` mapping for the driver: the stack's values scoped to its target, then the command line's.
    options: dict[str, str] = field(default_factory=dict)
    # Container registry for image references (the stack's), None for none.
    registry: str | None = None
    # The stack used and why; None when `--target` alone chose the targets.
    selection: Selection | None = None


def expand(value: str, stack: Stack, keys: Sequence[str], diags: Diagnostics,
           env: Mapping[str, str] | None = None) -> str | None:
    """`value` with ``${VAR}`` references expanded; None, with a PC367 error per missing variable.

    For the store fields (`keys` starting with one of STORE_KEYS) the rule is the runtime
    shim's: no ``$${`` escape, so a value means the same wherever it is expanded.
    """
    env = deps.environ() if env is None else env
    runtime_rule = keys[0] in STORE_KEYS
    missing: list[str] = []

    def one(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        name = match.group(2)
        if name in env:
            return env[name]
        missing.append(name)
        return ""

    out = (_RUNTIME_REFERENCE if runtime_rule else _REFERENCE).sub(one, value)
    escape = "" if runtime_rule else "; write `$${` for a literal `${`"
    for name in dict.fromkeys(missing):
        diags.error("PC367", f"environment variable `{name}` used by `{'.'.join(keys)}` of stack "
                    f"`{stack.name}` is not set", stack.span(*keys),
                    help=f"set it before running pipec (`export {name}=...`){escape}")
    return None if missing else out


def mask_secrets(value: str) -> str:
    """`value` with the password of every URL in it replaced by ``***`` (``${VAR}`` references stay)."""
    def one(match: re.Match[str]) -> str:
        scheme, authority = match.group(1), match.group(2)
        userinfo, at, host = authority.rpartition("@")
        user, colon, password = userinfo.partition(":")
        if not at or not colon or not password or _WHOLE_REFERENCE.match(password):
            return match.group(0)
        return f"{scheme}{user}:***@{host}"

    return _URL_AUTHORITY.sub(one, value)


def load_target(stack: Stack, diags: Diagnostics) -> Any | None:
    """The target object of an engine stack; None, with PC363/PC305, when it cannot be loaded."""
    from pipec import targets

    try:
        return targets.get(stack.target)
    except targets.UnknownTarget:
        known = [LOCAL, *targets.names()]
        diags.error("PC363", f"stack `{stack.name}` uses unknown target `{stack.target}`", stack.span("target"),
                    help=did_you_mean(stack.target, known)
                    or f"known targets: {', '.join(known)} (`pipec targets` describes them)")
    except targets.TargetLoadError as exc:
        diags.error("PC305", f"target `{stack.target}` of stack `{stack.name}` failed to load: {exc}",
                    stack.span("target"))
    return None


def check_target(stack: Stack, diags: Diagnostics) -> bool:
    """True when the stack's target is `local` or loads."""
    return stack.is_local or load_target(stack, diags) is not None


def target_options(stack: Stack, target: Any, cli_options: Mapping[str, str], diags: Diagnostics,
                   env: Mapping[str, str] | None = None, *, expand_stores: bool = True) -> dict[str, str]:
    """The driver's option mapping: the stack's values as ``<target>.key``, then `cli_options` (which win).

    With `expand_stores` False (`pipec compile`) the store fields keep their ``${VAR}``
    references, for the runtime shim to expand where the step runs.
    """
    name = stack.target
    specs = {spec.name: spec for spec in getattr(target, "options", ())}

    def overridden(key: str) -> bool:
        return key in cli_options or f"{name}.{key}" in cli_options

    chosen: dict[str, str] = {}
    for key in COMMON_OPTION_KEYS:
        raw = getattr(stack, key)
        if raw is not None and key in specs and not overridden(key):
            value = raw if key in STORE_KEYS and not expand_stores else expand(raw, stack, (key,), diags, env)
            if value is not None:
                chosen[key] = value
    for key, raw in stack.options.items():
        spec = specs.get(key)
        if spec is None:
            diags.error("PC366", f"stack `{stack.name}` sets option `{key}`, which target `{name}` does not have",
                        stack.span("options", key),
                        help=did_you_mean(key, specs) or _accepted(name, specs))
            continue
        if overridden(key):
            continue
        value = expand(raw, stack, ("options", key), diags, env)
        if value is None:
            continue
        problem = spec.problem(value)
        if problem is not None:
            diags.error("PC366", f"stack `{stack.name}` sets option `{key}` to `{value}`; target `{name}` "
                        f"expects {problem.expected}", stack.span("options", key), help=problem.hint)
            continue
        chosen[key] = value
    return {**{f"{name}.{key}": value for key, value in sorted(chosen.items())}, **cli_options}


def _accepted(name: str, specs: Mapping[str, Any]) -> str:
    if not specs:
        return f"target `{name}` accepts no options"
    return f"target `{name}` accepts {', '.join(f'`{key}`' for key in sorted(specs))}"


def plan_compile(root: str | Path, target_names: Sequence[str] | None, stack_flag: str | None,
                 cli_options: Mapping[str, str], diags: Diagnostics, *, command: str = "compile",
                 env: Mapping[str, str] | None = None) -> CompilePlan:
    """Targets, options and registry for `pipec compile`/`submit`.

    `--target` without `--stack` ignores stacks entirely (so committed artifacts do not
    depend on a developer's active stack); otherwise the selected stack's target is used,
    and `--target`, when also given, must name that same target.
    """
    if target_names and not stack_flag:
        return CompilePlan(tuple(target_names), dict(cli_options))
    empty = CompilePlan((), dict(cli_options))
    selection = resolve(root, stack_flag, diags, env)
    if selection is None:
        return empty
    stack = selection.stack
    if stack.is_local:
        _local_stack_error(selection, command, diags)
        return empty
    others = [n for n in target_names or () if n != stack.target]
    if others:
        diags.error("PC365", f"stack `{stack.name}` compiles for target `{stack.target}`; "
                    f"`--target {others[0]}` does not match it", stack.span("target"),
                    help="drop `--target` (the stack chooses the target), or drop `--stack`")
        return empty
    target = load_target(stack, diags)
    if target is None:
        return empty
    before = sum(d.is_error for d in diags)
    options = target_options(stack, target, cli_options, diags, env, expand_stores=command != "compile")
    if command == "compile":
        _warn_written_secrets(stack, options, diags)
    registry = expand(stack.registry, stack, ("registry",), diags, env) if stack.registry else None
    if sum(d.is_error for d in diags) > before:
        return empty
    return CompilePlan((stack.target,), options, registry, selection)


def _warn_written_secrets(stack: Stack, options: Mapping[str, str], diags: Diagnostics) -> None:
    """Warn when a value kept out of the config as ``${VAR}`` lands in the compiled files: a URL
    password, or any other reference in `image`, `registry` or `options` (the store fields never
    do: their references are compiled in, not their values)."""
    applied = [(key,) for key in COMMON_OPTION_KEYS
               if key not in STORE_KEYS and f"{stack.target}.{key}" in options]
    applied += [("options", key) for key in stack.options if f"{stack.target}.{key}" in options]
    for keys in applied:
        raw = getattr(stack, keys[0]) if len(keys) == 1 else stack.options[keys[1]]
        where = f"`{'.'.join(keys)}` of stack `{stack.name}`"
        passwords = [m.group(2).rpartition("@")[0].partition(":")[2] for m in _URL_AUTHORITY.finditer(raw)
                     if "@" in m.group(2)]
        in_password = [name for password in passwords for name in _REFERENCE_NAME.findall(password)]
        names = in_password or _REFERENCE_NAME.findall(raw)
        if not names:
            continue
        message, help_ = (
            (f"the password in {where} comes from ${names[0]} and is written into the compiled files in clear",
             "compiled files are usually committed: prefer credentials the engine provides at run time (e.g. a "
             ".pgpass file, a secret-backed environment or IAM authentication) over a password in the URL; "
             "`artifact_store` and `metadata_store` take `${VAR}` references the steps expand themselves")
            if in_password else
            (f"{where} takes the value of ${names[0]} from this environment into the compiled files",
             "compiled files are usually committed and checked with `compile --check`: a value that is secret, "
             "or differs between machines, does not belong there; write it out if it is neither"))
        diags.warning("PC369", message, stack.span(*keys), help=help_)


def _local_stack_error(selection: Selection, command: str, diags: Diagnostics) -> None:
    stack = selection.stack
    what = "has no target to compile for" if command == "compile" else "has no engine to submit to"
    diags.error("PC365", f"`pipec {command}` {what}: stack `{stack.name}` (selected by {selection.reason}) "
                "runs pipelines locally", stack.span("target"),
                help="pass `--target NAME` (`pipec targets` lists them) or select a stack for an engine "
                     "with `--stack NAME`; `pipec run` runs the pipeline on this machine")


def local_stores(stack: Stack, root: str | Path, diags: Diagnostics, env: Mapping[str, str] | None = None,
                 *, expanded: bool = False) -> tuple[str | None, str | None]:
    """``(artifact store, metadata store)`` of a local stack (see `local_store`)."""
    return (local_store(stack, "artifact_store", root, diags, env, expanded=expanded),
            local_store(stack, "metadata_store", root, diags, env, expanded=expanded))


def local_store(stack: Stack, key: str, root: str | Path, diags: Diagnostics,
                env: Mapping[str, str] | None = None, *, expanded: bool = False) -> str | None:
    """The `key` store ("artifact_store" or "metadata_store") of a local stack; None means the
    default (and, for a store using a variable that is not set, comes with a PC367 error).

    Relative folders and ``sqlite:///relative.db`` URLs are taken relative to the source root.
    The ``${VAR}`` references stay in the result (the variables are checked, and decide whether
    a path is relative) for `pipec run`, whose orchestrator and steps expand them in their own
    environment; with `expanded` they are replaced by their values (to open the store here).
    """
    resolver = resolve_artifact_store if key == "artifact_store" else resolve_metadata_store
    raw = getattr(stack, key)
    value = expand(raw, stack, (key,), diags, env) if raw is not None else None
    if not value:
        return None
    if expanded:
        return resolver(value, root)
    if resolver(value, root) == value:
        return raw  # not relative: kept as written
    return resolver(raw, root)  # relative: the root goes before the references


def resolve_artifact_store(uri: str, root: str | Path) -> str:
    """`uri` with a relative folder made absolute against `root` (URLs are left alone)."""
    if "://" in uri or os.path.isabs(uri):
        return uri
    return str(Path(root).resolve() / uri)


def resolve_metadata_store(url: str, root: str | Path) -> str:
    """`url` with a relative SQLite file made absolute against `root`."""
    prefix = "sqlite:///"
    rest = url[len(prefix):]
    if not url.startswith(prefix) or not rest or os.path.isabs(rest) or rest.startswith(":memory:"):
        return url
    return prefix + str(Path(root).resolve() / rest)
