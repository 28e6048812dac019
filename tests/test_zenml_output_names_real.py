"""pipec's output names against ZenML's own parser, for every annotation form of
`tests/test_zenml_corpus_outputs.py`.

pipec never imports zenml; the release it follows (0.98.0, with its dependencies) lives in the
side environment `.venvs/zenml-real` (`.ci/after-install.d/zenml-real.sh`). One subprocess
defines each step function there, undecorated, and asks `zenml.steps.utils.parse_return_type_annotations`
for its outputs; the names must equal pipec's, and every annotation pipec refuses ZenML must
refuse too. The hand-written expectations of the corpus tests are thereby checked, not trusted.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

import pytest

from tests.helpers import requires
from tests.test_zenml_corpus_outputs import CONSTANTS, OUTPUT_NAME_CASES, REJECTED_ANNOTATIONS, outputs_of

#: The imports every case's module starts with (the names the annotations use).
HEADER = """\
from typing import Annotated, Optional, Tuple
import typing_extensions
import zenml
from zenml import ArtifactConfig
from zenml.artifacts.artifact_config import ArtifactConfig as DeepConfig
from pydantic import Field
import consts
from consts import DATASET, Names, Kind, Mixed, Color
"""

#: Run in the side environment: reads [(module name, source)] as JSON on stdin and writes, for
#: each, {"names": [...]} or {"error": "..."} as ZenML's parser answers, to answers.json (ZenML
#: logs to stdout).
DRIVER = """\
import importlib, json, sys
from zenml.steps.utils import parse_return_type_annotations

answers = []
for name, source in json.load(sys.stdin):
    with open(name + ".py", "w") as handle:
        handle.write(source)
    try:
        function = importlib.import_module(name).s
        answers.append({"names": list(parse_return_type_annotations(function))})
    except Exception as exc:
        answers.append({"error": f"{type(exc).__name__}: {exc}"})
with open("answers.json", "w") as handle:
    json.dump(answers, handle)
"""


def module_source(returns: str | None, body: str) -> str:
    """A module defining the undecorated step function `s`, as `outputs_of` writes it for pipec."""
    signature = "def s():" if returns is None else f"def s() -> {returns}:"
    return f"{HEADER}\n\n{signature}\n    {body}\n"


#: Where pipec departs from ZenML on purpose, with ZenML's answer. A stub body (`...`) says
#: nothing about what the step returns, so pipec lets the annotation decide; ZenML reads the
#: missing `return a, b` as one output. No such step can run in ZenML, so no run differs.
DELIBERATE = {("Tuple[int, str]", "..."): ["output"], (None, "..."): []}


@pytest.fixture(scope="module")
def zenml_answers(tmp_path_factory) -> dict[tuple[str | None, str], dict]:
    """ZenML's answer for every case of both tables, keyed by (annotation, body)."""
    python = requires.side_python("zenml-real")
    folder = tmp_path_factory.mktemp("zenml_real")
    (folder / "consts.py").write_text(textwrap.dedent(CONSTANTS))
    cases = [(returns, body) for returns, body, _ in OUTPUT_NAME_CASES]
    cases += [(returns, "return 1, 2") for returns, _ in REJECTED_ANNOTATIONS]
    modules = [(f"case_{i}", module_source(returns, body)) for i, (returns, body) in enumerate(cases)]
    env = {**os.environ, "ZENML_CONFIG_PATH": str(folder / "zenml_config"), "ZENML_ANALYTICS_OPT_IN": "false",
           "PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([str(python), "-c", DRIVER], input=json.dumps(modules), capture_output=True, text=True,
                          cwd=folder, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(zip(cases, json.loads((folder / "answers.json").read_text()), strict=True))


@pytest.mark.parametrize(("returns", "body", "expected"), OUTPUT_NAME_CASES)
def test_pipec_names_equal_zenml_names(tmp_path, zenml_answers, returns, body, expected):
    answer = zenml_answers[(returns, body)]
    assert answer == {"names": DELIBERATE.get((returns, body), expected)}, f"the table differs from ZenML: {answer}"
    assert outputs_of(tmp_path, returns, body) == expected


@pytest.mark.parametrize(("returns", "message"), REJECTED_ANNOTATIONS)
def test_what_pipec_refuses_zenml_refuses(zenml_answers, returns, message):
    answer = zenml_answers[(returns, "return 1, 2")]
    assert "error" in answer, f"ZenML accepts `-> {returns}` (outputs {answer.get('names')}); pipec says: {message}"
