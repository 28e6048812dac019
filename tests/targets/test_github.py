"""The `github` target, proven by tools someone else wrote and by running what it emits.

* check-jsonschema's vendored GitHub workflow schema and actionlint (with shellcheck passed
  explicitly, proven to run) accept every golden workflow and the option variants here with
  zero findings, and reject broken workflows.
* A model of GitHub's template reader (`github_template`, below: how ``${{ }}`` is found
  and evaluated in every workflow string) finds no expression but the compiler's own, and
  gives back every hostile value unchanged.
* The ``run:`` scripts are executed with ``sh -e`` (GitHub's ``shell: sh``) with the
  evaluated ``env:`` and a fake ``python`` on PATH: the argv it receives equals the runtime
  shim's argv from `shim_command`, for dispatch inputs and for scheduled runs; the retry
  loop is run the same way.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipec.compiler import api
from pipec.compiler.driver import compile_targets, select_targets
from pipec.ir import Pipeline, Schedule
from pipec.ir.diagnostics import Diagnostics, render_all
from pipec.runtime.command import shim_command
from pipec.targets.common import DEFAULT_ARTIFACT_STORE, DEFAULT_SOURCE_ROOT
from pipec.targets.github.expr import literal
from pipec.targets.github.schedule import ScheduleError, github_cron, schedule_trigger
from tests.helpers import requires
from tests.helpers.engines.github import (
    RUN_ID,
    UnexpectedExpression,
    evaluate_tree,
    github_template,
    make_fakebin,
    parse_workflow,
    run_step_script,
    workflow_context,
)

REPO = Path(__file__).resolve().parents[2]
GOLDEN = sorted(REPO.glob("golden/*/github*/*.yml"))

# --------------------------------------------------------------------------- tools


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    """actionlint with shellcheck passed explicitly (it silently skips run: scripts without one)."""
    return [requires.tool("actionlint"), "-no-color", "-oneline", "-shellcheck", requires.tool("shellcheck"), "-pyflakes="]


@pytest.fixture(scope="module")
def check_jsonschema() -> list[str]:
    return [requires.tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300)


# --------------------------------------------------------------------------- compiling

HOSTILE_PROJECT = '''
from pipec import Docker, Resources, Retry, pipeline, step


@step(docker=Docker(requirements=["pkg; python_version<'4' $(id)", "${{ secrets.PIP }}"],
                    apt_packages=["curl", "`id`"]))
def produce(text: str, items: list) -> str:
    return text


@step(docker=Docker(environment={"HOSTILE": "${{ secrets.TOKEN }} $(id) `id` it's \\"q\\"", "PLAIN": "yes"}),
      retry=Retry(max_retries=2, delay=1.5, backoff=2), resources=Resources(gpu=1, cpu=0.5, memory="1GiB"))
def consume(value: str, note: str, flag: bool, ratio: float) -> str:
    return value + note


@pipeline(name="p ${{ github.token }} 'q' on")
def hostile(note: str = "${{ secrets.API_KEY }}\\n'$(id)' `id` \\"q\\" yes }}", items: list = ["${{ x }}", "on"],
            flag: bool = True, ratio: float = 0.25):
    v = produce(text="${{ github.event.issue.title }}", items=items, id="make ${{ github.actor }}")
    consume(v, note=note, flag=flag, ratio=ratio, id="use it")
'''

SCHEDULED = HOSTILE_PROJECT.replace('@pipeline(name="p ${{ github.token }} \'q\' on")',
                                    '@pipeline(name="p ${{ github.token }} \'q\' on", '
                                    'schedule=Schedule(cron="@daily"))').replace(
    "from pipec import Docker,", "from pipec import Schedule, Docker,")


def _project(tmp_path: Path, source: str, name: str = "proj") -> Path:
    root = tmp_path / name
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "run.py").write_text(source)
    return root


def _load(entry: Path, config: Path | None = None):
    result = api.load(entry, config=config)
    assert not result.diagnostics.has_errors, render_all(result.diagnostics, result.root)
    return result


def _compile(entry: Path, options: dict[str, str] | None = None, config: Path | None = None):
    """(workflow text, pipeline, diagnostics) for the single pipeline of `entry`."""
    result = _load(entry, config)
    files, diags = compile_targets(result, ["github"], options or {})
    assert not diags.has_errors, render_all(diags, result.root)
    (text,) = files.values()
    return text, result.program.pipelines[0], diags


def _options(options: dict[str, str] | None = None) -> dict[str, str]:
    (selected,) = select_targets(["github"], options or {}, Diagnostics())
    merged = dict(selected.options)
    if merged.get("mode") == "setup-python" and merged.get("source_root") == DEFAULT_SOURCE_ROOT:
        merged["source_root"] = "."
    return merged


def _example(case: str) -> tuple[Path, Path | None]:
    folder = REPO / "examples" / case
    config = folder / "config.yaml"
    return folder / "run.py", config if config.is_file() else None


# --------------------------------------------------------------------------- running scripts

@pytest.fixture()
def fakebin(tmp_path: Path) -> Path:
    """A PATH with only fake `python`, `sleep` and `sudo` that log their argv (no rm, no id)."""
    return make_fakebin(tmp_path)


def _jobs_by_step(workflow: dict, pipeline: Pipeline) -> dict[str, dict]:
    """Evaluated jobs keyed by the step id their (display) name gives back."""
    ids = {s.id for s in pipeline.steps}
    jobs = {job.get("name", job_id): job for job_id, job in workflow["jobs"].items()}
    assert set(jobs) == ids, "job names do not give back the step ids"
    return jobs


def _user_strings(pipeline: Pipeline) -> set[str]:
    """Strings from the user's source that a shell or GitHub could misread."""
    values: list = [pipeline.name]
    for param in pipeline.parameters:
        values += [param.default, param.value]
    for step in pipeline.steps:
        values.append(step.id)
        values += [b.source.value for b in step.inputs if hasattr(b.source, "value")]
        docker = step.settings.docker
        if docker is not None:
            values += [v for _, v in docker.environment] + list(docker.requirements) + list(docker.apt_packages)
    flat: set[str] = set()
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and re.search(r"[$`'\"{};\n]", item):
                flat |= {item, json.dumps(item, ensure_ascii=False)}
    return flat


def _assert_scripts_hold_no_user_text(data: dict, pipeline: Pipeline) -> None:
    hostile = _user_strings(pipeline)
    assert hostile, "the pipeline has no hostile value to look for"
    for job in data["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                assert not [v for v in hostile if v in step["run"]], step["run"]
                assert "${{" not in step["run"]


def check_round_trip(text: str, pipeline: Pipeline, options: dict[str, str], fakebin: Path,
                     inputs: dict[str, str]) -> None:
    """Evaluate `text` for a dispatch with `inputs` and for a scheduled run, run every step
    script, and compare the argv the fake python got with the shim's own argv."""
    data = parse_workflow(text)
    _assert_scripts_hold_no_user_text(data, pipeline)
    for event, given_inputs in (("workflow_dispatch", inputs), ("schedule", None)):
        if event == "schedule" and "schedule" not in data["on"]:
            continue
        workflow = evaluate_tree(data, workflow_context(pipeline, given_inputs))
        assert workflow["name"] == pipeline.name
        for step_id, job in _jobs_by_step(workflow, pipeline).items():
            step = pipeline.step(step_id)
            values = {}
            for param in pipeline.parameters:
                if param.name not in data["on"]["workflow_dispatch"].get("inputs", {}):
                    continue  # a compile-time value
                if given_inputs is not None:
                    values[param.name] = given_inputs[param.name]
                else:
                    value = param.value if param.known else param.default
                    values[param.name] = value if param.type == "str" else json.dumps(
                        value, ensure_ascii=False, separators=(",", ":"))
            expected = shim_command(pipeline, step, run_id=RUN_ID, artifact_store=options["artifact_store"],
                                    metadata_store=options.get("metadata_store") or None,
                                    python=options["python"], source_root=options["source_root"],
                                    parameter_placeholders=values, placeholder_encoding="text")
            status, calls = run_step_script(job["steps"][-1], job.get("env", {}), fakebin, event)
            assert status == 0
            assert calls == [["python"] + expected[1:]], f"{event}: step `{step_id}` got another argv"


# --------------------------------------------------------------------------- validators


def test_goldens_exist_for_every_example() -> None:
    """Every example has a default and a setup-python golden workflow (what the validators read)."""
    cases = {p.parent.name for p in (REPO / "examples").glob("*/run.py")}
    assert {(p.parent.parent.name, p.parent.name) for p in GOLDEN} >= {
        (c, v) for c in cases for v in ("github", "github@setup-python")}


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Workflows beyond the goldens: GPU runner, secrets, s3 store, metadata store, hostile names."""
    out = tmp_path_factory.mktemp("variants")
    written = []
    cases = [
        ("pipec_project", {"gpu_runner": "self-hosted,gpu", "artifact_store": "s3://bucket/pipec",
                           "secrets": "AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY",
                           "metadata_store": "postgresql://db/pipec"}),
        ("zenml_new_api", {"mode": "setup-python", "gpu_runner": "gpu", "runner": "ubuntu-24.04"}),
    ]
    for case, options in cases:
        entry, config = _example(case)
        text, _, _ = _compile(entry, options, config)
        path = out / f"{case}.yml"
        path.write_text(text)
        written.append(path)
    for name, source in (("hostile", HOSTILE_PROJECT), ("scheduled", SCHEDULED)):
        root = _project(out, source, name)
        for mode in ("container", "setup-python"):
            text, _, _ = _compile(root / "run.py", {"mode": mode, "gpu_runner": "gpu"})
            path = out / f"{name}-{mode}.yml"
            path.write_text(text)
            written.append(path)
    return written


def _actionlint_config(tmp_path: Path) -> Path:
    config = tmp_path / "actionlint.yaml"
    config.write_text("self-hosted-runner:\n  labels: [gpu]\n")
    return config


def test_check_jsonschema_accepts_every_workflow(check_jsonschema: list[str], variants: list[Path]) -> None:
    proc = _run(check_jsonschema + [str(p) for p in GOLDEN + variants], REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_with_shellcheck_accepts_every_workflow(actionlint: list[str], variants: list[Path],
                                                           tmp_path: Path) -> None:
    """Zero findings, shellcheck on every run: script included (custom label `gpu` declared)."""
    config = _actionlint_config(tmp_path)
    proc = _run(actionlint + ["-config-file", str(config)] + [str(p) for p in GOLDEN + variants], REPO)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def _golden(case: str, variant: str = "github") -> Path:
    (path,) = (REPO / "golden" / case / variant).glob("*.yml")
    return path


def test_check_jsonschema_rejects_a_broken_workflow(check_jsonschema: list[str], tmp_path: Path) -> None:
    data = yaml.safe_load(_golden("diamond").read_text())
    next(iter(data["jobs"].values()))["runs-on"] = {"labels": 5}
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(data, sort_keys=False))
    proc = _run(check_jsonschema + [str(broken)], tmp_path)
    assert proc.returncode == 1 and "runs-on" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def test_actionlint_rejects_a_broken_workflow(actionlint: list[str], tmp_path: Path) -> None:
    data = yaml.safe_load(_golden("diamond").read_text())
    list(data["jobs"].values())[-1]["needs"] = ["no_such_job"]
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(data, sort_keys=False))
    proc = _run(actionlint + [str(broken)], tmp_path)
    assert proc.returncode == 1 and "no_such_job" in proc.stdout, proc.stdout + proc.stderr


def test_actionlint_really_runs_shellcheck(actionlint: list[str], tmp_path: Path) -> None:
    """A run: script with an unquoted variable is a shellcheck finding; without shellcheck it is not."""
    data = yaml.safe_load(_golden("diamond").read_text())
    step = next(iter(data["jobs"].values()))["steps"][-1]
    step["run"] = step["run"].replace('"$PIPEC_ARG_1"', "$PIPEC_ARG_1")
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    proc = _run(actionlint + [str(bad)], tmp_path)
    assert proc.returncode == 1 and "SC2086" in proc.stdout and "[shellcheck]" in proc.stdout, proc.stdout
    without = [arg for arg in actionlint if arg not in ("-shellcheck", actionlint[actionlint.index("-shellcheck") + 1])]
    assert _run(without + ["-shellcheck=", str(bad)], tmp_path).returncode == 0


# --------------------------------------------------------------------------- expressions


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("${}'\" \n\\ab")) | st.characters(), max_size=40))
def test_literal_survives_githubs_evaluation(text: str) -> None:
    assert github_template(literal(text), {}) == text


def test_the_evaluator_catches_an_unescaped_value() -> None:
    """The check can fail: a value written without escaping is an expression GitHub would run."""
    with pytest.raises(UnexpectedExpression):
        evaluate_tree(yaml.safe_load('env:\n  X: gha="${{ github.token }}"\n'), {})


def test_the_on_key_is_a_string_for_every_reader() -> None:
    for path in GOLDEN:
        text = path.read_text()
        assert "\n'on':\n" in text
        parse_workflow(text)


# --------------------------------------------------------------------------- round trips


def test_hostile_strings_round_trip_through_dispatch_and_scripts(fakebin: Path) -> None:
    """examples/hostile_strings: every value reaches the shim unchanged, `${{ }}` included."""
    entry, config = _example("hostile_strings")
    text, pipeline, _ = _compile(entry, config=config)
    assert text == _golden("hostile_strings").read_text()
    typed = "${{ github.token }} $(id) `id` 'q' \"d\"\nline two; yes"
    check_round_trip(text, pipeline, _options(), fakebin, {"note": typed})
    # The values themselves, as the example spells them (the argv above is compared whole).
    workflow = evaluate_tree(parse_workflow(text), workflow_context(pipeline, {"note": typed}))
    env = workflow["jobs"]["echo_values_v2-final-ead98f10"]["steps"][-1]["env"]
    params = {v.split("=", 1)[0]: json.loads(v.split("=", 1)[1]) for v in env.values() if re.match(r"\w+=[\"\[]", v)}
    assert params["gha"] == "${{ github.token }} ${{ secrets.API_KEY }}"
    assert params["shell"] == "$(rm -rf /); `id`; echo $HOME && exit 1 | cat > /dev/null"
    assert params["multiline"] == "line one\nline two\n\ttabbed\r\nwindows line"
    assert params["yaml_words"] == ["yes", "no", "on", "off", "null", "~", "True", "1e3", "0o17"]
    assert params["unicode_text"] == "naïve ☃ 日本 — ünïcödé \u200b zero-width"
    assert workflow["jobs"]["check"]["env"] == {"GREETING": "it's \"quoted\" & $HOME",
                                               "TEMPLATE": "{{ var.value.x }}"}


@pytest.mark.parametrize("mode", ["container", "setup-python"])
@pytest.mark.parametrize("source", ["hostile", "scheduled"])
def test_hostile_names_defaults_and_inputs_round_trip(source: str, mode: str, tmp_path: Path,
                                                      fakebin: Path) -> None:
    """`${{` in the pipeline name, a step id, defaults, env values and requirements stays literal;
    dispatch inputs and (scheduled) compile-time defaults both reach the shim unchanged."""
    root = _project(tmp_path, HOSTILE_PROJECT if source == "hostile" else SCHEDULED)
    text, pipeline, _ = _compile(root / "run.py", {"mode": mode})
    inputs = {"note": "${{ secrets.X }}\n$(id)", "items": '["${{ y }}", "off"]', "flag": "false", "ratio": "0.5"}
    check_round_trip(text, pipeline, _options({"mode": mode}), fakebin, inputs)
    workflow = evaluate_tree(parse_workflow(text), workflow_context(pipeline, inputs))
    dispatch = workflow["on"]["workflow_dispatch"]["inputs"]
    assert dispatch["note"]["default"] == "${{ secrets.API_KEY }}\n'$(id)' `id` \"q\" yes }}"
    assert json.loads(dispatch["items"]["default"]) == ["${{ x }}", "on"]
    assert (dispatch["flag"]["type"], dispatch["flag"]["default"]) == ("boolean", True)
    assert (dispatch["ratio"]["type"], dispatch["ratio"]["default"]) == ("number", 0.25)
    jobs = _jobs_by_step(workflow, pipeline)
    assert jobs["use it"]["env"]["HOSTILE"] == "${{ secrets.TOKEN }} $(id) `id` it's \"q\""
    if mode == "setup-python":
        install = jobs["make ${{ github.actor }}"]["steps"]
        status, calls = run_step_script(install[-3], {}, fakebin, "workflow_dispatch")
        assert status == 0 and calls == [["sudo", "apt-get", "update", "-qq"],
                                         ["sudo", "apt-get", "install", "-y", "-qq", "--no-install-recommends",
                                          "curl", "`id`"]]
        status, calls = run_step_script(install[-2], {}, fakebin, "workflow_dispatch")
        assert status == 0 and calls == [["python", "-m", "pip", "install", "pipec[runtime]",
                                          "pkg; python_version<'4' $(id)", "${{ secrets.PIP }}"]]


# --------------------------------------------------------------------------- retries


@pytest.mark.parametrize(("codes", "status", "attempts", "sleeps"), [
    ("0", 0, 1, []),
    ("1 0", 0, 2, [["sleep", "1.5"]]),
    ("1 137 0", 0, 3, [["sleep", "1.5"], ["sleep", "3"]]),
    ("1 1 3", 3, 3, [["sleep", "1.5"], ["sleep", "3"]]),
    ("2", 2, 1, []),
])
def test_retry_loop(codes: str, status: int, attempts: int, sleeps: list, tmp_path: Path, fakebin: Path) -> None:
    """Retry(max_retries=2, delay=1.5, backoff=2): up to 3 attempts, sleeping 1.5 s then 3 s;
    exit status 2 (malformed command line) is not retried; the last status is the job's."""
    root = _project(tmp_path, HOSTILE_PROJECT)
    text, pipeline, _ = _compile(root / "run.py")
    workflow = evaluate_tree(parse_workflow(text), workflow_context(pipeline, {p.name: "0" for p in pipeline.parameters}))
    job = _jobs_by_step(workflow, pipeline)["use it"]
    got, calls = run_step_script(job["steps"][-1], job.get("env", {}), fakebin, "workflow_dispatch", codes)
    assert got == status
    assert len([c for c in calls if c[0] == "python"]) == attempts
    assert [c for c in calls if c[0] == "sleep"] == sleeps


# --------------------------------------------------------------------------- options and mapping


def test_needs_runners_container_options_and_secrets() -> None:
    entry, config = _example("pipec_project")
    text, pipeline, diags = _compile(entry, {"gpu_runner": "self-hosted,gpu", "artifact_store": "s3://b/p",
                                             "secrets": "AWS_ACCESS_KEY_ID"}, config)
    jobs = yaml.safe_load(text)["jobs"]
    for step in pipeline.steps:
        assert jobs[step.id].get("needs", []) == list(step.upstream)
    assert jobs["fit_0"]["runs-on"] == ["self-hosted", "gpu"] and jobs["clean"]["runs-on"] == "ubuntu-latest"
    assert jobs["fit_0"]["container"]["options"] == f"--cpus 2 --memory {4 * 2**30} --gpus 1"
    assert jobs["clean"]["env"] == {"AWS_ACCESS_KEY_ID": "${{ secrets.AWS_ACCESS_KEY_ID }}"}
    assert [d.code for d in diags] == []  # s3 store and a GPU runner: nothing to warn about


def test_after_edges_become_needs() -> None:
    entry, config = _example("quickstart_old_api")
    text, pipeline, _ = _compile(entry, config=config)
    assert "data_checker" in pipeline.step("get_dataframe").after
    assert yaml.safe_load(text)["jobs"]["get_dataframe"]["needs"] == ["data_checker"]


def test_default_compile_notes_the_default_store_and_warns_about_gpus() -> None:
    """The default folder store is pipec's choice, not the user's: one note, no warning; GPUs still warn."""
    entry, config = _example("pipec_project")
    _, _, diags = _compile(entry, config=config)
    codes = [d.code for d in diags]
    assert codes.count("PC307") == 0 and codes.count("PC343") == 3
    assert len(diags.notices) == 1 and "default folder /pipec/artifacts" in next(iter(diags.notices))
    _, _, diags = _compile(entry, config=config, options={"artifact_store": "/mnt/store"})
    assert [d.code for d in diags].count("PC307") == 1 and not diags.notices


def _cli_errors(cli, tmp_path: Path, source: str, *options: str) -> str:
    root = _project(tmp_path, source)
    proc = cli.run(["compile", str(root / "run.py"), "--target", "github", "--out", str(tmp_path / "out"),
                    *[a for o in options for a in ("--option", o)]])
    assert cli.traceback not in proc.stderr
    assert proc.returncode == 2, proc.stderr
    assert not (tmp_path / "out").exists()
    return proc.stderr


SIMPLE = '''
from pipec import Schedule, pipeline, step


@step
def one(x: str) -> None:
    pass


@pipeline(schedule=Schedule(SCHEDULE))
def simple(x: str):
    one(x=x)
'''


def test_errors(cli, tmp_path: Path) -> None:
    stderr = _cli_errors(cli, tmp_path / "a", SIMPLE.replace("SCHEDULE", "interval_seconds=420"))
    assert "error[PC342]" in stderr and "7 minutes does not divide an hour" in stderr
    assert "error[PC345]" in stderr and "`x` has no value for scheduled runs" in stderr
    stderr = _cli_errors(cli, tmp_path / "b", SIMPLE.replace("SCHEDULE", "cron='0 1 * * *'").replace(
        "x: str)", "x: str = 'a')"), "secrets=GITHUB_TOKEN,ok", "runner=bad label")
    assert "error[PC344]: invalid secret name `GITHUB_TOKEN`" in stderr
    assert "error[PC344]: invalid runner label `bad label`" in stderr
    names = SIMPLE.replace("SCHEDULE", "cron='0 1 * * *'").replace("x", "naïve").replace(
        "@step", '@step(docker=Docker(environment={"BAD-NAME": "1"}))').replace("import Schedule", "import Docker, Schedule")
    stderr = _cli_errors(cli, tmp_path / "c", names.replace("naïve: str)", "naïve: str = 'a')"))
    assert "error[PC340]: pipeline parameter `naïve` is not a valid workflow_dispatch input name" in stderr
    assert "error[PC340]: environment variable name `BAD-NAME` of step `one`" in stderr


def test_more_parameters_than_dispatch_inputs(tmp_path: Path, fakebin: Path) -> None:
    """GitHub takes 25 inputs: later parameters keep their compile-time value (PC346)."""
    names = [f"p{i:02d}" for i in range(27)]
    source = SIMPLE.replace("x: str)", ", ".join(f"{n}: str = '{n} $(id)'" for n in names) + ")").replace(
        "def one(x: str)", "def one(" + ", ".join(f"{n}: str" for n in names) + ")").replace(
        "one(x=x)", "one(" + ", ".join(f"{n}={n}" for n in names) + ")").replace(
        "@pipeline(schedule=Schedule(SCHEDULE))", "@pipeline").replace("Schedule, ", "")
    text, pipeline, diags = _compile(_project(tmp_path, source) / "run.py", {"artifact_store": "s3://b/p"})
    assert [(d.code, d.severity) for d in diags] == [("PC346", "warning")] * 2
    assert list(yaml.safe_load(text)["on"]["workflow_dispatch"]["inputs"]) == names[:25]
    inputs = {n: f"typed {n}" for n in names[:25]} | {n: f"{n} $(id)" for n in names[25:]}
    check_round_trip(text, pipeline, _options({"artifact_store": "s3://b/p"}), fakebin, inputs)


def test_ignored_schedule_settings_warn(tmp_path: Path) -> None:
    source = SIMPLE.replace("SCHEDULE", "cron='0 1 * * *', start_time='2024-01-01T00:00:00', "
                                        "end_time='2025-01-01T00:00:00', catchup=True").replace("x: str)", "x: str = 'a')")
    _, _, diags = _compile(_project(tmp_path, source) / "run.py", {"artifact_store": "s3://b/p"})
    assert sorted(d.message for d in diags) == [
        "GitHub schedules do not run missed intervals; `catchup` is ignored",
        "GitHub schedules have no end time; it is ignored",
        "GitHub schedules have no start time; it is ignored"]


@pytest.mark.parametrize(("schedule", "cron"), [
    (Schedule(cron="*/5 * * * *"), "*/5 * * * *"),
    (Schedule(cron="@daily"), "0 0 * * *"),
    (Schedule(cron="@weekly"), "0 0 * * 0"),
    (Schedule(interval_seconds=300), "*/5 * * * *"),
    (Schedule(interval_seconds=900, start_time="2024-01-01T10:05:00"), "5-59/15 * * * *"),
    (Schedule(interval_seconds=3600, start_time="2024-01-01T10:30:00+02:00"), "30 * * * *"),
    (Schedule(interval_seconds=6 * 3600, start_time="2024-01-01T07:10:00"), "10 1-23/6 * * *"),
    (Schedule(interval_seconds=86400, start_time="2024-01-01T10:30:00+02:00"), "30 8 * * *"),
    (Schedule(interval_seconds=7 * 86400, start_time="2024-01-03T04:00:00"), "0 4 * * 3"),
])
def test_schedule_to_cron(schedule: Schedule, cron: str) -> None:
    assert github_cron(schedule) == cron


@pytest.mark.parametrize("seconds", [90, 420, 5 * 3600, 2 * 86400, 0.5])
def test_schedule_without_exact_cron(seconds: float) -> None:
    with pytest.raises(ScheduleError):
        github_cron(Schedule(interval_seconds=seconds))
    diags = Diagnostics()
    assert schedule_trigger(Schedule(interval_seconds=seconds), diags) is None
    assert [d.code for d in diags] == ["PC342"]


def test_schedule_trigger_reports_the_times_github_ignores() -> None:
    """An end time is always ignored, a start time only beside cron (an interval is phased by it)."""
    diags = Diagnostics()
    trigger = schedule_trigger(Schedule(cron="@daily", start_time="2024-01-01", end_time="2025-01-01"), diags)
    assert trigger == [{"cron": "0 0 * * *"}]
    assert sorted(d.message for d in diags) == ["GitHub schedules have no end time; it is ignored",
                                                "GitHub schedules have no start time; it is ignored"]
    diags = Diagnostics()
    assert schedule_trigger(Schedule(interval_seconds=3600, start_time="2024-01-01T10:30:00"), diags) == [
        {"cron": "30 * * * *"}]
    assert not list(diags)


def test_default_store_constant_is_what_the_warning_names() -> None:
    assert DEFAULT_ARTIFACT_STORE in (REPO / "golden" / "diamond" / "github" / "diamond.yml").read_text()
