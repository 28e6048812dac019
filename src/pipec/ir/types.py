"""Normalised type strings: parsing and the compatibility rule used on data edges.

The frontend writes every annotation in one canonical grammar: a dotted name
(builtins bare, everything else fully qualified), optionally subscripted with
``", "``-separated arguments, and unions written ``A | B``::

    int    list[int]    dict[str, float]    tuple[int, ...]    int | None    pandas.DataFrame

``Any`` means "unknown" and is compatible with everything. Nothing here raises on
user input: text that does not parse is treated as ``Any``.

Compatibility is deliberately lenient where we cannot know better. Builtins and a
few well-known library classes form a *closed world* (:data:`CLOSED_WORLD`): two of
them only match along the numeric tower (``bool -> int -> float -> complex``). Any
other class might be a subclass we cannot see, so it matches unless both sides are
closed-world types. Generic arguments are compared covariantly, and only when both
sides have them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

#: Types whose relations are fully known: a mismatch between two of them is an error.
CLOSED_WORLD = frozenset({
    "int", "float", "complex", "str", "bool", "bytes", "None",
    "list", "dict", "tuple", "set", "frozenset",
    "pandas.DataFrame", "pandas.Series", "numpy.ndarray",
})

# Implicit widening along the numeric tower: source -> targets it may flow into.
_NUMERIC_TOWER = {
    "bool": frozenset({"int", "float", "complex"}),
    "int": frozenset({"float", "complex"}),
    "float": frozenset({"complex"}),
}

# Spellings the frontend should already have normalised, accepted anyway.
_ALIASES = {
    "typing.Any": "Any",
    "NoneType": "None",
    "types.NoneType": "None",
    "builtins.NoneType": "None",
    "typing.List": "list",
    "typing.Dict": "dict",
    "typing.Tuple": "tuple",
    "typing.Set": "set",
    "typing.FrozenSet": "frozenset",
    "List": "list",
    "Dict": "dict",
    "Tuple": "tuple",
    "Set": "set",
    "FrozenSet": "frozenset",
    "pandas.core.frame.DataFrame": "pandas.DataFrame",
    "pandas.core.series.Series": "pandas.Series",
    "numpy.typing.NDArray": "numpy.ndarray",
}
_OPTIONAL = frozenset({"Optional", "typing.Optional"})
_UNION = frozenset({"Union", "typing.Union"})
_ANNOTATED = frozenset({"Annotated", "typing.Annotated", "typing_extensions.Annotated"})
_LITERAL = frozenset({"Literal", "typing.Literal", "typing_extensions.Literal"})
_SEQUENCES = frozenset({"list", "tuple", "set", "frozenset"})

# Nesting deeper than this is not a plausible annotation; it parses as Any.
_MAX_DEPTH = 32


@dataclass(frozen=True)
class NamedType:
    """A named type, optionally subscripted: ``int``, ``dict[str, float]``."""

    # Dotted name; "Any" for unknown, "None" for NoneType, "..." for the variadic marker,
    # "" for a bare bracketed list of types (Callable's parameters), or a quoted/number
    # literal inside Literal[...] before it is resolved.
    name: str
    # Subscript arguments; None when the name is not subscripted.
    args: tuple[TypeExpr, ...] | None = None

    def __str__(self) -> str:
        if self.args is None:
            return self.name
        return f"{self.name}[{', '.join(str(arg) for arg in self.args)}]"


@dataclass(frozen=True)
class UnionType:
    """A union ``A | B``: flattened, without repeats, in written order."""

    # At least two members, none of them a union.
    members: tuple[NamedType, ...]

    def __str__(self) -> str:
        return " | ".join(str(member) for member in self.members)


#: A parsed type expression.
TypeExpr = NamedType | UnionType

#: The unknown type.
ANY = NamedType("Any")
_ELLIPSIS = NamedType("...")

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<name>[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)"
    r"|(?P<literal>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"
    r"|(?P<punct>\.\.\.|[\[\],|])"
    r")"
)


class _ParseError(Exception):
    """The text is not in the type grammar."""


def _tokenize(text: str) -> list[str]:
    """Split `text` into names, literals and punctuation; raise _ParseError on anything else."""
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise _ParseError(text[pos:])
        token = match.group("name")
        tokens.append(re.sub(r"\s+", "", token) if token else match.group(match.lastgroup))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens of one type string."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise _ParseError(f"expected {expected!r}, got {token!r}")
        self.pos += 1
        return token

    def union(self, depth: int) -> TypeExpr:
        if depth > _MAX_DEPTH:
            raise _ParseError("nested too deeply")
        members = [self.primary(depth)]
        while self.peek() == "|":
            self.take("|")
            members.append(self.primary(depth))
        return make_union(members)

    def primary(self, depth: int) -> TypeExpr:
        token = self.take()
        if token == "[":  # a bare list of types, as in Callable[[int, str], float]
            return NamedType("", self.arguments(depth, allow_empty=True))
        if token in ("]", ",", "|"):
            raise _ParseError(f"unexpected {token!r}")
        if self.peek() != "[":
            return NamedType(token)
        self.take("[")
        return NamedType(token, self.arguments(depth, allow_empty=False))

    def arguments(self, depth: int, allow_empty: bool) -> tuple[TypeExpr, ...]:
        """The comma-separated types after an opening bracket, through the closing one."""
        if allow_empty and self.peek() == "]":
            self.take("]")
            return ()
        args = [self.union(depth + 1)]
        while self.peek() == ",":
            self.take(",")
            args.append(self.union(depth + 1))
        self.take("]")
        return tuple(args)


def _literal_type(atom: NamedType) -> NamedType:
    """The type of one `Literal[...]` argument."""
    text = atom.name
    if text in ("True", "False"):
        return NamedType("bool")
    if text == "None":
        return NamedType("None")
    if text[:1] in ("'", '"'):
        return NamedType("str")
    if re.fullmatch(r"-?\d+", text):
        return NamedType("int")
    return NamedType("float") if text[:1].isdigit() or text[:1] == "-" else ANY


def _normalise(expr: TypeExpr) -> TypeExpr:
    """Resolve aliases, Optional/Union/Annotated/Literal, and stray literals, recursively."""
    if isinstance(expr, UnionType):
        return make_union([_normalise(member) for member in expr.members])
    if expr.name[:1] in ("'", '"', "-") or expr.name[:1].isdigit():
        return ANY  # a literal outside Literal[...]
    name = _ALIASES.get(expr.name, expr.name)
    if expr.args is None:
        return ANY if name in _OPTIONAL | _UNION | _ANNOTATED | _LITERAL else NamedType(name)
    if name in _LITERAL:
        return make_union([_literal_type(arg) for arg in expr.args if isinstance(arg, NamedType)])
    args = [_normalise(arg) for arg in expr.args]
    if name in _ANNOTATED:
        return args[0]
    if name in _UNION:
        return make_union(args)
    if name in _OPTIONAL:
        return make_union([*args, NamedType("None")]) if len(args) == 1 else ANY
    return NamedType(name, tuple(args))


def make_union(members: list[TypeExpr]) -> TypeExpr:
    """A union of `members`, flattened and without repeats; a single member stands alone."""
    flat: dict[NamedType, None] = {}
    for member in members:
        for named in member.members if isinstance(member, UnionType) else (member,):
            flat.setdefault(named, None)
    if not flat:
        return ANY
    return next(iter(flat)) if len(flat) == 1 else UnionType(tuple(flat))


def parse_type(text: str) -> TypeExpr:
    """Parse a normalised type string; anything that does not parse is ``Any``.

    Typing spellings the frontend may leave behind (``Optional[X]``, ``Union[...]``,
    ``typing.List``, ``Annotated[T, ...]``, ``Literal[...]``) are normalised too.
    """
    if not isinstance(text, str) or not text.strip():
        return ANY
    return _parse_cached(text)


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> TypeExpr:
    """:func:`parse_type` for a non-empty string, memoised (a pipeline repeats few types)."""
    try:
        parser = _Parser(_tokenize(text))
        expr = parser.union(0)
        if parser.peek() is not None:
            raise _ParseError("trailing text")
    except _ParseError:
        return ANY
    return _normalise(expr)


def format_type(expr: TypeExpr) -> str:
    """The canonical string of a parsed type (``parse_type`` inverts it)."""
    return str(expr)


# --------------------------------------------------------------------------- compatibility


def _is_any(expr: TypeExpr) -> bool:
    """True for the unknown type (and `object`, which everything is)."""
    return isinstance(expr, NamedType) and expr.name in ("Any", "object", "...")


def _is_variadic(args: tuple[TypeExpr, ...]) -> bool:
    """True for the arguments of ``tuple[T, ...]``."""
    return len(args) == 2 and args[1] == _ELLIPSIS


def _tuple_args_accept(src: tuple[TypeExpr, ...], tgt: tuple[TypeExpr, ...]) -> bool:
    """Whether a tuple with element types `src` fits a tuple with element types `tgt`."""
    if _is_variadic(tgt):
        elements = src[:1] if _is_variadic(src) else src
        return all(_accepts(element, tgt[0]) for element in elements)
    if _is_variadic(src):
        # The length is unknown statically; accept when the element type fits every slot.
        return all(_accepts(src[0], slot) for slot in tgt)
    return len(src) == len(tgt) and all(_accepts(s, t) for s, t in zip(src, tgt, strict=True))


def _args_accept(origin: str, src: tuple[TypeExpr, ...], tgt: tuple[TypeExpr, ...]) -> bool:
    """Compare generic arguments of the same origin, covariantly."""
    if origin == "tuple":
        return _tuple_args_accept(src, tgt)
    if len(src) != len(tgt):
        return True  # a malformed or unfamiliar arity: we cannot tell
    return all(_accepts(s, t) for s, t in zip(src, tgt, strict=True))


def _named_accepts(src: NamedType, tgt: NamedType) -> bool:
    """Whether a value of named type `src` may flow into named type `tgt`."""
    if src.name == "None" or tgt.name == "None":
        return src.name == tgt.name
    if src.name != tgt.name:
        if tgt.name in _NUMERIC_TOWER.get(src.name, ()):
            return True
        return not (src.name in CLOSED_WORLD and tgt.name in CLOSED_WORLD)
    if src.args is None or tgt.args is None:
        return True
    return _args_accept(src.name, src.args, tgt.args)


def _accepts(src: TypeExpr, tgt: TypeExpr) -> bool:
    """Whether a value of type `src` may flow into `tgt` (see :func:`is_compatible`)."""
    if _is_any(src) or _is_any(tgt):
        return True
    if isinstance(src, UnionType):
        return all(_accepts(member, tgt) for member in src.members)
    if isinstance(tgt, UnionType):
        return any(_accepts(src, member) for member in tgt.members)
    return _named_accepts(src, tgt)


def is_compatible(source: str, target: str) -> bool:
    """Whether a value of type `source` may flow into an input annotated `target`.

    ``Any`` on either side passes; ``int -> float`` and ``bool -> int/float`` widen;
    a union target accepts what any member accepts; a union source needs every member
    accepted; ``None`` only flows into ``None``, ``Any`` or a union holding one of them;
    generic arguments are compared only when both sides have them. Two closed-world
    types (:data:`CLOSED_WORLD`) that differ fail; any other pair passes, because an
    unknown class may be a subclass we cannot see.
    """
    if not (isinstance(source, str) and isinstance(target, str)):
        return True
    return _compatible_cached(source, target)


@lru_cache(maxsize=4096)
def _compatible_cached(source: str, target: str) -> bool:
    """:func:`is_compatible` for two strings, memoised."""
    return _accepts(parse_type(source), parse_type(target))


# --------------------------------------------------------------------------- literals


def type_of_literal(value: object) -> str:
    """The type string of a JSON-compatible literal: ``"int"``, ``"list"``, ``"None"``..."""
    if value is None:
        return "None"
    if isinstance(value, bool):  # before int: bool is a subclass of int
        return "bool"
    for kind in (int, float, str, list, dict, tuple):
        if isinstance(value, kind):
            return kind.__name__
    return "Any"


def _literal_accepts(value: object, tgt: TypeExpr) -> bool:
    """Whether the JSON literal `value` fits `tgt`, looking inside lists and dicts."""
    if _is_any(tgt):
        return True
    if isinstance(tgt, UnionType):
        return any(_literal_accepts(value, member) for member in tgt.members)
    if isinstance(value, (list, tuple)):
        return _sequence_literal_accepts(value, tgt)
    if isinstance(value, dict):
        if tgt.name != "dict":
            return tgt.name not in CLOSED_WORLD
        if tgt.args is None or len(tgt.args) != 2:
            return True
        return all(_literal_accepts(k, tgt.args[0]) and _literal_accepts(v, tgt.args[1])
                   for k, v in value.items())
    return _named_accepts(NamedType(type_of_literal(value)), tgt)


def _sequence_literal_accepts(value: list | tuple, tgt: NamedType) -> bool:
    """Whether a list literal fits `tgt`: JSON has no tuples or sets, so any sequence type will do."""
    if tgt.name not in _SEQUENCES:
        return tgt.name not in CLOSED_WORLD
    if not tgt.args:
        return True
    if tgt.name == "tuple" and not _is_variadic(tgt.args):
        return len(value) == len(tgt.args) and all(
            _literal_accepts(item, slot) for item, slot in zip(value, tgt.args, strict=True))
    return all(_literal_accepts(item, tgt.args[0]) for item in value)


def literal_is_compatible(value: object, target: str) -> bool:
    """Whether the JSON literal `value` may be passed to an input annotated `target`.

    Finer than ``is_compatible(type_of_literal(value), target)``: a list literal also
    fits ``tuple``/``set`` inputs (JSON has neither, and the values are coerced when
    the step runs), and elements of lists and dicts are checked against the arguments.
    """
    try:
        return _literal_accepts(value, parse_type(target))
    except RecursionError:  # absurdly nested literal: do not guess
        return True


def format_literal(value: object, limit: int = 40) -> str:
    """A short, deterministic rendering of a literal for messages."""
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_literal(value: object, depth: int = 0) -> str:
    """A precise type string for a literal, for messages: ``[1, "a"]`` is ``list[int | str]``.

    Element types are listed in order of first appearance, so the text is deterministic.
    """
    base = type_of_literal(value)
    if depth >= 4 or base not in ("list", "tuple", "dict") or not value:
        return base
    if isinstance(value, dict):
        keys = " | ".join(dict.fromkeys(describe_literal(key, depth + 1) for key in value))
        values = " | ".join(dict.fromkeys(describe_literal(item, depth + 1) for item in value.values()))
        return f"dict[{keys}, {values}]"
    items = " | ".join(dict.fromkeys(describe_literal(item, depth + 1) for item in value))
    return f"list[{items}]"


# --------------------------------------------------------------------------- list inputs

#: Annotations a list of values fits (a fan-in's input): lists, variadic tuples and the
#: read-only collection protocols, in the spellings the frontend writes.
_LIST_ORIGINS = frozenset({
    "list", "tuple", "typing.Sequence", "collections.abc.Sequence", "typing.Iterable",
    "collections.abc.Iterable", "typing.Collection", "collections.abc.Collection",
})


def element_type(target: str) -> str | None:
    """The type every element of a list must have to flow into an input annotated `target`
    (``list[T]``, ``Sequence[T]``, ``tuple[T, ...]``, ... -> ``T``; unsubscripted or ``Any`` ->
    ``Any``; a union: its list members' element types), or None when no list fits `target`."""
    expr = parse_type(target)
    elements: list[TypeExpr] = []
    for member in expr.members if isinstance(expr, UnionType) else (expr,):
        if _is_any(member):
            return "Any"
        if member.name not in _LIST_ORIGINS:
            continue
        if member.args is None:
            return "Any"
        if member.name != "tuple":
            elements.append(member.args[0])
        elif _is_variadic(member.args):
            elements.append(member.args[0])
    return str(make_union(elements)) if elements else None
