"""Read a data file for scanning or de-identification: CSV/TSV as text, in one piece or in batches.

CSV files are read as text (every column a string), so ZIP codes and record numbers keep their leading zeros and
values that are kept pass through byte for byte. A JSON-lines file whose column mixes JSON types is refused
(:func:`check_json_types`). The CLI verbs and the engines read through these, so every path sees the same values.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa

from ethicompass.errors import ColumnError, DataFileError
from ethicompass.frames import check_csv_shape, iter_csv_text, load_table

__all__ = ["batches_for_privacy", "check_json_types", "read_for_privacy"]


def read_for_privacy(path: Path, /) -> pl.DataFrame:
    """Read a data file for scanning or de-identification (CSV/TSV as text; others typed)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv") and path.is_file():
        separator = _separator(path)
        check_csv_shape(path, separator=separator)
        _check_header(path, separator)
        try:
            frame = pl.read_csv(path, separator=separator, infer_schema=False)
        except pl.exceptions.PolarsError as exc:
            raise DataFileError(f"{path}: cannot read as CSV", hint="check the file's format") from exc
        _require_rows(path, frame.height)
        return frame
    if suffix in (".jsonl", ".ndjson") and path.is_file():
        check_json_types(path)
    return load_table(path)


_BATCH_BYTES = 8 << 20
_PARQUET_ROWS = 65_536


def batches_for_privacy(path: Path, /) -> Iterator[pl.DataFrame]:
    """Read a data file for de-identification in batches of rows, in order.

    A CSV/TSV is shape-checked, then read as text by Polars' own CSV parser in batches of whole
    records of about ``_BATCH_BYTES`` (``frames.iter_csv_text``: the same values as
    :func:`read_for_privacy`); a Parquet file is read ``_PARQUET_ROWS`` rows at a time, with the
    column types Polars gives the whole file. Either way the table is never whole in memory. Other
    formats (JSON lines) are read whole (one batch).
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".tsv", ".parquet") or not path.is_file():
        yield read_for_privacy(path)
        return
    rows = 0
    for batch in _parquet_batches(path) if suffix == ".parquet" else _csv_batches(path):
        rows += batch.height
        yield batch
    _require_rows(path, rows)


def _separator(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


def _require_rows(path: Path, rows: int) -> None:
    if rows == 0:
        raise DataFileError(f"{path} has no rows", hint="supply a table with at least one data row")


def _check_header(path: Path, separator: str) -> None:
    """Refuse a header that names a column twice (a reader would rename one and hide it)."""
    with path.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh, delimiter=separator), [])
    twice = [c for c, n in Counter(header).items() if n > 1]
    if twice:
        raise DataFileError(
            f"{path}: the header names {len(twice)} column(s) more than once: {', '.join(map(repr, twice))}",
            hint="give every column its own name, so its role in the schema is unambiguous",
        )


def _csv_batches(path: Path) -> Iterator[pl.DataFrame]:
    separator = _separator(path)
    check_csv_shape(path, separator=separator)
    _check_header(path, separator)
    try:
        yield from iter_csv_text(path, separator=separator, block=_BATCH_BYTES)
    except pl.exceptions.PolarsError as exc:
        raise DataFileError(f"{path}: cannot read as CSV", hint="check the file's format") from exc


def _parquet_batches(path: Path) -> Iterator[pl.DataFrame]:
    import pyarrow.parquet as pq

    try:
        schema = pl.scan_parquet(path).collect_schema()
        for batch in pq.ParquetFile(path).iter_batches(batch_size=_PARQUET_ROWS, use_threads=False):
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            yield frame.cast(schema) if frame.schema != schema else frame
    except (pl.exceptions.PolarsError, pa.ArrowException, OSError) as exc:
        raise DataFileError(f"{path}: cannot read as Parquet", hint="check the file's format") from exc


def check_json_types(path: Path) -> None:
    """Refuse a JSON-lines file whose column holds values of different JSON types (e.g. 6.1 and "high")."""
    kinds: dict[str, tuple[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFileError(f"{path} line {line_no}: not valid JSON", hint="fix the line") from exc
            if not isinstance(record, dict):
                raise DataFileError(f"{path} line {line_no}: not a JSON object", hint="one object per line")
            for column, value in record.items():
                if value is None:
                    continue
                kind = (
                    "number"
                    if isinstance(value, int | float) and not isinstance(value, bool)
                    else type(value).__name__
                )
                seen = kinds.setdefault(column, (kind, line_no))
                if seen[0] != kind:
                    raise ColumnError(
                        f"column {column!r} in {path.name} holds mixed types ({seen[0]} on line {seen[1]}, "
                        f"{kind} on line {line_no})",
                        hint="give the column one type",
                    )
