"""Artifact store: layout, materializer choice, round trips, atomic commits."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipec.runtime import materializers
from pipec.runtime.artifacts import MARKER, ArtifactNotFound, ArtifactStore, component

WHERE = {"pipeline": "p", "run_id": "run 1", "step_id": "s", "output": "out"}


@pytest.fixture(params=["path", "fsspec"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    """The same store through plain files and through fsspec's file:// protocol."""
    root = tmp_path / "store"
    return ArtifactStore(str(root) if request.param == "path" else f"file://{root}")


@pytest.mark.parametrize(("type_str", "expected"), [
    ("int", "json"), ("str", "json"), ("float | None", "json"), ("list[dict[str, int]]", "json"),
    ("dict[str, float]", "json"), ("None", "json"), ("bool", "json"), ("dict", "json"),
    ("pandas.DataFrame", "parquet"), ("numpy.ndarray", "numpy"), ("bytes", "bytes"),
    ("pandas.DataFrame | None", "parquet"), ("Any", "dynamic"), ("sklearn.base.BaseEstimator", "dynamic"),
    ("dict[int, str]", "dynamic"), ("tuple[int, int]", "dynamic"),
])
def test_static_choice(type_str: str, expected: str) -> None:
    assert materializers.static_name(type_str) == expected


class Thing:
    def __init__(self, x: int) -> None:
        self.x = x


@pytest.mark.parametrize(("type_str", "value", "name", "warns"), [
    ("dict[str, float]", {"a": 1.5}, "json", False),
    ("list[int]", [1, 2, 3], "json", False),
    ("Any", "text", "json", False),
    ("Any", None, "json", False),
    ("bytes", b"\x00\xff", "bytes", False),
    ("numpy.ndarray", np.arange(6).reshape(2, 3), "numpy", False),
    ("Any", np.ones(3), "numpy", False),
    ("dict[int, str]", {1: "a"}, "pickle", True),
    ("dict", {1: "a"}, "pickle", True),  # declared JSON, value not JSON-safe: value decides, warned
    ("tests.Thing", Thing(3), "pickle", True),
])
def test_round_trip(store: ArtifactStore, type_str: str, value: object, name: str, warns: bool) -> None:
    info, warning = store.save(value, type_str=type_str, **WHERE)
    assert info.materializer == name
    assert (warning is not None) == warns
    back = store.load(store.read_marker("p", "run 1", "s", "out"))
    if isinstance(value, np.ndarray):
        np.testing.assert_array_equal(back, value)
        assert back.dtype == value.dtype
    elif isinstance(value, Thing):
        assert back.x == 3
    else:
        assert back == value and type(back) is type(value)


def test_dataframe_parquet_keeps_index_and_dtypes(store: ArtifactStore) -> None:
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, None]}, index=pd.Index([10, 20], name="k"))
    info, warning = store.save(df, type_str="pandas.DataFrame", **WHERE)
    assert (info.materializer, warning) == ("parquet", None)
    pd.testing.assert_frame_equal(store.load(info), df)
    # Non-string column names cannot round-trip through Parquet: pickle, with a warning.
    info2, warning2 = store.save(pd.DataFrame({0: [1]}), type_str="pandas.DataFrame", **WHERE)
    assert info2.materializer == "pickle" and "parquet" in warning2


def test_layout_marker_and_hash(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path))
    info, _ = store.save({"k": 1}, type_str="dict[str, int]", pipeline="etl", run_id="a/b:c", step_id="clean",
                         output="stats")
    folder = tmp_path / "etl" / "a%2Fb%3Ac" / "clean" / "stats"
    assert sorted(p.name for p in folder.iterdir()) == sorted([MARKER, Path(info.payload).name])
    payload = (folder / Path(info.payload).name).read_bytes()
    assert info.content_hash == "sha256:" + hashlib.sha256(payload).hexdigest()
    assert info.size == len(payload) and info.uri == str(folder / Path(info.payload).name)
    assert component("..") == "%2E%2E" and component("") != ""


def test_rewrite_replaces_payload_and_link_points_at_original(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path))
    store.save(1, type_str="int", **WHERE)
    second, _ = store.save(2, type_str="int", **WHERE)
    folder = tmp_path / "p" / "run%201" / "s" / "out"
    # The earlier payload stays (a concurrent duplicate attempt could still be committing it);
    # the marker names the new one.
    assert len([p for p in folder.iterdir() if p.name.startswith("data-")]) == 2
    assert store.read_marker(**WHERE).payload == second.payload
    linked = store.link(second, pipeline="p", run_id="run 2", step_id="s", output="out")
    assert linked.payload == second.payload
    assert store.load(store.read_marker("p", "run 2", "s", "out")) == 2


class Exploding(materializers.Materializer):
    """Writes half a payload, then fails (a stand-in for a crash mid-write)."""

    name = "exploding"
    value_types = ("test_artifact_store.Boom",)

    def save(self, value: object, out: io.RawIOBase) -> None:
        out.write(b"half")
        raise OSError("disk full")


class Boom:
    pass


def test_failed_write_commits_nothing(store: ArtifactStore) -> None:
    store.save(1, type_str="int", **WHERE)  # a previous, complete attempt
    with pytest.raises(OSError):
        store.save(Boom(), materializer=Exploding(), **WHERE)
    assert store.load(store.read_marker("p", "run 1", "s", "out")) == 1  # previous commit intact
    with pytest.raises(OSError):
        store.save(Boom(), materializer=Exploding(), pipeline="p", run_id="run 1", step_id="s", output="new")
    with pytest.raises(ArtifactNotFound, match="never committed"):
        store.read_marker("p", "run 1", "s", "new")


def test_torn_marker_is_not_committed(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path))
    store.save([1, 2], type_str="list[int]", **WHERE)
    marker = tmp_path / "p" / "run%201" / "s" / "out" / MARKER
    marker.write_bytes(marker.read_bytes()[:10])
    with pytest.raises(ArtifactNotFound):
        store.read_marker("p", "run 1", "s", "out")


def test_user_registered_materializer(tmp_path: Path) -> None:
    class Point:
        def __init__(self, x: int, y: int) -> None:
            self.x, self.y = x, y

    class PointMaterializer(materializers.Materializer):
        name = "test-point"
        extension = ".txt"
        types = ("geo.Point",)

        def save(self, value: Point, out: io.RawIOBase) -> None:
            out.write(f"{value.x},{value.y}".encode())

        def load(self, src: io.RawIOBase) -> Point:
            x, y = src.read().decode().split(",")
            return Point(int(x), int(y))

    materializers.register(PointMaterializer())
    store = ArtifactStore(str(tmp_path))
    info, warning = store.save(Point(1, 2), type_str="geo.Point", **WHERE)
    assert (info.materializer, warning) == ("test-point", None)
    assert info.payload.endswith(".txt")
    assert vars(store.load(info)) == {"x": 1, "y": 2}
    with pytest.raises(materializers.MaterializerError, match="no materializer named"):
        materializers.get("never-registered")


def test_a_late_commit_of_a_duplicate_attempt_still_names_a_payload(tmp_path: Path) -> None:
    """Two attempts of one step racing: whichever marker lands last must name a payload that exists."""
    store = ArtifactStore(str(tmp_path))
    first, _ = store.save(1, type_str="int", **WHERE)
    store.save(2, type_str="int", **WHERE)
    store._commit(store.output_dir(**WHERE), first)  # the first attempt's marker write lands last
    assert store.load(store.read_marker(**WHERE)) == 1
