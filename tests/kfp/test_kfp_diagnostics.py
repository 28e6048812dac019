"""What KFP or Vertex AI cannot express is a diagnostic with a stable code, never a silently
dropped setting: one small pipeline per case, compiled through the CLI."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

HEADER = "from pipec import Resources, Retry, Schedule, pipeline, step\n\n"


def _compile(cli, tmp_path: Path, body: str, *args: str):
    """Compile a pipeline module made of `body`; (process, output folder)."""
    src = tmp_path / "src"
    src.mkdir(parents=True)
    (src / "pyproject.toml").write_text('[project]\nname = "t"\n', encoding="utf-8")
    (src / "run.py").write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    out = tmp_path / "out"
    proc = cli.run(["compile", str(src / "run.py"), *args, "--out", str(out)])
    assert cli.traceback not in proc.stderr, proc.stderr
    return proc, out


TWO_STEPS = """
@step
def a(x: int = 1) -> int:
    return x

@step{decorator}
def b(y: int) -> int:
    return y

@pipeline{pipeline}
def p():
    b(a())
"""


def _two_steps(decorator: str = "", pipeline: str = "") -> str:
    return TWO_STEPS.format(decorator=decorator, pipeline=pipeline)


def test_unknown_vertex_accelerator_lists_the_valid_ones(cli, tmp_path: Path) -> None:
    """PC320, exit 2, with Vertex's accelerator names in the help."""
    proc, _ = _compile(cli, tmp_path, _two_steps('(resources=Resources(gpu=1, gpu_type="nvidia-x99"))'),
                       "--target", "vertex")
    assert proc.returncode == 2
    assert "error[PC320]: step `b` asks for accelerator `nvidia-x99`" in proc.stderr
    assert "NVIDIA_TESLA_T4" in proc.stderr and "NVIDIA_H100_80GB" in proc.stderr


def test_vertex_rejects_kubernetes_pod_settings(cli, tmp_path: Path) -> None:
    """PC304 once, at the pipeline, for pipeline-level pod settings."""
    settings = '(settings={"orchestrator.vertex": {"node_selectors": {"pool": "a"}, "tolerations": []}})'
    proc, _ = _compile(cli, tmp_path, _two_steps(pipeline=settings), "--target", "vertex")
    assert proc.returncode == 2
    assert proc.stderr.count("error[PC304]") == 1
    assert "`node_selectors`, `tolerations` of pipeline `p` cannot apply" in proc.stderr


def test_vertex_label_rules(cli, tmp_path: Path) -> None:
    """PC326 for an uppercase key and for a value longer than 63 characters."""
    labels = '{"Team": "ml", "ok": "' + "v" * 64 + '"}'
    proc, _ = _compile(cli, tmp_path, _two_steps(pipeline=f'(settings={{"orchestrator.vertex": '
                                                            f'{{"labels": {labels}}}}})'), "--target", "vertex")
    assert proc.returncode == 2
    assert proc.stderr.count("error[PC326]") == 2


def test_vertex_interval_schedule_is_an_error_kubeflow_takes_it(cli, tmp_path: Path) -> None:
    """Vertex schedules need cron (PC325); KFP's recurring run takes the interval in seconds."""
    pipeline = "(schedule=Schedule(interval_seconds=3600))"
    proc, _ = _compile(cli, tmp_path, _two_steps(pipeline=pipeline), "--target", "vertex")
    assert proc.returncode == 2 and "error[PC325]" in proc.stderr
    proc, out = _compile(cli, tmp_path / "k", _two_steps(pipeline=pipeline), "--target", "kubeflow")
    assert proc.returncode == 0, proc.stderr
    run = json.loads((out / "kubeflow" / "p.recurring-run.json").read_text(encoding="utf-8"))
    assert run["interval_second"] == 3600 and "cron_expression" not in run


def test_vertex_catchup_is_a_warning(cli, tmp_path: Path) -> None:
    """create_schedule cannot catch up: PC325 warning, the file is still written."""
    proc, out = _compile(cli, tmp_path, _two_steps(pipeline='(schedule=Schedule(cron="0 3 * * *", catchup=True))'),
                         "--target", "vertex", "--option", "artifact_store=gs://b/a")
    assert proc.returncode == 0 and "warning[PC325]" in proc.stderr
    assert json.loads((out / "vertex" / "p.schedule.json").read_text(encoding="utf-8"))["cron"] == "0 3 * * *"


def test_vertex_resource_ceilings(cli, tmp_path: Path) -> None:
    """PC327 for more CPUs or memory than a Vertex step can have."""
    proc, _ = _compile(cli, tmp_path, _two_steps('(resources=Resources(cpu=128, memory="1TB"))'), "--target", "vertex")
    assert proc.returncode == 2 and proc.stderr.count("error[PC327]") == 2


def test_kubeflow_unsupported_setting_warns_and_invalid_one_fails(cli, tmp_path: Path) -> None:
    """PC321: a warning for an unknown key (output still written), an error for a malformed value."""
    decorator = '(settings={"orchestrator.kubeflow": {"node_selectors": {"pool": "a"}, "affinity": {}}})'
    proc, out = _compile(cli, tmp_path, _two_steps(decorator), "--target", "kubeflow")
    assert proc.returncode == 0, proc.stderr
    assert "warning[PC321]: kubeflow setting `affinity` is not supported" in proc.stderr
    platform = list(yaml.safe_load_all((out / "kubeflow" / "p.yaml").read_text(encoding="utf-8")))[1]
    assert platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-b"] == {
        "nodeSelector": {"labels": {"pool": "a"}}}
    proc, _ = _compile(cli, tmp_path / "bad", _two_steps('(settings={"orchestrator.kubeflow": '
                                                         '{"node_selectors": ["pool"]}})'), "--target", "kubeflow")
    assert proc.returncode == 2 and "error[PC321]: kubeflow setting `node_selectors` must be" in proc.stderr


def test_literal_with_a_kfp_placeholder_is_refused(cli, tmp_path: Path) -> None:
    """PC323: KFP would expand `{{$...}}` inside a literal argument."""
    body = _two_steps().replace("b(a())", 'b(a(x=1), id="b")').replace("y: int", "y: int, t: str = ''")
    body = body.replace('id="b"', 't="{{$.pipeline_job_name}}"')
    proc, _ = _compile(cli, tmp_path, body, "--target", "kubeflow")
    assert proc.returncode == 2 and "error[PC323]" in proc.stderr


@pytest.mark.parametrize("target", ["kubeflow", "vertex"])
def test_untyped_string_parameter_is_fixed_with_a_warning(cli, tmp_path: Path, target: str) -> None:
    """PC322: a parameter KFP cannot type keeps its compile-time value in the argv."""
    body = """
    @step
    def a(x) -> int:
        return 1

    @pipeline
    def p(x="text"):
        a(x=x)
    """
    proc, out = _compile(cli, tmp_path, body, "--target", target)
    assert proc.returncode == 0 and "warning[PC322]" in proc.stderr
    text = next((out / target).iterdir()).read_text(encoding="utf-8")
    assert 'x="text"' in text or 'x=\\"text\\"' in text
    assert "inputDefinitions" not in text


def test_gpu_type_without_count_warns(cli, tmp_path: Path) -> None:
    """PC304 warning: a GPU type alone requests no GPU."""
    proc, _ = _compile(cli, tmp_path, _two_steps('(resources=Resources(gpu_type="nvidia-l4"))'), "--target", "kubeflow")
    assert proc.returncode == 0 and "warning[PC304]" in proc.stderr


def test_artifact_store_warnings(cli, tmp_path: Path) -> None:
    """PC307 for a chosen local store shared by several pods (the default gets one note); none with a bucket
    or a mounted claim."""
    proc, _ = _compile(cli, tmp_path / "a", _two_steps(), "--target", "kubeflow", "--target", "vertex")
    assert proc.returncode == 0 and "PC307" not in proc.stderr and proc.stderr.count("note: artifacts go to") == 1
    proc, _ = _compile(cli, tmp_path / "a2", _two_steps(), "--target", "kubeflow", "--target", "vertex",
                       "--option", "artifact_store=/data")
    assert proc.returncode == 0 and proc.stderr.count("warning[PC307]") == 2 and "note:" not in proc.stderr
    proc, _ = _compile(cli, tmp_path / "b", _two_steps(), "--target", "kubeflow", "--option", "kubeflow.pvc=claim")
    assert proc.returncode == 0 and "PC307" not in proc.stderr
    proc, _ = _compile(cli, tmp_path / "c", _two_steps(), "--target", "kubeflow", "--target", "vertex",
                       "--option", "artifact_store=gs://bucket/pipec")
    assert proc.returncode == 0 and "PC307" not in proc.stderr


def test_option_errors(cli, tmp_path: Path) -> None:
    """PC302: a claim for a remote store, a pipeline root that is not on GCS."""
    proc, _ = _compile(cli, tmp_path / "a", _two_steps(), "--target", "kubeflow", "--option", "pvc=claim",
                       "--option", "artifact_store=s3://b/p")
    assert proc.returncode == 2 and "error[PC302]: option `pvc`" in proc.stderr
    proc, _ = _compile(cli, tmp_path / "b", _two_steps(), "--target", "vertex", "--option", "pipeline_root=/tmp/x")
    assert proc.returncode == 2 and "error[PC302]: option `pipeline_root`" in proc.stderr


def test_fuse_path_becomes_the_gcs_output_directory(cli, tmp_path: Path) -> None:
    """An artifact store under Vertex's /gcs/ mount is shared and names the job's output folder."""
    proc, out = _compile(cli, tmp_path, _two_steps(), "--target", "vertex", "--option", "artifact_store=/gcs/bkt/runs")
    assert proc.returncode == 0 and "PC307" not in proc.stderr
    job = json.loads((out / "vertex" / "p.json").read_text(encoding="utf-8"))
    assert job["runtimeConfig"]["gcsOutputDirectory"] == "gs://bkt/runs"
