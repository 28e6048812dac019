"""What a stack amounts to: every field's effective value and where it comes from.

Values are shown as written (``${VAR}`` references unexpanded) with URL passwords masked,
so `pipec stack describe` output can be pasted into an issue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipec.ir.diagnostics import Diagnostics

from .apply import load_target, mask_secrets, resolve_artifact_store, resolve_metadata_store
from .model import COMMON_OPTION_KEYS, Selection, Stack

#: The fields `describe` reports, in display order.
FIELDS = ("target", "image", "registry", "artifact_store", "metadata_store")


def describe(stack: Stack, root: str | Path, active: Selection | None, diags: Diagnostics) -> dict[str, Any]:
    """A JSON-ready description of `stack`; `active` is the active selection (to mark it).

    Keys: name, active, selected_by, defined_in, table, the FIELDS, options, and `origin`
    (field or ``options.KEY`` -> "stack", "default", "target default", "not used ...", "unset").
    """
    target = None if stack.is_local else load_target(stack, diags)
    specs = {s.name: s for s in getattr(target, "options", ())} if target is not None else None
    is_active = active is not None and active.stack.name == stack.name
    out: dict[str, Any] = {
        "name": stack.name, "active": is_active, "selected_by": active.reason if is_active else None,
        "defined_in": stack.defined_in, "table": stack.table or None,
    }
    origin: dict[str, str] = {"target": "stack" if stack.spans.get(("target",)) else "default"}
    out["target"] = stack.target
    for key in FIELDS[1:]:
        value, where = _field(stack, key, specs, Path(root))
        out[key] = None if value is None else mask_secrets(value)
        origin[key] = where
    options: dict[str, str] = {}
    if specs is not None:
        for spec in specs.values():
            if spec.default is not None and spec.name not in COMMON_OPTION_KEYS:
                options[spec.name], origin[f"options.{spec.name}"] = spec.default, "target default"
    for key, value in stack.options.items():
        options[key], origin[f"options.{key}"] = mask_secrets(value), "stack"
    out["options"] = dict(sorted(options.items()))
    out["origin"] = origin
    return out


def _field(stack: Stack, key: str, specs: dict[str, Any] | None, root: Path) -> tuple[str | None, str]:
    raw = getattr(stack, key)
    if stack.is_local:
        if key == "artifact_store":
            return (_local(raw, resolve_artifact_store, root), "stack") if raw else \
                (str(root.resolve() / ".pipec" / "artifacts"), "default")
        if key == "metadata_store":
            from pipec.runtime.metadata import default_url

            return (_local(raw, resolve_metadata_store, root), "stack") if raw else (default_url(root), "default")
        return raw, "not used by local runs"
    if key == "registry":
        from pipec.build.image import DEFAULT_REGISTRY

        return (raw, "stack") if raw else (DEFAULT_REGISTRY, "default: `pipec build --push` refuses it")
    if specs is None:  # the target did not load (reported): show what the stack says
        return raw, "stack" if raw else "unset"
    spec = specs.get(key)
    if spec is None:
        return raw, f"not used: target `{stack.target}` has no `{key}` option"
    if raw:
        return raw, "stack"
    return spec.default, "target default" if spec.default is not None else "unset"


def _local(raw: str, resolve, root: Path) -> str:
    return raw if "${" in raw else resolve(raw, root)
