"""Stacks: a named target, image, registry, artifact store, metadata store and target options.

Switching orchestrators is one command: `pipec stack set prod` (or ``--stack prod``, or
``PIPEC_STACK=prod``), then the same `pipec compile FILE` / `pipec run FILE` uses the
stack's engine and settings. Stacks are defined in the source root's ``pipec.toml`` or
``pyproject.toml`` ``[tool.pipec]`` (see :mod:`.config`); a built-in ``default`` stack
runs locally with the stores under ``ROOT/.pipec/``. A user-defined ``default`` replaces
the built-in one (its `target` may be left out and is then ``local``).

Modules: :mod:`.model` (dataclasses), :mod:`.toml_spans` (key positions),
:mod:`.config` (read and validate), :mod:`.select` (which stack is active),
:mod:`.apply` (options, stores, ``${VAR}``), :mod:`.describe` (effective values).
"""

from __future__ import annotations

from .apply import (
    CompilePlan,
    check_target,
    expand,
    load_target,
    local_store,
    local_stores,
    mask_secrets,
    plan_compile,
    target_options,
)
from .config import load_config
from .describe import describe
from .model import (
    ACTIVE_FILE,
    BUILTIN_DEFAULT,
    DEFAULT,
    ENV_VAR,
    LOCAL,
    Selection,
    Stack,
    StackConfig,
)
from .select import choose, forget, remember, remembered, resolve, select

__all__ = [
    "ACTIVE_FILE", "BUILTIN_DEFAULT", "DEFAULT", "ENV_VAR", "LOCAL", "CompilePlan", "Selection", "Stack",
    "StackConfig", "check_target", "choose", "describe", "expand", "forget", "load_config", "load_target",
    "local_store", "local_stores", "mask_secrets", "plan_compile", "remember", "remembered", "resolve", "select",
    "target_options",
]
