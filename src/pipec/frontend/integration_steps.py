"""ZenML's built-in integration steps (`zenml.integrations.<name>.steps`), read from ZenML's source.

`from zenml.integrations.evidently.steps import evidently_report_step` names a step
that ZenML ships. When ZenML is installed where pipec compiles, pipec finds its package
with `importlib.machinery.PathFinder` (the `sys.path` finder: it never imports anything
and bypasses pipec's own `zenml` stand-in, which sits on `sys.meta_path`), and reads the
step's module like a project module: signature, outputs and decorator options, through a
second :class:`ModuleIndex` rooted at ZenML's `site-packages` folder in which only
`zenml.integrations.*` modules count as "project" modules (so `from zenml import step`
stays ZenML's decorator).

Such a step keeps its module path (`zenml.integrations...`): the shim imports it at run
time where ZenML and the integration's packages are installed. It is not part of the
build context; the step's image needs them, which :func:`check_image` reminds of.

Without ZenML, using one is an error naming what to install.

The configuration objects these steps take (`EvidentlyColumnMapping(...)`,
`EvidentlyMetricConfig.metric(...)`) are found the same way, through a third index that
reads any of ZenML's modules, so that a class's bases can be followed to pydantic's
`BaseModel` (see :func:`find_callable`).
"""

from __future__ import annotations

import ast
import importlib.machinery
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipec.compiler import deps
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.deferred_calls import called_names, short_name

from ..ir import InputBinding, LiteralValue, Span
from .modules import ModuleIndex, base_value
from .values import ClassRef, ExternalName, ModuleRef, StepHandle

if TYPE_CHECKING:
    from .interp import EvalError

PREFIX = "zenml.integrations."
#: Methods of a step object; `x_step.with_options` names the step `x_step`.
STEP_METHODS = frozenset({"with_options", "configure", "entrypoint", "after", "call_entrypoint"})


def is_integration_step_name(qual: str) -> bool:
    """True when `qual` may name a step of a ZenML integration (`zenml.integrations.X.steps...`)."""
    return qual.startswith(PREFIX) and ".steps" in qual[len(PREFIX):]


def integration_of(qual: str) -> str:
    """The integration's name in `zenml.integrations.<name>...`."""
    return qual[len(PREFIX):].split(".")[0]


@lru_cache(maxsize=8)
def _zenml_package(search_path: tuple[str, ...]) -> Path | None:
    spec = importlib.machinery.PathFinder.find_spec("zenml", list(search_path))
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder if (folder / "integrations").is_dir() else None


def zenml_package() -> Path | None:
    """The installed `zenml` package folder on this interpreter's `sys.path`, without importing it."""
    folder = _zenml_package(tuple(p for p in sys.path if isinstance(p, str)))
    if folder is not None:
        deps.is_dir(folder / "integrations")  # recorded: a compile cache entry depends on this ZenML
    return folder


class ZenmlIndex(ModuleIndex):
    """ZenML's source as modules: only `zenml.integrations.*` is read, the rest stays ZenML's API by name."""

    def is_project_package(self, name: str) -> bool:
        return name == "zenml.integrations" or name.startswith(PREFIX)

    def module_path(self, name: str) -> Path | None:
        return super().module_path(name) if self.is_project_package(name) else None


@lru_cache(maxsize=4)
def _index(site_packages: Path) -> tuple[ZenmlIndex, Diagnostics]:
    from . import _constant
    from .stepdefs import Classifier

    diags = Diagnostics()  # problems inside ZenML's own files are not the user's
    index = ZenmlIndex(site_packages, diags)
    index.classify = Classifier(index, diags)
    index.evaluate_constant = lambda assignment, src: _constant(index, diags, assignment, src)
    return index, diags


def lookup(qual: str) -> StepHandle | None:
    """The integration step `qual` (e.g. `zenml.integrations.evidently.steps.evidently_report_step`), or None."""
    if not is_integration_step_name(qual):
        return None
    package = zenml_package()
    if package is None:
        return None
    index, _ = _index(package.parent)
    module, _, name = qual.rpartition(".")
    try:
        value = index.attribute(ModuleRef(module), name, None)
    except RecursionError:
        return None
    if not isinstance(value, StepHandle):
        return None
    value.definition.integration = integration_of(qual)
    return StepHandle(value.definition)


class ZenmlClassIndex(ModuleIndex):
    """All of ZenML's source as modules: its classes by name, to follow their bases."""

    def is_project_package(self, name: str) -> bool:
        return name == "zenml" or name.startswith("zenml.")


@lru_cache(maxsize=4)
def _class_index(site_packages: Path) -> ZenmlClassIndex:
    return ZenmlClassIndex(site_packages, Diagnostics())  # problems inside ZenML's files are not the user's


#: Bases that make a class a pydantic model (ZenML's own bases are followed to one of these).
PYDANTIC_MODELS = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel",
                             "pydantic_settings.BaseSettings", "pydantic.BaseSettings"})


@dataclass(frozen=True)
class IntegrationCallable:
    """A class of a ZenML integration that is a pydantic model, or one of its classmethods."""

    #: Dotted name where ZenML's source defines it: `module.Class` or `module.Class.method`.
    name: str
    #: How messages show it: `Class` or `Class.method`.
    shown: str


def find_callable(qual: str) -> IntegrationCallable | None:
    """The integration class (a pydantic model) or classmethod of one that `qual` names, read
    from the installed ZenML's source; None without ZenML or for anything else."""
    if not qual.startswith(PREFIX):
        return None
    package = zenml_package()
    if package is None:
        return None
    index = _class_index(package.parent)
    parts = qual.split(".")
    try:
        for cut in range(len(parts) - 1, 2, -1):
            if not index.is_submodule(".".join(parts[:cut])):
                continue
            rest = parts[cut:]
            if len(rest) > 2:
                return None
            cls = index.attribute(ModuleRef(".".join(parts[:cut])), rest[0], None)
            if not isinstance(cls, ClassRef) or not cls.module.startswith(PREFIX) \
                    or not _is_pydantic_model(cls, index, 0):
                return None
            if len(rest) == 2 and not _has_classmethod(cls, rest[1], index, 0):
                return None
            return IntegrationCallable(".".join([cls.qualname, *rest[1:]]), ".".join([cls.name, *rest[1:]]))
    except RecursionError:
        return None
    return None


def _is_pydantic_model(cls: ClassRef, index: ModuleIndex, depth: int) -> bool:
    for node in cls.node.bases if depth < 20 else ():
        base = base_value(cls, node, index)
        if isinstance(base, ExternalName) and base.qualname in PYDANTIC_MODELS:
            return True
        if isinstance(base, ClassRef) and _is_pydantic_model(base, index, depth + 1):
            return True
    return False


def _has_classmethod(cls: ClassRef, name: str, index: ModuleIndex, depth: int) -> bool:
    for stmt in cls.node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            return any(isinstance(d, ast.Name) and d.id == "classmethod" for d in stmt.decorator_list)
    for node in cls.node.bases if depth < 20 else ():
        base = base_value(cls, node, index)
        if isinstance(base, ClassRef) and _has_classmethod(base, name, index, depth + 1):
            return True
    return False


def missing_step_error(qual: str, node: ast.AST) -> EvalError:
    """The error for an integration step pipec cannot read: ZenML missing, or no such step."""
    from .interp import EvalError

    name = integration_of(qual)
    parts = qual.split(".")
    while len(parts) > 1 and parts[-1] in STEP_METHODS:
        parts.pop()  # `step.with_options(...)`: name the step
    short, qual = parts[-1], ".".join(parts)
    if len(parts) > 1 and parts[-2][:1].isupper():
        short = f"{parts[-2]}.{short}"  # a class's method, e.g. `EvidentlyMetricConfig.metric`
    if zenml_package() is None:
        return EvalError("PC106", f"`{short}` comes from ZenML's {name} integration; pipec reads ZenML's "
                         "integration steps from ZenML's source, and no ZenML is installed where pipec runs", node,
                         help=f"install it next to pipec: `pip install zenml` and `zenml integration install {name}` "
                              "(pipec reads the files only; it never imports ZenML)")
    return EvalError("PC106", f"`{qual}` is not a step of the installed ZenML", node,
                     help=f"check the name against zenml/integrations/{name}/steps")


def integration_requirements(name: str) -> list[str]:
    """`REQUIREMENTS` of ZenML's integration class for `name`, read statically (empty when unknown)."""
    package = zenml_package()
    if package is None:
        return []
    path = package / "integrations" / name / "__init__.py"
    if not deps.is_file(path):
        return []
    try:
        tree = ast.parse(deps.read_text(path))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "REQUIREMENTS"
                                                    for t in stmt.targets):
                try:
                    value = ast.literal_eval(stmt.value)
                except ValueError:
                    return []
                return [r for r in value if isinstance(r, str)] if isinstance(value, list) else []
    return []


def check_object_image(step_id: str, inputs: list[InputBinding], partial: dict, diags: Diagnostics,
                       span: Span) -> None:
    """Warn when a project step receives ZenML integration objects (built where it runs) and its
    image does not name ZenML among its requirements."""
    for binding in inputs:
        if isinstance(binding.source, LiteralValue):
            for name in called_names(binding.source.value):
                check_image(step_id, integration_of(name), partial, diags, binding.span,
                            what=f"receives `{short_name(name)}(...)` objects of ZenML's {integration_of(name)} "
                                 "integration, built where the step runs")
                return


def check_image(step_id: str, integration: str, partial: dict, diags: Diagnostics, span: Span,
                what: str | None = None) -> None:
    """Warn when the image of an integration step does not name ZenML among its requirements."""
    docker = partial.get("docker") or {}
    requirements = docker.get("requirements") or ()
    if docker.get("image") or docker.get("requirements_file") or any(
            str(r).replace(" ", "").lower().startswith("zenml") for r in requirements):
        return
    needed = ["zenml", *integration_requirements(integration)]
    what = what or f"runs ZenML's own code (its {integration} integration), which is imported where the step runs"
    diags.warning("PC116", f"step `{step_id}` {what}; the step's image must have ZenML and the integration's packages",
                  span, help="add them to the docker requirements: " + ", ".join(f"`{r}`" for r in needed))
