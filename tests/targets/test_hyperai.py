"""The hyperai target's compile: what it adds to local_docker's compose file, and its crontab line.

The compose files themselves (every golden: compose's own ``config -q`` and the compose-spec
schema; hostile text through the real binary's interpolation) are proven with local_docker's
in tests/targets/test_local_docker.py; the submit over SSH in test_hyperai_submit.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipec.targets.hyperai.names import marker, remote_folder
from pipec.targets.hyperai.schedule import crontab_line, merged_crontab
from tests.helpers.kube_proofs import compile_source
from tests.targets.test_local_docker import SCHEMA, _interpolated, compose

REPO = Path(__file__).resolve().parents[2]

SETTINGS_SOURCE = '''
from pipec import pipeline, step


@step(settings={"orchestrator.hyperai": {"mounts_from_to": {"/data/$USER/in": "/in put", "/models": "/models"}}})
def first() -> int:
    return 1


@step(settings={"orchestrator.hyperai": {"mounts_from_to": {"relative": "/x"}, "colour": "red"},
                "resources": {"gpu_count": 2}})
def second(x: int) -> int:
    return x


@pipeline
def mounts(settings={"orchestrator.hyperai": {"mounts_from_to": {}}}):
    second(first())
'''


def _pipec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipec", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def _compose_of(tmp_path: Path, source_text: str, options: dict[str, str] | None = None) -> tuple[dict, Path]:
    source = tmp_path / "run.py"
    source.write_text(source_text, encoding="utf-8")
    outputs, diagnostics = compile_source(source, "hyperai", options=options)
    assert not diagnostics.has_errors, [str(d) for d in diagnostics.sorted()]
    (_, files), = outputs
    (name, text), = files.items()
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return yaml.safe_load(text), path


def test_mounts_from_to_become_bind_mounts_or_errors(tmp_path: Path) -> None:
    source = tmp_path / "run.py"
    source.write_text(SETTINGS_SOURCE, encoding="utf-8")
    done = _pipec("compile", str(source), "--target", "hyperai", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "error[PC386]: mount 'relative' -> '/x' of `mounts_from_to` needs two absolute paths" in done.stderr
    assert "warning[PC308]: setting `colour` in `orchestrator.hyperai`" in done.stderr
    document, path = _compose_of(tmp_path, SETTINGS_SOURCE.replace('"relative"', '"/relative"'))
    first = document["services"]["first"]
    assert first["volumes"][1:] == [{"type": "bind", "source": "/data/$$USER/in", "target": "/in put"},
                                    {"type": "bind", "source": "/models", "target": "/models"}]
    assert first["volumes"][0] == {"type": "volume", "source": "pipec-data", "target": "/pipec"}
    assert compose(path, "config", "-q", env={"PIPEC_RUN_ID": "r"}).returncode == 0
    real = _interpolated(path, {"PIPEC_RUN_ID": "r", "USER": "someone"})
    assert [(v["source"], v["target"]) for v in real["first"]["volumes"] if v["type"] == "bind"] == [
        ("/data/$USER/in", "/in put"), ("/models", "/models")]


@pytest.fixture(scope="module")
def validator():
    from jsonschema import Draft7Validator

    return Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_gpu_enabled_in_container_reserves_every_gpu_for_the_others(tmp_path: Path, validator) -> None:
    source = SETTINGS_SOURCE.replace('"relative"', '"/relative"')
    plain, _ = _compose_of(tmp_path, source)
    assert "deploy" not in plain["services"]["first"]
    document, path = _compose_of(tmp_path, source, {"gpu_enabled_in_container": "true"})
    reservations = {name: s["deploy"]["resources"]["reservations"]["devices"]
                    for name, s in document["services"].items()}
    assert reservations == {"first": [{"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}],
                            "second": [{"driver": "nvidia", "count": 2, "capabilities": ["gpu"]}]}
    assert compose(path, "config", "-q", env={"PIPEC_RUN_ID": "r"}).returncode == 0
    assert list(validator.iter_errors(document)) == []


def test_the_run_id_message_names_the_target(tmp_path: Path) -> None:
    path = REPO / "golden/diamond/hyperai/diamond.compose.yaml"
    done = compose(path, "config", "-q")
    assert done.returncode != 0 and "(pipec submit --target hyperai does)" in done.stderr


# --------------------------------------------------------------------------- schedules

SCHEDULED = '''
from zenml import pipeline, step
from zenml.config.schedule import Schedule


@step
def only() -> int:
    return 1


@pipeline
def nightly():
    only()


nightly.with_options(schedule=Schedule(cron_expression="{cron}"{extra}))()
'''


def test_a_cron_schedule_writes_the_crontab_line(tmp_path: Path) -> None:
    source = tmp_path / "run.py"
    source.write_text(SCHEDULED.format(cron="5 4 * * *", extra=', start_time="2030-01-01T00:00:00"'), encoding="utf-8")
    done = _pipec("compile", str(source), "--target", "hyperai", "--out", str(tmp_path / "out"),
                  "--option", "remote_dir=/srv/runs 100%", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "crontab entries have no start time; it is ignored" in done.stderr
    line = (tmp_path / "out/hyperai/nightly.crontab").read_text()
    assert line == ("5 4 * * * cd '/srv/runs 100\\%/nightly' && PIPEC_RUN_ID=\"$(cat /proc/sys/kernel/random/uuid)\" "
                    "docker compose -f nightly.compose.yaml up --detach >>nightly.cron.log 2>&1 "
                    "# pipec-hyperai:nightly\n")


def test_an_interval_schedule_is_reported(tmp_path: Path) -> None:
    source = tmp_path / "run.py"
    source.write_text(SCHEDULED.replace('cron_expression="{cron}"', "interval_second=3600").format(extra=""),
                      encoding="utf-8")
    done = _pipec("compile", str(source), "--target", "hyperai", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "HyperAI crontab entries take no interval schedule; the schedule is ignored" in done.stderr
    assert sorted(p.name for p in (tmp_path / "out/hyperai").iterdir()) == ["nightly.compose.yaml"]


def test_the_crontab_merge_replaces_the_pipelines_line_only() -> None:
    line = crontab_line("0 1 * * *", "runs/p", "p.compose.yaml", ["docker", "compose"], "p")
    other = "0 2 * * * backup.sh # keep me"
    once = merged_crontab(f"MAILTO=x\n{other}\n", line, "p")
    assert once == f"MAILTO=x\n{other}\n{line}\n"
    newer = line.replace("0 1", "0 9", 1)
    assert merged_crontab(once, newer, "p") == f"MAILTO=x\n{other}\n{newer}\n"
    assert merged_crontab("", line, "p") == line + "\n"
    both = merged_crontab(once, "x # pipec-hyperai:p2", "p2")
    assert both == f"{once}x # pipec-hyperai:p2\n"
    assert merged_crontab(both, line, "p") == f"MAILTO=x\n{other}\nx # pipec-hyperai:p2\n{line}\n"
    assert line.endswith(" " + marker("p"))


# --------------------------------------------------------------------------- listing and imports


def test_pipec_targets_lists_hyperai_with_its_options(tmp_path: Path) -> None:
    done = _pipec("targets", cwd=tmp_path)
    assert done.returncode == 0
    listed = done.stdout[done.stdout.index("\nhyperai"):]
    for option in ("host", "port", "user", "key_env", "known_hosts", "remote_dir", "registry",
                   "gpu_enabled_in_container", "compose", "metadata_store"):
        assert f"--option hyperai.{option}=" in listed


def test_compiling_does_not_import_paramiko(tmp_path: Path) -> None:
    code = ("import sys, pathlib\nfrom tests.helpers.kube_proofs import compile_source\n"
            f"compile_source(pathlib.Path({str(REPO / 'examples/diamond/run.py')!r}), 'hyperai')\n"
            "print('paramiko' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


def test_zenmls_settings_class_is_read(tmp_path: Path) -> None:
    source = '''
from zenml import pipeline, step
from zenml.integrations.hyperai.flavors.hyperai_orchestrator_flavor import HyperAIOrchestratorSettings


@step(settings={"orchestrator.hyperai": HyperAIOrchestratorSettings(mounts_from_to={"/mnt/data": "/data"})})
def only() -> int:
    return 1


@pipeline
def zpipe():
    only()
'''
    document, _ = _compose_of(tmp_path, source)
    assert document["services"]["only"]["volumes"][-1] == {"type": "bind", "source": "/mnt/data", "target": "/data"}


def test_the_remote_folder_is_below_home_unless_absolute() -> None:
    assert remote_folder("", "p") == "pipeline-runs/p"
    assert remote_folder("~/runs", "p") == "runs/p" and remote_folder("~", "p") == "./p"
    assert remote_folder("/srv/runs", "p") == "/srv/runs/p" and remote_folder("~x/r", "p") == "~x/r/p"
