"""Parameter objects: project classes that are pydantic models or dataclasses, built statically.

`LoadParams(batch="test")` of a class `LoadParams(BaseModel)` (or a `@dataclass`) whose
arguments and field defaults are known is a JSON object, as ZenML serializes a pydantic or
dataclass step parameter: the fields in class order (bases first), defaults filled in.
The value is a :class:`ObjectValue`, a dict that also answers attribute access
(`params.table`); the step receives an instance of its annotated class again when it runs
(the runtime shim builds it from the object).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .interp import EvalError
from .modules import base_value
from .values import BoundMethod, ClassRef, ExternalName, PoisonSignal

if TYPE_CHECKING:
    from .calls import Evaluator
    from .modules import ModuleIndex

#: Base classes that make a class a pydantic model.
PYDANTIC_BASES = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel"})
#: Decorators that make a class a dataclass.
DATACLASS_DECORATORS = frozenset({"dataclasses.dataclass", "pydantic.dataclasses.dataclass"})
#: Field helpers whose `default=` / `default_factory=` give a field's default.
FIELD_HELPERS = frozenset({"dataclasses.field", "pydantic.Field", "pydantic.fields.Field"})
#: Factories a `default_factory=` may name (they build an empty value).
EMPTY_FACTORIES = {"list": list, "dict": dict, "set": list, "tuple": list}
#: Annotations of class attributes that are not fields.
CLASS_VARS = frozenset({"ClassVar", "typing.ClassVar", "InitVar", "dataclasses.InitVar"})


class ObjectValue(dict):
    """An instance of a project's pydantic model or dataclass: a dict of its fields (its JSON form)
    that also answers `obj.field`."""

    #: The class name as written in the project (for messages).
    class_name: str = ""
    #: "pydantic" or "dataclass".
    kind: str = ""

    def model_dump(self) -> dict:
        """The fields as a plain dict (nested objects too), as pydantic's `model_dump()` gives them."""
        return {k: v.model_dump() if isinstance(v, ObjectValue) else v for k, v in self.items()}

    def static_attribute(self, ev: Any, attr: str, node: ast.AST) -> Any:
        """`obj.field`: the field's value; `obj.model_dump()` (a pydantic model's dict)."""
        if attr in self:
            return self[attr]
        if attr == "model_dump" and self.kind == "pydantic":
            return BoundMethod(self, attr)
        raise EvalError("PC103", f"`{self.class_name}` has no field `{attr}`", node)


@dataclass(frozen=True)
class FieldDef:
    """One field of a parameter class."""

    #: Field name.
    name: str
    #: Its default expression (None: required); evaluated where the class is defined.
    default: ast.expr | None
    #: Whether `default` is a `default_factory=` (called) rather than a value.
    factory: bool
    #: The class that declares it.
    owner: ClassRef


def object_kind(cls: ClassRef, index: ModuleIndex, depth: int = 0) -> str | None:
    """"pydantic" or "dataclass" when `cls` is a pydantic model or a dataclass, else None."""
    if depth > 20:
        return None
    for decorator in cls.node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        value = base_value(cls, target, index)
        if isinstance(value, ExternalName) and value.qualname in DATACLASS_DECORATORS:
            return "dataclass"
    for base in cls.node.bases:
        value = base_value(cls, base, index)
        if isinstance(value, ExternalName) and value.qualname in PYDANTIC_BASES:
            return "pydantic"
        if isinstance(value, ClassRef) and object_kind(value, index, depth + 1) == "pydantic":
            return "pydantic"
    return None


def build_object(ev: Evaluator, cls: ClassRef, kind: str, args: list, kwargs: dict, node: ast.Call,
                 arg_nodes: dict[str, ast.AST]) -> ObjectValue:
    """The instance `cls(*args, **kwargs)` as a JSON object; EvalError where Python would fail."""
    fields = class_fields(cls, ev.index)
    names = [f.name for f in fields]
    given: dict[str, Any] = {}
    if args and kind == "pydantic":
        raise EvalError("PC102", f"`{cls.name}` is a pydantic model: it takes keyword arguments only", node,
                        help=f"write `{cls.name}({', '.join(f'{n}=...' for n in names[:len(args)])})`")
    if len(args) > len(names):
        raise EvalError("PC102", f"`{cls.name}` takes {len(names)} positional argument"
                        f"{'' if len(names) == 1 else 's'} but {len(args)} were given", node)
    # A field holds data: a pipeline parameter's value, never a step output (pydantic would reject it).
    args = [ev.concrete(a, arg_nodes.get(f"#{i}", node)) for i, a in enumerate(args)]
    kwargs = {k: ev.concrete(v, arg_nodes.get(k, node)) for k, v in kwargs.items()}
    given.update(zip(names, args, strict=False))
    extra = _extra_fields(cls, ev.index) if kind == "pydantic" else "forbid"
    for key, value in kwargs.items():
        if key in given:
            raise EvalError("PC102", f"`{cls.name}` got multiple values for field `{key}`",
                            arg_nodes.get(key, node))
        if key not in names and extra != "allow":
            if extra == "forbid":
                from pipec.ir.diagnostics import did_you_mean

                raise EvalError("PC102", f"`{cls.name}` has no field `{key}`", arg_nodes.get(key, node),
                                help=did_you_mean(key, names) or f"its fields: {', '.join(names) or 'none'}")
            continue  # pydantic's default: extra keyword arguments are ignored
        given[key] = value
    out = ObjectValue()
    out.class_name, out.kind = cls.name, kind
    missing = []
    for f in fields:
        if f.name in given:
            out[f.name] = given[f.name]
        elif f.default is None:
            missing.append(f.name)
        else:
            out[f.name] = _default(ev, f, node)
    if missing:
        raise EvalError("PC102", f"`{cls.name}` needs a value for field{'' if len(missing) == 1 else 's'} "
                        f"{', '.join(f'`{n}`' for n in missing)}", node)
    for key, value in given.items():
        out.setdefault(key, value)  # extra="allow" keeps unknown keywords, after the fields
    custom = own_code(cls, ev.index)
    if custom is not None:
        ev.diags.warning("PC128", f"`{cls.name}` defines `{custom}`, which pipec does not run while compiling: "
                         "the compiled value holds the fields as given", ev.span(node),
                         help="the step still gets the object built by its class when it runs")
    return out


#: Methods that run when an object is built, beyond storing its fields.
BUILD_METHODS = frozenset({"__init__", "__post_init__", "model_post_init", "__new__"})
#: Decorators of pydantic validators (they may change a field's value).
VALIDATORS = frozenset({"validator", "root_validator", "field_validator", "model_validator"})


def own_code(cls: ClassRef, index: ModuleIndex, depth: int = 0) -> str | None:
    """The first method of `cls` (or a project base) that runs when an object is built, or None."""
    for stmt in cls.node.body:
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if stmt.name in BUILD_METHODS:
            return stmt.name
        for decorator in stmt.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name in VALIDATORS:
                return stmt.name
    for base in cls.node.bases if depth < 20 else ():
        value = base_value(cls, base, index)
        if isinstance(value, ClassRef):
            found = own_code(value, index, depth + 1)
            if found is not None:
                return found
    return None


def class_fields(cls: ClassRef, index: ModuleIndex, depth: int = 0) -> list[FieldDef]:
    """The fields of `cls` in class order: its bases' first, a redefinition keeping its place."""
    fields: dict[str, FieldDef] = {}
    if depth > 20:
        return []
    for base in cls.node.bases:
        value = base_value(cls, base, index)
        if isinstance(value, ClassRef):
            fields.update((f.name, f) for f in class_fields(value, index, depth + 1))
    for stmt in cls.node.body:
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        name = stmt.target.id
        if name.startswith("_") or _is_class_var(stmt.annotation):
            continue
        default, factory = _field_default(cls, stmt.value, index)
        fields[name] = FieldDef(name, default, factory, cls)
    return list(fields.values())


def _field_default(cls: ClassRef, value: ast.expr | None, index: ModuleIndex) -> tuple[ast.expr | None, bool]:
    """(default expression, whether it is a factory) of a field's right-hand side."""
    if isinstance(value, ast.Call):
        helper = base_value(cls, value.func, index)
        if isinstance(helper, ExternalName) and helper.qualname in FIELD_HELPERS:
            for keyword in value.keywords:
                if keyword.arg in ("default", "default_factory"):
                    return keyword.value, keyword.arg == "default_factory"
            if value.args and not (isinstance(value.args[0], ast.Constant) and value.args[0].value is Ellipsis):
                return value.args[0], False  # pydantic's Field(default, ...)
            return None, False
    return value, False


def _default(ev: Evaluator, f: FieldDef, node: ast.Call) -> Any:
    """Field `f`'s default, evaluated in its class's module; EvalError at the call when it cannot be."""
    from .calls import Evaluator as _Evaluator

    owner = f.owner
    inner = _Evaluator(ev.index, ev.diags, owner.source, owner.node)
    try:
        if not f.factory:
            return inner.eval(f.default)
        factory = inner.eval(f.default)
        if isinstance(factory, ClassRef):
            return inner.call(factory, [], {}, ast.Call(func=f.default, args=[], keywords=[]), {})
        name = getattr(factory, "name", None)
        if name in EMPTY_FACTORIES:
            return EMPTY_FACTORIES[name]()
        raise EvalError("PC102", "its `default_factory` is not a class or an empty list/dict", f.default)
    except (EvalError, PoisonSignal) as err:
        reason = f": {err.message}" if isinstance(err, EvalError) else ""
        raise EvalError("PC102", f"the default of field `{f.name}` of `{owner.name}` cannot be evaluated "
                        f"while compiling{reason}", node,
                        help=f"pass `{f.name}=...` explicitly, or give the field a literal default") from None


def _is_class_var(annotation: ast.expr) -> bool:
    target = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    if isinstance(target, ast.Name):
        return target.id in CLASS_VARS
    return isinstance(target, ast.Attribute) and f"{getattr(target.value, 'id', '')}.{target.attr}" in CLASS_VARS


def _extra_fields(cls: ClassRef, index: ModuleIndex, depth: int = 0) -> str:
    """pydantic's `extra` setting of `cls` ("ignore", "allow" or "forbid"), from `model_config` or `class Config`."""
    for stmt in cls.node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model_config"
                                                for t in stmt.targets):
            found = _extra_keyword(stmt.value)
            if found:
                return found
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
            for inner in stmt.body:
                if isinstance(inner, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "extra"
                                                         for t in inner.targets):
                    found = _literal_text(inner.value)
                    if found:
                        return found
    if depth < 20:
        for base in cls.node.bases:
            value = base_value(cls, base, index)
            if isinstance(value, ClassRef):
                return _extra_fields(value, index, depth + 1)
    return "ignore"


def _extra_keyword(value: ast.expr) -> str | None:
    """`extra=` of `ConfigDict(extra="forbid")` or `{"extra": "forbid"}`."""
    if isinstance(value, ast.Call):
        for keyword in value.keywords:
            if keyword.arg == "extra":
                return _literal_text(keyword.value)
    if isinstance(value, ast.Dict):
        for key, item in zip(value.keys, value.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "extra":
                return _literal_text(item)
    return None


def _literal_text(value: ast.expr) -> str | None:
    """"forbid" of `"forbid"` or `Extra.forbid`."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Attribute):
        return value.attr
    return None


def object_call(ev: Evaluator, func: Any, args: list, kwargs: dict, node: ast.Call,
                arg_nodes: dict[str, ast.AST]) -> Any:
    """The object a call builds when `func` is a parameter class of the project, else None."""
    if not isinstance(func, ClassRef):
        return None
    kind = object_kind(func, ev.index)
    if kind is None:
        return None
    return build_object(ev, func, kind, args, kwargs, node, arg_nodes)


def parameter_object(ev: Evaluator, annotation: ast.expr | None, value: Any) -> Any:
    """A known pipeline-parameter value `value` as its annotated class would hold it: a JSON object
    given for a pydantic model or dataclass becomes that object (defaults filled in, `.field`
    readable), as ZenML validates pipeline parameters against their annotations; else `value`."""
    if annotation is None or not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return value
    try:
        cls = ev.eval(annotation)
    except (EvalError, PoisonSignal):
        return value
    if not isinstance(cls, ClassRef):
        return value
    kind = object_kind(cls, ev.index)
    if kind is None:
        return value
    return build_object(ev, cls, kind, [], dict(value), ast.Call(func=annotation, args=[], keywords=[]), {})
