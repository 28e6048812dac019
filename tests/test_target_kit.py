"""The target kit: a toy target written only against it gets retry lowering, resource
mapping, name policy and the unsupported-setting policy for free; the kit's YAML emitter
writes PyYAML's bytes; capabilities are checked once by the driver."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from pipec import targets
from pipec.compiler import api
from pipec.compiler.driver import compile_targets
from pipec.ir import Retry
from pipec.ir.diagnostics import ALIASES, CODES
from pipec.targets.kit.names import FILE_NAMES, HASH, INDEX, Namer, short_digest
from pipec.targets.kit.retry import FULL, RetrySupport, lower_retry, retry_schedule
from pipec.targets.kit.serialize import PYYAML, YamlStyle, conservative_scalar, dump_yaml
from tests.helpers import toy_target

PROJECT = '''
from pipec import Resources, Retry, Schedule, pipeline, step


@step(retry=Retry(max_retries=5, delay=2, backoff=2.5), resources=Resources(cpu=0.5, memory="1GiB", gpu=1))
def load() -> int:
    return 1


@step(resources=Resources(gpu=1, gpu_type="nvidia-tesla-t4"), step_operator="sagemaker")
def train(x: int) -> None:
    pass


@pipeline(name="Toy Pipeline With A Long Name", schedule=Schedule(cron="0 3 * * *", catchup=True),
          settings={"orchestrator.toy": {"queue": "fast", "colour": "blue"}})
def toy():
    train(load(), id="Train Model")
    train(load(id="load_2"), id="train-model")
'''


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The project compiled for the toy target: (files, diagnostics) per unsupported level."""
    monkeypatch.setitem(targets.BUILTINS, "toy", f"{toy_target.__name__}:TARGET")
    entry = tmp_path / "run.py"
    entry.write_text(PROJECT, encoding="utf-8")
    result = api.load(entry)
    assert not result.diagnostics.has_errors, [d.message for d in result.diagnostics]

    def compile_with(unsupported: str = "warn", options: dict[str, str] | None = None):
        return compile_targets(result, ["toy"], options or {}, unsupported=unsupported)
    return compile_with


def _messages(diags) -> list[tuple[str, str, str]]:
    return [(d.severity, d.code, d.message) for d in diags.sorted()]


def test_toy_target_is_small() -> None:
    assert len(Path(toy_target.__file__).read_text(encoding="utf-8").splitlines()) < 100


def test_toy_gets_retry_lowering_and_its_warnings(toy) -> None:
    files, diags = toy()
    jobs = {j["name"]: j for j in yaml.safe_load(files["toy/toy-pipeline-with-a.yaml"])["jobs"]}
    assert jobs["load"]["retry"] == {"limit": 3, "delay": 2, "factor": 2.0}
    messages = _messages(diags)
    assert ("warning", "PC304", "step `load`: Toy takes whole backoff factors; 2.5 becomes 2") in messages
    assert ("warning", "PC304", "step `load` asks for 5 retries; Toy allows 3") in messages


def test_toy_gets_resources_by_its_policy(toy) -> None:
    files, _ = toy()
    jobs = {j["name"]: j for j in yaml.safe_load(files["toy/toy-pipeline-with-a.yaml"])["jobs"]}
    both = {"cpu": "500m", "memory": "1Gi", "nvidia.com/gpu": "1"}
    assert jobs["load"]["resources"] == {"requests": both, "limits": both}
    assert jobs["train-model"]["resources"]["limits"] == {"nvidia.com/gpu": "1"}


def test_toy_gets_its_name_policy(toy) -> None:
    files, _ = toy()
    (path,) = files
    assert path == "toy/toy-pipeline-with-a.yaml"  # lower case, runs of others as "-", cut to 20
    names = [j["name"] for j in yaml.safe_load(files[path])["jobs"]]
    assert sorted(names) == ["load", "load-2", "train-model", "train-model-2"]  # a clash gets "-2"


def test_toy_gets_the_unsupported_setting_policy(toy) -> None:
    _, diags = toy()
    messages = _messages(diags)
    expected = [
        ("PC308", "setting `colour` in `orchestrator.toy` of pipeline `Toy Pipeline With A Long Name` is not one "
                  "the toy target reads; it is ignored"),
        ("PC304", "Toy schedules do not run missed intervals; `catchup` is ignored"),
        ("PC304", "step `Train Model` asks for step operator `sagemaker`, which the toy target does not support; "
                  "it runs in its container like any step"),
        ("PC304", "step `Train Model` asks for GPU type `nvidia-tesla-t4`, which the toy target cannot select; "
                  "only the GPU count is requested"),
    ]
    for code, message in expected:
        assert ("warning", code, message) in messages
    files, strict = toy("error")
    assert files == {} and strict.has_errors
    assert {(code, message) for severity, code, message in _messages(strict) if severity == "error"} >= set(expected)


def test_toy_gets_the_shared_store_check(toy) -> None:
    _, diags = toy(options={"artifact_store": "/data"})
    assert any(d.code == "PC307" and "/data" in d.message for d in diags)
    _, diags = toy(options={"artifact_store": "s3://bucket/x"})
    assert not any(d.code == "PC307" for d in diags)
    _, diags = toy()  # the default, which no one chose: a note, not a warning
    assert not any(d.code == "PC307" for d in diags) and diags.notices


def test_engine_settings_for_a_target_that_reads_none(tmp_path: Path) -> None:
    entry = tmp_path / "run.py"
    entry.write_text(PROJECT.replace("orchestrator.toy", "orchestrator.argo"), encoding="utf-8")
    result = api.load(entry)
    _, diags = compile_targets(result, ["argo"], {})
    assert any(d.code == "PC308" and "`orchestrator.argo`" in d.message and "reads no engine settings" in d.message
               for d in diags)
    _, diags = compile_targets(result, ["tekton"], {})
    assert not any(d.code == "PC308" for d in diags)  # tekton's own key was not used
    _, strict = compile_targets(result, ["argo"], {}, unsupported="error")
    assert any(d.code == "PC308" and d.is_error for d in strict)


def test_cli_unsupported_error_fails_the_compile(cli, tmp_path: Path) -> None:
    entry = tmp_path / "run.py"
    entry.write_text(PROJECT.replace('"orchestrator.toy"', '"orchestrator.kubeflow"'), encoding="utf-8")
    warn = cli.run(["compile", str(entry), "--target", "tekton", "--out", str(tmp_path / "a")], cwd=tmp_path)
    assert warn.returncode == 0 and "warning[PC304]: Tekton Pipelines has no schedules" in warn.stderr
    strict = cli.run(["compile", str(entry), "--target", "tekton", "--unsupported=error", "--out",
                      str(tmp_path / "b")], cwd=tmp_path)
    assert strict.returncode == 2 and "error[PC304]: Tekton Pipelines has no schedules" in strict.stderr
    assert not (tmp_path / "b").exists()


def test_retry_schedule_and_lowering() -> None:
    retry = Retry(max_retries=3, delay=1.5, backoff=2)
    assert retry_schedule(retry) == [1.5, 3.0, 6.0]
    assert retry_schedule(Retry(max_retries=0, delay=5)) == []
    from pipec.ir.diagnostics import Diagnostics
    diags = Diagnostics()
    assert lower_retry(retry, FULL, diags, retry_span()) == retry and not len(diags)
    capped = lower_retry(Retry(max_retries=4, delay=1000, backoff=3), RetrySupport("KFP", max_delay=3600), diags,
                         retry_span(), "step `a`")
    assert capped.backoff == 3 and [d.message for d in diags] == [
        "step `a`: KFP waits at most 3600s between retries; the growing delay would reach 27000s"]
    at_once = lower_retry(retry, RetrySupport("Tekton", delay=False), diags, retry_span(), "step `a`")
    assert (at_once.delay, at_once.backoff, at_once.max_retries) == (0, 1, 3)


def retry_span():
    from pipec.ir import NO_SPAN
    return NO_SPAN


def test_namer_policies() -> None:
    assert FILE_NAMES.name("ok-name.1") == "ok-name.1"
    assert FILE_NAMES.name("my pipe") == f"my_pipe-{short_digest('my pipe')}"
    assert FILE_NAMES.name(".hidden") == f"_hidden-{short_digest('.hidden')}"
    hashed = Namer(r"[^a-z]+", "-", max_len=10, clash=HASH)
    names = hashed.unique(["a b", "a-b", "ab"])
    assert len(set(names.values())) == 3 and names["ab"] == "ab"
    assert all(len(n) <= 10 for n in names.values())
    indexed = Namer(r"[^a-z]+", "-", max_len=6, trim="-", digest="never", clash=INDEX)
    assert indexed.unique(["abcdefgh", "abcdefxy", "abcdef"]) == {
        "abcdefgh": "abcdef", "abcdefxy": "abcd-2", "abcdef": "abcd-3"}


def test_store_codes_are_one_with_aliases() -> None:
    assert set(ALIASES) == {"PC314", "PC324", "PC333", "PC341", "PC357"}
    assert set(ALIASES.values()) == {"PC307"} and "PC307" in CODES
    assert all("retired" in CODES[old] for old in ALIASES)


# --------------------------------------------------------------------------- the emitter

class _Literal(str):
    """A str the emitter writes as a literal block."""


_ALPHABET = ["a", "b", " ", "\n", "'", '"', ":", "#", "-", "{", "}", "[", "1", "0", ".", "e", "y", "\t", "é",
             "\x85", "\u2028", "\x00", "😀", "\ufeff", "~", "&", "*", "!", "|", ">", "%", "@", "`", ",", "?"]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.choice([0, 1, 2, 5, 20, 130])))


def _value(rng: random.Random, depth: int, literals: bool = True):
    pick = rng.random()
    if depth > 3 or pick < 0.5:
        roll = rng.random()
        if roll < 0.75:
            return _Literal(_text(rng) or "x\n") if roll < 0.08 and literals else _text(rng)
        return rng.choice([None, True, False, 0, -3, 1.5, 1e20, 12345678901234567890])
    if pick < 0.75:
        return {_text(rng): _value(rng, depth + 1, literals) for _ in range(rng.randint(0, 4))}
    return [_value(rng, depth + 1, literals) for _ in range(rng.randint(0, 4))]


def _quote_numbers(text: str) -> bool:
    return text[:1].isdigit()


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:
        return True


def _folds(text: str) -> bool:
    """Holds a line break PyYAML writes raw, which every reader folds (the policy double-quotes it)."""
    return any(ch in text for ch in "\x85\u2028\u2029")


_Dumper.add_representer(str, lambda d, s: d.represent_scalar(
    "tag:yaml.org,2002:str", s, style='"' if _folds(s) else "'" if _quote_numbers(s) else None))
_Dumper.add_representer(_Literal, lambda d, s: d.represent_scalar(
    "tag:yaml.org,2002:str", str(s), style='"' if _folds(s) else "|"))


def test_pyyaml_policy_writes_pyyamls_bytes() -> None:
    style = YamlStyle(scalars=PYYAML, sort_keys=False, explicit_start=True, force_quotes=_quote_numbers,
                      literal_types=(_Literal,))
    for seed in range(400):
        rng = random.Random(seed)
        documents = [{"k": _value(rng, 0), _text(rng): _value(rng, 1)} for _ in range(rng.randint(1, 2))]
        want = yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=2**31 - 1,
                             default_flow_style=False, explicit_start=True)
        assert dump_yaml(documents, style) == want, seed


def test_pyyaml_policy_round_trips_every_line_break() -> None:
    """Report F10: NEL in a single-quoted scalar read back as a space in Argo, Tekton and GitHub."""
    style = YamlStyle(scalars=PYYAML, sort_keys=False, force_quotes=_quote_numbers, literal_types=(_Literal,))
    for text in ("a\x85b", "a\u2028b\u2029c", "\x85", "x\n\x85y", _Literal("a\x85b\n")):
        assert yaml.safe_load(dump_yaml([{"k": text, text: [text]}], style)) == {"k": text, text: [text]}, text
    for seed in range(300):
        rng = random.Random(seed)
        document = {"k": _value(rng, 0), "s": [_text(rng) for _ in range(3)]}
        assert yaml.safe_load(dump_yaml([document], style)) == document, seed


def test_conservative_policy_round_trips() -> None:
    assert conservative_scalar("yes") == "'yes'" and conservative_scalar("plain-word") == "plain-word"
    for seed in range(300):
        rng = random.Random(seed)
        document = {"k": _value(rng, 0, literals=False), "s": [_text(rng) for _ in range(3)]}
        text = dump_yaml([document], YamlStyle(header="# h\n"))
        assert yaml.safe_load(text) == document, seed


# Characters at the edges of what each scalar style allows.
_EDGES = ["\x7f", "\x9f", "\xa0", "\r", "\t", "\ud7ff", "\ud800", "\ue000", "\ufffd", "\ufffe", "\U00010000",
          "\U0010fffe", "\U0010ffff", "\u2029", "=", "/"]


def test_scalar_analysis_is_pyyamls() -> None:
    """The regular-expression analysis answers exactly as PyYAML's character walk, for every
    string of up to three characters from the indicators, breaks and edge characters, and for
    longer random ones."""
    from yaml.emitter import Emitter

    from pipec.targets.kit.scalar_analysis import analyze

    class Unicode:
        allow_unicode = True

    alphabet = sorted(set(_ALPHABET + _EDGES))
    texts = [a + b + c for a in alphabet for b in [""] + alphabet for c in ["", " ", ":", "#", "\n", "x", "-"]]
    texts += ["---", "...", "--- x", "...x", "-", "- x", "? x", ": x", "a: b", "a:b", "a #b", "a#b"]
    rng = random.Random(7)
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(3, 40))) for _ in range(3000)]
    for text in texts:
        assert vars(analyze(text)) == vars(Emitter.analyze_scalar(Unicode(), text)), repr(text)


def test_only_short_strings_forms_are_remembered() -> None:
    """Names and values that recur in every pipeline's files are remembered per style; long
    strings (scripts, embedded plans) are not, so memory does not grow with pipelines."""
    from pipec.targets.kit import serialize

    style = YamlStyle(scalars=PYYAML, sort_keys=False, header="# remembered forms\n")
    documents = [{"name": f"p{i}", "plan": "x: 1\n" * 100 + f"p{i}\n"} for i in range(50)]
    assert list(yaml.safe_load_all(dump_yaml(documents, style))) == documents
    remembered = {text for _, text, _, _ in serialize._FORMS[style]}
    assert {"name", "plan", "p0", "p49"} <= remembered
    assert max(map(len, remembered)) <= serialize.FORM_MAX_LENGTH
