"""The narwhals boundary, and reading and writing tables.

Library functions take any frame narwhals understands (Polars, pandas, PyArrow, DuckDB,
Spark) and call :func:`to_narwhals` once at their public boundary. The CLI and the server do
the I/O through :func:`read_table` / :func:`load_table` (CSV, Parquet, JSONL and FHIR NDJSON,
read lazily with Polars) and :func:`write_table` (atomic: temp file + rename).

Every failure names the file, the line or column, and the fix.

The room: ``_convert`` (the narwhals boundary), ``_csv`` (CSV checks and types), ``_read``
(reading tables and text), ``_write`` (atomic writes, formula neutralising, hashes).
"""

from __future__ import annotations

import logging

from ethicompass.frames._convert import require_columns, require_numeric, to_narwhals, to_polars
from ethicompass.frames._csv import check_csv_shape, infer_text_dtype, iter_csv_text
from ethicompass.frames._read import SUPPORTED_SUFFIXES, load_table, read_table, read_text_file
from ethicompass.frames._write import (
    AtomicGroup,
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    find_temp_files,
    neutralise_formulas,
    sha256_file,
    write_table,
)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "AtomicGroup",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_csv_shape",
    "find_temp_files",
    "infer_text_dtype",
    "iter_csv_text",
    "load_table",
    "neutralise_formulas",
    "read_table",
    "read_text_file",
    "require_columns",
    "require_numeric",
    "sha256_file",
    "to_narwhals",
    "to_polars",
    "write_table",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
