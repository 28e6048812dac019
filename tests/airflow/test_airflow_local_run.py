"""End to end in `local` mode: the compiled DAG runs on real Airflow (`dag.test()`), the steps
write to a temporary artifact store and SQLite metadata store, and what they wrote, read back
through `pipec.Client`, equals what `pipec run` writes for the same pipeline and parameters.

`dag.test()` runs the DAG in this process against the session's migrated database; each task
is a BashOperator that starts the runtime shim with this interpreter.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from pipec.runtime import Client
from pipec.runtime import metadata as md
from pipec.targets.airflow import naming
from tests.helpers.airflow_dags import EXAMPLES, compile_dags, parse_folder, pipec

#: A parameter value a user could trigger a run with.
HOSTILE_NOTE = "{{ ds }} {% raw %} $(id) `id` 'single' \"double\" \\ \r\n end.sh"

#: pandas across steps, a run-time string parameter, a step that always fails after two retries.
PROBE = {
    "pyproject.toml": "[project]\nname = 'probe'\nversion = '0'\n",
    "run.py": textwrap.dedent('''\
        import pandas as pd

        from pipec import Retry, pipeline, step


        @step
        def frame(note: str) -> pd.DataFrame:
            return pd.DataFrame({"note": [note], "x": [1.5]})


        @step(retry=Retry(max_retries=2, delay=0))
        def flaky(df: pd.DataFrame) -> int:
            raise RuntimeError(f"always fails ({len(df)} rows)")


        @step
        def after(n: int) -> int:
            return n


        @pipeline
        def probe(note: str = "default"):
            after(flaky(frame(note=note)))
        '''),
}


def _project(tmp_path: Path, name: str, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / name
    if files is None:
        shutil.copytree(EXAMPLES / name, root, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    else:
        root.mkdir()
        for rel, text in files.items():
            (root / rel).write_text(text, encoding="utf-8")
    return root


def _stores(tmp_path: Path, tag: str) -> tuple[str, str]:
    return str(tmp_path / f"artifacts-{tag}"), f"sqlite:///{tmp_path / f'metadata-{tag}.db'}"


def _deploy_and_test(airflow_db: Path, root: Path, dag_id: str, conf: dict, entry: str = "run.py", **options: str):
    """Compile `root/entry` in local mode into the dags folder, parse it, `dag.test()` it."""
    dags = compile_dags([str(root / entry)], root.parent / f"out-{dag_id}", operator="local", **options)
    shutil.copy(dags[f"{dag_id}.py"], airflow_db / "dags" / f"{dag_id}.py")
    bag, _ = parse_folder(airflow_db / "dags")
    assert bag.import_errors == {}
    return bag.dags[dag_id].test(run_conf=conf)


def _outputs(run) -> dict:
    return {sid: {name: out.load() for name, out in step.outputs.items()} for sid, step in run.steps.items()}


def _pipec_run(root: Path, tmp_path: Path, *params: str):
    """`pipec run` of `root/run.py` with `params` into fresh stores; the run as `Client` reads it."""
    store, meta = _stores(tmp_path, "pipec-run")
    pipec("run", str(root / "run.py"), "--artifact-store", store, "--metadata-store", meta, "--run-id", "reference",
          *[a for p in params for a in ("--param", p)], cwd=root)
    return Client(meta).get_pipeline_run("reference")


def test_diamond_dag_equals_pipec_run(airflow_db: Path, tmp_path: Path) -> None:
    """diamond with n=12: every step's output equals `pipec run --param n=12`'s."""
    root = _project(tmp_path, "diamond")
    store, meta = _stores(tmp_path, "airflow")
    dagrun = _deploy_and_test(airflow_db, root, "diamond", {"n": 12}, source_root=str(root),
                              artifact_store=store, metadata_store=meta)
    assert dagrun.state == "success"
    run = Client(meta).get_pipeline_run(naming.shim_run_id(dagrun.run_id))
    assert run.status == md.COMPLETED and sorted(run.steps) == ["join", "load", "scale", "stats"]
    reference = _pipec_run(root, tmp_path, "n=12")
    assert _outputs(run) == _outputs(reference)
    assert len(_outputs(run)["load"]["output"]) == 12


def test_fan_in_dag_reads_the_list_and_records_each_element(airflow_db: Path, tmp_path: Path) -> None:
    """fan_in with n=30 at run time: `combine` reads the three scores in training order, as
    `pipec run --param n=30` does, each element's lineage readable through Client; `k`, which
    sets the number of `train` tasks, is no DAG param (the compile pins it)."""
    root = _project(tmp_path, "fan_in")
    store, meta = _stores(tmp_path, "airflow")
    dagrun = _deploy_and_test(airflow_db, root, "fan_in", {"n": 30}, source_root=str(root),
                              artifact_store=store, metadata_store=meta)
    assert dagrun.state == "success"
    bag, _ = parse_folder(airflow_db / "dags")
    assert set(bag.dags["fan_in"].params) == {"n"}
    run = Client(meta).get_pipeline_run(naming.shim_run_id(dagrun.run_id))
    outputs = _outputs(run)
    assert outputs == _outputs(_pipec_run(root, tmp_path, "n=30"))
    assert outputs["combine"]["output"]["scores"] == [outputs[f"train_{i}"]["output"] for i in range(3)]
    elements = run.steps["combine"].inputs["scores"]
    assert [(v.name, v.load()) for v in elements] == [(f"fan_in::train_{i}::output", outputs[f"train_{i}"]["output"])
                                                      for i in range(3)]


def test_hostile_strings_dag_run_keeps_every_literal(airflow_db: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """hostile_strings, its source root given on the worker ($PIPEC_SOURCE_ROOT): the echo step
    returns every literal exactly as written in run.py, as `pipec run`'s does."""
    root = _project(tmp_path, "hostile_strings")
    store, meta = _stores(tmp_path, "airflow")
    monkeypatch.setenv("PIPEC_SOURCE_ROOT", str(root))
    dagrun = _deploy_and_test(airflow_db, root, "hostile_strings", {"note": HOSTILE_NOTE},
                              artifact_store=store, metadata_store=meta)
    assert dagrun.state == "success"
    run = Client(meta).get_pipeline_run(naming.shim_run_id(dagrun.run_id))
    outputs = _outputs(run)
    assert outputs["check"]["output"] is True
    assert outputs == _outputs(_pipec_run(root, tmp_path))
    assert outputs["echo_values.v2-final"]["output"]["jinja"] == "{{ ds }} {% if x %}y{% endif %} {# c #}"


def test_failing_step_fails_the_run_after_its_retries(airflow_db: Path, tmp_path: Path) -> None:
    """probe: `flaky` fails, is retried twice by Airflow (three attempts in the metadata store, as
    with `pipec run`), the run fails and `after` never runs; the DataFrame the first step made
    from a hostile run-time parameter equals `pipec run`'s."""
    root = _project(tmp_path, "probe", PROBE)
    store, meta = _stores(tmp_path, "airflow")
    dagrun = _deploy_and_test(airflow_db, root, "probe", {"note": HOSTILE_NOTE}, source_root=str(root),
                              artifact_store=store, metadata_store=meta)
    assert dagrun.state == "failed"
    states = {ti.task_id: (ti.state, ti.try_number) for ti in dagrun.get_task_instances()}
    assert states == {"frame": ("success", 1), "flaky": ("failed", 3), "after": ("upstream_failed", 0)}

    run_id = naming.shim_run_id(dagrun.run_id)
    store_rows = md.MetadataStore(meta).step_runs(run_id)
    attempts = sorted((row.step_id, row.attempt, row.status) for row in store_rows)
    assert attempts == [("flaky", 1, md.FAILED), ("flaky", 2, md.FAILED), ("flaky", 3, md.FAILED),
                        ("frame", 1, md.COMPLETED)]
    frame = Client(meta).get_pipeline_run(run_id).steps["frame"].outputs["output"].load()
    assert frame.to_dict("list") == {"note": [HOSTILE_NOTE], "x": [1.5]}

    ref_store, ref_meta = _stores(tmp_path, "pipec-run")
    proc = pipec("run", str(root / "run.py"), "--artifact-store", ref_store, "--metadata-store", ref_meta,
                 "--run-id", "reference", "--param", f"note={HOSTILE_NOTE}", cwd=root, check=False)
    assert proc.returncode == 1, proc.stderr
    reference = md.MetadataStore(ref_meta).step_runs("reference")
    assert sorted((r.step_id, r.attempt) for r in reference if r.step_id == "flaky") == [
        ("flaky", 1), ("flaky", 2), ("flaky", 3)]
    ref_frame = Client(ref_meta).get_pipeline_run("reference").steps["frame"].outputs["output"].load()
    pd.testing.assert_frame_equal(frame, ref_frame)


def test_runtime_inputs_resolve_on_airflow(airflow_db: Path, tmp_path: Path) -> None:
    """runtime_inputs: the producer's DAG publishes `numbers`; the consumer's DAG looks it up, stores
    its two values once for the run, and records where each input came from."""
    root = _project(tmp_path, "runtime_inputs")
    store, meta = _stores(tmp_path, "airflow")
    options = {"source_root": str(root), "artifact_store": store, "metadata_store": meta}
    assert _deploy_and_test(airflow_db, root, "publish_numbers", {"n": 4}, "publish.py", **options).state == "success"
    dagrun = _deploy_and_test(airflow_db, root, "report_pipeline", {}, **options)
    assert dagrun.state == "success"
    client = Client(meta)
    report = client.get_pipeline_run(naming.shim_run_id(dagrun.run_id)).steps["report"]
    assert report.outputs["output"].load() == {"title": "Squares, 'quoted' & $escaped", "count": 4, "total": 28}
    assert {name: (i.source, i.name, i.version) for name, i in report.inputs.items()} == {
        "numbers": ("lookup", "numbers", 1),
        "settings": ("external", report.inputs["settings"].name, 1),
        "title": ("saved", "report_title", 1)}
    assert client.get_artifact_version("report_title").load() == "Squares, 'quoted' & $escaped"

    # The artifact's name is the DAG param `artifact`: a run may name another.
    missing = _deploy_and_test(airflow_db, root, "report_pipeline", {"artifact": "absent"}, **options)
    assert missing.state == "failed"
    failed = client.get_pipeline_run(naming.shim_run_id(missing.run_id)).steps["report"]
    assert failed.error == "InputNotFound: input `numbers`: artifact `absent` does not exist (no versions)"


def test_model_control_plane_train_twice_promote_and_infer(airflow_db: Path, tmp_path: Path) -> None:
    """model_control_plane on Airflow: two training DAG runs make model versions 1 and 2 (every
    output linked; the classifier as a model artifact); version 2 goes to production; the
    inference DAG's shim resolves `get_pipeline_context().model.get_artifact("classifier")` to it."""
    root = _project(tmp_path, "model_control_plane")
    store, meta = _stores(tmp_path, "airflow")
    options = {"source_root": str(root), "artifact_store": store, "metadata_store": meta}
    first = _deploy_and_test(airflow_db, root, "iris_training", {}, **options)
    second = _deploy_and_test(airflow_db, root, "iris_training", {"margin": 0.5}, **options)
    assert (first.state, second.state) == ("success", "success")
    client = Client(meta)
    try:
        one, two = client.get_model("iris-rules").versions
        assert one.runs == [naming.shim_run_id(first.run_id)] and two.runs == [naming.shim_run_id(second.run_id)]
        assert {n: a.kind for n, a in two.artifacts.items()} == {
            "dataset": "data", "classifier": "model", "accuracy": "data"}
        two.set_stage("production")
        inference = _deploy_and_test(airflow_db, root, "iris_inference", {"lengths": [1.0, 6.0]}, **options)
        assert inference.state == "success"
        run = client.get_pipeline_run(naming.shim_run_id(inference.run_id))
        assert run.steps["predict"].outputs["predictions"].load() == ["setosa", "virginica"]
        production = client.get_model_version("iris-rules", "production")
        assert production.runs[-1] == run.id and "predictions" in production.data_artifacts
    finally:
        client.close()
