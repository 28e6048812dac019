"""The target registry, and how to add a target.

A target turns one checked IR pipeline into ``{relative path: text}`` for one engine
(`pipec.targets.base.Target`); the shared writer puts the files on disk. Built-in targets
are the folders of this package that hold a ``target.py``; third-party ones are entry
points in the ``pipec.targets`` group, exactly like the built-ins' own lines in
pyproject.toml.

Adding a built-in target
========================

1. **One folder**, ``src/pipec/targets/<name>/`` (``<name>`` is what ``--target`` takes)::

       __init__.py   from .target import TARGET  (the registry loads `pipec.targets.<name>:TARGET`)
       target.py     the class: name, description, options, capabilities, compile (see below)
       build.py      IR -> the engine's data as plain dicts/lists, `build_*` functions
       schedule.py   the pipeline's schedule in the engine's terms (when the engine has them): whole
                     functions of (Schedule, Diagnostics), e.g. argo's `cron_schedule`
       settings.py   the engine settings it reads (`orchestrator.<name>` / `target.<name>`)
       render.py     optional: data -> text, when it is more than one dump call
       names.py      optional: the engine's naming rules (and the files it writes, if `submit` reads them)
       submit.py     optional: `pipec submit` (import the engine's SDK only there)

   ``target.py`` holds the class and nothing the other modules need back (they must not
   import it, so there is no import circle)::

       class AzureMLTarget:
           name = "azureml"
           description = "Azure ML pipeline job YAML"  # one line: `pipec targets` shows it
           options: tuple[OptionSpec, ...] = CONTAINER_OPTIONS + (
               OptionSpec("compute", "compute cluster the steps run on", default="cpu-cluster"),
               OptionSpec("nodes", "nodes per step", default="1", kind=POSITIVE_INT),
           )
           capabilities = Capabilities("Azure ML", retry=RetrySupport("Azure ML"), settings_key="azureml")

           def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
               return {f"{safe_name(pipeline.name)}.yaml": dump(build_job(pipeline, context))}

       TARGET = AzureMLTarget()

   Options are typed: ``kind`` (`pipec.targets.base`: ``POSITIVE_INT``, ``QUANTITY``, ``SECONDS``,
   ``HTTP_URL``, or the target's own `OptionKind`) or ``choices``. The driver runs
   `OptionSpec.parse` once on every value a user or stack sets (error PC302 / PC366) and
   `pipec targets` shows the kind, so a target never re-checks an option: it reads the typed
   value with ``spec.value(context.options)``.

   What to override is only what differs. `pipec.targets.kit` gives retry lowering, container
   resources, the shared-store test, name policies, the YAML and JSON writers and the
   unsupported-setting policy; ``capabilities`` (`pipec.targets.kit.capabilities`) declares
   what the engine supports, and the driver checks each pipeline against it once. A step's
   image, shim call and environment come from `pipec.targets.common`; a KFP-schema engine
   reuses `pipec.targets.kfp_spec`. Report what the engine cannot do through
   `pipec.targets.kit.unsupported` or ``context.diagnostics`` (new codes go in
   `pipec.ir.diagnostics.CODES`), never by raising. Keep ``target.py`` cheap to
   import (``pipec targets`` imports every target to list it): import heavy modules inside
   ``compile``/``submit``.

   A folder may register several targets that differ by one choice (the SkyPilot targets
   ``vm_aws``, ``vm_gcp``, ``vm_azure``, by cloud): list them in `FAMILIES`; its ``target.py``
   then defines one object per name, in capitals (``VM_AWS``), instead of ``TARGET``.

2. **One entry point line** in pyproject.toml, then reinstall (``pip install -e .``)::

       [project.entry-points."pipec.targets"]
       azureml = "pipec.targets.azureml:TARGET"

3. **Its tests and docs**:

   - goldens: ``nox -s golden -- --update`` writes ``golden/<example>/<name>/`` for every
     example (review them); a variant worth reviewing goes in ``tests/golden_variants.py``;
   - ``tests/targets/test_<name>.py``: the artifacts through the engine's own validator or
     schema; ``tests/helpers/engines/<name>.py``: a model of what the engine hands the
     container (``tests/runtime/test_store_env.py`` fails without it);
   - a README.md section whose ``## `` heading names ```--target <name>```.

   ``tests/test_target_registry.py`` fails while the folder, its entry point, its capabilities,
   the goldens or the README section is missing, or while a module of the folder imports
   ``target.py`` back or another target's folder.

Writing a target outside pipec (a plug-in)
==========================================

A third-party target is any object with the same attributes, registered by its own
distribution's entry point in the ``pipec.targets`` group; it is loaded only when named (or
listed by ``pipec targets``, which shows the distribution's name and version as its origin).
It imports pipec only through the public kit, ``pipec.targets.kit`` (its ``__all__``: the
contract, the IR types, the shim call and its rendering, retry, resources, names, stores,
serializers, the unsupported-setting policy). ``examples/plugins/pipec-target-example`` is a
whole one: its own pyproject.toml and entry point line, a target folder like the built-ins',
its goldens and its tests (which run its scripts). ``--target all`` compiles plug-ins too; the
built-in goldens and engine models (``golden/``, ``tests/helpers/engines/``) cover built-in
targets only, a plug-in keeps its own. A name pipec ships always stays pipec's own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: The entry point group of every target, built-in or not.
ENTRY_POINT_GROUP = "pipec.targets"
#: The origin of a target that ships with pipec (`TargetInfo.origin`).
BUILTIN = "built-in"
#: The module of a built-in target's folder that holds its class (the folder's marker).
TARGET_MODULE = "target.py"


#: Folders whose target.py registers several targets that differ only by one choice (the
#: SkyPilot targets, by cloud): folder -> its target names, each loaded from
#: ``pipec.targets.<folder>:<NAME>`` (the name in capitals) instead of ``:TARGET``.
FAMILIES: dict[str, tuple[str, ...]] = {"skypilot": ("vm_aws", "vm_azure", "vm_gcp")}


def _builtin_folders() -> dict[str, str]:
    """name -> "module:attribute" of each folder here with a target.py: reading one folder costs
    far less than importing `importlib.metadata` to read entry points (~20 ms), so naming a
    built-in target never pays for it."""
    here = os.path.dirname(__file__)
    found: dict[str, str] = {}
    for folder in sorted(os.listdir(here)):
        if not folder.isidentifier() or not os.path.isfile(os.path.join(here, folder, TARGET_MODULE)):
            continue
        for name in FAMILIES.get(folder, (folder,)):
            found[name] = f"{__name__}.{folder}:{name.upper() if folder in FAMILIES else 'TARGET'}"
    return dict(sorted(found.items()))


#: Built-in targets: name -> "module:attribute" to load it from (each also has its entry point
#: line in pyproject.toml; tests/test_target_registry.py checks the two agree).
BUILTINS: dict[str, str] = _builtin_folders()


class UnknownTarget(LookupError):
    """Raised for a target name nobody registered; carries a suggestion."""

    def __init__(self, name: str, suggestion: str | None) -> None:
        super().__init__(name)
        #: The name asked for.
        self.name = name
        #: "did you mean ...?" text, None when no registered name is close.
        self.suggestion = suggestion


class TargetLoadError(RuntimeError):
    """Raised when a registered target cannot be imported."""


@dataclass(frozen=True)
class TargetInfo:
    """A registered target, before it is imported."""

    #: Name used with --target.
    name: str
    #: "module:attribute" to load it from.
    location: str
    #: Who provides it: `BUILTIN`, else the registering distribution's "name version".
    origin: str = BUILTIN


def _entry_points() -> dict[str, TargetInfo]:
    """Targets other packages registered (a name pipec ships stays pipec's own)."""
    from importlib.metadata import entry_points

    found: dict[str, TargetInfo] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in BUILTINS:
            found[ep.name] = TargetInfo(ep.name, ep.value, _origin(ep))
    return found


def _origin(entry_point) -> str:
    """The "name version" of the distribution that registered `entry_point` ("unknown distribution"
    when the entry point does not say, as one built by hand in a test)."""
    dist = getattr(entry_point, "dist", None)
    if dist is None:
        return "unknown distribution"
    return f"{dist.metadata['Name'] or dist.name} {dist.version}"


def available() -> list[TargetInfo]:
    """Every registered target, sorted by name (none is imported)."""
    infos = {name: TargetInfo(name, location) for name, location in BUILTINS.items()}
    infos.update(_entry_points())
    return [infos[n] for n in sorted(infos)]


def names() -> list[str]:
    """Names of every registered target, sorted (``--target all`` compiles them all, plug-ins too)."""
    return [info.name for info in available()]


def plugins() -> list[TargetInfo]:
    """The targets other distributions registered, sorted by name (none is imported)."""
    return [info for info in available() if info.origin != BUILTIN]


def _load(location: str):
    import importlib

    module_name, _, attr = location.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for part in attr.split(".") if attr else ():
            obj = getattr(obj, part)
    except Exception as exc:  # a broken plug-in must not crash the CLI with a traceback
        raise TargetLoadError(f"{location}: {type(exc).__name__}: {exc}") from exc
    return obj


def load(info: TargetInfo):
    """The target object `info` names; raises TargetLoadError when it cannot be imported."""
    return _load(info.location)


def get(name: str):
    """The target called `name`; raises UnknownTarget (with a "did you mean") or TargetLoadError."""
    if name in BUILTINS:
        return _load(BUILTINS[name])
    eps = _entry_points()
    if name in eps:
        return _load(eps[name].location)
    from pipec.ir.diagnostics import did_you_mean

    raise UnknownTarget(name, did_you_mean(name, names()))
