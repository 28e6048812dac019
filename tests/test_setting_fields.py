"""Settings fields declared once in the IR: aliases, validators and units drive the reader."""

from __future__ import annotations

from dataclasses import fields

import pytest

from pipec.frontend.settings import SettingsReader, merge, to_settings
from pipec.ir import SECTIONS, Docker, Resources, Retry, Schedule, Settings, Span
from pipec.ir.diagnostics import Diagnostics
from pipec.ir.setting_fields import Invalid, Redirect, normalize_memory, requirements, user_names

SPAN = Span("p.py", 1, 1)


def _read(key, value):
    diags = Diagnostics()
    partial = SettingsReader(diags).read([(key, value, SPAN)], "step")
    return partial, [(d.severity, d.code, d.message) for d in diags]


def test_every_section_is_a_settings_field_named_by_its_key():
    names = {f.name for f in fields(Settings)}
    assert set(SECTIONS) <= names
    assert all(cls.key == key for key, cls in SECTIONS.items())
    assert set(SECTIONS) == {Resources.key, Docker.key, Retry.key}


def test_user_names_come_from_fields_and_their_zenml_aliases():
    assert user_names(Resources) == {"cpu": "cpu", "cpu_count": "cpu", "memory": "memory", "gpu": "gpu",
                                     "gpu_count": "gpu", "gpu_type": "gpu_type", "accelerator": "gpu_type"}
    assert user_names(Schedule)["cron_expression"] == "cron"
    assert "span" not in user_names(Schedule)  # not something users write


def test_aliases_and_units_are_applied_by_the_reader():
    partial, problems = _read("resources", {"cpu_count": 2, "memory": "4Gi", "accelerator": "t4"})
    assert problems == []
    assert to_settings(partial).resources == Resources(cpu=2.0, memory="4GiB", gpu_type="t4")
    assert normalize_memory("512m") == "512MB"


def test_requirements_as_text_is_a_requirements_file():
    assert requirements("requirements", "reqs.txt", None) == Redirect("requirements_file", "reqs.txt")
    partial, _ = _read("docker", {"requirements": "reqs.txt", "environment": {"B": 1, "A": True}})
    docker = to_settings(partial).docker
    assert docker == Docker(requirements_file="reqs.txt", environment=(("A", "true"), ("B", "1")))
    with pytest.raises(Invalid, match="list of strings or a file path"):
        requirements("requirements", [1], None)


def test_invalid_values_and_unknown_names_are_reported_per_section_policy():
    _, problems = _read("retry", {"max_retries": 1.5, "dealy": 1})
    assert problems == [("error", "PC108", "retry `max_retries` must be a whole number"),
                        ("error", "PC108", "unknown retry setting `dealy`")]
    _, problems = _read("resources", {"gpus": 1})
    assert problems == [("warning", "PC116", "resource setting `gpus` is not supported and is ignored")]
    _, problems = _read("docker", {"environment": {"A": [1]}, "skip_build": True, "dockerfile": "x"})
    assert problems == [("error", "PC108", "environment variable `A` must be a string")]


def test_merge_is_field_wise_for_every_section():
    low, _ = _read("retry", {"max_retries": 3, "delay": 2})
    high, _ = _read("retry", {"delay": 5})
    assert to_settings(merge(low, high)).retry == Retry(max_retries=3, delay=5)


def test_codec_writes_and_reads_every_field_of_every_section():
    from pipec.ir import Pipeline, Program, codec

    full = {Resources: Resources(cpu=1.5, memory="1GiB", gpu=1, gpu_type="t4"),
            Docker: Docker("img", "base", ("a",), "r.txt", ("git",), (("K", "v"),), ".dockerignore"),
            Retry: Retry(2, 3.0, 2)}
    settings = Settings(**{cls.key: value for cls, value in full.items()}, enable_cache=False, step_operator="s")
    data = codec.pipeline_to_json(Pipeline("p", "p", "m", (), (), settings=settings))
    for cls in full:
        assert list(data["settings"][cls.key]) == [f.name for f in fields(cls)]
    program = Program((Pipeline("p", "p", "m", (), (), settings=settings),))
    assert codec.loads(codec.dumps(codec.program_to_json(program))) == program
