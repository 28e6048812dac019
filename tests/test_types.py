"""Tests for pipec.ir.types: parsing type strings and the compatibility rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipec.ir.types import (
    ANY,
    NamedType,
    UnionType,
    describe_literal,
    format_literal,
    is_compatible,
    literal_is_compatible,
    parse_type,
    type_of_literal,
)

# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("text", [
    "int", "None", "Any", "pandas.DataFrame", "steps.models.MyModel",
    "list[int]", "dict[str, float]", "tuple[int, str]", "tuple[int, ...]",
    "int | None", "list[int | str] | None", "dict[str, list[tuple[int, ...]]]",
    "collections.abc.Callable[[int, str], float]", "collections.abc.Callable[[], None]",
])
def test_canonical_strings_round_trip(text):
    assert str(parse_type(text)) == text


def test_parse_structure():
    assert parse_type("dict[str, float]") == NamedType("dict", (NamedType("str"), NamedType("float")))
    assert parse_type("int | None") == UnionType((NamedType("int"), NamedType("None")))
    assert parse_type("list") == NamedType("list")  # unsubscripted: args is None
    assert parse_type("list").args is None


@pytest.mark.parametrize(("text", "expected"), [
    ("  int ", "int"),
    ("numpy . ndarray", "numpy.ndarray"),
    ("int | int", "int"),
    ("int | (str)", "Any"),
    ("int | str | int | None", "int | str | None"),
    ("Optional[int]", "int | None"),
    ("typing.Optional[list[int]]", "list[int] | None"),
    ("typing.Union[int, str]", "int | str"),
    ("Union[int, Union[str, None]]", "int | str | None"),
    ("typing.List[typing.Dict[str, int]]", "list[dict[str, int]]"),
    ("typing.Tuple[int, ...]", "tuple[int, ...]"),
    ("NoneType", "None"),
    ("typing.Any", "Any"),
    ("typing.Annotated[int, 'name']", "int"),
    ("Annotated[pandas.DataFrame, \"df\"]", "pandas.DataFrame"),
    ("typing.Literal['a', 'b']", "str"),
    ("Literal[1, 2.5, True, None]", "int | float | bool | None"),
    ("Literal[-3]", "int"),
    ("pandas.core.frame.DataFrame", "pandas.DataFrame"),
    ("numpy.typing.NDArray[numpy.float64]", "numpy.ndarray[numpy.float64]"),
])
def test_tolerated_spellings_are_normalised(text, expected):
    assert str(parse_type(text)) == expected


@pytest.mark.parametrize("text", [
    "", "   ", "list[", "list[]", "list[int", "int]", "int |", "| int", "a b", "1", "'str'",
    "dict[str,, int]", "x.", ".x", "int[", "list" + "[" * 200 + "int" + "]" * 200, "Optional",
    "Union", "Optional[int, str]", "€", "int; import os",
])
def test_garbage_parses_as_any(text):
    assert parse_type(text) == ANY


@pytest.mark.parametrize("value", [None, 3, ["int"], b"int"])
def test_non_string_input_is_any(value):
    assert parse_type(value) == ANY
    assert is_compatible(value, "int")


# --------------------------------------------------------------------------- compatibility

COMPATIBLE = [
    # unknown and identical
    ("Any", "int"), ("int", "Any"), ("str", "str"), ("pandas.DataFrame", "pandas.DataFrame"),
    ("garbage[[", "int"), ("int", "object"), ("None", "object"), ("list[int]", "list[Any]"),
    # numeric tower
    ("int", "float"), ("bool", "int"), ("bool", "float"), ("int", "complex"),
    # unions
    ("int", "int | None"), ("None", "int | None"), ("None", "Any"), ("int", "str | float"),
    ("int | bool", "float"), ("int | str", "str | int | None"), ("Any | int", "float"),
    # generics: args compared only when both sides have them; covariant
    ("list", "list[int]"), ("list[int]", "list"), ("list[int]", "list[float]"),
    ("dict[str, int]", "dict[str, float]"), ("dict[str, list[int]]", "dict[str, list[int] | None]"),
    ("list[int, str]", "list[int]"),  # unfamiliar arity: cannot tell
    # tuples
    ("tuple[int, str]", "tuple[int, str]"), ("tuple[int, int]", "tuple[int, ...]"),
    ("tuple[int, bool]", "tuple[float, ...]"), ("tuple[int, ...]", "tuple[int, ...]"),
    ("tuple[int, ...]", "tuple[int, int]"), ("tuple", "tuple[int, ...]"),
    # open world: a class we cannot see might be a subclass
    ("steps.models.MyModel", "sklearn.base.ClassifierMixin"), ("sklearn.svm.SVC", "sklearn.base.ClassifierMixin"),
    ("steps.Custom", "int"), ("int", "steps.Custom"), ("pandas.DataFrame", "polars.DataFrame"),
    ("list[int]", "collections.abc.Sequence[int]"), ("list[int]", "collections.abc.Sequence[str]"),
    ("collections.abc.Callable[[int], str]", "collections.abc.Callable[..., str]"),
]

INCOMPATIBLE = [
    ("str", "int"), ("int", "str"), ("float", "int"), ("int", "bool"), ("bytes", "str"),
    ("pandas.DataFrame", "numpy.ndarray"), ("numpy.ndarray", "pandas.DataFrame"),
    ("pandas.Series", "pandas.DataFrame"), ("list", "tuple"), ("dict", "list"), ("set", "frozenset"),
    ("list[int]", "list[str]"), ("dict[str, int]", "dict[int, int]"), ("list[list[int]]", "list[list[str]]"),
    ("None", "int"), ("None", "steps.Custom"), ("int", "None"), ("steps.Custom", "None"),
    ("int | None", "int"), ("int | str", "int"), ("str", "int | float | None"), ("int | Any", "str"),
    ("tuple[int, str]", "tuple[int, int]"), ("tuple[int, str]", "tuple[int, str, str]"),
    ("tuple[int, str]", "tuple[int, ...]"), ("tuple[str, ...]", "tuple[int, ...]"),
    ("tuple[str, ...]", "tuple[int, int]"), ("Optional[str]", "Optional[int]"),
]


@pytest.mark.parametrize(("source", "target"), COMPATIBLE)
def test_compatible(source, target):
    assert is_compatible(source, target)


@pytest.mark.parametrize(("source", "target"), INCOMPATIBLE)
def test_incompatible(source, target):
    assert not is_compatible(source, target)


# --------------------------------------------------------------------------- literals


@pytest.mark.parametrize(("value", "expected"), [
    (True, "bool"), (False, "bool"), (0, "int"), (-7, "int"), (1.5, "float"), ("x", "str"),
    (None, "None"), ([1, 2], "list"), ([], "list"), ({"a": 1}, "dict"), ((1,), "tuple"), (object(), "Any"),
])
def test_type_of_literal(value, expected):
    assert type_of_literal(value) == expected


@pytest.mark.parametrize(("value", "target"), [
    (3, "int"), (3, "float"), (True, "int"), (2.5, "float"), ("a", "str"), (None, "str | None"),
    ([1, 2], "list[int]"), ([1, 2], "tuple[int, int]"), ([1, 2], "tuple[int, ...]"), ([1, 2], "set[int]"),
    ([], "list[str]"), ({"a": 1.0}, "dict[str, float]"), ({"a": [1]}, "dict[str, list[int]]"),
    ({"lr": 0.1}, "steps.Config"), ([1], "collections.abc.Sequence[int]"), ("x", "Any"),
    ([1, "a"], "list[int | str]"), ([1, 2], "list"), (1, "Literal[1, 2]"),
])
def test_literal_compatible(value, target):
    assert literal_is_compatible(value, target)


@pytest.mark.parametrize(("value", "target"), [
    ("10", "int"), (1.5, "int"), (None, "int"), (True, "str"), ([1, 2], "dict"), ({"a": 1}, "list"),
    ([1, "a"], "list[int]"), ([1, 2, 3], "tuple[int, int]"), ({"a": "x"}, "dict[str, int]"),
    ([1], "str"), ({"a": 1}, "pandas.DataFrame"),
])
def test_literal_incompatible(value, target):
    assert not literal_is_compatible(value, target)


def test_describe_and_format_literal():
    assert describe_literal([1, "a", 2]) == "list[int | str]"
    assert describe_literal({"a": 1, "b": [True]}) == "dict[str, int | list[bool]]"
    assert describe_literal([]) == "list"
    assert format_literal({"b": 1, "a": "x"}) == '{"a": "x", "b": 1}'
    assert format_literal("x" * 100).endswith("...")
    assert len(format_literal("x" * 100)) == 40


# --------------------------------------------------------------------------- never raise

_TYPE_ALPHABET = st.sampled_from(list("intfloatsrNoneAny.[],| ...'\"0123") + ["list", "dict", "tuple", "None"])
_typeish = st.lists(_TYPE_ALPHABET, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), _typeish), st.one_of(st.text(max_size=60), _typeish))
def test_never_raises_on_arbitrary_text(source, target):
    expr = parse_type(source)
    assert isinstance(is_compatible(source, target), bool)
    # Whatever parses, prints back to text that parses to the same thing.
    assert parse_type(str(expr)) == expr


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_json, st.one_of(_typeish, st.sampled_from(["list[int]", "dict[str, list[float]]", "tuple[int, ...]"])))
def test_literal_check_never_raises(value, target):
    assert isinstance(literal_is_compatible(value, target), bool)
    assert isinstance(describe_literal(value), str)
