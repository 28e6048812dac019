"""Which stack is active: ``--stack`` > ``$PIPEC_STACK`` > `pipec stack set` > ``active`` > ``default``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pipec.compiler import deps
from pipec.ir.diagnostics import Diagnostics, did_you_mean

from .model import ACTIVE_FILE, DEFAULT, ENV_VAR, Selection, StackConfig

#: The reason shown for a stack remembered by `pipec stack set`.
REMEMBERED = f"`pipec stack set` in {ACTIVE_FILE}"


def remembered(root: str | Path) -> str | None:
    """The stack name `pipec stack set` remembered under `root`, None when there is none.

    Only a regular file counts (`pipec stack set` writes one): a link to a device or a fifo
    would never end reading."""
    path = Path(root) / ACTIVE_FILE
    if not deps.is_file(path):
        return None
    try:
        name = deps.read_text(path).strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name or None


def remember(root: str | Path, name: str) -> Path:
    """Remember `name` as the active stack of `root` (an atomic write); return the file."""
    path = Path(root) / ACTIVE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def forget(root: str | Path) -> bool:
    """Drop the remembered stack of `root`; True when there was one."""
    try:
        (Path(root) / ACTIVE_FILE).unlink()
    except FileNotFoundError:
        return False
    return True


def choose(config: StackConfig, flag: str | None, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """``(stack name, reason)`` by precedence, without checking that the stack exists."""
    env = deps.environ() if env is None else env
    if flag is not None:
        return flag, "--stack"
    if env.get(ENV_VAR, "").strip():
        return env[ENV_VAR].strip(), f"${ENV_VAR}"
    saved = remembered(config.root)
    if saved:
        return saved, REMEMBERED
    if config.active:
        return config.active, f"`active` in {config.path}:{config.active_span.line}"
    return DEFAULT, "default"


def select(config: StackConfig, flag: str | None, diags: Diagnostics,
           env: Mapping[str, str] | None = None) -> Selection | None:
    """The active stack (see the module docstring); None, with a PC364 error, when it is not defined."""
    name, reason = choose(config, flag, env)
    stack = config.stacks.get(name)
    if stack is not None:
        return Selection(stack, reason)
    if name in config.invalid:  # its errors are reported already
        return None
    known = ", ".join(config.stacks)
    hint = did_you_mean(name, config.stacks)
    if reason == REMEMBERED:
        advice = f"choose another with `pipec stack set NAME` (defined: {known}), or `pipec stack unset`"
    elif reason.startswith("$"):
        advice = f"set ${ENV_VAR} to one of: {known}, or unset it"
    elif config.path is None:
        advice = (f"define it in pyproject.toml as `[tool.pipec.stacks.{name}]` "
                  f"(or in pipec.toml as `[stacks.{name}]`) with a `target`")
    else:
        advice = f"defined stacks: {known}"
    where = "" if config.path is None else f" in {config.path}"
    diags.error("PC364", f"unknown stack `{name}` (selected by {reason}); no such stack is defined{where}",
                help=f"{hint} {advice}" if hint else advice)
    return None


def resolve(root: str | Path, flag: str | None, diags: Diagnostics,
            env: Mapping[str, str] | None = None) -> Selection | None:
    """Read `root`'s stacks and select the active one; None when the config or choice is bad."""
    from .config import load_config

    before = sum(d.is_error for d in diags)
    config = load_config(root, diags)
    if sum(d.is_error for d in diags) > before:
        return None
    return select(config, flag, diags, env)
