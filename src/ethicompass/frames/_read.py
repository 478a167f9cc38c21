"""Reading tables (CSV, TSV, Parquet, JSONL, FHIR NDJSON) lazily or checked and eager, and text files."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from ethicompass.errors import DataFileError
from ethicompass.frames._convert import require_columns
from ethicompass.frames._csv import _csv_schema, check_csv_shape

#: The file suffixes ``read_frame`` reads; any other is refused with the list.
SUPPORTED_SUFFIXES = (".csv", ".tsv", ".parquet", ".jsonl", ".ndjson")


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise DataFileError(f"{path}: no such file", hint="check the path and the working directory")
    if path.is_dir():
        raise DataFileError(f"{path} is a directory", hint="name a data file inside it")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise DataFileError(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}",
            hint=f"use one of {', '.join(SUPPORTED_SUFFIXES)}",
        )


def read_table(path: str | os.PathLike[str], /) -> pl.LazyFrame:
    """Scan a CSV, TSV, Parquet, JSONL or FHIR NDJSON file lazily with Polars.

    Nothing is read beyond the schema (for CSV, a sample of rows: see :func:`infer_text_dtype`,
    which keeps identifiers with leading zeros as text); use :func:`load_table` for a checked,
    eager read.
    """
    p = Path(path)
    _check_exists(p)
    suffix = p.suffix.lower()
    try:
        if suffix in (".csv", ".tsv"):
            separator = "\t" if suffix == ".tsv" else ","
            return pl.scan_csv(p, separator=separator, schema=_csv_schema(p, separator))
        if suffix == ".parquet":
            return pl.scan_parquet(p)
        return pl.scan_ndjson(p, infer_schema_length=10000)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DataFileError(f"{p}: cannot read ({_first_line(exc)})", hint="check the file format") from exc


def load_table(
    path: str | os.PathLike[str], /, *, columns: list[str] | None = None, check: bool = True
) -> pl.DataFrame:
    """Read a whole table eagerly, turning every reader failure into :class:`DataFileError`.

    With ``check`` (the default) a CSV is first checked for encoding and ragged rows. An empty
    table (no rows) is an error.
    """
    p = Path(path)
    _check_exists(p)
    if check and p.suffix.lower() in (".csv", ".tsv"):
        check_csv_shape(p, separator="\t" if p.suffix.lower() == ".tsv" else ",")
    try:
        lazy = read_table(p)
        if columns is not None:
            require_columns(lazy, columns, source=str(p))
            lazy = lazy.select(columns)
        frame = lazy.collect()
    except pl.exceptions.PolarsError as exc:
        raise DataFileError(
            f"{p}: cannot read ({_first_line(exc)})",
            hint="check the file's format, encoding (UTF-8) and that every row has the same fields",
        ) from exc
    except BaseException as exc:
        # a damaged Parquet file can make Polars' reader panic (pyo3's PanicException, a BaseException);
        # anything else (KeyboardInterrupt, SystemExit) goes on as it is
        if type(exc).__name__ != "PanicException":
            raise
        raise DataFileError(
            f"{p}: cannot read: the file is damaged ({_first_line(exc)[:120]})",
            hint="re-export the table; check the copy is complete",
        ) from None
    if frame.height == 0:
        raise DataFileError(f"{p} has no rows", hint="supply a table with at least one data row")
    return frame


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def read_text_file(path: str | os.PathLike[str], /, *, what: str = "file") -> str:
    """The UTF-8 text of ``path``; a file that is missing or not UTF-8 is a :class:`DataFileError`
    naming the file and the byte offset (exit 2, never a traceback)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise DataFileError(f"{what} {p} does not exist", hint="check the path") from None
    except IsADirectoryError:
        raise DataFileError(f"{what} {p} is a folder, not a file", hint="name the file") from None
    except OSError as exc:
        raise DataFileError(f"cannot read {what} {p}: {exc.strerror}", hint="check the path") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{what} {p} is not UTF-8 text: byte {exc.start} is 0x{data[exc.start]:02x}",
            hint="re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
        ) from None
