"""A stand-in for ZenML, so steps written for ZenML run where ZenML is not installed.

:func:`install` appends a meta-path finder to ``sys.meta_path``. Being last, it is
asked only when nothing on ``sys.path`` provides ``zenml``: a real ZenML always
wins. It then serves ``zenml`` and every ``zenml.*`` submodule (``zenml.steps``,
``zenml.pipelines``, ``zenml.config``, ``zenml.config.schedule``, ...) as a module
exposing the decorators, settings and types step modules import:

``step``, ``pipeline``, ``Output``, ``BaseParameters``, ``BaseStep``,
``BasePipeline``, ``ResourceSettings``, ``DockerSettings``, ``StepRetryConfig``,
``Schedule``, ``get_step_context``, ``StepContext``, ``ArtifactConfig``, ``Model``,
``log_metadata`` & co., ``get_logger``, ``BaseMaterializer``.

Any other public name imported from a stand-in module is a permissive placeholder
(callable, subscriptable, accepting any arguments), so an import line that merely
mentions an unrelated ZenML feature does not stop the step from running.

While the shim imports the user's module, calling a step or pipeline does not run
it: old-style code instantiates steps and pipelines at module level
(``my_pipeline(trainer=trainer()).run()``), which must be inert here. After the
import, calling a step runs its function, as ZenML does outside a pipeline.

Installed with pipec, a ``.pth`` file (``build_backend/pipec-zenml-standin.pth``)
puts :func:`find_standin_spec` last on ``sys.meta_path`` in every interpreter, so a
script run with plain Python (``python run.py``) imports ``zenml`` too when ZenML is
not installed. There a pipeline call, or the original API's
``my_pipeline(trainer=trainer()).run()``, compiles the script and runs it as pipec's
own ``@pipeline`` does (:mod:`pipec.runtime.script_run`). Installed packages that
probe for ZenML still find none, and ``PIPEC_ZENML_STANDIN=0`` turns it off.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import sysconfig
import types
from collections.abc import Callable
from typing import Any

from pipec.decorators import PipelineFunction, StepFunction, _place

from . import context as _context

#: True while the shim imports the user's module (see the module docstring).
importing = False


def _importing() -> bool:
    return importing or _context.importing_step_module


class _Placeholder:
    """Stands for any ZenML object we do not model: inert, callable, subscriptable."""

    def __init__(self, name: str = "placeholder", *args: Any, **kwargs: Any) -> None:
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]  # used as a decorator
        return _Placeholder(self._name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Placeholder(f"{self._name}.{name}")

    def __getitem__(self, item: Any) -> Any:
        return self

    def __mro_entries__(self, bases: tuple) -> tuple:
        return (object,)  # `class X(SomePlaceholder):` works

    def __repr__(self) -> str:
        return f"<zenml stand-in {self._name}>"


class _Settings:
    """Base of the settings stand-ins: keeps its keyword arguments as attributes."""

    def __init__(self, **kwargs: Any) -> None:
        self.__dict__.update(kwargs)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self.__dict__.items()))
        return f"{type(self).__name__}({args})"


class ResourceSettings(_Settings):
    """Stand-in for zenml.config.ResourceSettings."""


class DockerSettings(_Settings):
    """Stand-in for zenml.config.DockerSettings."""


class StepRetryConfig(_Settings):
    """Stand-in for zenml.config.retry_config.StepRetryConfig."""


class Schedule(_Settings):
    """Stand-in for zenml.config.schedule.Schedule."""


class ArtifactConfig(_Settings):
    """Stand-in for zenml.ArtifactConfig (used inside Annotated[...])."""


class Model(_Settings):
    """Stand-in for zenml.Model."""


class BaseParameters:
    """Stand-in for the old-API zenml.steps.BaseParameters (a pydantic model in ZenML).

    Fields are the class annotations; class attributes are their defaults.
    """

    def __init__(self, **kwargs: Any) -> None:
        fields = self._fields()
        unknown = set(kwargs) - set(fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field(s) {', '.join(sorted(unknown))}")
        for name in fields:
            if name in kwargs:
                setattr(self, name, kwargs[name])
            elif not hasattr(type(self), name):
                raise TypeError(f"{type(self).__name__} is missing required field {name!r}")

    @classmethod
    def _fields(cls) -> list[str]:
        names: dict[str, None] = {}
        for klass in reversed(cls.__mro__):
            for name in getattr(klass, "__annotations__", {}):
                if not name.startswith("_"):
                    names.setdefault(name, None)
        return list(names)

    def dict(self) -> dict[str, Any]:
        """Field values by name."""
        return {name: getattr(self, name) for name in self._fields()}

    model_dump = dict

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.dict() == other.dict()  # type: ignore[union-attr]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.dict().items())
        return f"{type(self).__name__}({args})"


class _OutputSpec:
    """What old-API `Output(a=int, b=float)` evaluates to in an annotation."""

    def __init__(self, **items: Any) -> None:
        self.items = list(items.items())

    def __repr__(self) -> str:
        return "Output(" + ", ".join(f"{k}={getattr(v, '__name__', v)}" for k, v in self.items) + ")"


def Output(**items: Any) -> _OutputSpec:  # noqa: N802 - ZenML's spelling
    """Old-API multi-output annotation: `-> Output(model=Model, accuracy=float)`."""
    return _OutputSpec(**items)


class _Inert:
    """What a step or pipeline call returns while the module is being imported."""

    def __init__(self, target: Any, *args: Any, **kwargs: Any) -> None:
        self.target = target

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *a, **k: self  # .run(), .configure(), .with_options(), ...

    def __iter__(self) -> Any:
        return iter(())


class CompatStep(StepFunction):
    """A ZenML-decorated step: inert while importing, otherwise calls the function."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _importing():
            return _Inert(self, *args, **kwargs)
        return self.entrypoint(*args, **kwargs)

    def with_options(self, **options: Any) -> CompatStep:
        return type(self)(self.entrypoint, {**self.options, **options})


#: What an original-API step instance may be given: its parameters and its configuration.
_STEP_INSTANCE_KEYWORDS = frozenset({"params", "config", "name", "enable_cache", "output_materializers",
                                     "settings", "extra", "experiment_tracker", "step_operator"})


class OldAPIStep(CompatStep):
    """A step imported from `zenml.steps`: called with no data, it is an original-API step instance.

    `trainer(params=TrainerParams(gamma=0.1))` configures a slot of an original-API pipeline, as
    in ZenML <= 0.39; called with data, the function runs, as ZenML's current API does.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _importing():
            return _Inert(self, *args, **kwargs)
        positional_params = len(args) == 1 and isinstance(args[0], BaseParameters)
        if (not args or positional_params) and set(kwargs) <= _STEP_INSTANCE_KEYWORDS:
            return _Inert(self, *args, **kwargs)
        return self.entrypoint(*args, **kwargs)


class CompatPipeline(PipelineFunction):
    """A ZenML-decorated pipeline: inert while the shim imports a step's module; called from a
    script run with plain Python, it compiles that script and runs it, as pipec's `@pipeline`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _importing():
            return _Inert(self)
        return self._run_script(args, kwargs, _place(sys._getframe(1)))


class OldAPIPipeline(CompatPipeline):
    """A pipeline decorated with `zenml.pipelines.pipeline`, ZenML's original API's decorator, and
    ZenML >= 0.40's current one too. Called with step instances (or with nothing, when its
    parameters are step slots: they have no defaults), it is an original-API instance whose
    `.run()` runs it; called with other values, or with nothing when every parameter has a default,
    it runs as a current-API pipeline does. The compiler decides the same way, by shape
    (pipec.frontend.old_api)."""

    #: Read by pipec.runtime.script_run: the call's arguments are steps, not run parameters.
    old_api = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _importing():
            return _Inert(self)
        caller = _place(sys._getframe(1))
        if not self._binds_step_slots(args, kwargs):
            current = CompatPipeline(self.entrypoint, self.options, self.call_options)
            return current._run_script(args, kwargs, caller)
        return OldAPIPipelineInstance(self, caller)

    def _binds_step_slots(self, args: tuple, kwargs: dict[str, Any]) -> bool:
        """Whether a call is an original-API instantiation: step instances as arguments, or no
        arguments for a function with a parameter that has no default (a step slot)."""
        values = [*args, *kwargs.values()]
        if values:
            return any(isinstance(v, _Inert) and isinstance(v.target, CompatStep) for v in values)
        import inspect

        try:
            parameters = inspect.signature(self.entrypoint).parameters.values()
        except (TypeError, ValueError):
            return True
        return any(p.default is inspect.Parameter.empty
                   and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
                   for p in parameters)


class OldAPIPipelineInstance:
    """`my_pipeline(trainer=trainer(), ...)` of the original API: `.run()` compiles the script and
    runs the instance made where this one was (pipec reads the steps bound to it from the source)."""

    def __init__(self, pipeline: OldAPIPipeline, made_at: tuple[str, int]) -> None:
        self.pipeline = pipeline
        self.made_at = made_at

    def configure(self, **options: Any) -> OldAPIPipelineInstance:
        """Set run options in place (`enable_cache`, `run_name`, ...; the rest are read statically)."""
        self.pipeline = self.pipeline.with_options(**options)
        return self

    def with_options(self, **options: Any) -> OldAPIPipelineInstance:
        """A copy with more run options."""
        return OldAPIPipelineInstance(self.pipeline.with_options(**options), self.made_at)

    def run(self, **options: Any) -> Any:
        """Compile the running script and run this instance: `run_name`, `enable_cache` and
        `config_path` apply as with_options() does; returns the run as `pipec.Client` reads it."""
        pipeline = self.pipeline.with_options(**options) if options else self.pipeline
        return pipeline._run_script((), {}, self.made_at)


def step(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Stand-in for zenml.step: `@step` or `@step(...)`."""
    if func is None:
        return lambda f: CompatStep(f, options)
    return CompatStep(func, options)


def pipeline(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Stand-in for zenml.pipeline: `@pipeline` or `@pipeline(...)`."""
    if func is None:
        return lambda f: CompatPipeline(f, options)
    return CompatPipeline(func, options)


def old_api_step(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Stand-in for zenml.steps.step (see OldAPIStep)."""
    if func is None:
        return lambda f: OldAPIStep(f, options)
    return OldAPIStep(func, options)


def old_api_pipeline(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Stand-in for zenml.pipelines.pipeline, the original API's decorator."""
    if func is None:
        return lambda f: OldAPIPipeline(f, options)
    return OldAPIPipeline(func, options)


class BaseStep:
    """Old-API class-based step: subclass and define `entrypoint(self, ...)`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args = (args, kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _Inert(self)


class BasePipeline:
    """Old-API class-based pipeline: instantiating it and `.run()` are inert here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args = (args, kwargs)

    def run(self, *args: Any, **kwargs: Any) -> None:
        if not _importing():
            raise RuntimeError(f"{type(self).__name__}: pipec does not compile class-based pipelines "
                               "(BasePipeline subclasses); decorate a function with @pipeline instead")


class BaseMaterializer:
    """Stand-in for zenml.materializers.base_materializer.BaseMaterializer (not used by pipec)."""

    ASSOCIATED_TYPES: tuple = ()

    def __init__(self, uri: str = "", *args: Any, **kwargs: Any) -> None:
        self.uri = uri


class _Str(str):
    """Base of ZenML's string marker types (HTMLString, MarkdownString, CSVString)."""


def _log_metadata(metadata: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
    """ZenML's log_metadata & co.: recorded as metadata of the running step, when there is one."""
    if _context._current is not None and isinstance(metadata, dict):
        _context._current.add_metadata(metadata)


def _get_logger(name: str | None = None) -> Any:
    import logging

    return logging.getLogger(name)


_COMMON: dict[str, Any] = {
    "step": step, "pipeline": pipeline, "get_step_context": _context.get_step_context,
    "StepContext": _context.StepContext, "BaseParameters": BaseParameters, "Output": Output,
    "BaseStep": BaseStep, "BasePipeline": BasePipeline, "Schedule": Schedule,
    "ResourceSettings": ResourceSettings, "DockerSettings": DockerSettings,
    "StepRetryConfig": StepRetryConfig, "ArtifactConfig": ArtifactConfig, "Model": Model,
    "log_metadata": _log_metadata, "log_step_metadata": _log_metadata,
    "log_artifact_metadata": _log_metadata, "log_model_metadata": _log_metadata,
    "get_logger": _get_logger, "BaseMaterializer": BaseMaterializer,
    "HTMLString": type("HTMLString", (_Str,), {}), "MarkdownString": type("MarkdownString", (_Str,), {}),
    "CSVString": type("CSVString", (_Str,), {}),
}


#: The original API's decorators, by the modules ZenML <= 0.39 exported them from (as the compiler
#: reads them: pipec.frontend.known.OLD_PIPELINE_DECORATORS).
_OLD_API: dict[str, dict[str, Any]] = {
    module: {"step": old_api_step} for module in ("zenml.steps", "zenml.steps.base_step",
                                                   "zenml.steps.step_decorator")
} | {
    module: {"pipeline": old_api_pipeline} for module in ("zenml.pipelines", "zenml.pipelines.base_pipeline",
                                                           "zenml.pipelines.pipeline_decorator")
}


def _module_getattr(module_name: str) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        if name in _COMMON:
            return _COMMON[name]
        if module_name.endswith(".constants") and name.isupper():
            return name.lower()  # e.g. zenml.integrations.constants.SKLEARN -> "sklearn"
        if name.islower() and name.isidentifier():
            # `from zenml import client` must give the submodule, not a placeholder.
            import importlib

            return importlib.import_module(f"{module_name}.{name}")
        return _Placeholder(f"{module_name}.{name}")

    return __getattr__


class _Loader:
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__.update(_COMMON)
        module.__dict__.update(_OLD_API.get(module.__name__, {}))
        module.__getattr__ = _module_getattr(module.__name__)  # type: ignore[attr-defined]
        module.__pipec_compat__ = True  # type: ignore[attr-defined]
        module.__version__ = "0.0.0+pipec.compat"  # type: ignore[attr-defined]


class _Finder:
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "zenml" and not fullname.startswith("zenml."):
            return None
        if fullname != "zenml" and not getattr(sys.modules.get("zenml"), "__pipec_compat__", False):
            return None  # a real zenml is loaded: leave its missing submodules missing
        return importlib.machinery.ModuleSpec(fullname, _Loader(), is_package=True)


_FINDER = _Finder()


def find_standin_spec(fullname: str, path: Any, target: Any = None) -> Any:
    """The stand-in's spec for `fullname`, when the user's code imports `zenml` and no ZenML is
    installed (called by the finder the `.pth` file installs; see the module docstring)."""
    if fullname == "zenml" and (os.environ.get("PIPEC_ZENML_STANDIN", "1") == "0"
                                or _imported_by_installed_package(sys._getframe(1))):
        return None
    return _FINDER.find_spec(fullname, path, target)


def _imported_by_installed_package(frame: Any) -> bool:
    """Whether the code importing (the first frame outside the import machinery) is an installed
    package's: a library probing for ZenML must not take the stand-in for ZenML."""
    machinery = os.path.dirname(importlib.machinery.__file__)
    while frame is not None:
        file = frame.f_code.co_filename
        if file.startswith("<frozen ") or file == "<string>" or os.path.dirname(file) == machinery:
            frame = frame.f_back
            continue
        installed = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
        return any(os.path.realpath(file).startswith(os.path.realpath(folder) + os.sep) for folder in installed)
    return False


def install() -> None:
    """Serve `zenml` from this module when no real ZenML is importable (idempotent)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.append(_FINDER)


def uninstall() -> None:
    """Remove the finder and any stand-in modules (for tests)."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n in sys.modules if n == "zenml" or n.startswith("zenml.")]:
        if getattr(sys.modules[name], "__pipec_compat__", False):
            del sys.modules[name]
