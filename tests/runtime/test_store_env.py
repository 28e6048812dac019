"""``${NAME}`` references in the store flags: compiled in unexpanded, expanded by the shim (and by
`pipec run`'s orchestrator) from the environment where the step runs, never printed or recorded.

The last tests compile the diamond example for every registered target with a metadata store
holding ``${PGPASS}`` and check, through each engine's model in tests/helpers/engines (a
registered target without one fails), that the shim receives exactly that text."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipec.runtime import metadata as md
from pipec.runtime import run_pipeline
from pipec.runtime.artifacts import ArtifactStore
from pipec.runtime.store_env import Expanded, Redactor, UnsetVariable, expand, references
from tests.helpers import engines
from tests.helpers.runtime_projects import load_pipeline, make_project
from tests.helpers.servers import postgres_database

REPO = Path(__file__).resolve().parents[2]

STEPS = {
    "steps/ops.py": """
        from pipec import step

        @step
        def make(n: int) -> int:
            return n * 2

        @step
        def twice(n: int) -> int:
            return n * 2
    """,
    "run.py": """
        from pipec import pipeline
        from steps.ops import make, twice

        @pipeline
        def p(n: int = 3):
            twice(make(n))
    """,
}


def shim(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m pipec.runtime run-step ARGS` with exactly `env` added to a clean environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PIPEC_TEST_")}
    return subprocess.run([sys.executable, "-m", "pipec.runtime", "run-step", *args], cwd=cwd,
                          env={**base, **env}, capture_output=True, text=True, timeout=120)


def step_args(root: Path, artifact_store: str, metadata_store: str | None, *extra: str) -> list[str]:
    """The run-step flags of `make` with n=21 and these stores."""
    args = ["--source-root", str(root), "--module", "steps.ops", "--function", "make", "--pipeline", "p",
            "--step-id", "make", "--run-id", "r1", "--artifact-store", artifact_store,
            "--param", "n=21", "--output", "output=int", *extra]
    return args + (["--metadata-store", metadata_store] if metadata_store is not None else [])


# --------------------------------------------------------------------------- the rule


def test_expand_replaces_every_reference_once():
    env = {"A": "x", "PW": "p@ss${A}$$", "_u9": "u"}
    done = expand("s://${_u9}:${PW}@h/${A}/${A}", env)
    assert done == Expanded("s://${_u9}:${PW}@h/${A}/${A}", "s://u:p@ss${A}$$@h/x/x",
                            {"_u9": "u", "PW": "p@ss${A}$$", "A": "x"})
    # Only ${NAME}: no escape, and other dollar forms are plain text.
    odd = "$A $(A) $${A} ${} ${1A} ${A-b} ${ A} $"
    assert expand(odd, env).value == "$A $(A) $x ${} ${1A} ${A-b} ${ A} $"
    assert references("${B}${A}${B}") == ["B", "A"]
    with pytest.raises(UnsetVariable) as caught:
        expand("${A}/${MISSING}/${OTHER}", env)
    assert caught.value.name == "MISSING"
    assert expand("", {}).value == "" and expand("${E}", {"E": ""}).value == ""


def test_redactor_names_the_references_again():
    url = expand("postgresql://u:${PW}@db/${DB}", {"PW": "hunter22", "DB": "db"})
    redact = Redactor(url, expand("/plain/path", {}))
    assert redact(f"cannot connect to {url.value} (password hunter22, db db)") == \
        "cannot connect to postgresql://u:${PW}@db/${DB} (password ${PW}, db db)"  # "db": too short to hide
    assert not Redactor(expand("/plain", {}))  # nothing to hide
    assert redact("") == ""


# --------------------------------------------------------------------------- the shim


def test_shim_expands_store_references_from_its_environment(tmp_path: Path) -> None:
    root = make_project(tmp_path, STEPS)
    env = {"PIPEC_TEST_ART": str(tmp_path / "art store"), "PIPEC_TEST_STATE": str(tmp_path / "state")}
    args = step_args(root, "${PIPEC_TEST_ART}/x", "sqlite:///${PIPEC_TEST_STATE}/meta.db",
                     "--result-file", str(tmp_path / "res.json"))
    done = shim(args, root, env)
    assert done.returncode == 0, done.stderr
    store = ArtifactStore(str(tmp_path / "art store/x"))
    assert store.load(store.read_marker("p", "r1", "make", "output")) == 42
    (row,) = md.MetadataStore(f"sqlite:///{tmp_path / 'state/meta.db'}").step_runs("r1")
    assert row.status == "completed"
    assert not list(root.glob("$*")) and not (root / ".pipec").exists()  # no folder named after a reference


def test_unset_variable_is_one_line_and_exit_2(tmp_path: Path) -> None:
    root = make_project(tmp_path, STEPS)
    meta = "postgresql://u:${PIPEC_TEST_NOT_SET}@db/x"
    done = shim(step_args(root, str(tmp_path / "art"), meta), root, {})
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("pipec run-step: error: --metadata-store refers to ${PIPEC_TEST_NOT_SET}, but the "
                           "environment variable PIPEC_TEST_NOT_SET is not set\n")
    done = shim(step_args(root, "${PIPEC_TEST_NOT_SET}/art", None), root, {})
    assert done.returncode == 2 and done.stderr.startswith("pipec run-step: error: --artifact-store refers to ")
    assert not (tmp_path / "art").exists() and not (root / "${PIPEC_TEST_NOT_SET}").exists()


def test_expanded_values_are_not_printed_or_recorded(tmp_path: Path) -> None:
    """A store failure whose message holds the expanded path shows the reference instead,
    on stderr, in the result file and in the metadata store's error column."""
    root = make_project(tmp_path, STEPS)
    secret_dir = tmp_path / "s3cret-place"
    secret_dir.write_text("a file, so no folder can be made under it")
    env = {"PIPEC_TEST_WHERE": str(secret_dir)}
    result = tmp_path / "res.json"
    done = shim(step_args(root, "${PIPEC_TEST_WHERE}/art", md.default_url(root), "--result-file", str(result)),
                root, env)
    assert done.returncode == 1
    assert "${PIPEC_TEST_WHERE}/art" in done.stderr
    recorded = json.loads(result.read_text())["error"]
    (row,) = md.MetadataStore(md.default_url(root)).step_runs("r1")
    assert row.status == "failed" and row.error == recorded and "${PIPEC_TEST_WHERE}" in recorded
    for text in (done.stderr, recorded):
        assert "s3cret-place" not in text


def test_password_reference_against_postgres(tmp_path: Path) -> None:
    """The shim opens a real PostgreSQL with the password from its environment, and neither
    the password nor the URL ends up in any table."""
    with postgres_database(tmp_path / "pg") as url:  # postgresql+psycopg://pipec@127.0.0.1:PORT/NAME (trust auth)
        with_password = url.replace("://pipec@", "://pipec:${PIPEC_TEST_PGPASS}@")
        root = make_project(tmp_path, STEPS)
        password = "pw-7f3a9c-secret"
        done = shim(step_args(root, str(tmp_path / "art"), with_password), root, {"PIPEC_TEST_PGPASS": password})
        assert done.returncode == 0, done.stderr
        store = md.MetadataStore(url)
        assert [r.status for r in store.step_runs("r1")] == ["completed"]
        import sqlalchemy

        dump = []
        with store.engine.connect() as conn:
            for table in store.meta.sorted_tables:
                dump += [repr(tuple(row)) for row in conn.execute(sqlalchemy.select(table))]
        text = "\n".join(dump)
        assert "r1" in text and password not in text and "127.0.0.1" not in text
        store.close()


# --------------------------------------------------------------------------- pipec run's orchestrator


def test_orchestrator_expands_for_itself_and_hands_references_to_the_steps(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path, STEPS)
    monkeypatch.setenv("PIPEC_TEST_ART", str(tmp_path / "elsewhere"))
    result = run_pipeline(load_pipeline(root), root, artifact_store="${PIPEC_TEST_ART}/a", launcher="spawn")
    assert result.exit_code == 0, result.summary()
    assert result.artifact_store == "${PIPEC_TEST_ART}/a"
    store = ArtifactStore(str(tmp_path / "elsewhere/a"))
    assert store.load(store.read_marker("p", result.run_id, "twice", "output")) == 12
    # A second run is served from the cache: the orchestrator and the shims agree on the store.
    again = run_pipeline(load_pipeline(root), root, artifact_store="${PIPEC_TEST_ART}/a", launcher="spawn")
    assert {o.status for o in again.steps.values()} == {"cached"}
    monkeypatch.delenv("PIPEC_TEST_ART")
    with pytest.raises(ValueError, match=r"the artifact store refers to \$\{PIPEC_TEST_ART\}, but the "
                                         "environment variable PIPEC_TEST_ART is not set"):
        run_pipeline(load_pipeline(root), root, artifact_store="${PIPEC_TEST_ART}/a")


# --------------------------------------------------------------------------- every target carries the text


STORE_TEXT = "postgresql://u:${PGPASS}@h/db"
ART_TEXT = "s3://bucket/${BUCKET_PATH}/pipec"


def _shim_stores(argv: list[str]) -> tuple[str, str | None]:
    """(--artifact-store, --metadata-store) as the shim parses `argv` (a full python -m argv)."""
    from pipec.runtime.shim import parse_args

    start = argv.index("run-step") + 1
    spec = parse_args(argv[start:])
    return spec.artifact_store, spec.metadata_store


def _compiled(target: str, **options: str) -> tuple[object, dict[str, str]]:
    from pipec import targets
    from pipec.compiler.api import load
    from pipec.ir.diagnostics import Diagnostics
    from pipec.targets.base import CompileContext

    result = load(REPO / "examples/diamond/run.py")
    assert not result.diagnostics.has_errors
    (pipeline,) = result.program.pipelines
    chosen = targets.get(target)
    merged = {spec.name: spec.default for spec in chosen.options if spec.default is not None}
    merged.update(options, metadata_store=STORE_TEXT, artifact_store=ART_TEXT)
    diagnostics = Diagnostics()
    files = chosen.compile(pipeline, CompileContext(options=merged, diagnostics=diagnostics))
    assert not diagnostics.has_errors, [d.message for d in diagnostics]
    return pipeline, files


def _engine_argvs(target: str, pipeline, files: dict[str, str], tmp_path: Path) -> list[list[str]]:
    """What each step's process gets as its argv, through the target's engine model."""
    engine = engines.model(target)
    assert engine is not None, f"target {target} has no engine model: add tests/helpers/engines/{target}.py"
    (text,) = [t for name, t in files.items() if not name.endswith(".schedule.json")]
    return engine.step_argvs(text, pipeline, tmp_path)


def _all_strings(text: str, name: str) -> list[str]:
    import yaml

    if name.endswith(".py"):
        return [n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    documents = [json.loads(text)] if name.endswith(".json") else list(yaml.safe_load_all(text))
    found: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                visit(key)
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    for document in documents:
        visit(document)
    return found


def _targets_and_modes() -> list[tuple[str, dict[str, str]]]:
    """(target, options) for every built-in target and each option set its engine model proves;
    one case with no options for a target that has no model (its test fails). A plug-in proves
    its own artifacts (examples/plugins/pipec-target-example runs its scripts)."""
    from pipec import targets

    cases = []
    for name in targets.BUILTINS:
        engine = engines.model(name)
        cases += [(name, dict(options)) for options in (engine.COMPILE_OPTIONS if engine else ({},))]
    return cases


@pytest.mark.parametrize("target, options", _targets_and_modes(),
                         ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={x}" for k, x in v.items()))
def test_every_target_hands_the_references_to_the_shim_unexpanded(target: str, options: dict, tmp_path: Path) -> None:
    pipeline, files = _compiled(target, **options)
    for name, text in files.items():
        if not name.endswith(".schedule.json"):
            strings = _all_strings(text, name)
            assert any(STORE_TEXT in s for s in strings) or "$${PGPASS}" in text, f"{name}: the text is gone"
    argvs = _engine_argvs(target, pipeline, files, tmp_path)
    assert len(argvs) == len(pipeline.steps), argvs
    engine = engines.model(target)
    recorder = getattr(engine, "orchestrator_stores", None)
    if recorder is not None:  # pipec's orchestrator runs in the engine and records; the steps do not
        (text,) = files.values()
        assert recorder(text) == (ART_TEXT, STORE_TEXT)
    for argv in argvs:
        assert _shim_stores(argv) == (ART_TEXT, None if recorder is not None else STORE_TEXT)
