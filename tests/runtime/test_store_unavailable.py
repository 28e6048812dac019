"""A metadata store that cannot be opened is the user's to fix (issue 17, item 2; report F6): one
line naming the store, its password masked, and exit 2 — never "internal error"."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipec.cli.main import main
from pipec.runtime.metadata import MetadataStore
from pipec.runtime.store_errors import StoreUnavailable


@pytest.mark.parametrize(("url", "says"), [
    ("postgresql://u:hunter2@127.0.0.1:1/db", "postgresql://u:***@127.0.0.1:1/db: connection failed"),
    ("mysql+pymysql://u:hunter2@127.0.0.1:1/db", "mysql+pymysql://u:***@127.0.0.1:1/db: (2003"),
    ("not a url", "this is not a database URL"),
    ("foo://x", "SQLAlchemy knows no database `foo`"),
    ("mssql+pyodbc://u:hunter2@h/db", "its database driver is not installed (pip install pyodbc)"),
])
def test_store_that_cannot_open_says_why(url: str, says: str) -> None:
    with pytest.raises(StoreUnavailable) as caught:
        MetadataStore(url)
    assert says in str(caught.value) and "hunter2" not in str(caught.value)


def test_a_file_that_is_no_database(tmp_path: Path) -> None:
    (tmp_path / "m.db").write_text("garbage, not SQLite\n" * 100)
    with pytest.raises(StoreUnavailable, match="m.db: file is not a database"):
        MetadataStore(f"sqlite:///{tmp_path / 'm.db'}")


def test_commands_exit_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pipec.stacks.default]\nmetadata_store = "postgresql://u:${PW}@127.0.0.1:1/db"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PW", "hunter2")
    assert main(["runs", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pipec: error: metadata store postgresql://u:***@127.0.0.1:1/db: connection failed")
    assert "hunter2" not in err and "internal error" not in err


def test_a_store_newer_than_this_pipec(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'm.db'}"
    MetadataStore(url).close()
    with sqlite3.connect(tmp_path / "m.db") as conn:
        conn.execute("UPDATE pipec_schema SET version = 999")
    with pytest.raises(StoreUnavailable, match="has schema version 999, newer than this pipec reads"):
        MetadataStore(url)


def test_an_artifact_store_of_an_unknown_protocol(tmp_path: Path) -> None:
    from pipec.runtime.artifacts import ArtifactStore

    with pytest.raises(StoreUnavailable, match="artifact store nosuch://u:\\*\\*\\*@b/x: Protocol not known: nosuch"):
        ArtifactStore("nosuch://u:hunter2@b/x")


def test_a_file_where_the_store_folder_goes(tmp_path: Path) -> None:
    (tmp_path / ".pipec").write_text("")
    with pytest.raises(StoreUnavailable, match=r"cannot create the folder .*\.pipec: File exists"):
        MetadataStore(f"sqlite:///{tmp_path / '.pipec' / 'metadata.db'}")


DIAMOND = Path(__file__).resolve().parents[2] / "examples/diamond/run.py"


@pytest.mark.parametrize("nesting", ["[" * 100_000 + "]" * 100_000, "{b=" * 3_000 + "1" + "}" * 3_000])
def test_toml_nested_too_deeply_is_pc360(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str], nesting: str) -> None:
    """Report F6: a 100,000-deep array or 3,000-deep inline table was a RecursionError (exit 3)."""
    (tmp_path / "pyproject.toml").write_text(f"[tool.x]\na = {nesting}\n")
    (tmp_path / "run.py").write_text(DIAMOND.read_text())
    monkeypatch.chdir(tmp_path)
    for command in (["compile", "--check", "run.py"], ["run", "run.py"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "error[PC360]: invalid TOML in pyproject.toml: arrays or inline tables nested too deeply" in err
        assert "internal error" not in err


def test_an_active_stack_file_that_is_a_device_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Report F6: `.pipec/active-stack` linked to /dev/zero read forever (MemoryError)."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "run.py").write_text(DIAMOND.read_text())
    (tmp_path / ".pipec").mkdir()
    (tmp_path / ".pipec" / "active-stack").symlink_to("/dev/zero")
    monkeypatch.chdir(tmp_path)
    assert main(["stack", "list"]) == 0
    assert "internal error" not in capsys.readouterr().err
