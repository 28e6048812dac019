"""The shared writer: safe paths, atomic byte-exact writes, stale files and `--check` diffs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pipec.compiler import writer
from pipec.compiler.writer import (
    OutputError,
    check_outputs,
    check_relpath,
    safe_name,
    stale_files,
    write_outputs,
)

FILES = {"ir/p.json": '{\n  "a": "é"\n}\n', "ir/sub/q.txt": "line\n"}


def test_writes_files_creating_folders_and_returns_shown_paths(tmp_path):
    out = tmp_path / "out"
    written = write_outputs(FILES, out)
    assert written == [out / "ir/p.json", out / "ir/sub/q.txt"]
    assert (out / "ir/p.json").read_bytes() == FILES["ir/p.json"].encode("utf-8")
    assert check_outputs(FILES, out, ["ir"]) == []


def test_bytes_are_exact_no_newline_translation(tmp_path):
    files = {"t/a.txt": "x\r\ny\n", "t/b.txt": "no newline"}
    write_outputs(files, tmp_path)
    assert (tmp_path / "t/a.txt").read_bytes() == b"x\r\ny\n"
    assert (tmp_path / "t/b.txt").read_bytes() == b"no newline"


def test_unchanged_files_are_not_rewritten(tmp_path):
    write_outputs(FILES, tmp_path)
    path = tmp_path / "ir/p.json"
    os.utime(path, (1_000_000, 1_000_000))
    assert write_outputs(FILES, tmp_path) == []
    assert path.stat().st_mtime == 1_000_000
    changed = {**FILES, "ir/p.json": "{}\n"}
    assert write_outputs(changed, tmp_path) == [tmp_path / "ir/p.json"]
    assert path.read_text() == "{}\n"


def test_written_files_get_the_usual_mode_and_no_temp_files_remain(tmp_path):
    write_outputs(FILES, tmp_path)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((tmp_path / "ir/p.json").stat().st_mode) == 0o666 & ~mask
    assert sorted(p.name for p in (tmp_path / "ir").rglob("*")) == ["p.json", "q.txt", "sub"]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    write_outputs({"ir/p.json": "old\n"}, tmp_path)

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "replace", boom)
    with pytest.raises(OutputError, match="cannot write .*p.json: No space left on device"):
        write_outputs({"ir/p.json": "new\n"}, tmp_path)
    assert (tmp_path / "ir/p.json").read_text() == "old\n"
    assert [p.name for p in (tmp_path / "ir").iterdir()] == ["p.json"]


def test_a_failed_staging_replaces_no_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    """Every file is written and synced before any is renamed: when one cannot be staged (disk
    full), the files staged beside it are not swapped in either."""
    old = {f"ir/p{i}.json": "old\n" for i in range(150)}  # three staging batches
    write_outputs(old, tmp_path)
    real = writer._create_temp

    def full_for_p7(path):
        if path.name == "p7.json":
            raise OSError(28, "No space left on device")
        return real(path)

    monkeypatch.setattr(writer, "_create_temp", full_for_p7)
    with pytest.raises(OutputError, match="cannot write .*p7.json: No space left on device"):
        write_outputs({rel: "new\n" for rel in old}, tmp_path)
    assert {p.name: p.read_text() for p in (tmp_path / "ir").iterdir()} == {rel[3:]: "old\n" for rel in old}


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names an fd's file through /proc")
def test_each_file_is_synced_before_it_replaces_the_old_one(tmp_path, monkeypatch):
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = writer.os.fsync, writer.os.replace

    def fsync(fd):
        events.append(("sync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.fspath(src)))
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "fsync", fsync)
    monkeypatch.setattr(writer.os, "replace", replace)
    files = {f"t{t}/p{i}.txt": f"{t} {i}\n" for t in range(3) for i in range(30)}
    assert len(write_outputs(files, tmp_path)) == 90
    replaced = [(i, path) for i, (kind, path) in enumerate(events) if kind == "replace"]
    synced = {path: i for i, (kind, path) in enumerate(events) if kind == "sync"}
    assert len(replaced) == 90
    assert all(synced[path] < i for i, path in replaced)  # the data is on disk before the rename
    assert sorted(Path(p).name for p in synced if Path(p).is_dir()) == ["t0", "t1", "t2"]  # each folder once


@pytest.mark.parametrize("rel", ["/etc/passwd", "../x", "ir/../../x", "ir/./x", "ir//x", "ir/", "", "a\\b",
                                 "C:/x", "a\0b", "ir/.."])
def test_unsafe_relative_paths_are_refused(tmp_path, rel):
    with pytest.raises(OutputError):
        check_relpath(rel)
    with pytest.raises(OutputError):
        write_outputs({"ir/ok.txt": "fine\n", rel: "x"}, tmp_path / "out")
    # Nothing at all was written: validation happens first.
    assert not (tmp_path / "out").exists()
    with pytest.raises(OutputError):
        check_outputs({rel: "x"}, tmp_path / "out")


def test_symlink_leading_outside_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "ir").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutputError, match="symbolic link leads outside"):
        write_outputs({"ir/p.json": "x"}, out)
    assert list(outside.iterdir()) == []
    with pytest.raises(OutputError, match="symbolic link leads outside"):
        check_outputs({"ir/p.json": "x"}, out)
    (out / "f.json").symlink_to(outside / "target.json")
    with pytest.raises(OutputError, match="symbolic link leads outside"):
        write_outputs({"f.json": "x"}, out)
    (out / "argo").mkdir()  # a link beside files already resolved in the same folder is still followed
    (out / "argo" / "b.yaml").symlink_to(outside / "b.yaml")
    with pytest.raises(OutputError, match="symbolic link leads outside"):
        write_outputs({"argo/a.yaml": "a", "argo/b.yaml": "b"}, out)
    assert list(outside.iterdir()) == []


def test_out_dir_itself_may_be_a_symlink(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    write_outputs(FILES, tmp_path / "link")
    assert (real / "ir/p.json").exists()


def test_folder_in_the_way_and_out_dir_that_is_a_file(tmp_path):
    (tmp_path / "ir/p.json").mkdir(parents=True)
    with pytest.raises(OutputError, match="a folder of that name exists"):
        write_outputs(FILES, tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is not a folder"):
        write_outputs(FILES, tmp_path / "file")


# --------------------------------------------------------------------------- check


def test_check_reports_missing_files_with_a_diff_from_dev_null(tmp_path):
    (diff,) = check_outputs({"ir/p.json": "a\nb\n"}, tmp_path / "out", ["ir"])
    assert diff.kind == "missing" and diff.path == "ir/p.json"
    assert diff.diff.splitlines()[:2] == ["--- /dev/null", f"+++ {(tmp_path / 'out').as_posix()}/ir/p.json"]
    assert "+a\n+b\n" in diff.diff


def test_check_reports_changed_content_as_unified_diff(tmp_path):
    write_outputs({"ir/p.json": "a\nb\nc\n"}, tmp_path)
    (diff,) = check_outputs({"ir/p.json": "a\nB\nc\n"}, tmp_path, ["ir"])
    assert diff.kind == "changed"
    assert "-b\n+B\n" in diff.diff and "@@" in diff.diff


def test_check_is_byte_exact(tmp_path):
    (tmp_path / "ir").mkdir()
    (tmp_path / "ir/p.json").write_bytes(b"a\r\n")
    (diff,) = check_outputs({"ir/p.json": "a\n"}, tmp_path)
    assert diff.kind == "changed"
    (tmp_path / "ir/p.json").write_bytes(b"a")
    (diff,) = check_outputs({"ir/p.json": "a\n"}, tmp_path)
    assert "\\ No newline at end of file" in diff.diff


def test_check_reports_stale_extra_files_only_in_owned_folders(tmp_path):
    write_outputs({**FILES, "ir/old.json": "old\n", "other/keep.txt": "k\n"}, tmp_path)
    diffs = check_outputs(FILES, tmp_path, ["ir"])
    assert [(d.kind, d.path) for d in diffs] == [("extra", "ir/old.json")]
    assert diffs[0].diff.splitlines()[1] == "+++ /dev/null" and "-old" in diffs[0].diff
    assert check_outputs(FILES, tmp_path) == []  # no owned folders: extras are not looked for
    assert stale_files(FILES, tmp_path, ["ir", "other", "missing"]) == ["ir/old.json", "other/keep.txt"]


def test_check_writes_nothing(tmp_path):
    out = tmp_path / "out"
    check_outputs(FILES, out, ["ir"])
    assert not out.exists()


def test_remove_outputs(tmp_path):
    write_outputs({**FILES, "ir/old.json": "old\n"}, tmp_path)
    removed = writer.remove_outputs(stale_files(FILES, tmp_path, ["ir"]), tmp_path)
    assert removed == [tmp_path / "ir/old.json"]
    assert check_outputs(FILES, tmp_path, ["ir"]) == []


def test_undecodable_committed_file_still_diffs(tmp_path):
    (tmp_path / "ir").mkdir()
    (tmp_path / "ir/p.json").write_bytes(b"\xff\xfe\n")
    (diff,) = check_outputs({"ir/p.json": "x\n"}, tmp_path)
    assert diff.kind == "changed" and "+x" in diff.diff


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("name, expected", [("train", "train"), ("a-b.c_1", "a-b.c_1")])
def test_safe_name_keeps_safe_names(name, expected):
    assert safe_name(name) == expected


def test_safe_name_sanitises_and_disambiguates():
    assert safe_name("a b").startswith("a_b-") and safe_name("a b") != safe_name("a_b")
    assert safe_name("a b") == safe_name("a b")  # stable
    assert safe_name(".hidden").startswith("_hidden-")
    assert safe_name("") and safe_name("..") != safe_name(".")
    assert len(safe_name("y" * 500)) <= 109


def test_a_symbolic_link_loop_is_an_output_error_not_a_crash(tmp_path):
    (tmp_path / "ir").symlink_to("ir")  # `ln -s ir out/ir`: the folder points at itself
    with pytest.raises(OutputError, match="cannot read .*p.json: Too many levels of symbolic links"):
        check_outputs(FILES, tmp_path, ["ir"])
    with pytest.raises(OutputError, match="cannot read .*p.json: Too many levels of symbolic links"):
        write_outputs(FILES, tmp_path)


def test_temp_files_of_a_killed_compile_are_ignored_then_removed(tmp_path):
    """A compile killed between mkstemp and os.replace leaves `.NAME.XXXXXXXX.tmp`: --check never
    reports it, and the next write removes it once it is older than any compile still writing."""
    write_outputs(FILES, tmp_path)
    old = tmp_path / "ir" / ".p.json.k3_x9a0b.tmp"
    fresh = tmp_path / "ir" / "sub" / ".q.txt.zz01ab2c.tmp"
    for path in (old, fresh):
        path.write_text("half a fi")
    os.utime(old, (1, 1))
    assert writer.is_temp_file(old.name) and not writer.is_temp_file("p.json")
    assert check_outputs(FILES, tmp_path, ["ir"]) == []
    assert stale_files(FILES, tmp_path, ["ir"]) == []
    assert write_outputs(FILES, tmp_path) == []  # nothing to write; the old leftover goes all the same
    assert not old.exists() and fresh.exists()
    os.utime(fresh, (1, 1))
    write_outputs(FILES, tmp_path)
    assert not fresh.exists()


# Report F13: names a case-insensitive or Windows file system cannot keep apart.

def test_paths_that_differ_only_by_case_are_refused(tmp_path: Path) -> None:
    from pipec.compiler.writer import write_outputs

    for files in ({"ir/Train.json": "a", "ir/train.json": "b"}, {"Docker/x/Dockerfile": "a", "docker/y/Dockerfile": "b"}):
        with pytest.raises(OutputError, match="differ only by letter case"):
            write_outputs(files, tmp_path / "out")
        with pytest.raises(OutputError, match="differ only by letter case"):
            check_outputs(files, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.json"))


@pytest.mark.parametrize("name", ["con", "CON", "aux", "nul", "com1", "LPT9", "prn"])
def test_windows_device_names_get_a_digest(name: str) -> None:
    safe = safe_name(name)
    assert safe.startswith(name + "-") and len(safe) == len(name) + 9
    assert safe_name("console") == "console" and safe_name("com10") == "com10"
