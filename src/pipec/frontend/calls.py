"""ZenML's call semantics on top of the Python interpreter.

:class:`Evaluator` is the :class:`~pipec.frontend.interp.Interpreter` plus what calls
mean in a ZenML module: calling a step or a pipeline (handed to the :class:`BodyBuilder`
of the body being evaluated), settings and parameter classes, ZenML's own functions and
the handle methods `with_options`, `configure`, `after` and `run`.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, Protocol

from pipec.ir.diagnostics import Diagnostics

from . import known
from .enum_classes import by_value, members_of
from .interp import EvalError, Interpreter, Scope
from .model_control import MODEL_CLASSES, is_dotted_name, is_model_class, lenient_version
from .modules import is_parameters_class
from .runtime_values import RunTimeValue
from .source import SourceFile
from .values import (
    BoundMethod,
    ClassRef,
    ExternalName,
    OldStepInstance,
    ParamsInstance,
    PipelineHandle,
    PipelineInstance,
    PoisonSignal,
    SettingsObject,
    Slot,
    StepHandle,
)

if TYPE_CHECKING:
    from .modules import ModuleIndex

#: Receivers whose methods are ZenML's handle methods (`with_options`, `configure`, `after`, `run`).
HANDLES = (StepHandle, Slot, OldStepInstance, PipelineHandle, PipelineInstance)


class BodyBuilder(Protocol):
    """What step and pipeline calls are handed to: a pipeline body, or the module-level run scanner."""

    def call_step(self, ev: Evaluator, func: StepHandle | Slot, args: list, kwargs: dict, node: ast.Call,
                  arg_nodes: dict[str, ast.AST]) -> Any:
        """The value of calling step `func` (output handles in a body, a step instance at module level)."""

    def pipeline_call(self, ev: Evaluator, handle: PipelineHandle, args: list, kwargs: dict, node: ast.Call,
                      arg_nodes: dict[str, ast.AST]) -> Any:
        """The value of calling pipeline `handle` (recorded at module level, inlined in a body)."""

    def step_failed(self, func: StepHandle | Slot, node: ast.Call) -> None:
        """A call of step `func` failed and was reported."""


class Evaluator(Interpreter):
    """Evaluates one file's statements and expressions with ZenML's call semantics."""

    def __init__(self, index: ModuleIndex, diags: Diagnostics, src: SourceFile, top: ast.stmt,
                 scope: Scope | None = None, builder: BodyBuilder | None = None) -> None:
        super().__init__(index, diags, src, top, scope)
        #: The pipeline builder when evaluating a pipeline body or module-level calls; None for constants.
        self.builder = builder

    def _call_with_arguments(self, func: Any, node: ast.Call) -> Any:
        if isinstance(func, (StepHandle, Slot)) and self.builder is not None:
            try:
                return super()._call_with_arguments(func, node)
            except (EvalError, PoisonSignal):
                self.builder.step_failed(func, node)  # no "runs after unknown step" echo later
                raise
        return super()._call_with_arguments(func, node)

    def _keyword_value(self, node: ast.Call, arg: ast.keyword) -> Any:
        """A keyword argument's value; an option pipec ignores may fail to evaluate (it only warns then)."""
        if arg.arg in ("version", "model_version") and is_dotted_name(node.func) \
                and is_model_class(self.eval(node.func)):
            return lenient_version(self, arg)
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in ("with_options", "configure", "run")):
            return self.eval(arg.value)
        from .settings import IGNORED_KEYS, UNEVALUATED

        if arg.arg not in IGNORED_KEYS:
            return self.eval(arg.value)
        try:
            return self.eval(arg.value)
        except EvalError as err:
            return RunTimeValue(err.message, UNEVALUATED, self.span(arg))

    def call(self, func: Any, args: list, kwargs: dict, node: ast.Call, arg_nodes: dict[str, ast.AST]) -> Any:
        """Call `func` statically: steps, pipelines, settings and parameter classes, then the Python subset."""
        if isinstance(func, (StepHandle, Slot)):
            if self.builder is None:
                name = func.definition.name if isinstance(func, StepHandle) else func.name
                raise EvalError("PC102", f"step `{name}` can only be called inside a pipeline body", node)
            return self.builder.call_step(self, func, args, kwargs, node, arg_nodes)
        if isinstance(func, BoundMethod) and isinstance(func.receiver, HANDLES):
            return self._handle_method(func.receiver, func.name, args, kwargs, node, arg_nodes)
        if isinstance(func, (ExternalName, RunTimeValue)):
            from .artifact_inputs import artifact_call

            resolved = artifact_call(self, func, args, kwargs, node, arg_nodes)
            if resolved is not None:
                return resolved
        if isinstance(func, ExternalName):
            result = self._zenml_external(func, args, kwargs, node)
            if result is not NOT_ZENML:
                return result
        if isinstance(func, RunTimeValue):
            from .zenml_api import runtime_call

            return runtime_call(func, node, self.src.text)
        if isinstance(func, ClassRef) and (members := members_of(self.index, func)) is not None:
            return by_value(func, members, [self.concrete(a, node) for a in args], kwargs, node)  # `Kind("a")`
        if isinstance(func, ClassRef) and is_parameters_class(func, self.index):
            if args:
                raise EvalError("PC102", "parameter classes take keyword arguments only", node)
            return ParamsInstance(func, tuple(kwargs.items()))
        if isinstance(func, ClassRef):
            from .param_objects import object_call

            built = object_call(self, func, args, kwargs, node, arg_nodes)
            if built is not None:
                return built
        if isinstance(func, PipelineHandle):
            if self.builder is not None:  # a module-level call, or a pipeline inlined into another
                return self.builder.pipeline_call(self, func, args, kwargs, node, arg_nodes)
            return func
        if isinstance(func, OldStepInstance):
            raise EvalError("PC102", "an old-style step instance is called inside the pipeline body "
                            "through its pipeline parameter", node)
        return super().call(func, args, kwargs, node, arg_nodes)

    def _handle_method(self, receiver: Any, name: str, args: list, kwargs: dict, node: ast.Call,
                       arg_nodes: dict[str, ast.AST]) -> Any:
        options = tuple((k, v, self.span(arg_nodes[k]) if k in arg_nodes else self.span(node))
                        for k, v in kwargs.items())
        if name in ("submit", "map", "product", "unmapped"):
            raise EvalError("PC105", f"`.{name}()` builds a dynamic pipeline, which cannot be compiled "
                            "statically", node, help="call the step directly; for fan-out, loop over a literal list")
        if name in ("with_options", "configure"):
            if args:
                raise EvalError("PC107", f"`.{name}()` takes keyword arguments only", node)
            if isinstance(receiver, StepHandle) and name == "configure":
                # ZenML's configure() changes the step itself, for every later use.
                receiver.definition.options = receiver.definition.options + options
                return receiver
            if isinstance(receiver, StepHandle):
                return StepHandle(receiver.definition, receiver.overrides + options)
            if isinstance(receiver, PipelineHandle):
                return PipelineHandle(receiver.definition, receiver.overrides + options)
            if isinstance(receiver, OldStepInstance):
                receiver.overrides = receiver.overrides + options
                return receiver
            if isinstance(receiver, Slot):
                receiver.instance.overrides = receiver.instance.overrides + options
                return receiver
        if name == "after" and isinstance(receiver, Slot):
            for other in args:
                if not isinstance(other, Slot):
                    raise EvalError("PC119", "`.after()` takes the pipeline's step parameters", node)
                receiver.after.append(other.name)
            return None
        if isinstance(receiver, PipelineInstance) and name in ("run", "with_options", "configure"):
            receiver.run_options = receiver.run_options + options
            return receiver
        if name == "run" and isinstance(receiver, PipelineHandle):
            return receiver
        raise EvalError("PC102", f"`.{name}()` cannot be evaluated statically", node)

    def _zenml_external(self, func: ExternalName, args: list, kwargs: dict, node: ast.Call) -> Any:
        """A settings object or ZenML call for `func`, or NOT_ZENML for the Python subset to handle."""
        qual = func.qualname
        if qual in known.LOGGER_FACTORIES:  # zenml.logger.get_logger: a logger like any other
            return NOT_ZENML
        kind = known.SETTINGS_CLASSES.get(qual)
        if kind is not None:
            if args:
                raise EvalError("PC108", f"`{qual.rsplit('.', 1)[-1]}` takes keyword arguments only", node)
            return SettingsObject(kind, qual, tuple(kwargs.items()))
        if qual.endswith("Settings") or qual.endswith("Config"):
            # A target's own settings class (e.g. KubeflowOrchestratorSettings): kept as options.
            if args:
                raise EvalError("PC108", f"`{qual.rsplit('.', 1)[-1]}` takes keyword arguments only", node)
            return SettingsObject("other", qual, tuple(kwargs.items()))
        if qual.split(".")[0] == "zenml" or qual in MODEL_CLASSES:
            from .zenml_api import zenml_call

            return zenml_call(self, qual, args, kwargs, node)
        return NOT_ZENML


#: What :meth:`Evaluator._zenml_external` returns for a name outside ZenML's semantics.
NOT_ZENML = object()
