"""Content hashes of artefacts: files (streaming SHA-256) and tables, and which scheme a recorded hash used.

**One table-hash scheme**: :func:`~ethicompass.transparency.content_hash` (``sha256-tree:``, defined in
``_content_hash.py``) is the hash certificates, lineage and audit entries record: it streams (record
batches, Spark partitions) and merges, so every engine gives the same answer. :func:`hash_frame`
(``sha256:``) is the **legacy** table hash, kept unchanged so that records written with it still
verify: :func:`table_hash_matches` reads a recorded hash by its prefix and recomputes it with the
scheme that made it (docs/transparency.md, "Table hashes").

The legacy ``hash_frame`` hashes the *logical content* of a table, not its bytes in memory or on disk:

* the schema: column names in order, with each Arrow type normalised (``string``,
  ``large_string`` and ``string_view`` count as one text type; ``binary`` likewise;
  dictionary-encoded columns count as their value type);
* the row count;
* per column, the validity of every row (packed bits) and the values, with nulls replaced by
  a fixed filler: fixed-width values as their little-endian bytes (temporal types by their
  integer storage), text and binary values as their lengths (64-bit) followed by their bytes;
  decimals and nested types through their canonical JSON text.

So the same rows hash the same however they are split into chunks or record batches, sliced,
or dictionary-encoded, and whichever engine produced them. Column order, names, types and row
order all count. Floats hash by their IEEE 754 bits (``-0.0`` differs from ``0.0``).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ethicompass.frames import sha256_file, to_polars
from ethicompass.transparency._content_hash import PREFIX as _TREE_PREFIX
from ethicompass.transparency._content_hash import content_hash

_FORMAT = b"ethicompass-frame-hash-v1\n"


def hash_file(path: str | os.PathLike[str], /) -> str:
    """Streaming SHA-256 of a file's bytes, as ``sha256:<hex>``."""
    return sha256_file(path)


def _arrow_table(frame: Any) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame
    if isinstance(frame, pa.RecordBatch):
        return pa.Table.from_batches([frame])
    return to_polars(frame, name="frame").to_arrow()


def _normal_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_dictionary(t):
        return _normal_type(t.value_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or _is_view(t, "string"):
        return pa.large_string()
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or _is_view(t, "binary"):
        return pa.large_binary()
    return t


def _is_view(t: pa.DataType, kind: str) -> bool:
    check = getattr(pa.types, f"is_{kind}_view", None)
    return bool(check(t)) if check is not None else False


def _one_array(column: pa.ChunkedArray, target: pa.DataType) -> pa.Array:
    """The column as one contiguous array of ``target`` type (dictionaries decoded)."""
    arr = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return arr if arr.type == target else arr.cast(target)


def _column_digest(column: pa.ChunkedArray, digest: Any) -> None:
    target = _normal_type(column.type)
    arr = _one_array(column, target)
    valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    digest.update(np.packbits(valid).tobytes())
    if pa.types.is_large_string(target) or pa.types.is_large_binary(target):
        filled = pc.fill_null(arr, pa.scalar("" if pa.types.is_large_string(target) else b"", type=target))
        filled = pa.concat_arrays([filled])
        offsets = np.frombuffer(filled.buffers()[1], dtype="<i8")[
            filled.offset : filled.offset + len(filled) + 1
        ]
        digest.update(np.diff(offsets).astype("<i8").tobytes())
        data = filled.buffers()[2]
        if data is not None and len(offsets):
            digest.update(memoryview(data)[int(offsets[0]) : int(offsets[-1])])
        return
    if pa.types.is_boolean(target):
        digest.update(
            np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.uint8).tobytes()
        )
        return
    if pa.types.is_integer(target) or pa.types.is_floating(target):
        values = pc.fill_null(arr, pa.scalar(0, type=target)).to_numpy(zero_copy_only=False)
        digest.update(np.ascontiguousarray(values).astype(values.dtype.newbyteorder("<")).tobytes())
        return
    if pa.types.is_temporal(target):
        width = pa.int32() if target.bit_width == 32 else pa.int64()
        values = pc.fill_null(arr.view(width), 0).to_numpy(zero_copy_only=False)
        digest.update(np.ascontiguousarray(values).astype(values.dtype.newbyteorder("<")).tobytes())
        return
    if pa.types.is_null(target):
        return
    for value in arr.to_pylist():
        digest.update(json.dumps(value, sort_keys=True, default=str, separators=(",", ":")).encode() + b"\n")


def hash_frame(frame: Any, /) -> str:
    """Legacy canonical SHA-256 of a table's logical content, as ``sha256:<hex>`` (module docstring).

    New records use :func:`~ethicompass.transparency.content_hash`; this stays to verify old ones.

    Accepts a PyArrow table or record batch, or any frame narwhals understands. The hash does
    not depend on chunking, slicing, dictionary encoding or the producing engine.
    """
    table = _arrow_table(frame)
    if any(column.num_chunks > 1 for column in table.columns):
        # one C++ pass joins the chunks of every column; per-chunk work from Python made a
        # table of thousands of small record batches take seconds
        table = table.combine_chunks()
    digest = hashlib.sha256(_FORMAT)
    schema = [[field.name, str(_normal_type(field.type))] for field in table.schema]
    digest.update(json.dumps({"rows": table.num_rows, "schema": schema}, separators=(",", ":")).encode())
    for index in range(table.num_columns):
        digest.update(b"\x1ecolumn\x1e")
        _column_digest(table.column(index), digest)
    return f"sha256:{digest.hexdigest()}"


def table_hash_matches(frame: Any, recorded: str, /) -> bool:
    """Whether ``frame`` has the table hash ``recorded``, recomputed with the scheme its prefix names.

    ``sha256-tree:`` is :func:`~ethicompass.transparency.content_hash` (every record written now);
    ``sha256:`` is the legacy :func:`hash_frame`. Another prefix is an :class:`~ethicompass.errors.InputError`.

    >>> import polars as pl
    >>> t = pl.DataFrame({"a": [1, 2]})
    >>> table_hash_matches(t, content_hash(t)) and table_hash_matches(t, hash_frame(t))
    True
    """
    from ethicompass.errors import InputError

    if recorded.startswith(_TREE_PREFIX):
        return content_hash(to_polars(frame, name="frame")) == recorded
    if recorded.startswith("sha256:"):
        return hash_frame(frame) == recorded
    raise InputError(
        f"unknown table-hash scheme in {recorded[:24]!r}",
        hint="a recorded table hash starts with sha256-tree: (content_hash) or sha256: (legacy hash_frame)",
    )
