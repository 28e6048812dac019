"""Targets from other distributions: the public kit they are written against (`pipec.targets.kit`),
the origin `pipec targets` shows, and ZenML's flavor table filled from the registry."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipec import targets
from pipec.cli.targets import flavor_table
from pipec.targets import kit
from pipec.targets.flavors import CUSTOM, FLAVORS, flavor_rows
from tests.helpers import requires

REPO = Path(__file__).resolve().parents[1]
PLUGIN = REPO / "examples" / "plugins" / "pipec-target-example"
#: ZenML's orchestrator flavors (issue 16: the seeds' table).
ZENML_FLAVORS = ["local", "local_docker", "kubernetes", "kubeflow", "vertex", "sagemaker", "azureml", "tekton",
                 "airflow", "vm_aws", "vm_gcp", "vm_azure", "hyperai", "custom"]


def test_every_public_kit_name_imports() -> None:
    """Each name of `pipec.targets.kit.__all__` imports, from the module the table names."""
    assert kit.__all__ == sorted(kit.PUBLIC) and len(kit.__all__) > 40
    for name in kit.__all__:
        value = getattr(kit, name)
        assert value is getattr(importlib.import_module(kit.PUBLIC[name]), name), name
    with pytest.raises(AttributeError):
        kit.lower_retyr  # noqa: B018 (a misspelt name raises)
    submodules = {p.stem for p in Path(kit.__file__).parent.glob("*.py")}
    assert not submodules & set(kit.__all__), "a public name that a submodule's import would rebind"


def test_importing_the_kit_loads_no_public_module() -> None:
    """`import pipec.targets.kit` stays cheap: names load on first use (`pipec targets` imports every target)."""
    code = ("import sys\nimport pipec.targets.kit\n"
            "print(sorted(m for m in ('pipec.targets.common', 'pipec.runtime.command', 'pipec.targets.kit.serialize')"
            " if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]", proc.stderr


def _pipec_imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import of a pipec module in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names if alias.name.split(".")[0] == "pipec"]
        elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "pipec":
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def test_the_example_plugin_imports_only_the_public_kit() -> None:
    sources = sorted((PLUGIN / "src").rglob("*.py"))
    assert len(sources) >= 3
    imports = [(path.name, module, names) for path in sources for module, names in _pipec_imports(path)]
    assert imports, "the example imports nothing from pipec?"
    private = [(file, module) for file, module, _ in imports if module != "pipec.targets.kit"]
    assert not private, f"the example plug-in imports pipec beyond the public kit: {private}"
    unknown = [(file, name) for file, _, names in imports for name in names if name not in kit.__all__]
    assert not unknown, f"names the example imports that the public kit lacks: {unknown}"


def test_the_example_plugin_declares_its_entry_point() -> None:
    import tomllib

    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "pipec-target-example"
    assert project["project"]["entry-points"][targets.ENTRY_POINT_GROUP] == {"example": "pipec_target_example:TARGET"}


def test_the_flavor_table_is_zenmls() -> None:
    assert [f.flavor for f in FLAVORS] == ZENML_FLAVORS
    assert all(f.target == f.flavor for f in FLAVORS)  # pipec names each target after its flavor


def test_a_flavor_is_available_once_its_target_registers(monkeypatch: pytest.MonkeyPatch) -> None:
    registered = {"kubeflow": targets.BUILTIN}
    rows = {r.flavor.flavor: r for r in flavor_rows(registered, frozenset({"local"}))}
    assert rows["kubeflow"].targets == ("kubeflow",) and rows["local"].available
    assert not rows["vm_aws"].available and not rows[CUSTOM].available
    rows = {r.flavor.flavor: r for r in flavor_rows({**registered, "vm_aws": targets.BUILTIN,
                                                     "mine": "my-dist 1.0"})}
    assert rows["vm_aws"].available and rows[CUSTOM].targets == ("mine",)
    lines = flavor_table(list(rows.values()))
    assert lines[0].split() == ["flavor", "ZenML", "orchestrator", "integration", "pipec", "target", "available"]
    assert " ".join(lines[-1].split()).endswith("custom mine yes")
    assert " ".join(next(line for line in lines if line.startswith("vm_gcp ")).split()).endswith(
        "vm_gcp no (target not registered)")


def test_a_plugins_origin_is_its_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed entry point knows its distribution: pipec's own `ir` line, posing as a plug-in."""
    dist = importlib.metadata.distribution("pipec")
    (line,) = [ep for ep in dist.entry_points if ep.group == targets.ENTRY_POINT_GROUP and ep.name == "ir"]
    monkeypatch.delitem(targets.BUILTINS, "ir")
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [line])
    (info,) = targets.plugins()
    assert (info.name, info.location, info.origin) == ("ir", "pipec.targets.ir:TARGET", f"pipec {dist.version}")


def test_targets_cli_lists_origin_and_flavors(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipec.cli.main import main

    plugin = importlib.metadata.EntryPoint("toy", "pipec.targets.ir:TARGET", targets.ENTRY_POINT_GROUP)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [plugin])
    assert main(["targets", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    toy = next(t for t in listed["targets"] if t["name"] == "toy")
    assert (toy["origin"], toy["entry_point"]) == ("unknown distribution", "pipec.targets.ir:TARGET")
    assert next(t for t in listed["targets"] if t["name"] == "ir")["origin"] == "built-in"
    assert [f["flavor"] for f in listed["flavors"]] == ZENML_FLAVORS
    assert next(f for f in listed["flavors"] if f["flavor"] == CUSTOM)["targets"] == ["toy"]
    assert main(["targets"]) == 0
    text = capsys.readouterr().out
    assert "from unknown distribution (plug-in, entry point pipec.targets.ir:TARGET)" in text
    assert "ZenML orchestrator flavors (`pipec targets --flavors`):" in text
    assert main(["targets", "--flavors"]) == 0
    only = capsys.readouterr().out.splitlines()
    assert only[0].startswith("flavor ") and len(only) == 1 + len(ZENML_FLAVORS)


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@requires.mark(_installed("pipec-target-example"), "the example plug-in pipec-target-example",
               ".venv/bin/uv pip install --python .venv/bin/python -q -e examples/plugins/pipec-target-example")
def test_the_installed_example_compiles_through_the_cli(cli, tmp_path: Path) -> None:
    """Installed, the plug-in is a target like any other: named, and part of `--target all`."""
    info = next(i for i in targets.available() if i.name == "example")
    assert info.origin.startswith("pipec-target-example ") and "example" not in targets.BUILTINS
    proc = cli.run(["compile", "examples/diamond/run.py", "--target", "all", "--out", str(tmp_path), "--no-cache"])
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "example" / "diamond.sh").read_bytes() == (
        PLUGIN / "golden" / "diamond" / "example" / "diamond.sh").read_bytes()
