"""`--output-ref` / `--input-ref`: pointer files carry a committed output between steps (what KFP
uploads and downloads as artifacts), also across runs (what a KFP cache hit of the producer does)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipec.ir import InputBinding, Output, OutputRef, Pipeline, StepInvocation
from pipec.runtime import metadata as md
from pipec.runtime.artifacts import MARKER, ArtifactStore
from pipec.runtime.command import shim_command
from pipec.runtime.shim import parse_args
from pipec.runtime.shim_flags import name_text
from tests.helpers.runtime_projects import make_project, run_shim

#: An output name that breaks naive quoting and paths (no "=": NAME=... splits at the first one).
HOSTILE = "it's a \"name\"/with [brackets] ${X} {{$.x}} \u2603 %41 .."

STEPS = {
    "steps/ops.py": f"""
        from typing import Annotated
        from pipec import step

        @step
        def make(n: int) -> Annotated[dict, {HOSTILE!r}]:
            return {{"n": n, "twice": n * 2}}

        @step
        def use(data: dict) -> int:
            return data["twice"] + 1
    """,
}


def _base(root: Path, step: str, run: str, meta: bool = False) -> list[str]:
    args = ["--source-root", str(root), "--module", "steps.ops", "--function", step, "--pipeline", "p",
            "--step-id", step, "--run-id", run, "--artifact-store", str(root / "art")]
    return args + (["--metadata-store", md.default_url(root)] if meta else [])


def _produce(root: Path, run: str, pointer: Path, n: int = 20, meta: bool = False) -> None:
    done = run_shim(_base(root, "make", run, meta) + ["--param", f"n={n}", "--output", f"{HOSTILE}=dict",
                                                      "--output-ref", f"{HOSTILE}={pointer}"], root)
    assert done.returncode == 0, done.stderr


def _consume(root: Path, run: str, pointer: Path, meta: bool = False):
    return run_shim(_base(root, "use", run, meta) + ["--input-ref", f"data={pointer}", "--output", "output=int"],
                    root)


def test_pointer_round_trip_with_a_hostile_output_name(tmp_path: Path) -> None:
    """The producer writes the pointer (parent folders created); the consumer loads what it names."""
    root = make_project(tmp_path, STEPS)
    pointer = tmp_path / "kfp" / "outputs" / "deep" / "artifact"
    _produce(root, "r1", pointer, meta=True)
    data = json.loads(pointer.read_text(encoding="utf-8"))
    store = ArtifactStore(str(root / "art"))
    marker = store.read_marker("p", "r1", "make", HOSTILE)
    assert data == {"pipec_pointer": 1, "pipeline": "p", "run_id": "r1", "step_id": "make", "output": HOSTILE,
                    "payload": marker.payload, "materializer": "json", "content_hash": marker.content_hash,
                    "type": "dict", "size": marker.size}
    assert not [p for p in pointer.parent.iterdir() if p != pointer]  # no temporary file left
    done = _consume(root, "r1", pointer, meta=True)
    assert done.returncode == 0, done.stderr
    assert store.load(store.read_marker("p", "r1", "use", "output")) == 41
    meta = md.MetadataStore(md.default_url(root))
    assert sorted((r.step_id, r.status) for r in meta.step_runs("r1")) == [("make", "completed"), ("use", "completed")]


def test_consumer_in_a_later_run_reads_the_earlier_runs_payload(tmp_path: Path) -> None:
    """A KFP cache hit of the producer: only the consumer runs in r2, with r1's pointer."""
    root = make_project(tmp_path, STEPS)
    pointer = tmp_path / "r1-pointer"
    _produce(root, "r1", pointer, n=5, meta=True)
    _produce(root, "r0", tmp_path / "r0-pointer", n=100)  # another run's output must not be picked
    done = _consume(root, "r2", pointer, meta=True)
    assert done.returncode == 0, done.stderr
    store = ArtifactStore(str(root / "art"))
    assert store.load(store.read_marker("p", "r2", "use", "output")) == 11
    meta = md.MetadataStore(md.default_url(root))
    assert [(r.step_id, r.status) for r in meta.step_runs("r2")] == [("use", "completed")]


def test_pointer_names_its_payload_even_after_a_later_attempt_recommits(tmp_path: Path) -> None:
    """Payloads are never rewritten: the consumer reads exactly what the pointer's producer committed."""
    root = make_project(tmp_path, STEPS)
    first, second = tmp_path / "a1", tmp_path / "a2"
    _produce(root, "r1", first, n=1)
    _produce(root, "r1", second, n=2)  # a second attempt of the same step in the same run
    assert _consume(root, "r1", first).returncode == 0
    store = ArtifactStore(str(root / "art"))
    assert store.load(store.read_marker("p", "r1", "use", "output")) == 3


def test_shim_cache_hit_writes_the_pointer_too(tmp_path: Path) -> None:
    """Served from pipec's own cache, the step still leaves a pointer (to the linked marker)."""
    root = make_project(tmp_path, STEPS)
    _produce(root, "r1", tmp_path / "p1", meta=True)
    done = run_shim(_base(root, "make", "r2", True) + ["--param", "n=20", "--output", f"{HOSTILE}=dict",
                                                       "--output-ref", f"{HOSTILE}={tmp_path / 'p2'}"], root)
    assert done.returncode == 0 and "served from the cache" in done.stderr
    data = json.loads((tmp_path / "p2").read_text(encoding="utf-8"))
    assert data["run_id"] == "r2" and data["payload"].startswith("p/r1/")
    assert _consume(root, "r3", tmp_path / "p2").returncode == 0


def _broken(tmp_path: Path, root: Path, kind: str) -> Path:
    pointer = tmp_path / "ptr"
    if kind == "missing file":
        return tmp_path / "nowhere" / "ptr"
    _produce(root, "r1", pointer)
    if kind == "not JSON":
        pointer.write_text("{not json", encoding="utf-8")
    elif kind == "not a pointer":
        pointer.write_text('{"a": 1}', encoding="utf-8")
    elif kind == "field of the wrong type":
        data = json.loads(pointer.read_text(encoding="utf-8"))
        pointer.write_text(json.dumps({**data, "run_id": 7}), encoding="utf-8")
    elif kind == "payload outside the store":
        data = json.loads(pointer.read_text(encoding="utf-8"))
        pointer.write_text(json.dumps({**data, "payload": "../../etc/passwd"}), encoding="utf-8")
    elif kind == "missing commit marker":
        store = ArtifactStore(str(root / "art"))
        folder = root / "art" / store.output_dir("p", "r1", "make", HOSTILE)
        (folder / MARKER).unlink()
    return pointer


BROKEN = {
    "missing file": "does not exist",
    "not JSON": "is not JSON",
    "not a pointer": "is not a pipec pointer",
    "field of the wrong type": "mistypes run_id",
    "payload outside the store": "not a path inside the artifact store",
    "missing commit marker": "was never committed",
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_bad_pointer_is_one_clear_error(tmp_path: Path, kind: str) -> None:
    """Exit status 1 (a missing input, per the contract), one `pipec: error:` line, no traceback."""
    root = make_project(tmp_path, STEPS)
    done = _consume(root, "r2", _broken(tmp_path, root, kind), meta=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stderr.startswith("pipec: error: step `use`: ")
    assert BROKEN[kind] in done.stderr, done.stderr
    (row,) = md.MetadataStore(md.default_url(root)).step_runs("r2")
    assert row.status == "failed"


def test_unwritable_pointer_fails_the_step(tmp_path: Path) -> None:
    """A pointer that cannot be written fails the step (the engine would upload nothing)."""
    root = make_project(tmp_path, STEPS)
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    done = run_shim(_base(root, "make", "r1") + ["--param", "n=1", "--output", f"{HOSTILE}=dict",
                                                 "--output-ref", f"{HOSTILE}={blocker / 'ptr'}"], root)
    assert done.returncode == 1 and "cannot write the pointer file" in done.stderr
    assert "Traceback" not in done.stderr


BASE = ["--module", "m", "--function", "f", "--pipeline", "p", "--step-id", "s", "--run-id", "r",
        "--artifact-store", "/a"]


@pytest.mark.parametrize("bad", [
    ["--output", "o=int", "--output-ref", "x=/p"],
    ["--output", "o=int", "--output-ref", "o=/p", "--output-ref", "o=/q"],
    ["--input", "d=s/o", "--input-ref", "d=/p"],
    ["--input-ref", "d="],
    ["--input-ref", "/p"],
])
def test_malformed_ref_flags_exit_2(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse_args(BASE + bad)
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def _pipeline() -> Pipeline:
    make = StepInvocation(id="make", function="make", module="steps.ops", signature=(), inputs=(),
                          outputs=(Output(HOSTILE, "dict"), Output("other", "int")))
    use = StepInvocation(id="use", function="use", module="steps.ops", signature=(),
                         inputs=(InputBinding("data", OutputRef("make", HOSTILE)),
                                 InputBinding("n", OutputRef("make", "other"))),
                         outputs=(Output("output", "int"),))
    return Pipeline(name="p", function="p", module="run", parameters=(), steps=(make, use))


def test_shim_command_ref_flags_order_and_round_trip() -> None:
    """--input-ref replaces --input for the inputs given; --output-ref follows the --output flags."""
    pipe = _pipeline()
    kw = {"run_id": "R", "artifact_store": "/a", "metadata_store": None}
    plain = shim_command(pipe, pipe.step("use"), **kw)
    refs = shim_command(pipe, pipe.step("use"), **kw, input_refs={"data": "{{$.inputs.artifacts['data'].path}}"},
                        output_refs={"output": "/out/o"})
    assert plain[:plain.index("--input")] == refs[:refs.index("--input-ref")]
    assert refs[refs.index("--input-ref"):] == [
        "--input-ref", "data={{$.inputs.artifacts['data'].path}}", "--input", "n=make/other",
        "--output", "output=int", "--output-ref", "output=/out/o"]
    spec = parse_args(refs[4:])
    assert spec.input_refs == (("data", "{{$.inputs.artifacts['data'].path}}"),)
    assert spec.inputs == (("n", "make", "other"),) and spec.output_refs == (("output", "/out/o"),)
    make = shim_command(pipe, pipe.step("make"), **kw, output_refs={HOSTILE: "/x", "other": "/y"})
    assert make[-4:] == ["--output-ref", f"{name_text(HOSTILE)}=/x", "--output-ref", "other=/y"]
    assert parse_args(make[4:]).output_refs == ((HOSTILE, "/x"), ("other", "/y"))
    assert shim_command(pipe, pipe.step("make"), **kw) == make[:-4]
