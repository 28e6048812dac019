"""Stacks: config validation (snapshots), selection precedence, stack commands, and a stack's
settings reaching compile, submit and `pipec run`.

Snapshot cases live in tests/data/stacks/<case>.toml: header lines ``# pipec-args: ...`` (the
command) and ``# pipec-env: K=V ...``, then sections ``# --- <file>`` whose text is written to
that file in a fresh source root (a tiny `run.py` is always added). The exit code, stderr and
stdout must equal tests/snapshots/stacks/<case>.txt (the root's path shows as ROOT). Rewrite
them after an intended change with `pytest tests/test_stacks.py --update-snapshots`.
"""

from __future__ import annotations

import json
import shlex
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipec import stacks, targets
from pipec.cli.main import main
from pipec.ir.diagnostics import Diagnostics
from pipec.stacks.apply import resolve_artifact_store, resolve_metadata_store
from pipec.stacks.toml_spans import key_spans
from pipec.targets.base import POSITIVE_INT, OptionSpec, Submission
from pipec.targets.common import CONTAINER_OPTIONS

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "data" / "stacks"
SNAPSHOTS = HERE / "snapshots" / "stacks"
CASES = sorted(p.stem for p in CASES_DIR.glob("*.toml"))

RUN_PY = """\
from pipec import pipeline, step


@step
def make(n: int = 2) -> int:
    return n * 21


@step
def show(x: int) -> str:
    return f"x={x}"


@pipeline
def p():
    show(make())
"""


def make_root(tmp_path: Path, files: dict[str, str]) -> Path:
    """A source root holding `files` and the tiny pipeline `run.py`."""
    root = tmp_path / "proj"
    for rel, text in {"run.py": RUN_PY, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def parse_case(path: Path) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """``(pipec args, environment, {file: text})`` of a snapshot case."""
    args: list[str] = []
    env: dict[str, str] = {}
    files: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("# --- "):
            current = files.setdefault(line[len("# --- "):].strip(), [])
        elif current is not None:
            current.append(line)
        elif line.startswith("# pipec-args:"):
            args = shlex.split(line[len("# pipec-args:"):])
        elif line.startswith("# pipec-env:"):
            env.update(item.split("=", 1) for item in shlex.split(line[len("# pipec-env:"):]))
    return args, env, {name: "".join(lines) for name, lines in files.items()}


@pytest.fixture
def clean_env(monkeypatch):
    """No stack chosen through the environment, no debug tracebacks."""
    monkeypatch.delenv(stacks.ENV_VAR, raising=False)
    monkeypatch.delenv("PIPEC_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def pipec(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `pipec ARGV` in this process: (exit code, stdout, stderr); never a traceback."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# --------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize("case", CASES)
def test_stack_snapshot(case, tmp_path, monkeypatch, capsys, clean_env, request):
    args, env, files = parse_case(CASES_DIR / f"{case}.toml")
    root = make_root(tmp_path, files)
    monkeypatch.chdir(root)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code, out, err = pipec(capsys, *args)
    text = f"$ {' '.join(f'{k}={v}' for k, v in env.items())}{' ' if env else ''}pipec {shlex.join(args)}\n"
    text += f"exit code: {code}\n--- stderr\n{err}"
    if out:
        text += f"--- stdout\n{out}"
    actual = text.replace(str(root.resolve()), "ROOT").replace(str(root), "ROOT")
    assert code in (0, 2), actual
    if code == 2:
        assert "error" in err, actual

    snapshot = SNAPSHOTS / f"{case}.txt"
    if request.config.getoption("--update-snapshots"):
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(actual, encoding="utf-8")
        return
    assert snapshot.is_file(), f"no snapshot for {case}; run with --update-snapshots:\n{actual}"
    assert actual == snapshot.read_text(encoding="utf-8"), (
        f"output for {case} changed; if intended, run `pytest tests/test_stacks.py --update-snapshots`\n{actual}")


def test_no_stale_stack_snapshots(request):
    stale = sorted(p for p in SNAPSHOTS.glob("*.txt") if p.stem not in CASES)
    if request.config.getoption("--update-snapshots"):
        for path in stale:
            path.unlink()
        return
    assert not stale, f"snapshots without a case: {[p.name for p in stale]}"


# --------------------------------------------------------------------------- unit


def test_key_spans_find_headers_dotted_quoted_and_inline_keys():
    text = ('[tool.pipec]\nactive = "a"  # comment\n\n[tool.pipec.stacks."odd name"]\n'
            'doc = """\n[not.a.table]\nx = 1\n"""\ntarget = "ir"\n'
            'options = { retries = 3, nested = { deep = "v,}" }, after = [1, {a = 2}] }\n'
            'stacks.b.target = "x"\n')
    spans = key_spans(text, "pyproject.toml")
    at = {key: (span.line, span.column, span.end_column) for key, span in spans.items()}
    base = ("tool", "pipec")
    assert at[base] == (1, 1, 13)
    assert at[(*base, "active")] == (2, 1, 13)  # `active = "a"`, the comment left out
    assert at[(*base, "stacks", "odd name")][0] == 4
    assert (*base, "not") not in spans and ("not",) not in spans  # inside a multi-line string
    assert at[(*base, "stacks", "odd name", "target")][:2] == (9, 1)
    options = (*base, "stacks", "odd name", "options")
    assert at[(*options, "retries")] == (10, 13, 24)
    assert at[(*options, "nested", "deep")][:2] == (10, 37)
    assert at[(*options, "after")][:2] == (10, 53)
    assert at[(*base, "stacks", "odd name", "stacks", "b", "target")][:2] == (11, 1)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='[]{}"\'=.,# \t\nab\\1"', max_size=80))
def test_key_spans_never_raise(text):
    for span in key_spans(text, "x.toml").values():
        assert span.line >= 1 and span.end_column >= span.column


@pytest.mark.parametrize("value, masked", [
    ("postgresql://pipec:hunter2@db:5432/pipec", "postgresql://pipec:***@db:5432/pipec"),
    ("postgresql+psycopg://u:p%40ss@db/x?sslmode=require", "postgresql+psycopg://u:***@db/x?sslmode=require"),
    ("mysql://u:${DB_PASSWORD}@db/x", "mysql://u:${DB_PASSWORD}@db/x"),
    ("mysql://u:pre${X}@db/x", "mysql://u:***@db/x"),
    ("postgresql://user@db/x", "postgresql://user@db/x"),
    ("s3://bucket/pipec", "s3://bucket/pipec"),
    ("sqlite:////tmp/meta.db", "sqlite:////tmp/meta.db"),
    ("a https://x:y@h/ and ftp://p:q@r", "a https://x:***@h/ and ftp://p:***@r"),
])
def test_mask_secrets(value, masked):
    assert stacks.mask_secrets(value) == masked


def test_expand_references_literals_and_missing_variables():
    stack = stacks.Stack("prod", "ir")
    diags = Diagnostics()
    env = {"USER_": "pipec", "PW": "s3cr$t"}
    assert stacks.expand("pg://${USER_}:${PW}@db/$${LITERAL}$5", stack, ("options", "url"), diags, env) \
        == "pg://pipec:s3cr$t@db/${LITERAL}$5"
    # The store fields follow the runtime shim's rule: no escape, so `$${X}` is `$` + X's value.
    assert stacks.expand("pg://${USER_}:${PW}@db/$${USER_}$5${}${1X}", stack, ("metadata_store",), diags, env) \
        == "pg://pipec:s3cr$t@db/$pipec$5${}${1X}"
    assert not diags.has_errors
    assert stacks.expand("${A}/${B}/${A}", stack, ("registry",), diags, {}) is None
    assert [d.message for d in diags] == [
        "environment variable `A` used by `registry` of stack `prod` is not set",
        "environment variable `B` used by `registry` of stack `prod` is not set"]
    assert all(d.code == "PC367" for d in diags)


def test_local_paths_resolve_against_the_root(tmp_path):
    root = tmp_path.resolve()
    assert resolve_artifact_store("store/a", root) == str(root / "store/a")
    assert resolve_artifact_store("/abs/a", root) == "/abs/a"
    assert resolve_artifact_store("s3://b/a", root) == "s3://b/a"
    assert resolve_metadata_store("sqlite:///state/m.db", root) == f"sqlite:///{root / 'state/m.db'}"
    assert resolve_metadata_store("sqlite:////abs/m.db", root) == "sqlite:////abs/m.db"
    assert resolve_metadata_store("sqlite:///:memory:", root) == "sqlite:///:memory:"
    assert resolve_metadata_store("postgresql://h/db", root) == "postgresql://h/db"


PRECEDENCE_CONFIG = """\
[tool.pipec]
active = "from_config"

[tool.pipec.stacks.from_config]
target = "ir"
[tool.pipec.stacks.from_set]
target = "ir"
[tool.pipec.stacks.from_env]
target = "ir"
[tool.pipec.stacks.from_flag]
target = "ir"
"""


def test_precedence_flag_env_remembered_active_default(tmp_path):
    root = make_root(tmp_path, {"pyproject.toml": PRECEDENCE_CONFIG})
    diags = Diagnostics()
    config = stacks.load_config(root, diags)
    assert not diags.has_errors
    env = {stacks.ENV_VAR: "from_env"}
    assert stacks.choose(config, None, {}) == ("from_config", "`active` in pyproject.toml:2")
    stacks.remember(root, "from_set")
    assert (root / ".pipec/active-stack").read_text() == "from_set\n"
    assert stacks.choose(config, None, {}) == ("from_set", "`pipec stack set` in .pipec/active-stack")
    assert stacks.choose(config, None, env) == ("from_env", "$PIPEC_STACK")
    assert stacks.choose(config, "from_flag", env) == ("from_flag", "--stack")
    assert stacks.choose(config, None, {stacks.ENV_VAR: "  "})[0] == "from_set"  # blank means unset
    assert stacks.forget(root) and not stacks.forget(root)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert stacks.choose(stacks.load_config(root, diags), None, {}) == ("default", "default")


def test_unreadable_config_is_an_error_not_a_traceback(tmp_path):
    root = make_root(tmp_path, {})
    (root / "pipec.toml").write_bytes(b"[stacks.a]\ntarget = \"\xff\"\n")
    diags = Diagnostics()
    config = stacks.load_config(root, diags)
    (diag,) = list(diags)
    assert (diag.code, diag.span.path) == ("PC360", "pipec.toml")
    assert diag.message.startswith("cannot read pipec.toml: 'utf-8' codec can't decode byte 0xff")
    assert list(config.stacks) == ["default"]


def test_user_defined_default_replaces_the_builtin(tmp_path):
    root = make_root(tmp_path, {"pipec.toml": '[stacks.default]\nmetadata_store = "sqlite:///m.db"\n'})
    diags = Diagnostics()
    config = stacks.load_config(root, diags)
    default = config.stacks["default"]
    assert not diags.has_errors and default.is_local and default.metadata_store == "sqlite:///m.db"
    assert default.defined_in == "pipec.toml:1"


# --------------------------------------------------------------------------- fake engine targets


class EchoTarget:
    """Writes the options and image references it received; can also "submit"."""

    def __init__(self, name, options, submits=True):
        self.name = name
        self.description = f"echo target {name}"
        self.options = options
        self.submitted: list[tuple[str, dict, dict]] = []
        if submits:
            self.submit = self._submit

    def compile(self, pipeline, context):
        data = {"options": context.options, "images": dict(context.images)}
        return {f"{pipeline.name}.json": json.dumps(data, indent=1, sort_keys=True) + "\n"}

    def _submit(self, pipeline, context):
        self.submitted.append((pipeline.name, dict(context.options), dict(context.parameters)))
        return Submission(engine_run_id="engine-1", run_id="run-1", url=None, status="completed")


@pytest.fixture
def echo_targets(monkeypatch):
    module = types.ModuleType("pipec_test_stack_targets")
    module.ECHO = EchoTarget("echo", CONTAINER_OPTIONS + (
        OptionSpec("mode", "speed", default="fast", choices=("fast", "slow")), OptionSpec("label", "a label"),
        OptionSpec("runs", "runs at once", kind=POSITIVE_INT)))
    module.PLAIN = EchoTarget("plain", (OptionSpec("label", "a label"),), submits=False)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for name, attr in (("echo", "ECHO"), ("plain", "PLAIN")):
        monkeypatch.setitem(targets.BUILTINS, name, f"{module.__name__}:{attr}")
    return module


ECHO_CONFIG = """\
[tool.pipec]
active = "prod"

[tool.pipec.stacks.prod]
target = "echo"
image = "ghcr.io/acme/train:1.4"
registry = "registry.example.com/acme"
artifact_store = "s3://acme/${BUCKET_PREFIX}"
metadata_store = "postgresql://pipec:${PGPASSWORD}@db/pipec"
options = { mode = "slow", label = 7 }

[tool.pipec.stacks.plain]
target = "plain"
image = "not-declared:1"
options.label = true
"""


def _written(root: Path, target: str) -> dict:
    return json.loads((root / f"out/{target}/p.json").read_text())


def test_stack_values_reach_the_target_and_the_command_line_wins(tmp_path, monkeypatch, capsys, clean_env,
                                                                 echo_targets):
    root = make_root(tmp_path, {"pyproject.toml": ECHO_CONFIG})
    monkeypatch.chdir(root)
    # The stores' variables are not needed to compile: their references are compiled in, unexpanded.
    monkeypatch.delenv("BUCKET_PREFIX", raising=False)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    code, out, err = pipec(capsys, "compile", "run.py")
    assert code == 0, err
    assert err == ""
    assert out.startswith("wrote out/.pipec-artifacts\nwrote out/echo/p.json\n")
    written = _written(root, "echo")
    assert written["options"] == {
        "image": "ghcr.io/acme/train:1.4", "artifact_store": "s3://acme/${BUCKET_PREFIX}",
        "metadata_store": "postgresql://pipec:${PGPASSWORD}@db/pipec", "mode": "slow", "label": "7",
        "python": "python", "source_root": "/app"}
    assert written["images"] and all(ref.startswith("registry.example.com/acme/")
                                     for ref in written["images"].values())
    # Setting them changes nothing: no value is compiled in, so --check passes either way.
    monkeypatch.setenv("BUCKET_PREFIX", "pipec")
    monkeypatch.setenv("PGPASSWORD", "s3cret")
    code, out, err = pipec(capsys, "compile", "run.py", "--check")
    assert (code, err) == (0, ""), err
    assert "s3cret" not in (root / "out/echo/p.json").read_text()

    code, _, err = pipec(capsys, "compile", "run.py", "--option", "mode=fast", "--option", "echo.label=x",
                         "--option", "image=cli:2")
    assert code == 0, err
    options = _written(root, "echo")["options"]
    assert (options["mode"], options["label"], options["image"]) == ("fast", "x", "cli:2")

    # A target without the common options gets neither image nor stores; options convert to strings.
    code, _, err = pipec(capsys, "compile", "run.py", "--stack", "plain")
    assert code == 0, err
    assert _written(root, "plain")["options"] == {"label": "true"}

    # --target alone ignores stacks: the output does not depend on the active stack.
    code, _, err = pipec(capsys, "compile", "run.py", "--target", "echo", "--out", "bare")
    assert code == 0, err
    bare = json.loads((root / "bare/echo/p.json").read_text())["options"]
    assert bare == {"artifact_store": "/pipec/artifacts", "mode": "fast", "python": "python", "source_root": "/app"}


def test_a_password_from_the_environment_in_an_option_is_compiled_in_with_a_warning(
        tmp_path, monkeypatch, capsys, clean_env, echo_targets):
    config = ECHO_CONFIG.replace("label = 7", 'label = "https://bot:${TOKEN}@git.example.com/x"')
    root = make_root(tmp_path, {"pyproject.toml": config})
    monkeypatch.chdir(root)
    monkeypatch.setenv("TOKEN", "t0ken")
    code, out, err = pipec(capsys, "compile", "run.py")
    assert code == 0, err
    line = 'options = { mode = "slow", label = "https://bot:${TOKEN}@git.example.com/x" }'
    assert err == (
        "pyproject.toml:10:28: warning[PC369]: the password in `options.label` of stack `prod` comes from "
        "$TOKEN and is written into the compiled files in clear\n"
        "   |\n"
        f"10 | {line}\n"
        "   | " + " " * 27 + "^" * (len(line) - 29) + "\n"
        "help: compiled files are usually committed: prefer credentials the engine provides at run time "
        "(e.g. a .pgpass file, a secret-backed environment or IAM authentication) over a password in the URL; "
        "`artifact_store` and `metadata_store` take `${VAR}` references the steps expand themselves\n"
        "\n1 warning found\n")
    options = _written(root, "echo")["options"]
    assert options["label"] == "https://bot:t0ken@git.example.com/x"
    assert options["metadata_store"] == "postgresql://pipec:${PGPASSWORD}@db/pipec"


@pytest.mark.parametrize(("setting", "expects", "help_"), [
    ('mode = "slwo"', "one of: fast, slow", "did you mean `slow`?"),
    ('runs = "0"', "a positive whole number", "e.g. --option runs=1"),  # the same OptionSpec.parse as --option
])
def test_stack_option_with_a_bad_value_points_at_the_stack(tmp_path, monkeypatch, capsys, clean_env, echo_targets,
                                                           setting, expects, help_):
    config = ECHO_CONFIG.replace('mode = "slow"', setting).replace("${PGPASSWORD}", "pw")
    root = make_root(tmp_path, {"pyproject.toml": config})
    monkeypatch.chdir(root)
    monkeypatch.setenv("BUCKET_PREFIX", "pipec")
    code, out, err = pipec(capsys, "compile", "run.py")
    assert code == 2 and out == ""
    key, _, value = setting.partition(" = ")
    assert err == (
        f"pyproject.toml:10:13: error[PC366]: stack `prod` sets option `{key}` to `{value.strip(chr(34))}`; "
        f"target `echo` expects {expects}\n"
        "   |\n"
        f"10 | options = {{ {setting}, label = 7 }}\n"
        "   |             " + "^" * len(setting) + "\n"
        f"help: {help_}\n\n1 error found\n")
    assert not (root / "out").exists()


def test_run_on_an_engine_stack_submits_and_submit_uses_the_stack(tmp_path, monkeypatch, capsys, clean_env,
                                                                  echo_targets):
    root = make_root(tmp_path, {"pyproject.toml": ECHO_CONFIG.replace("${BUCKET_PREFIX}", "p")})
    monkeypatch.chdir(root)
    monkeypatch.setenv("PGPASSWORD", "pw")
    code, out, err = pipec(capsys, "run", "run.py")
    assert code == 0, err
    assert "stack `prod` (selected by `active` in pyproject.toml:2) runs on `echo`" in err
    assert json.loads(out) == {"pipeline": "p", "target": "echo", "engine_run_id": "engine-1",
                               "run_id": "run-1", "url": None, "status": "completed"}
    (name, options, _), = echo_targets.ECHO.submitted
    assert name == "p" and options["metadata_store"] == "postgresql://pipec:pw@db/pipec"
    assert options["artifact_store"] == "s3://acme/p"

    code, out, err = pipec(capsys, "submit", "run.py", "--option", "label=cli")
    assert code == 0, err
    assert echo_targets.ECHO.submitted[-1][1]["label"] == "cli"

    code, _, err = pipec(capsys, "run", "run.py", "--stack", "plain")
    assert code == 2 and "error[PC306]: stack `plain` runs on `plain`, which cannot start runs" in err
    assert "help: `pipec compile --stack plain` writes the files for you to deploy" in err


# --------------------------------------------------------------------------- end to end (subprocesses)


STORES_CONFIG = """\
[project]
name = "demo"

[tool.pipec.stacks.dev]
target = "local"
artifact_store = "${PIPEC_TEST_STORE}/artifacts"
metadata_store = "sqlite:///state/meta.db"

[tool.pipec.stacks.irs]
target = "ir"
"""


def test_stack_commands_round_trip(tmp_path, cli):
    root = make_root(tmp_path, {"pyproject.toml": STORES_CONFIG})
    (root / "sub").mkdir()
    env = cli.env()
    env.pop(stacks.ENV_VAR, None)

    listed = cli.run(["stack", "list"], cwd=root / "sub", env=env)  # the root is found from below
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == ("   NAME     TARGET  DEFINED IN\n"
                             "*  default  local   built-in\n"
                             "   dev      local   pyproject.toml:4\n"
                             "   irs      ir      pyproject.toml:9\n\n"
                             "active: default (selected by default)\n")
    chosen = cli.run(["stack", "set", "irs"], cwd=root, env=env)
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout == "active stack: irs (target ir); remembered in .pipec/active-stack\n"
    assert (root / ".pipec/active-stack").read_text() == "irs\n"

    described = cli.run(["stack", "describe", "--json"], cwd=root, env=env)
    data = json.loads(described.stdout)
    assert (data["name"], data["active"], data["selected_by"]) == (
        "irs", True, "`pipec stack set` in .pipec/active-stack")
    assert data["origin"]["artifact_store"] == "not used: target `ir` has no `artifact_store` option"

    compiled = cli.run(["compile", "run.py"], cwd=root, env=env)
    assert compiled.returncode == 0, compiled.stderr
    assert cli.run(["compile", "run.py", "--target", "ir", "--check"], cwd=root, env=env).returncode == 0

    overridden = cli.run(["stack", "list", "--json"], cwd=root, env={**env, stacks.ENV_VAR: "dev"})
    assert json.loads(overridden.stdout)["active"] == "dev"
    refused = cli.run(["compile", "run.py"], cwd=root, env={**env, stacks.ENV_VAR: "dev"})
    assert refused.returncode == 2 and "error[PC365]" in refused.stderr

    noted = cli.run(["stack", "set", "dev"], cwd=root, env={**env, stacks.ENV_VAR: "irs"})
    assert noted.returncode == 0
    assert noted.stderr == "pipec: note: $PIPEC_STACK=irs is set and overrides it in this environment\n"
    elsewhere = cli.run(["stack", "describe", "--json", "--root", str(root)], cwd=tmp_path, env=env)
    assert json.loads(elsewhere.stdout)["name"] == "dev"

    dropped = cli.run(["stack", "unset"], cwd=root, env=env)
    assert dropped.stdout == ("forgot the stack `pipec stack set` chose\n"
                              "active stack: default (selected by default)\n")
    assert not (root / ".pipec/active-stack").exists()


def test_run_with_a_local_stack_uses_its_stores(tmp_path, cli):
    root = make_root(tmp_path, {"pyproject.toml": STORES_CONFIG})
    store = tmp_path / "elsewhere"
    env = {**cli.env(), "PIPEC_TEST_STORE": str(store)}
    env.pop(stacks.ENV_VAR, None)
    done = cli.run(["run", "run.py", "--stack", "dev"], cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    assert (root / "state/meta.db").is_file()
    assert not (root / ".pipec/metadata.db").exists() and not (root / ".pipec/artifacts").exists()
    assert sorted(p.name for p in (store / "artifacts/p").iterdir())  # one run folder
    listed = cli.run(["runs", "--metadata-store", f"sqlite:///{root / 'state/meta.db'}", "list", "--json"],
                     cwd=root, env=env)
    (run,) = json.loads(listed.stdout)
    assert (run["pipeline"], run["status"]) == ("p", "completed")

    del env["PIPEC_TEST_STORE"]
    missing = cli.run(["run", "run.py", "--stack", "dev"], cwd=root, env=env)
    assert missing.returncode == 2 and "STEP" not in missing.stdout
    assert "error[PC367]: environment variable `PIPEC_TEST_STORE` used by `artifact_store` of stack `dev` " \
           "is not set" in missing.stderr


def test_run_without_stack_config_keeps_its_defaults(tmp_path, cli):
    root = make_root(tmp_path, {"pyproject.toml": "[project]\nname = 'demo'\n"})
    env = cli.env()
    env.pop(stacks.ENV_VAR, None)
    done = cli.run(["run", "run.py"], cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    assert (root / ".pipec/metadata.db").is_file() and (root / ".pipec/artifacts/p").is_dir()


RUNS_CONFIG = """\
[project]
name = "demo"

[tool.pipec.stacks.dev]
target = "local"
metadata_store = "sqlite:///${PIPEC_TEST_STATE}/meta.db"

[tool.pipec.stacks.prod]
target = "ir"
metadata_store = "postgresql://pipec:${PIPEC_TEST_UNSET_PW}@db/pipec"
"""


def test_runs_reads_the_local_stacks_metadata_store(tmp_path, cli):
    root = make_root(tmp_path, {"pyproject.toml": RUNS_CONFIG})
    env = {**cli.env(), "PIPEC_TEST_STATE": "state"}  # relative: under the source root
    for name in (stacks.ENV_VAR, "PIPEC_METADATA_STORE"):
        env.pop(name, None)
    assert cli.run(["stack", "set", "dev"], cwd=root, env=env).returncode == 0
    done = cli.run(["run", "run.py", "--run-id", "r-1"], cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    assert (root / "state/meta.db").is_file() and not (root / ".pipec/metadata.db").exists()

    def runs(*args, cwd=root, **extra):
        return cli.run(["runs", *args], cwd=cwd, env={**env, **extra})

    listed = runs("list", "--json", cwd=root / "state")  # the root is found from below
    assert listed.returncode == 0, listed.stderr
    assert [r["id"] for r in json.loads(listed.stdout)] == ["r-1"]
    shown = runs("show", "p", "--json")
    assert json.loads(shown.stdout)["status"] == "completed"
    elsewhere = runs("--root", str(root), "list", "--json", cwd=tmp_path)
    assert [r["id"] for r in json.loads(elsewhere.stdout)] == ["r-1"]

    # The flag wins, then $PIPEC_METADATA_STORE; the built-in default stack reads ROOT/.pipec.
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert runs("--metadata-store", other, "list").stdout == f"no runs (no metadata store at {tmp_path / 'other.db'})\n"
    assert runs("list", PIPEC_METADATA_STORE=other).stdout.startswith("no runs (no metadata store at ")
    assert runs("--stack", "default", "list").stdout == \
        f"no runs (no metadata store at {root.resolve() / '.pipec/metadata.db'})\n"

    # A missing variable is the stack's error; unknown runs name the store as written, unexpanded.
    del env["PIPEC_TEST_STATE"]
    missing = runs("list")
    assert missing.returncode == 2 and missing.stdout == ""
    assert "error[PC367]: environment variable `PIPEC_TEST_STATE` used by `metadata_store` of stack `dev` " \
           "is not set" in missing.stderr
    unknown = runs("show", "nope", PIPEC_TEST_STATE=str(root / "state"))
    assert unknown.returncode == 2
    assert unknown.stderr == "pipec runs: error: no pipeline run or pipeline named 'nope' in " \
                             "sqlite:///${PIPEC_TEST_STATE}/meta.db\n"

    # An engine stack's store is not read from here: the local one is, with a note saying so.
    engine = runs("--stack", "prod", "list")
    assert engine.returncode == 0 and engine.stdout.startswith("no runs (no metadata store at ")
    assert engine.stderr == ("pipec runs: note: stack `prod` (selected by --stack) runs on `ir`; reading the "
                             "local metadata store (pass --metadata-store URL to read another)\n")


def test_a_pipec_toml_alone_marks_the_source_root(tmp_path, monkeypatch, capsys, clean_env):
    from pipec.compiler.api import find_source_root

    root = tmp_path / "proj"
    (root / "pipelines").mkdir(parents=True)
    (root / "pipec.toml").write_text('[stacks.irs]\ntarget = "ir"\n')
    (root / "pipelines/run.py").write_text(RUN_PY)
    assert find_source_root(root / "pipelines/run.py") == root.resolve()
    monkeypatch.chdir(root / "pipelines")
    code, out, err = pipec(capsys, "stack", "list")
    assert code == 0 and "irs      ir      pipec.toml:1" in out, err
    code, out, err = pipec(capsys, "compile", "run.py", "--stack", "irs")
    assert code == 0, err
    assert (root / "pipelines/out/ir/p.json").is_file()
    ir = json.loads((root / "pipelines/out/ir/p.json").read_text())
    assert ir["pipelines"][0]["module"] == "pipelines.run"  # imports resolve from the pipec.toml folder


def test_any_other_reference_in_an_option_is_compiled_in_with_a_warning(
        tmp_path, monkeypatch, capsys, clean_env, echo_targets):
    """Report F12: `${VAR}` outside a URL password (an image tag, a runner label) was compiled in silently."""
    config = ECHO_CONFIG.replace("label = 7", 'label = "r-${OPT_SECRET}"')
    root = make_root(tmp_path, {"pyproject.toml": config})
    monkeypatch.chdir(root)
    monkeypatch.setenv("OPT_SECRET", "OptSec_33w")
    code, _, err = pipec(capsys, "compile", "run.py")
    assert code == 0, err
    assert "warning[PC369]: `options.label` of stack `prod` takes the value of $OPT_SECRET from this environment " \
           "into the compiled files" in err
    assert _written(root, "echo")["options"]["label"] == "r-OptSec_33w"
