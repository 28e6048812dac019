"""What the tasks of one DAG share, written once as module-level constants.

Airflow compiles a DAG file on its first parse (and on every parse of a read-only dags folder):
a file that spells out the image and the environment in every task is several times the size
of a hand-written DAG, and compiling it costs more than running it. So values several tasks
pass unchanged (an image, an environment, a resources object) become one constant each (the
shim's shared options: see `shim_argv`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .escape import Code, Spread, dedent, py

#: Indentation of a task's keyword arguments in the DAG file.
KWARG_INDENT = 8


@dataclass(frozen=True)
class Env:
    """A task's environment: the part that may be shared and the task's own variables."""

    # The keyword argument holding it (`env_vars`, `environment`, `env`).
    key: str
    # Variables that may be the same in other tasks, values as source.
    base: dict[str, Code]
    # The task's own variables (local mode's parameters), written after `base`.
    extra: dict[str, Code]


def share(tasks: list[dict[str, Code]], key: str, name: str, comment: str) -> list[tuple[Code, Code, Code]]:
    """Replace each value of `key` that several tasks pass by a constant (`name`, or `name_1`,
    `name_2`... in order of first use); the constants, as (name, value, comment)."""
    used = [kwargs[key] for kwargs in tasks if key in kwargs]
    counts = Counter(used)
    repeated = [value for value in dict.fromkeys(used) if counts[value] > 1]
    names = {value: Code(name if len(repeated) == 1 else f"{name}_{i}") for i, value in enumerate(repeated, 1)}
    for kwargs in tasks:
        if key in kwargs and kwargs[key] in names:
            kwargs[key] = names[kwargs[key]]
    return [(names[value], dedent(value, KWARG_INDENT), Code(comment)) for value in repeated]


def share_env(tasks: list[dict[str, Code]], envs: list[Env | None]) -> list[tuple[Code, Code, Code]]:
    """Fill each task's environment argument (a placeholder the mode put in its place): a base
    several tasks share becomes a constant (``ENV``...), spread into the dict of a task with
    variables of its own."""
    for kwargs, env in zip(tasks, envs, strict=True):
        if env is not None and env.base:
            kwargs[env.key] = py(env.base, KWARG_INDENT)
    constants = []
    for key in sorted({env.key for env in envs if env is not None}):  # one per mode
        constants += share(tasks, key, "ENV", "Environment variables several tasks set.")
    names = {name for name, _, _ in constants}
    for kwargs, env in zip(tasks, envs, strict=True):
        if env is None:
            continue
        value = kwargs.get(env.key)
        if value in names:
            if env.extra:
                kwargs[env.key] = py({Spread("**" + value): None, **env.extra}, KWARG_INDENT)
        elif env.base or env.extra:
            kwargs[env.key] = py({**env.base, **env.extra}, KWARG_INDENT)
        else:
            del kwargs[env.key]
    return constants
