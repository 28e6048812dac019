"""The target registry is complete: what `src/pipec/targets/__init__.py` says adding a target takes.

Each built-in target is a folder of `src/pipec/targets/` with a `target.py`, an entry point line in
pyproject.toml, a description on its class only, goldens for every example and a README section.
Each test names the target that lacks one of them.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest depends on tomli there
    import tomli as tomllib

from pipec import targets
from pipec.targets import TARGET_MODULE
from pipec.targets.base import OptionSpec
from pipec.targets.kit.capabilities import Capabilities

REPO = Path(__file__).resolve().parent.parent
TARGETS_DIR = REPO / "src" / "pipec" / "targets"
EXAMPLES = REPO / "examples"
GOLDEN = REPO / "golden"


def _target_folders() -> list[str]:
    return sorted(p.parent.name for p in TARGETS_DIR.glob("*/target.py"))


def _folder_targets(folder: str) -> dict[str, str]:
    """{target name: "module:attribute"} of one folder: its own name and ``TARGET``, or, for a
    folder registering several targets (`targets.FAMILIES`), each name with its attribute."""
    if folder in targets.FAMILIES:
        return {name: f"pipec.targets.{folder}:{name.upper()}" for name in targets.FAMILIES[folder]}
    return {folder: f"pipec.targets.{folder}:TARGET"}


def _builtin_names() -> list[str]:
    return sorted(name for folder in _target_folders() for name in _folder_targets(folder))


def _pyproject_entry_points() -> dict[str, str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return data["project"]["entry-points"][targets.ENTRY_POINT_GROUP]


def test_target_folders_are_found():
    # Guards the tests below against passing over an empty list.
    assert len(_target_folders()) >= 8 and "ir" in _target_folders()


def test_every_target_folder_is_an_entry_point_and_a_builtin():
    """Each folder with a target.py has its pyproject line `<name> = "pipec.targets.<name>:TARGET"`
    (one line per target of a family folder), and nothing else is registered as a built-in."""
    expected = {name: location for folder in _target_folders() for name, location in _folder_targets(folder).items()}
    declared = _pyproject_entry_points()
    missing = sorted(set(expected) - set(declared))
    assert not missing, f"target folders without an entry point in pyproject.toml: {missing}"
    assert declared == expected, "pyproject.toml's pipec.targets entry points differ from the target folders"
    assert targets.BUILTINS == expected


def test_installed_entry_points_match_pyproject():
    """The installed metadata (what third-party tools and `pipec targets` see) is pyproject's table."""
    installed = {ep.name: ep.value for ep in importlib.metadata.distribution("pipec").entry_points
                 if ep.group == targets.ENTRY_POINT_GROUP}
    assert installed == _pyproject_entry_points(), "reinstall pipec (pip install -e .) after editing pyproject.toml"


def test_family_folders_exist():
    """Each folder of `targets.FAMILIES` is a target folder (a stale entry would register nothing)."""
    assert set(targets.FAMILIES) <= set(_target_folders())
    assert "vm_aws" in _builtin_names() and "skypilot" not in _builtin_names()


@pytest.mark.parametrize("name", _builtin_names())
def test_builtin_target_describes_itself(name):
    """Name, one-line description, typed options, capabilities and compile come from the target object."""
    target = targets.get(name)
    assert target is targets.load(targets.TargetInfo(name, targets.BUILTINS[name]))
    assert target.name == name
    assert isinstance(target.description, str) and target.description.strip()
    assert "\n" not in target.description and len(target.description) <= 100
    assert isinstance(target.options, tuple) and all(isinstance(o, OptionSpec) for o in target.options)
    assert len({o.name for o in target.options}) == len(target.options), "an option is declared twice"
    assert callable(target.compile)
    if name != "ir":  # the reference target runs nothing, so it has no engine to describe
        assert isinstance(getattr(target, "capabilities", None), Capabilities), f"`{name}` declares no capabilities"


def test_pipec_targets_prints_each_class_description():
    proc = subprocess.run([sys.executable, "-m", "pipec", "targets", "--json"], capture_output=True, text=True,
                          check=True)
    listed = {t["name"]: t["description"] for t in json.loads(proc.stdout)["targets"]}
    assert {name: listed.get(name) for name in targets.BUILTINS} == {
        name: targets.get(name).description for name in targets.BUILTINS}


def test_naming_a_builtin_target_reads_no_entry_points():
    """`pipec compile --target X` stays fast: a built-in resolves without importlib.metadata (~20 ms)."""
    code = ("import sys\nfrom pipec import targets\nfor name in targets.BUILTINS: targets.get(name)\n"
            "print('importlib.metadata' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False", proc.stderr


def test_unknown_name_suggests_a_registered_one():
    with pytest.raises(targets.UnknownTarget) as raised:
        targets.get("kubeflw")
    assert raised.value.suggestion == "did you mean `kubeflow`?"
    with pytest.raises(targets.UnknownTarget):
        targets.get("../ir")  # only a folder name that is an identifier is a built-in


def test_a_third_party_entry_point_is_listed_and_loaded(monkeypatch):
    extra = importlib.metadata.EntryPoint("toy", "pipec.targets.ir:TARGET", targets.ENTRY_POINT_GROUP)
    shadow = importlib.metadata.EntryPoint("ir", "no.such.module:TARGET", targets.ENTRY_POINT_GROUP)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [extra, shadow])
    assert targets.names() == sorted({*targets.BUILTINS, "toy"})
    assert targets.get("toy") is targets.get("ir")  # the built-in `ir` wins over a plug-in of that name
    assert "toy" not in targets.BUILTINS


def _examples() -> list[str]:
    cases = sorted(p.parent.name for p in EXAMPLES.glob("*/run.py"))
    assert cases, "no examples/*/run.py"
    return cases


def test_every_builtin_target_has_goldens_for_every_example():
    """golden/<example>/<target>/ exists and holds files, for every example and built-in target."""
    lacking = [f"golden/{case}/{name}/" for name in targets.BUILTINS for case in _examples()
               if not (GOLDEN / case / name).is_dir() or not any((GOLDEN / case / name).rglob("*"))]
    assert not lacking, "missing goldens (write them with `nox -s golden -- --update`): " + ", ".join(lacking)


def _readme_headings() -> list[str]:
    return [line for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("## ")]


def test_every_builtin_target_has_a_readme_section():
    """A `## ...` heading of README.md names `--target <name>` for every built-in target."""
    headings = _readme_headings()
    lacking = [name for name in targets.BUILTINS
               if not any(re.search(rf"`--target {re.escape(name)}`", h) for h in headings)]
    assert not lacking, f"README.md has no `## ... (`--target NAME`)` section for: {lacking}"


def _imports(path: Path, package: str) -> set[str]:
    """Absolute names of the modules `path` imports (relative imports resolved against `package`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("name", _target_folders())
def test_target_folder_has_the_shared_shape(name):
    """The class lives in target.py; no module of the folder imports target.py back (no import circle,
    as SageMaker's submit.py once did) or another target's folder (vertex reads `kfp_spec`, not `kubeflow`)."""
    for target_name in _folder_targets(name):
        assert type(targets.get(target_name)).__module__ == f"pipec.targets.{name}.target"
    others = {f"pipec.targets.{other}" for other in _target_folders() if other != name}
    problems = []
    for path in sorted((TARGETS_DIR / name).glob("*.py")):
        if path.name == "__init__.py":
            continue
        imported = _imports(path, f"pipec.targets.{name}")
        if path.name != TARGET_MODULE and f"pipec.targets.{name}.target" in imported:
            problems.append(f"{path.name} imports target.py")
        problems += [f"{path.name} imports {m}" for m in sorted(imported)
                     if any(m == o or m.startswith(o + ".") for o in others)]
    assert not problems, f"target `{name}`: " + "; ".join(problems)
