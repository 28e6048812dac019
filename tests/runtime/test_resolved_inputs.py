"""Inputs resolved when the step starts (issue 14), end to end: the runtime_inputs example under
`pipec run` and under the shim with its own metadata store, read back through `pipec.Client`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pipec.runtime import Client, run_pipeline
from pipec.runtime import metadata as md
from pipec.runtime.artifacts import ArtifactInfo, ArtifactStore
from pipec.runtime.command import shim_command
from pipec.runtime.resolved_inputs import store_value
from tests.helpers.runtime_projects import load_pipeline

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "runtime_inputs"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLE, root)
    return root


def _run(root: Path, pipeline: str, **params: str):
    entry = "publish.py" if pipeline == "publish_numbers" else "run.py"
    return run_pipeline(load_pipeline(root, entry, params=params or None), root)


def test_producer_then_consumer_with_lineage(project: Path) -> None:
    assert _run(project, "publish_numbers").exit_code == 0
    assert _run(project, "publish_numbers", n="3").exit_code == 0
    result = _run(project, "report_pipeline")
    assert result.exit_code == 0, result.summary()

    client = Client(root=project)
    run = client.get_pipeline_run(result.run_id)
    report = run.steps["report"]
    assert report.outputs["output"].load() == {"title": "Squares, 'quoted' & $escaped", "count": 3, "total": 10}
    inputs = report.inputs
    assert (inputs["numbers"].source, inputs["numbers"].name, inputs["numbers"].version) == (
        "lookup", "numbers", 2)  # the latest
    assert inputs["settings"].source == "external" and inputs["settings"].load() == {"scale": 2}
    assert inputs["title"].source == "saved" and inputs["title"].name == "report_title"
    assert client.get_artifact_version("numbers", 1).load() == [0, 1, 4, 9, 16]
    assert client.get_artifact_version("numbers").load() == [0, 1, 4]
    assert client.get_artifact_version(str(inputs["title"].id)).name == "report_title"
    assert [v.version for v in client.list_artifact_versions("report_title")] == [1]

    # A new version of the looked-up artifact changes the cache key; the same one hits the cache.
    again = _run(project, "report_pipeline")
    assert again.steps["report"].status == md.CACHED
    cached = client.get_pipeline_run(again.run_id).steps["report"]
    assert {name: i.version for name, i in cached.inputs.items()} == {"numbers": 2, "settings": 2, "title": 2}
    assert _run(project, "publish_numbers", n="4").exit_code == 0
    fresh = _run(project, "report_pipeline")
    assert fresh.steps["report"].status == md.COMPLETED
    assert client.get_pipeline_run(fresh.run_id).steps["report"].outputs["output"].load()["count"] == 4


def test_missing_artifact_fails_the_step_with_one_line(project: Path) -> None:
    assert _run(project, "publish_numbers").exit_code == 0
    result = _run(project, "report_pipeline", artifact="nothing_here")
    assert result.exit_code != 0
    error = Client(root=project).get_pipeline_run(result.run_id).steps["report"].error
    assert error == "InputNotFound: input `numbers`: artifact `nothing_here` does not exist (no versions)"


def test_missing_version_names_the_versions_that_exist(project: Path) -> None:
    assert _run(project, "publish_numbers").exit_code == 0
    pipe = load_pipeline(project)
    step = pipe.step("report")
    meta_url = md.default_url(project)
    argv = shim_command(pipe, step, run_id="r-missing", artifact_store=str(project / ".pipec" / "artifacts"),
                        metadata_store=meta_url, python=sys.executable, source_root=str(project))
    argv = [a.replace('"parameter":"artifact"}', '"parameter":"artifact","version":"7"}') for a in argv]
    proc = subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "pipec: error: step `report`: input `numbers`: artifact `numbers` version 7 does not exist "
        "(versions that exist: 1)"]


def test_shim_with_its_own_store_records_lineage_and_stores_a_value_once(project: Path) -> None:
    """Under an engine (the shim records): two attempts read the value one copy, one version row."""
    assert _run(project, "publish_numbers").exit_code == 0
    pipe = load_pipeline(project)
    meta_url = md.default_url(project)
    argv = shim_command(pipe, pipe.step("report"), run_id="engine-run", artifact_store=str(project / "store"),
                        metadata_store=meta_url, python=sys.executable, source_root=str(project))
    procs = [subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=120) for _ in range(2)]
    assert [p.returncode for p in procs] == [0, 0], procs[0].stderr
    client = Client(meta_url)
    stored = [v for v in client.list_artifact_versions() if v.run_id == "engine-run"]
    assert sorted((v.origin, v.version) for v in stored if v.origin != "output") == [("external", 1), ("saved", 1)]
    assert len(list((project / "store" / "report_pipeline" / "engine-run" / "%40external").iterdir())) == 2
    run = client.get_pipeline_run("engine-run")
    assert {name: i.source for name, i in run.steps["report"].inputs.items()} == {
        "numbers": "lookup", "settings": "external", "title": "saved"}


def test_parallel_writers_store_one_copy(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "store"))
    meta = md.MetadataStore(f"sqlite:///{tmp_path / 'm.db'}")
    meta.create_pipeline_run("run", "p", orchestrator="external")
    found: list[ArtifactInfo] = []

    def write() -> None:
        info = store_value(store, "p", "run", {"big": list(range(2000))})
        found.append(meta.add_artifact_version("p::external::x", "external", "run", info))

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({v.id for v in found}) == 1
    assert len(meta.list_artifact_versions("p::external::x")) == 1
    folder = next((tmp_path / "store" / "p" / "run" / "%40external").iterdir())
    assert [p.name for p in folder.iterdir() if not p.name.startswith("_")] == [found[0].payload.rsplit("/", 1)[1]]
    assert store.load(store.read_marker("p", "run", "@external", folder.name)) == {"big": list(range(2000))}


def test_runs_show_says_where_each_input_came_from(project: Path) -> None:
    import json

    assert _run(project, "publish_numbers").exit_code == 0
    result = _run(project, "report_pipeline")
    produced = Client(root=project).get_pipeline_run("publish_numbers").id

    def show(*extra: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "pipec", "runs", "show", result.run_id, *extra], cwd=project,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    table = show().split("\n\n")[-1].splitlines()
    assert table[0].split() == ["INPUT", "ARTIFACT", "SOURCE", "MADE", "BY", "RUN"]
    assert table[1].split() == ["report.numbers", "numbers", "v1", "lookup", produced]
    assert table[2].split()[0] == "report.settings" and table[2].split()[-2:] == ["external", result.run_id]
    assert table[3].split() == ["report.title", "report_title", "v1", "saved", result.run_id]
    shown = json.loads(show("--json"))["steps"]["report"]["inputs"]
    assert [(i["name"], i["artifact"], i["version"], i["source"]) for i in shown][::2] == [
        ("numbers", "numbers", 1, "lookup"), ("title", "report_title", 1, "saved")]


PIPEC_SPELLING = {
    "pyproject.toml": "[project]\nname = 'spelling'\nversion = '0'\n",
    "run.py": """
        from pipec import Client, ExternalArtifact, pipeline, save_artifact, step

        @step
        def produce() -> int:
            return 20

        @step
        def add(a: int, b: int, c: int, d: int) -> int:
            return a + b + c + d

        @pipeline
        def spelled(first: bool = True):
            if first:
                produce()
            else:
                add(a=Client().get_artifact_version("spelled::produce::output"), b=ExternalArtifact(value=1),
                    c=save_artifact(2, "two"), d=ExternalArtifact(name="two"))
    """,
}


def test_pipec_spellings_import_and_resolve_where_the_step_runs(tmp_path: Path) -> None:
    """`from pipec import Client, ExternalArtifact, save_artifact` imports in the step's process."""
    from tests.helpers.runtime_projects import make_project

    root = make_project(tmp_path, PIPEC_SPELLING)
    assert run_pipeline(load_pipeline(root), root).exit_code == 0
    # `d` looks up what `c` saves in the same run: stored first, as ZenML saves before any step runs.
    assert run_pipeline(load_pipeline(root, params={"first": "false"}), root).exit_code == 0
    again = run_pipeline(load_pipeline(root, params={"first": "false"}), root)
    assert again.exit_code == 0, again.summary()
    add = Client(root=root).get_pipeline_run(again.run_id).steps["add"]
    assert add.outputs["output"].load() == 20 + 1 + 2 + 2
    assert {name: (i.source, i.version) for name, i in add.inputs.items() if name in "cd"} == {
        "c": ("saved", 2), "d": ("lookup", 2)}


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--input-lookup", "n=[1]", "--input-lookup n: expected a JSON object"),
    ("--input-value", "n={", "--input-value n: value is not JSON"),
    ("--input-value-part", "n={\"value\":", "--input-value-part n: value is not JSON"),
])
def test_malformed_resolved_inputs_are_command_line_errors(flag: str, value: str, message: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from pipec.runtime.shim import parse_args

    base = ["--module", "m", "--function", "f", "--pipeline", "p", "--step-id", "s", "--run-id", "r",
            "--artifact-store", "/a"]
    with pytest.raises(SystemExit) as exit_info:
        parse_args([*base, flag, value])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_a_value_split_in_parts_is_joined() -> None:
    from pipec.runtime.shim import parse_args

    spec = parse_args(["--module", "m", "--function", "f", "--pipeline", "p", "--step-id", "s", "--run-id", "r",
                       "--artifact-store", "/a", "--input-value-part", 'v={"value":"it\'s', "--input-value-part",
                       'v= $x","name":"n"}', "--input-lookup", 'l={"name":"a b"}'])
    assert spec.values == (("v", '{"value":"it\'s $x","name":"n"}'),)
    assert spec.lookups == (("l", '{"name":"a b"}'),)


def test_a_parameter_names_the_artifact_by_name_or_id_each_run(project: Path) -> None:
    """A run script that finds the artifact itself passes its name or id as a pipeline parameter
    with no default (eurorate-predictor's `Client().get_artifact_version(dataset_id)`)."""
    (project / "by_id.py").write_text(
        "from zenml import pipeline\nfrom zenml.client import Client\nfrom run import report\n\n"
        "@pipeline\ndef by_id(dataset_id: str):\n"
        "    report(numbers=Client().get_artifact_version(dataset_id), settings={'scale': 1}, title='t')\n",
        encoding="utf-8")
    assert _run(project, "publish_numbers", n="2").exit_code == 0
    assert _run(project, "publish_numbers", n="3").exit_code == 0
    first = Client(root=project).get_artifact_version("numbers", 1)

    def run(value: str):
        return run_pipeline(load_pipeline(project, "by_id.py", params={"dataset_id": value}), project)

    by_id, by_name, absent = run(str(first.id)), run("numbers"), run("absent")
    client = Client(root=project)
    counts = [client.get_pipeline_run(r.run_id).steps["report"].outputs["output"].load()["count"]
              for r in (by_id, by_name)]
    assert counts == [2, 3]  # the id's version, then the latest by name
    assert absent.exit_code != 0
    assert client.get_pipeline_run(absent.run_id).steps["report"].error == (
        "InputNotFound: input `numbers`: artifact `absent` does not exist (no versions)")


def test_a_parameter_gives_the_version_each_run(project: Path) -> None:
    """`get_artifact_version("numbers", version=v)` with `v` a pipeline parameter: every run looks
    up the version the parameter holds when the step starts (null: the latest), never the value it
    had when compiled."""
    (project / "by_version.py").write_text(
        "from typing import Optional\n"
        "from zenml import pipeline\nfrom zenml.client import Client\nfrom run import report\n\n"
        "@pipeline\ndef by_version(v: Optional[int] = 1):\n"
        "    report(numbers=Client().get_artifact_version('numbers', version=v), settings={'scale': 1}, title='t')\n",
        encoding="utf-8")
    for n in ("2", "3", "4"):
        assert _run(project, "publish_numbers", n=n).exit_code == 0
    pipeline = load_pipeline(project, "by_version.py")
    assert [b.source.version_parameter for b in pipeline.step("report").inputs if b.name == "numbers"] == ["v"]

    def count(**params: str) -> int:
        result = run_pipeline(load_pipeline(project, "by_version.py", params=params or None), project)
        assert result.exit_code == 0, result.summary()
        return Client(root=project).get_pipeline_run(result.run_id).steps["report"].outputs["output"].load()["count"]

    assert [count(), count(v="2"), count(v="null")] == [2, 3, 4]
    missing = run_pipeline(load_pipeline(project, "by_version.py", params={"v": "9"}), project)
    assert "artifact `numbers` version 9 does not exist (versions that exist: 1, 2, 3)" in Client(root=project).get_pipeline_run(
        missing.run_id).steps["report"].error


def test_the_shim_takes_the_version_from_its_flag(project: Path) -> None:
    from pipec.runtime.shim import parse_args

    base = ["--module", "m", "--function", "f", "--pipeline", "p", "--step-id", "s", "--run-id", "r",
            "--artifact-store", "/a", "--input-lookup", 'n={"name":"numbers","version_parameter":"v"}']
    assert parse_args([*base, "--lookup-version-text", "n=v 2"]).lookup_versions == (("n", '"v 2"'),)
    with pytest.raises(SystemExit):
        parse_args([*base, "--lookup-version", "other=1"])
