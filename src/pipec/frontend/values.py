"""Values of the static evaluator.

Anything known at compile time is an ordinary Python value (None, bool, int, float,
str, bytes, tuple, list, dict, range). Everything else is one of the symbolic
classes here: references to steps, pipelines, modules, step outputs and pipeline
parameters whose value may only be known at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ast

    from .source import SourceFile
    from .stepdefs import StepDef


class Poison:
    """The value of a name whose defining statement failed (already reported)."""

    def __repr__(self) -> str:
        return "<poison>"


#: The one Poison value.
POISON = Poison()


class PoisonSignal(Exception):
    """Evaluation touched POISON: stop this statement without another diagnostic."""


class ReturnSignal(Exception):
    """`return` in a pipeline body, with the returned value (an inlined pipeline's outputs)."""

    def __init__(self, value: Any = None) -> None:
        super().__init__()
        self.value = value


@dataclass(frozen=True)
class ModuleRef:
    """An imported module, e.g. `pandas` or the project's `steps.ops`."""

    # Dotted module name.
    name: str


@dataclass(frozen=True)
class ExternalName:
    """A name from a module outside the source root (pandas.DataFrame, random.random, ...)."""

    # Fully qualified name.
    qualname: str


@dataclass(frozen=True)
class ClassRef:
    """A class defined in the user's project."""

    # Module that defines it.
    module: str
    # Class name.
    name: str
    # The class definition.
    node: Any
    # Its file.
    source: Any

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass(frozen=True)
class FunctionRef:
    """A plain (undecorated) function of the user's project: never callable statically."""

    # Qualified name.
    qualname: str


@dataclass
class StepHandle:
    """A step function, possibly with `.with_options()` overrides applied."""

    # The definition.
    definition: StepDef
    # Option overrides, as raw keyword values (already evaluated), in application order.
    overrides: tuple[tuple[str, Any], ...] = ()


@dataclass
class PipelineHandle:
    """A pipeline function, possibly with options applied."""

    # The pipeline definition.
    definition: Any
    # Option overrides, as evaluated keyword values.
    overrides: tuple[tuple[str, Any], ...] = ()


@dataclass
class OldStepInstance:
    """An old-API step instance, `trainer(params=...)`, bound to a pipeline slot."""

    # The step definition.
    definition: StepDef
    # Keyword arguments given at instantiation (evaluated), e.g. params=, name=.
    kwargs: dict[str, Any] = field(default_factory=dict)
    # Option overrides from .configure()/.with_options().
    overrides: tuple[tuple[str, Any], ...] = ()
    # Where it was instantiated.
    span: Any = None


@dataclass
class Slot:
    """An old-API pipeline parameter: a step instance the body calls once."""

    # Slot (= step id) name.
    name: str
    # The bound instance.
    instance: OldStepInstance
    # Ids that must run before this one (from `.after()`).
    after: list[str] = field(default_factory=list)


@dataclass
class PipelineInstance:
    """A module-level pipeline call: `p(lr=0.1)`, `p.with_options(...)()`, or old `p(step=step()).run()`."""

    # The pipeline, with the options applied before the call.
    handle: PipelineHandle
    # Positional arguments (evaluated).
    args: list
    # Keyword arguments (evaluated).
    kwargs: dict
    # Options given afterwards, e.g. `.run(schedule=..., config_path=...)`, as (key, value, span).
    run_options: tuple = ()
    # Where the call is.
    span: Any = None
    # False when the call's arguments could not be evaluated (`p(**values_known_at_run_time)`):
    # `args` and `kwargs` are then empty, which says nothing about what the call passes.
    arguments_known: bool = True


@dataclass(frozen=True)
class Artifact:
    """One output of a step invocation; its value exists only at run time."""

    # Producing invocation id.
    step: str
    # Output name.
    output: str
    # Output type.
    type: str


@dataclass(frozen=True)
class Invocation:
    """The result of calling a step with no outputs (usable in `after=`)."""

    # Invocation id.
    step: str


@dataclass(frozen=True)
class ParamValue:
    """A pipeline parameter as used in the body."""

    # Parameter name.
    name: str
    # Whether the value is known at compile time.
    known: bool
    # The value when known.
    value: Any = None


@dataclass(frozen=True)
class SettingsObject:
    """A settings class instance: Resources, DockerSettings, Schedule, or a target's own class."""

    # "resources", "docker", "retry", "schedule" or "other".
    kind: str
    # Qualified class name.
    qualname: str
    # Keyword arguments (evaluated).
    fields: tuple[tuple[str, Any], ...]
    # Where it was written: (source file, top statement, node).
    origin: Any = None

    def get(self, name: str, default: Any = None) -> Any:
        for key, value in self.fields:
            if key == name:
                return value
        return default


@dataclass(frozen=True)
class ParamsInstance:
    """An old-API BaseParameters instance: `TrainerParams(gamma=0.01)`."""

    # The parameters class.
    cls: ClassRef
    # Keyword arguments given (evaluated).
    fields: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class BoundMethod:
    """A method looked up on a value, e.g. `names.append` or `handle.with_options`."""

    # The receiver.
    receiver: Any
    # Method name.
    name: str


@dataclass(frozen=True)
class Builtin:
    """A builtin function the evaluator may call (range, len, str, ...)."""

    # Its name.
    name: str


@dataclass(frozen=True)
class Located:
    """Where a node is: the file and its top-level statement (for spans)."""

    # The file.
    source: SourceFile
    # The top-level statement that contains the node.
    top: ast.stmt


@dataclass(frozen=True)
class RuntimeOnly:
    """A local name of an entry-script function whose value exists only when the script runs
    (a command-line argument, a parameter without default, a value pipec cannot compute)."""

    # Why, as the diagnostic says it where the name is used.
    message: str
    # What to do instead.
    help: str | None = None


@dataclass(frozen=True)
class Logger:
    """A logger (`logging.getLogger(...)`, `zenml.logger.get_logger(...)`): its calls do nothing
    at compile time, like `print`."""

    # The logger's name as written (None when it cannot be known statically).
    name: str | None = None


def contains_symbolic(value: Any) -> bool:
    """True when `value` is or holds something only known at run time."""
    if isinstance(value, (Artifact, Invocation)):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(contains_symbolic(v) for v in value)
    if isinstance(value, dict):
        return any(contains_symbolic(v) for v in value.values())
    return False


class _MemberText:
    """str() and f-strings of an Enum member: `str_form`, what Python (>= 3.11) gives for it."""

    cls: str
    str_form: str | None

    def __str__(self) -> str:
        if self.str_form is None:
            raise ValueError(f"`{self.cls}` defines its own `__str__`, which pipec does not run")
        return self.str_form

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"<{self.cls}.{self.name}: {self.value!r}>"


@dataclass(frozen=True, eq=False, repr=False)
class EnumMember(_MemberText):
    """A member of an Enum class of the project that is neither a str nor an int (`class Color(Enum)`).

    Compared by identity, as Python compares Enum members: each member is built once per compile
    (in its class's attribute table), so `Color.RED == Color.RED` and a member never equals its value.
    """

    # The class name as written in the project, e.g. "Color".
    cls: str
    # Member name, e.g. "RED".
    name: str
    # The member's value (already evaluated).
    value: Any
    # What str() and f-strings give (None: the class defines its own `__str__`).
    str_form: str | None = None


class _BuiltinMember(_MemberText):
    """A member of a str- or int-based Enum: an instance of the builtin type, with its owner's names."""

    name: str

    @classmethod
    def make(cls, value: Any, owner: str, name: str, str_form: str | None) -> Any:
        """The member `owner.name` whose value is `value`."""
        member = cls(value)
        member.cls, member.name, member.str_form = owner, name, str_form
        return member


class EnumStr(_BuiltinMember, str):
    """A member of a str-based Enum (StrEnum, `class A(str, Enum)`): it is the str of its value.

    Python (>= 3.11) formats a StrEnum member as its value, and a `(str, Enum)` member as
    `Class.NAME`; `str_form` is what str() and f-strings give (None: the class defines its own
    `__str__`, which pipec does not run).
    """

    @property
    def value(self) -> str:
        return str.__str__(self)


class EnumInt(_BuiltinMember, int):
    """A member of an int-based Enum (IntEnum, `class A(int, Enum)`); see :class:`EnumStr`."""

    @property
    def value(self) -> int:
        return int(self)


ENUM_MEMBERS = (EnumMember, EnumStr, EnumInt)


def plain_value(value: Any) -> Any:
    """`value` with Enum members replaced by their values (what ZenML stores and compares)."""
    if isinstance(value, ENUM_MEMBERS):
        return value.value
    return value
