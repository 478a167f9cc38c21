"""De-identifying batch by batch gives exactly what de-identifying the whole table gives.

``deidentify_batches`` (what ``ethicompass deid`` runs on a CSV) against ``deidentify``: same rows,
same certificate (counts and content hashes), same linkage table, for any cut of the table into
batches; a bad value is reported with its row number in the whole table; the CLI's output file is
byte for byte what writing the whole frame gives.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.errors import ColumnError
from ethicompass.privacy import Key, Policy, TableSchema, deidentify, read_linkage
from ethicompass.privacy.tables import _cli as _cli_tables
from ethicompass.privacy.tables._deid_stream import deidentify_batches

KEY = Key(b"stream-test-key-0123456789abcdef")
SCHEMA = TableSchema.from_dict(
    {
        "columns": {
            "pid": {"role": "participant_id"},
            "mrn": {"role": "direct_identifier", "phi_type": "MRN"},
            "born": {"role": "date", "phi_type": "DATE"},
            "seen": {"role": "date"},
            "age": {"role": "quasi_identifier", "phi_type": "AGE"},
            "zip": {"role": "quasi_identifier", "phi_type": "ZIP"},
            "note": {"role": "other"},
        }
    }
)
POLICY = Policy.date_shift().with_(
    pseudonymise_types=frozenset({"MRN"}), reversible=True, on_bad_date="suppress"
)


def _table(n: int, seed: int) -> pl.DataFrame:
    import random

    rng = random.Random(seed)
    return pl.DataFrame(
        {
            "pid": [
                rng.choice([f"P{rng.randrange(12):03d}", None]) if i % 9 == 0 else f"P{rng.randrange(12):03d}"
                for i in range(n)
            ],
            "mrn": [f"{rng.randrange(10**7):08d}" for _ in range(n)],
            "born": [rng.choice(["1931-02-03", "1950-12-31", "", "not a date"]) for _ in range(n)],
            "seen": [f"2020-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}" for _ in range(n)],
            "age": [str(rng.choice([34, 89, 90, 97])) for _ in range(n)],
            "zip": [rng.choice(["02139", "03601", "10001", "bad"]) for _ in range(n)],
            "note": [rng.choice(["a", "b,c", None]) for _ in range(n)],
        }
    )


def _batches(frame: pl.DataFrame, cuts: list[int]) -> list[pl.DataFrame]:
    bounds = sorted({0, frame.height, *[min(c, frame.height) for c in cuts]})
    return [frame.slice(a, b - a) for a, b in itertools.pairwise(bounds)]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 60), seed=st.integers(0, 10**6), cuts=st.lists(st.integers(0, 60), max_size=5))
def test_any_cut_into_batches_gives_the_whole_table_result(n: int, seed: int, cuts: list[int]) -> None:
    frame = _table(n, seed)
    whole = deidentify(frame, SCHEMA, policy=POLICY, key=KEY)
    written: list[pl.DataFrame] = []
    streamed = deidentify_batches(
        iter(_batches(frame, cuts)), SCHEMA, policy=POLICY, key=KEY, write=written.append
    )
    assert pl.concat(written).equals(whole.to_frame())
    assert streamed.certificate == whole.certificate
    assert streamed.output_schema == whole.output_schema
    assert streamed.linkage is not None and whole.linkage is not None
    assert read_linkage(streamed.linkage, KEY).equals(read_linkage(whole.linkage, KEY))


def test_a_bad_date_names_its_row_in_the_whole_table() -> None:
    frame = _table(50, 1).with_columns(pl.lit("2020-01-01").alias("seen"), pl.lit("1950-01-01").alias("born"))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 36)
        .then(pl.lit("2020-13-45"))
        .otherwise(pl.col("seen"))
        .alias("seen")
    )
    strict = POLICY.with_(on_bad_date="fail")
    with pytest.raises(ColumnError, match=r"data rows 37\b"):
        deidentify_batches(
            iter(_batches(frame, [10, 20, 30, 40])), SCHEMA, policy=strict, key=KEY, write=lambda _: None
        )
    with pytest.raises(ColumnError, match=r"data rows 37\b"):
        deidentify(frame, SCHEMA, policy=strict, key=KEY)


def test_no_rows_is_refused() -> None:
    empty = _table(3, 0).head(0)
    with pytest.raises(ColumnError, match="no rows"):
        deidentify_batches(iter([empty, empty]), SCHEMA, policy=POLICY, key=KEY, write=lambda _: None)


@pytest.mark.parametrize("source", [".csv", ".parquet"])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_output_is_the_whole_frame_written_once(
    tmp_path: Path, cli: Any, monkeypatch: Any, suffix: str, source: str
) -> None:
    frame = _table(257, 5).with_columns(
        pl.col("born").replace({"not a date": "1960-06-06", "": "1961-07-07"})
    )
    data = tmp_path / f"in{source}"
    if source == ".csv":
        frame.write_csv(data)
    else:
        frame.write_parquet(data, row_group_size=50)
    schema = tmp_path / "schema.yaml"
    schema.write_text(json.dumps(SCHEMA.to_dict()))
    key = tmp_path / "KEY"
    key.write_text(KEY.to_text())
    monkeypatch.setattr(_cli_tables, "_BATCH_BYTES", 500)  # about 20 batches
    monkeypatch.setattr(_cli_tables, "_PARQUET_ROWS", 16)
    out = tmp_path / f"out{suffix}"
    args = ["--schema", schema, "--key-file", key, "--out", out, "--dates", "shift", "--pseudonymise", "MRN"]
    result = cli("deid", data, *args, "--format", "json")
    assert result.code == 0, result.err
    whole = deidentify(
        _cli_tables.read_for_privacy(data),
        SCHEMA,
        policy=Policy.date_shift().with_(pseudonymise_types=frozenset({"MRN"})),
        key=KEY,
    )
    if suffix == ".csv":
        assert out.read_bytes() == whole.to_frame().write_csv().encode()
    else:
        assert pl.read_parquet(out).equals(whole.to_frame())
    cert = json.loads(Path(str(out) + ".certificate.json").read_text())
    assert cert["input_sha256"] == whole.certificate.input_sha256
    assert cert["output_sha256"] == whole.certificate.output_sha256
    assert cert["columns"] == [c.to_dict() for c in whole.certificate.columns]


def test_parquet_batches_have_the_whole_file_types_and_values(tmp_path: Path, monkeypatch: Any) -> None:
    import datetime as dt

    n = 1000
    frame = pl.DataFrame(
        {
            "pid": [f"P{i % 97:03d}" for i in range(n)],
            "born": [dt.date(1930, 1, 1) + dt.timedelta(days=37 * i) for i in range(n)],
            "seen": [dt.datetime(2020, 1, 1, 8, 30) + dt.timedelta(hours=5 * i) for i in range(n)],
            "age": [20 + i % 80 for i in range(n)],
            "score": [None if i % 13 == 0 else i / 7 for i in range(n)],
            "arm": pl.Series(["a", "b"] * (n // 2), dtype=pl.Categorical),
            "flag": [i % 3 == 0 for i in range(n)],
        }
    )
    path = tmp_path / "t.parquet"
    frame.write_parquet(path, row_group_size=300)
    monkeypatch.setattr(_cli_tables, "_PARQUET_ROWS", 128)
    batches = list(_cli_tables.batches_for_privacy(path))
    assert len(batches) > 1
    whole = _cli_tables.read_for_privacy(path)
    assert all(b.schema == whole.schema for b in batches)
    assert pl.concat(batches).equals(whole)
