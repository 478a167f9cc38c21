"""Content hashes of tables: SHA-256 over each column's canonical bytes, in a tree of 1 MiB leaves.

A certificate records what went in and what came out without holding a value. The hash depends on
the table's content only: not on how it is chunked, batched or partitioned (in-process and Spark give
the same hash), not on the file format it came from once read. Definition (``sha256-tree:`` prefix):

- Canonical bytes of a column, row by row:
  text and binary (String, Categorical, Enum, Binary; Decimal and nested types via their text/JSON):
  ``u32le(byte length) + UTF-8 bytes``, a null ``FF FF FF FF``;
  integers, booleans, dates, times, datetimes and durations (their integer form):
  ``01 + i64le(value)``, a null ``00`` and 8 zero bytes; floats: ``01 + f64le(value)`` (every NaN as
  ``0x7FF8000000000000``), a null as for integers.
- Leaves: the column's bytes cut into 1 MiB pieces (the last one shorter; none for zero bytes).
- Column digest: ``SHA-256(b"ethicompass column v1\\0" + name + b"\\0" + dtype + b"\\0" + u64le(rows)
  + u64le(bytes) + SHA-256(leaf 1) + SHA-256(leaf 2) + ...)``, name and Polars dtype as UTF-8 text.
- Table: ``SHA-256(b"ethicompass table v1\\0" + u64le(columns) + u64le(rows) + column digests)``.

The leaves are hashed 16 at a time by ``ethicompass._native`` (hashlib without it: same digests).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from ethicompass import _native

__all__ = ["ContentHasher", "canonical_columns", "content_hash", "pack_parts", "unpack_parts"]

PREFIX = "sha256-tree:"
LEAF = 1 << 20
_QUEUE = 32 * LEAF  # hash the queued leaves once this many bytes wait (two rounds of 16 lanes)
_NAN = np.float64(np.nan).view(np.int64)
_RECORD = np.dtype([("valid", "u1"), ("value", "<i8")])  # packed: 9 bytes


def _text(s: pl.Series) -> pl.Series:
    dtype = s.dtype
    if dtype in (pl.String, pl.Binary):
        return s
    if isinstance(dtype, pl.Categorical | pl.Enum) or dtype == pl.Null or isinstance(dtype, pl.Decimal):
        return s.cast(pl.String)
    return pl.select(pl.struct(s).struct.json_encode()).to_series()  # nested: JSON text per row


def _numbers(s: pl.Series) -> np.ndarray:
    if s.dtype.is_float():
        values = s.cast(pl.Float64).fill_nan(None) if s.dtype != pl.Float64 else s
        nan = values.is_nan().fill_null(False).to_numpy()
        raw = values.fill_null(0.0).to_numpy().view(np.int64).copy()
        raw[nan] = _NAN
    else:
        physical = s.to_physical() if s.dtype != pl.Boolean else s.cast(pl.Int8)
        if physical.dtype == pl.UInt64:
            raw = physical.fill_null(0).to_numpy().view(np.int64)
        else:
            raw = physical.cast(pl.Int64).fill_null(0).to_numpy()
    records = np.empty(s.len(), dtype=_RECORD)
    records["valid"] = s.is_not_null().to_numpy()
    records["value"] = raw
    return records.view(np.uint8)


def _strings_numpy(array: pa.Array) -> np.ndarray:
    """Canonical text bytes from a (large) string/binary array, vectorised (the no-native route)."""
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + n + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8) if array.buffers()[2] is not None else None
    valid = array.is_valid().to_numpy(zero_copy_only=False) if array.null_count else np.ones(n, dtype=bool)
    used = np.where(valid, np.diff(offsets), 0)
    heads = np.where(valid, np.diff(offsets), 0xFFFFFFFF).astype("<u4").view(np.uint8).reshape(n, 4)
    before = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(used, out=before[1:])
    starts = 4 * np.arange(n, dtype=np.int64) + before[:-1]
    out = np.empty(4 * n + int(before[-1]), dtype=np.uint8)
    out[starts[:, None] + np.arange(4)] = heads
    total = int(before[-1])
    if total:
        assert data is not None
        within = np.arange(total, dtype=np.int64) - np.repeat(before[:-1], used)
        out[np.repeat(starts + 4, used) + within] = data[np.repeat(offsets[:-1], used) + within]
    return out


def _canonical(s: pl.Series) -> np.ndarray:
    """The canonical bytes of one column (see the module doc), all its chunks in one buffer."""
    dtype = s.dtype
    numeric = dtype.is_numeric() or dtype.is_temporal() or dtype == pl.Boolean
    if numeric and not isinstance(dtype, pl.Decimal):
        return _numbers(s)
    text = _text(s)
    if _native.available():  # a walk over each chunk's string views: no rechunking or conversion copy
        arrays = [c.to_arrow(compat_level=pl.CompatLevel.newest()) for c in text.get_chunks()]
        arrays = [a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in arrays]
        if all(pa.types.is_string_view(a.type) or pa.types.is_binary_view(a.type) for a in arrays):
            out = _native.canonical_views(arrays)
            assert out is not None
            return out
    array = text.to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    target = pa.large_binary() if text.dtype == pl.Binary else pa.large_string()
    return _strings_numpy(array.cast(target) if array.type != target else array)


def canonical_columns(frame: pl.DataFrame, /) -> list[np.ndarray]:
    """The canonical bytes of every column of ``frame`` (one part per column, in order)."""
    return [_canonical(s) for s in frame.get_columns()]


def pack_parts(parts: Sequence[np.ndarray], /) -> bytes:
    """Canonical parts as one blob (``u64le(size) + bytes`` each), e.g. to leave a Spark worker."""
    return b"".join(struct.pack("<Q", p.size) + p.tobytes() for p in parts)


def unpack_parts(blob: bytes, /) -> list[memoryview]:
    """The parts of a :func:`pack_parts` blob (views, no copies)."""
    view, parts, at = memoryview(blob), [], 0
    while at < len(view):
        (size,) = struct.unpack_from("<Q", view, at)
        parts.append(view[at + 8 : at + 8 + size])
        at += 8 + size
    return parts


class _Column:
    """One column's running tree: the tail short of a leaf, and its leaves' digests so far."""

    def __init__(self) -> None:
        self.pending = bytearray()
        self.leaves: list[bytes] = []
        self.size = 0


class ContentHasher:
    """Incremental :func:`content_hash`: feed the rows in order, in frames or canonical parts of any size.

    Whole leaves are queued (as spans of the parts, not copies) and hashed 16 at a time once
    ``_QUEUE`` bytes wait, across columns, so that short columns still fill the vector lanes.
    """

    def __init__(self, schema: Mapping[str, pl.DataType] | pl.Schema) -> None:
        self.names = list(schema)
        self.dtypes = [str(schema[n]) for n in self.names]
        self.columns = [_Column() for _ in self.names]
        self.rows = 0
        self._jobs: list[tuple[_Column, int, np.ndarray, int, int]] = []
        self._queued = 0

    def update(self, frame: pl.DataFrame) -> None:
        """Add ``frame``'s rows (its columns must be this hasher's, in order)."""
        if frame.columns != self.names:
            raise ValueError("the frame's columns differ from the hasher's")
        for column, series in zip(self.columns, frame.get_columns(), strict=True):
            self._add(column, _canonical(series))
        self.rows += frame.height

    def update_canonical(self, parts: Sequence[Any], *, rows: int) -> None:
        """Add ``rows`` rows given as :func:`canonical_columns` parts (e.g. from a Spark partition)."""
        if len(parts) != len(self.columns):
            raise ValueError(f"{len(parts)} canonical parts for {len(self.columns)} columns")
        for column, part in zip(self.columns, parts, strict=True):
            self._add(column, np.frombuffer(part, dtype=np.uint8))
        self.rows += rows

    def _add(self, column: _Column, part: np.ndarray) -> None:
        n, pos = part.size, 0
        column.size += n
        if column.pending:
            pos = min(LEAF - len(column.pending), n)
            column.pending += part[:pos].data
            if len(column.pending) == LEAF:  # the array holds the old bytearray; a new one follows
                self._queue(column, np.frombuffer(column.pending, dtype=np.uint8), 0, LEAF)
                column.pending = bytearray()
        whole = (n - pos) // LEAF * LEAF
        for start in range(pos, pos + whole, LEAF):
            self._queue(column, part, start, LEAF)
        column.pending += part[pos + whole :].data

    def _queue(self, column: _Column, array: np.ndarray, start: int, length: int) -> None:
        column.leaves.append(b"")
        self._jobs.append((column, len(column.leaves) - 1, array, start, length))
        self._queued += length
        if self._queued >= _QUEUE:
            self._flush()

    def _flush(self) -> None:
        digests = _native.sha256_spans([(a, s, k) for _, _, a, s, k in self._jobs])
        for i, (column, index, *_) in enumerate(self._jobs):
            column.leaves[index] = digests[32 * i : 32 * i + 32]
        self._jobs, self._queued = [], 0

    def hexdigest(self) -> str:
        """``sha256-tree:<hex>`` of everything added."""
        for column in self.columns:
            if column.pending:
                self._queue(column, np.frombuffer(column.pending, dtype=np.uint8), 0, len(column.pending))
                column.pending = bytearray()
        self._flush()
        head = b"ethicompass table v1\0" + struct.pack("<QQ", len(self.names), self.rows)
        digests = []
        for column, name, dtype in zip(self.columns, self.names, self.dtypes, strict=True):
            top = b"ethicompass column v1\0" + name.encode() + b"\0" + dtype.encode() + b"\0"
            top += struct.pack("<QQ", self.rows, column.size) + b"".join(column.leaves)
            digests.append(hashlib.sha256(top).digest())
        return PREFIX + hashlib.sha256(head + b"".join(digests)).hexdigest()


def content_hash(frame: pl.DataFrame, /) -> str:
    """The content hash of ``frame`` (see the module doc), as ``sha256-tree:<hex>``."""
    hasher = ContentHasher(frame.schema)
    hasher.update(frame)
    return hasher.hexdigest()
