"""``frames.iter_csv_text``: reading a CSV in blocks of whole records gives what reading it whole gives."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethicompass.frames import iter_csv_text

CELLS = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list('ab ,"\n\r;é1')), max_size=8),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(CELLS, CELLS, CELLS), min_size=1, max_size=30),
    block=st.integers(1, 200),
    crlf=st.booleans(),
    final_newline=st.booleans(),
)
def test_blocks_give_the_whole_read(
    tmp_path: Path, rows, block: int, crlf: bool, final_newline: bool
) -> None:
    frame = pl.DataFrame(rows, schema=["a", "b c", 'd"q'], orient="row")
    text = frame.write_csv(line_terminator="\r\n" if crlf else "\n")
    if not final_newline:
        text = text.rstrip("\r\n") if text.count("\n") > 1 else text
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    whole = pl.read_csv(path, infer_schema=False)
    batches = list(iter_csv_text(path, block=block))
    got = pl.concat(batches) if batches else whole.head(0)
    assert got.equals(whole)


@pytest.mark.parametrize("separator", [",", "\t"])
def test_header_only_and_tsv(tmp_path: Path, separator: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"a{separator}b\n")
    assert list(iter_csv_text(path, separator=separator, block=3)) == []
    path.write_text(f"a{separator}b\n1{separator}2\n3{separator}4")
    got = pl.concat(list(iter_csv_text(path, separator=separator, block=4)))
    assert got.equals(pl.read_csv(path, separator=separator, infer_schema=False))


def test_a_bom_stays_out_of_the_names(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfid,v\nx,1\ny,2\n")
    batches = list(iter_csv_text(path, block=5))
    assert all(b.columns == ["id", "v"] for b in batches)
    assert pl.concat(batches).equals(pl.read_csv(path, infer_schema=False))
