"""frames/: the narwhals boundary, checked reads and atomic writes."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.errors import ColumnError, DataFileError
from ethicompass.frames import (
    atomic_path,
    load_table,
    read_table,
    require_columns,
    require_numeric,
    sha256_file,
    to_narwhals,
    to_polars,
    write_table,
)


def test_every_backend_becomes_the_same_polars_frame(constructor) -> None:
    native = constructor({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    assert to_polars(native).to_dicts() == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}, {"a": 3, "b": "z"}]
    assert to_narwhals(native).columns == ["a", "b"]


def test_not_a_frame_is_a_column_error() -> None:
    with pytest.raises(ColumnError, match="not a data frame"):
        to_narwhals([1, 2, 3])


def test_missing_column_names_it_and_lists_the_rest(constructor) -> None:
    native = constructor({"age": [1], "sex": ["F"]})
    with pytest.raises(ColumnError) as info:
        require_columns(native, ["age", "zip"], source="patients.csv")
    assert "'zip'" in info.value.message and "patients.csv" in info.value.message
    assert "age, sex" in (info.value.hint or "")


def test_require_numeric(constructor) -> None:
    native = constructor({"score": [0.1, 0.2], "sex": ["F", "M"]})
    require_numeric(native, "score")
    with pytest.raises(ColumnError, match="not numeric"):
        require_numeric(native, "sex")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ragged.csv", "a,b\n1,2\n3,4,5\n", "line 3: 3 fields, the header has 2"),
        ("short.csv", "a,b\n1,2\n3\n", "line 3: 1 fields, the header has 2"),
        ("empty.csv", "", "is empty"),
        ("header_only.csv", "a,b\n", "has no rows"),
    ],
)
def test_bad_csv_is_named_with_its_line(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DataFileError, match=message):
        load_table(path)


def test_bad_encoding_is_named(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,city\nJosé,Bogotá\n".encode("latin-1"))
    with pytest.raises(DataFileError, match="not valid UTF-8") as info:
        load_table(path)
    assert "iconv" in (info.value.hint or "")


@pytest.mark.parametrize("name", ["missing.csv", "dir", "table.xlsx"])
def test_unreadable_paths(tmp_path: Path, name: str) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "table.xlsx").write_text("x")
    with pytest.raises(DataFileError):
        read_table(tmp_path / name)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl"])
def test_write_then_read_round_trips(tmp_path: Path, suffix: str) -> None:
    frame = pl.DataFrame({"id": ["a", "b"], "value": [1.5, 2.5]})
    path = tmp_path / f"out{suffix}"
    write_table(frame, path)
    assert load_table(path).to_dicts() == frame.to_dicts()
    assert sha256_file(path).startswith("sha256:")


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "result.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=3000))
def test_sha256_streams_like_hashlib(data: bytes) -> None:
    import hashlib
    import tempfile

    with tempfile.NamedTemporaryFile() as fh:
        fh.write(data)
        fh.flush()
        assert sha256_file(fh.name) == "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (["02134", "10001"], pl.Utf8),  # ZIPs with a leading zero stay text
        (["12", "-3", None], pl.Int64),
        (["1.5", "2"], pl.Float64),
        (["true", "False"], pl.Boolean),
        (["0", "10"], pl.Int64),  # a lone zero is a number
        (["", None], pl.Utf8),
        (["2021-03-05"], pl.Utf8),
    ],
)
def test_csv_types_keep_identifiers_with_leading_zeros(tmp_path: Path, values, dtype) -> None:
    from ethicompass.frames import infer_text_dtype

    assert infer_text_dtype(pl.Series(values, dtype=pl.Utf8)) == dtype
    path = tmp_path / "t.csv"
    pl.DataFrame({"c": values}, schema={"c": pl.Utf8}).write_csv(path)
    assert read_table(path).collect_schema()["c"] == dtype
