"""The escapers, against the real thing: Python's parser, Airflow's template rendering, bash.

Property tests: whatever the text, a Python literal reads back as the value, a Jinja-escaped
string renders through an Airflow operator to itself (also when it ends in `.sh` or holds
`{{`, `\\r` or a trailing newline), a shell word is one word, and the sanitized run id is
what `RUN_ID_TEMPLATE` renders to, safe for labels and URIs and different for different ids.
"""

from __future__ import annotations

import ast
import datetime
import re
import shlex

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipec.targets.airflow import naming
from pipec.targets.airflow.escape import Expr, jinja_concat, jinja_text, py, sh_word
from pipec.targets.airflow.modes import BASH_TEMPLATE_EXT, DOCKER_TEMPLATE_EXT, KPO_TEMPLATE_EXT

#: Text biased towards what breaks templates, shells and literals.
NASTY = st.text(alphabet=st.sampled_from(list("{}%#'\"\\$`\r\n\t ;|&<>().~/shbajnml-_:+") + ["ü", "☃", "\u200b",
                                                                                       "\U0001f600", "\x00"]),
                max_size=40) | st.text(max_size=40)
ENDINGS = st.sampled_from(["", ".sh", ".bash", ".json", ".yaml", ".env", "\n", "{", "{{", "}}"])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | NASTY, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NASTY, inner, max_size=4),
                    max_leaves=12)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def operator(airflow_home):
    """A real BashOperator: its `render_template` is the path every templated field takes."""
    from airflow import DAG

    try:
        from airflow.providers.standard.operators.bash import BashOperator
    except ImportError:  # Airflow 2 without the standard provider
        from airflow.operators.bash import BashOperator
    with DAG("escape_probe", schedule=None, start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)):
        return BashOperator(task_id="probe", bash_command="true")


def _render(operator, template: str, **context) -> str:
    return operator.render_template(template, {"ds": "2024-01-01", "params": {}, **context})


@given(JSON)
@settings(max_examples=300, deadline=None)
def test_python_literals_read_back_and_are_ascii(value) -> None:
    """`py` emits ASCII source that evaluates to the value (keys and order kept)."""
    source = py(value, 4)
    assert source.isascii()
    assert ast.literal_eval(source) == value


@given(NASTY, ENDINGS)
@PROPERTY
def test_jinja_text_renders_to_itself_in_airflow(operator, text: str, ending: str) -> None:
    """Airflow renders an escaped string to exactly the string, whatever delimiters, line endings
    or template-file extension it holds."""
    text += ending
    for ext in (BASH_TEMPLATE_EXT, DOCKER_TEMPLATE_EXT, KPO_TEMPLATE_EXT):
        escaped = jinja_text(text, operator.template_ext + ext)
        assert _render(operator, escaped) == text


@given(st.lists(NASTY | st.just(None), max_size=5))
@PROPERTY
def test_jinja_concat_evaluates_only_the_expressions(operator, parts: list) -> None:
    """Literal parts stay literal next to real expressions (no delimiter forms across a boundary)."""
    items = [Expr("params['x']") if p is None else p for p in parts]
    expected = "".join("<X>" if p is None else p for p in parts)
    assert _render(operator, jinja_concat(items, operator.template_ext), params={"x": "<X>"}) == expected


@given(NASTY, ENDINGS)
@settings(max_examples=300, deadline=None)
def test_shell_words_are_single_words(text: str, ending: str) -> None:
    """A quoted word splits back to itself and never ends the command with `.sh`/`.bash`."""
    text = (text + ending).replace("\x00", "")
    word = sh_word(text, BASH_TEMPLATE_EXT)
    assert shlex.split(word) == [text]
    assert not word.endswith(BASH_TEMPLATE_EXT)


HOSTILE_RUN_IDS = ["manual__2024-01-01T00:00:00+00:00", "scheduled__2024-01-01T06:00:00.123456+00:00",
                   "api {{ ds }} $(id) 'q' \"d\" ~/../ üñï % %25 .2E", ".", "..", "", "a/b~c", "_5F._"]


@pytest.mark.parametrize("run_id", HOSTILE_RUN_IDS)
def test_run_id_template_and_python_twin_agree(operator, run_id: str) -> None:
    """`RUN_ID_TEMPLATE` rendered by Airflow equals `shim_run_id`, and only holds [A-Za-z0-9_.-]."""
    rendered = _render(operator, naming.RUN_ID_TEMPLATE, run_id=run_id)
    assert rendered == naming.shim_run_id(run_id)
    assert re.fullmatch(r"[A-Za-z0-9_.-]*", rendered)


@given(st.text(max_size=30), st.text(max_size=30))
@PROPERTY
def test_run_id_sanitizing_is_injective(operator, first: str, second: str) -> None:
    """Different Airflow run ids never share a sanitized id (they would share artifact folders)."""
    assert (naming.shim_run_id(first) == naming.shim_run_id(second)) == (first == second)
    assert _render(operator, naming.RUN_ID_TEMPLATE, run_id=first) == naming.shim_run_id(first)


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_label_values_are_valid_and_distinct(text: str) -> None:
    """Pod label values fit Kubernetes' rules; changed values carry a hash of the original."""
    value = naming.label_value(text)
    assert re.fullmatch(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", value) and len(value) <= 63
    assert value == text or re.search(r"[0-9a-f]{8}$", value)
