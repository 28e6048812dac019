"""The target kit: what every target inherits instead of writing again, and the public
surface a third-party target is written against.

The modules: retry lowering (`retry`), container resources (`resources`), the shared-store
test (`stores`), name policies (`names`), the one YAML emitter and JSON writer (`serialize`),
declared capabilities (`capabilities`) and the unsupported-setting policy (`unsupported`). A
target overrides only what its engine does differently; `tests/helpers/toy_target.py` is a
whole target written against this package alone.

The public surface is ``__all__``: ``from pipec.targets.kit import CompileContext, step_call``.
It is what a target outside pipec may import (examples/plugins/pipec-target-example imports
nothing else, and tests/test_target_plugins.py keeps every name importable); the other
modules of pipec may change between releases. No public name is a submodule's (importing
``pipec.targets.kit.unsupported`` binds the module to that attribute), hence
`report_unsupported` for `unsupported.unsupported`. Each name is loaded on first use, so
``import pipec.targets.kit`` stays cheap for ``pipec targets``, which imports every target.
"""

from __future__ import annotations

import importlib

#: Public name -> the module that defines it (loaded on first access, see `__getattr__`).
PUBLIC: dict[str, str] = {
    # The contract: what a target is, gets and declares.
    **dict.fromkeys(("Target", "CompileContext", "OptionSpec", "OptionKind", "OptionValueError", "TEXT",
                     "POSITIVE_INT", "QUANTITY", "SECONDS", "HTTP_URL", "Submitter", "SubmitContext",
                     "Submission", "SubmitError"), "pipec.targets.base"),
    **dict.fromkeys(("Capabilities", "CRON", "INTERVAL", "engine_settings_keys"), "pipec.targets.kit.capabilities"),
    # The IR a target reads, and where it reports problems.
    **dict.fromkeys(("Pipeline", "StepInvocation", "Span", "NO_SPAN"), "pipec.ir"),
    **dict.fromkeys(("Diagnostics",), "pipec.ir.diagnostics"),
    # Each step's image, shim call (structured data, rendered per engine) and environment.
    **dict.fromkeys(("CONTAINER_OPTIONS", "step_image", "step_call", "step_argv", "step_environment"),
                    "pipec.targets.common"),
    **dict.fromkeys(("ShimCall", "EngineText", "PlainText", "Rendered", "render", "encode_json"),
                    "pipec.runtime.command"),
    # What the kit lowers for an engine.
    **dict.fromkeys(("RetrySupport", "lower_retry", "retry_schedule", "step_retry", "FULL", "ANY", "WHOLE",
                     "DOUBLING", "CONSTANT"), "pipec.targets.kit.retry"),
    **dict.fromkeys(("TimeoutUnit", "step_timeout", "seconds_unit"), "pipec.targets.kit.timeout"),
    **dict.fromkeys(("step_resources", "memory_bytes", "KubePolicy", "kube_requirements", "REQUEST", "LIMIT",
                     "BOTH"), "pipec.targets.kit.resources"),
    **dict.fromkeys(("Namer", "FILE_NAMES", "DNS_LABELS", "short_digest", "HASH", "INDEX", "NEVER", "CUT",
                     "CHANGED"), "pipec.targets.kit.names"),
    **dict.fromkeys(("YamlStyle", "dump_yaml", "dump_json", "PYYAML", "CONSERVATIVE"), "pipec.targets.kit.serialize"),
    **dict.fromkeys(("artifact_store", "is_folder_store", "unshared_folder", "report_unshared_store",
                     "DEFAULT_ARTIFACT_STORE"), "pipec.targets.kit.stores"),
    **dict.fromkeys(("report_unsupported",), "pipec.targets.kit.unsupported"),
    **dict.fromkeys(("merged_settings",), "pipec.targets.kit.engine_settings"),
}

__all__ = sorted(PUBLIC)


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first access (PEP 562)."""
    module = PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names and the module's own."""
    return sorted({*globals(), *PUBLIC})
