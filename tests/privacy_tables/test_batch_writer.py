"""``privacy.tables.BatchWriter``: the streamed de-identification output, CSV (hashed while written,
formulas neutralised unless raw) or Parquet (batches cast to the first one's schema)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from ethicompass.frames import sha256_file
from ethicompass.privacy.tables import BatchWriter

BATCHES = [
    pl.DataFrame({"id": ["a", "b"], "note": ["=1+1", "ok"]}),
    pl.DataFrame({"id": ["c"], "note": ["@x"]}),
]


def test_csv_is_hashed_as_written_and_formulas_are_neutralised(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    writer = BatchWriter(out, parquet=False)
    for batch in BATCHES:
        writer.write(batch)
    digest = writer.close()
    assert digest == "sha256:" + hashlib.sha256(out.read_bytes()).hexdigest() == sha256_file(out)
    assert writer.neutralised == 2
    text = out.read_text(encoding="utf-8")
    assert text.count("id,note") == 1 and "=1+1" not in text.replace("'=1+1", "")


def test_raw_csv_keeps_cells(tmp_path: Path) -> None:
    writer = BatchWriter(tmp_path / "raw.csv", parquet=False, raw_csv=True)
    for batch in BATCHES:
        writer.write(batch)
    writer.close()
    assert writer.neutralised == 0
    assert_frame_equal(pl.read_csv(tmp_path / "raw.csv"), pl.concat(BATCHES))


def test_parquet_batches_take_the_first_schema(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    writer = BatchWriter(out, parquet=True)
    writer.write(pl.DataFrame({"n": [1, 2]}, schema={"n": pl.Int64}))
    writer.write(pl.DataFrame({"n": [3]}, schema={"n": pl.Int32}))
    assert writer.close() == sha256_file(out)
    assert_frame_equal(pl.read_parquet(out), pl.DataFrame({"n": [1, 2, 3]}, schema={"n": pl.Int64}))


def test_nothing_written_is_the_empty_hash(tmp_path: Path) -> None:
    writer = BatchWriter(tmp_path / "none.csv", parquet=False)
    assert writer.close() == "sha256:" + hashlib.sha256(b"").hexdigest()
    assert not (tmp_path / "none.csv").exists()
