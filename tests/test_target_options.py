"""Typed target options: `OptionSpec.parse`, the one check the driver runs for every target."""

from __future__ import annotations

import pytest

from pipec import targets
from pipec.targets.base import HTTP_URL, POSITIVE_INT, QUANTITY, SECONDS, OptionSpec, OptionValueError


@pytest.mark.parametrize(("spec", "raw", "parsed"), [
    (OptionSpec("n", "", kind=POSITIVE_INT), "3", 3),
    (OptionSpec("n", "", kind=POSITIVE_INT), "007", 7),
    (OptionSpec("n", "", kind=POSITIVE_INT), "", ""),  # empty: unset, the target falls back to the default
    (OptionSpec("size", "", kind=QUANTITY), "2.5Gi", "2.5Gi"),
    (OptionSpec("t", "", kind=SECONDS), "2.5", 2.5),
    (OptionSpec("url", "", kind=HTTP_URL), "HTTPS://host:8080/", "HTTPS://host:8080/"),
    (OptionSpec("free", ""), "any\ntext", "any\ntext"),
    (OptionSpec("mode", "", choices=("a", "b")), "b", "b"),
])
def test_valid_values_parse(spec: OptionSpec, raw: str, parsed: object) -> None:
    assert spec.parse(raw) == parsed and spec.problem(raw) is None


@pytest.mark.parametrize(("spec", "raw", "expected", "hint"), [
    (OptionSpec("n", "", kind=POSITIVE_INT), "0", "a positive whole number", "e.g. --option n=1"),
    (OptionSpec("n", "", kind=POSITIVE_INT), "-1", "a positive whole number", "e.g. --option n=1"),
    (OptionSpec("n", "", kind=POSITIVE_INT), "²", "a positive whole number", "e.g. --option n=1"),
    (OptionSpec("size", "", kind=QUANTITY), "lots", "a Kubernetes quantity such as 1Gi or 500M",
     "e.g. --option size=1Gi"),
    (OptionSpec("t", "", kind=SECONDS), "nan", "a number of seconds", "e.g. --option t=300"),
    (OptionSpec("url", "", kind=HTTP_URL), "ftp://x", "an http(s) URL", "e.g. --option url=http://127.0.0.1:8080"),
    (OptionSpec("mode", "", choices=("fast", "slow")), "slwo", "one of: fast, slow", "did you mean `slow`?"),
    (OptionSpec("mode", "", choices=("fast", "slow")), "", "one of: fast, slow", None),
])
def test_invalid_values_say_what_is_expected(spec: OptionSpec, raw: str, expected: str, hint: str | None) -> None:
    with pytest.raises(OptionValueError) as caught:
        spec.parse(raw)
    assert (caught.value.expected, caught.value.hint) == (expected, hint)
    assert spec.problem(raw) is not None


def test_value_falls_back_to_the_default() -> None:
    spec = OptionSpec("n", "", default="4", kind=POSITIVE_INT)
    assert spec.value({}) == 4 and spec.value({"n": ""}) == 4 and spec.value({"n": "9"}) == 9


@pytest.mark.parametrize("name", sorted(targets.BUILTINS))
def test_builtin_defaults_are_values_of_their_own_kind(name: str) -> None:
    """A default its own kind rejects would make every compile fail on the option nobody set."""
    for spec in targets.get(name).options:
        assert isinstance(spec, OptionSpec)
        if spec.default is not None:
            assert spec.problem(spec.default) is None, (name, spec.name, spec.default)


def test_builtin_targets_declare_typed_options() -> None:
    """The numbers, sizes, dates and URLs the built-in targets take are typed, not free text."""
    kinds = {(name, spec.name): spec.kind_name for name in targets.BUILTINS for spec in targets.get(name).options}
    assert kinds[("airflow", "max_active_runs")] == "positive integer"
    assert kinds[("airflow", "start_date")] == "date"
    assert kinds[("airflow", "airflow_url")] == "URL"
    assert kinds[("airflow", "parse_timeout")] == "seconds"
    assert kinds[("argo", "volume_size")] == kinds[("tekton", "volume_size")] == "Kubernetes quantity"
    assert kinds[("sagemaker", "volume_size_gb")] == kinds[("sagemaker", "max_runtime_seconds")] == "positive integer"
    assert kinds[("sagemaker", "role_arn")] == "IAM role ARN"
    assert kinds[("airflow", "operator")] == "choice"
