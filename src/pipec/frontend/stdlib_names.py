"""Names a standard-library module does not define (`from types import Tuple`).

Python raises ImportError on such an import, so ZenML cannot even load the module. The
standard library is pipec's own, so its modules are imported here (never the user's code);
third-party packages are never judged: pipec cannot know their version.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

#: Standard-library modules that act when imported (open a browser, print, start a GUI): never imported here.
_ACTING_ON_IMPORT = frozenset({"antigravity", "this", "__main__", "idlelib", "turtle", "turtledemo", "tkinter"})

#: Names later Python versions add to modules pipec's own Python may lack; a project may target them.
_LATER_ADDITIONS = {
    "typing": {"override", "TypeIs", "ReadOnly", "TypeAliasType", "NoDefault", "get_protocol_members",
               "is_protocol"},
    "itertools": {"batched"},
    "warnings": {"deprecated"},
    "copy": {"replace"},
    "pathlib": {"UnsupportedOperation"},
}

#: Where a name usually missing from one standard-library module is defined (for the hint).
_HOMES = ("typing", "collections.abc", "collections", "dataclasses", "enum", "pathlib", "os", "os.path")


def _stdlib_module(module: str) -> ModuleType | None:
    top = module.partition(".")[0]
    if top not in sys.stdlib_module_names or top in _ACTING_ON_IMPORT:
        return None
    try:
        return importlib.import_module(module)
    except Exception:  # a module of another platform (winreg, msvcrt): not judged
        return None


def defines(module: str, name: str) -> bool:
    """False only when standard-library `module` certainly lacks `name` (attribute or submodule)."""
    loaded = _stdlib_module(module)
    if loaded is None or hasattr(loaded, name) or name in _LATER_ADDITIONS.get(module, ()):
        return True
    try:
        return importlib.util.find_spec(f"{module}.{name}") is not None
    except (ImportError, ValueError):
        return False


def home_of(name: str, besides: str) -> str | None:
    """A standard-library module (other than `besides`) that defines `name`, for a "did you mean"."""
    for module in _HOMES:
        if module != besides and (loaded := _stdlib_module(module)) is not None and hasattr(loaded, name):
            return module
    return None
