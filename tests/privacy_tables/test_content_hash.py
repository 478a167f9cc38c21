"""The certificate's content hash (``transparency.content_hash``) against a plain re-reading of its definition.

The reference below walks rows in Python and hashes with hashlib; the real one builds canonical
bytes column-wise (native or NumPy) and hashes leaves 16 at a time. They must agree on every table,
and the hash must not depend on chunking, yet change with any cell, name or type.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import struct

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.transparency import _content_hash
from ethicompass.transparency._content_hash import ContentHasher, canonical_columns, content_hash


def _reference(frame: pl.DataFrame, leaf: int) -> str:
    columns = []
    for s in frame.get_columns():
        out = bytearray()
        for v in s.to_list():
            if s.dtype in (pl.String, pl.Binary):
                if v is None:
                    out += b"\xff\xff\xff\xff"
                else:
                    raw = v.encode() if isinstance(v, str) else v
                    out += struct.pack("<I", len(raw)) + raw
            elif v is None:
                out += b"\x00" + bytes(8)
            elif s.dtype.is_float():
                out += b"\x01" + (
                    struct.pack("<Q", 0x7FF8000000000000) if math.isnan(v) else struct.pack("<d", v)
                )
            elif s.dtype == pl.Date:
                out += b"\x01" + struct.pack("<q", (v - dt.date(1970, 1, 1)).days)
            else:
                out += b"\x01" + struct.pack("<q", int(v))
        leaves = b"".join(hashlib.sha256(out[i : i + leaf]).digest() for i in range(0, len(out), leaf))
        head = b"ethicompass column v1\0" + s.name.encode() + b"\0" + str(s.dtype).encode() + b"\0"
        columns.append(hashlib.sha256(head + struct.pack("<QQ", s.len(), len(out)) + leaves).digest())
    top = b"ethicompass table v1\0" + struct.pack("<QQ", frame.width, frame.height) + b"".join(columns)
    return "sha256-tree:" + hashlib.sha256(top).hexdigest()


ROWS = st.integers(0, 40)


@st.composite
def frames(draw) -> pl.DataFrame:
    n = draw(ROWS)
    text = st.one_of(st.none(), st.text(max_size=20))
    return pl.DataFrame(
        {
            "name": pl.Series(draw(st.lists(text, min_size=n, max_size=n)), dtype=pl.String),
            "n": pl.Series(
                draw(st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62)), min_size=n, max_size=n)),
                dtype=pl.Int64,
            ),
            "x": pl.Series(
                draw(st.lists(st.one_of(st.none(), st.floats()), min_size=n, max_size=n)), dtype=pl.Float64
            ),
            "d": pl.Series(
                draw(st.lists(st.one_of(st.none(), st.dates()), min_size=n, max_size=n)), dtype=pl.Date
            ),
            "b": pl.Series(
                draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n)), dtype=pl.Boolean
            ),
        }
    )


@settings(max_examples=60, deadline=None)
@given(frame=frames(), leaf=st.sampled_from([1, 7, 64, 1 << 20]))
def test_matches_the_definition(frame: pl.DataFrame, leaf: int) -> None:
    old = _content_hash.LEAF
    _content_hash.LEAF = leaf  # small leaves: many leaves and tails in a small table
    try:
        assert content_hash(frame) == _reference(frame, leaf)
    finally:
        _content_hash.LEAF = old


@settings(max_examples=40, deadline=None)
@given(frame=frames(), cuts=st.lists(st.integers(0, 40), max_size=4))
def test_chunking_and_batching_do_not_matter(frame: pl.DataFrame, cuts: list[int]) -> None:
    bounds = sorted({0, frame.height, *[min(c, frame.height) for c in cuts]})
    pieces = [frame.slice(a, b - a) for a, b in itertools.pairwise(bounds)]
    chunked = pl.concat(pieces, rechunk=False) if pieces else frame
    assert content_hash(chunked) == content_hash(frame)
    by_parts = ContentHasher(frame.schema)
    for piece in pieces:
        by_parts.update_canonical([p.tobytes() for p in canonical_columns(piece)], rows=piece.height)
    assert by_parts.hexdigest() == content_hash(frame)


def test_native_and_hashlib_agree(hash_route: str) -> None:
    n = 300_000  # several 1 MiB leaves per column, queued across columns
    frame = pl.DataFrame(
        {
            "id": [f"P{i:07d}" if i % 11 else None for i in range(n)],
            "long": [f"a fairly long value number {i}" for i in range(n)],
            "age": [i % 97 for i in range(n)],
        }
    ).with_columns(pl.col("age").cast(pl.Float64).alias("score"))
    assert content_hash(frame) == _reference(frame, 1 << 20)


def test_any_change_changes_the_hash() -> None:
    frame = pl.DataFrame({"a": ["x", "y", None], "b": [1, 2, 3]})
    base = content_hash(frame)
    others = [
        frame.with_columns(pl.Series("a", ["x", "y", ""])),  # null vs empty
        frame.with_columns(pl.Series("b", [1, 2, 4])),
        frame.rename({"b": "c"}),
        frame.select("b", "a"),
        frame.with_columns(pl.col("b").cast(pl.Int32)),
        frame.head(2),
        pl.DataFrame({"a": ["xy", "", None], "b": [1, 2, 3]}),  # same bytes, other boundaries
    ]
    assert len({base, *(content_hash(o) for o in others)}) == len(others) + 1


def test_other_types_are_hashed_as_text() -> None:
    frame = pl.DataFrame({"c": ["a", "b", None]}).with_columns(
        pl.col("c").cast(pl.Categorical).alias("cat"), pl.col("c").str.split("").alias("list")
    )
    assert content_hash(frame).startswith("sha256-tree:")
    assert content_hash(frame) != content_hash(frame.with_columns(pl.lit(None).alias("list")))
