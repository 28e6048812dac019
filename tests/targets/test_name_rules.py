"""The engine names that moved onto the kit's `Namer` are the names the targets' own
sanitizers made before (their old code is kept here as the reference), on random text;
the airflow label rule that stayed separate really differs from a Namer."""

from __future__ import annotations

import random
import re

from pipec.ir import Pipeline
from pipec.targets.airflow.naming import label_value as airflow_label_value
from pipec.targets.kfp_spec.names import pipeline_name as kfp_pipeline_name
from pipec.targets.kit.names import Namer, short_digest
from pipec.targets.sagemaker.names import pipeline_name as sagemaker_pipeline_name
from pipec.targets.vertex.labels import label_value as vertex_label_value

_ALPHABET = list("aZ09_-. :/éÉßİ\u212a😀\x00\t") + ["--", "__"]


def _names(seed: int, count: int = 4000) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_ALPHABET) for _ in range(rng.choice([0, 1, 2, 3, 8, 60, 70, 130, 300])))
            for _ in range(count)]


def _old_kfp_pipeline_name(text: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:128].rstrip("-")
    return name or "pipeline"


def _old_vertex_label_value(text: str) -> str:
    return re.sub(r"[^\w-]+", "-", text.lower())[:63]


def _old_sagemaker_pipeline_name(name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:256].rstrip("-")
    return safe or f"pipeline-{short_digest(name)}"


def _pipeline(name: str) -> Pipeline:
    return Pipeline(name=name, function="p", module="m", parameters=(), steps=())


def test_switched_sanitizers_make_the_names_they_made_before() -> None:
    for text in _names(13):
        assert kfp_pipeline_name(_pipeline(text)) == _old_kfp_pipeline_name(text), text
        assert vertex_label_value(text) == _old_vertex_label_value(text), text
        assert sagemaker_pipeline_name(text) == _old_sagemaker_pipeline_name(text), text


def test_airflow_label_rule_is_not_a_namer_rule() -> None:
    closest = Namer(r"[^A-Za-z0-9_.-]", "_", max_len=63, trim="_.-")
    assert airflow_label_value("") == "" != closest.name("")
    assert len(airflow_label_value(" " + "a" * 70)) == 62 != len(closest.name(" " + "a" * 70))
    assert all(airflow_label_value(t) == closest.name(t) for t in ("ok", "a b", "x" * 100, "-a-"))
