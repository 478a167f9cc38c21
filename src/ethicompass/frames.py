"""The narwhals boundary, and reading and writing tables.

Library functions take any frame narwhals understands (Polars, pandas, PyArrow, DuckDB,
Spark) and call :func:`to_narwhals` once at their public boundary. The CLI and the server do
the I/O through :func:`read_table` / :func:`load_table` (CSV, Parquet, JSONL and FHIR NDJSON,
read lazily with Polars) and :func:`write_table` (atomic: temp file + rename).

Every failure names the file, the line or column, and the fix.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import polars as pl

from ethicompass.errors import ColumnError, DataFileError

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

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".parquet", ".jsonl", ".ndjson")
_CHUNK = 1 << 20


def to_narwhals(frame: Any, /, *, name: str = "frame") -> nw.DataFrame[Any] | nw.LazyFrame[Any]:
    """Wrap a native frame (Polars, pandas, PyArrow, DuckDB, Spark, ...) for narwhals.

    A narwhals frame is returned unchanged. Anything else raises :class:`ColumnError`.
    """
    if isinstance(frame, nw.DataFrame | nw.LazyFrame):
        return frame
    try:
        return nw.from_native(frame)
    except TypeError as exc:
        raise ColumnError(
            f"{name} is a {type(frame).__name__}, not a data frame",
            hint="pass a Polars, pandas, PyArrow, DuckDB or Spark data frame",
        ) from exc


def to_polars(frame: Any, /, *, name: str = "frame") -> pl.DataFrame:
    """Any supported frame as an eager Polars DataFrame (collecting a lazy one)."""
    if isinstance(frame, pl.DataFrame):
        return frame
    if isinstance(frame, pl.LazyFrame):
        return frame.collect()
    nwf = to_narwhals(frame, name=name)
    if isinstance(nwf, nw.LazyFrame):
        nwf = nwf.collect()
    return nwf.to_polars()


def require_columns(frame: Any, columns: Iterable[str], /, *, source: str = "the table") -> None:
    """Raise :class:`ColumnError` naming every missing column and the ones available."""
    names = list(to_narwhals(frame).collect_schema().names())
    missing = [c for c in columns if c not in names]
    if missing:
        shown = ", ".join(repr(c) for c in missing)
        available = ", ".join(names[:30]) + (" ..." if len(names) > 30 else "")
        raise ColumnError(
            f"column {shown} not found in {source}",
            hint=f"available columns: {available}",
        )


def require_numeric(frame: Any, column: str, /, *, source: str = "the table") -> None:
    """Raise :class:`ColumnError` when ``column`` is not numeric."""
    require_columns(frame, [column], source=source)
    dtype = to_narwhals(frame).collect_schema()[column]
    if not dtype.is_numeric():
        raise ColumnError(
            f"column {column!r} in {source} is {dtype}, not numeric",
            hint="convert it to numbers, or name the numeric column that holds it",
        )


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


def check_csv_shape(path: Path, /, *, separator: str = ",") -> None:
    """Stream a CSV once and fail on bad encoding or a row with the wrong number of fields.

    Polars fills short rows with nulls silently; a clinical table with a shifted row is a
    data error the user must see, so the CLI checks before it reads. The check is vectorised
    (numpy over 8 MiB blocks); a file it cannot vouch for (a ragged row, bad UTF-8, a quote
    inside an unquoted field, bare CR line ends, NUL bytes) is read again by Python's ``csv``
    module, which names the line.
    """
    simple = len(separator) == 1 and separator.isascii() and separator not in '"\r\n\0'
    if simple and _csv_shape_ok(Path(path), separator.encode()):
        return
    _check_csv_shape_exact(Path(path), separator)


_BLOCK = 8 << 20
_QUOTE, _LF, _CR = ord('"'), ord("\n"), ord("\r")


def iter_csv_text(path: Path, /, *, separator: str = ",", block: int = _BLOCK) -> Iterator[pl.DataFrame]:
    """Read a CSV as text (every column a string) in batches of whole records, in order.

    Each batch is Polars' own ``read_csv`` of the header plus the next ``block`` bytes or so, cut
    after the last line end that is outside quotes (RFC 4180: quote parity restarts at every
    record), so the values are exactly those of reading the whole file, while only one block and
    its frame are in memory at a time. Run :func:`check_csv_shape` first: this reader trusts the
    file's shape.
    """
    sep = separator.encode()
    header = b""
    tail = b""
    with Path(path).open("rb") as fh:
        while True:
            chunk = fh.read(block)
            data = tail + chunk
            if not data:
                return
            cut = len(data) if not chunk else _record_end(data, last=True) + 1
            if cut == 0:  # no whole record yet: read on
                tail = data
                continue
            records, tail = data[:cut], data[cut:]
            if not header:
                end = _record_end(records, last=False)
                end = end if end >= 0 else len(records) - 1
                header, records = records[: end + 1], records[end + 1 :]
                if not header.endswith(b"\n"):
                    header += b"\n"
            if records.strip(b"\r\n"):
                yield pl.read_csv(header + records, separator=sep.decode(), infer_schema=False)


def _record_end(data: bytes, *, last: bool) -> int:
    """The index of the last (or first) line feed outside quotes, -1 if none; ``data`` starts at a record."""
    if data.find(b'"') < 0:
        return data.rfind(b"\n") if last else data.find(b"\n")
    a = np.frombuffer(data, dtype=np.uint8)
    outside = np.bitwise_xor.accumulate((a == _QUOTE).view(np.uint8)) == 0
    ends = np.flatnonzero((a == _LF) & outside)
    return int(ends[-1 if last else 0]) if ends.size else -1


def _csv_shape_ok(path: Path, separator: bytes) -> bool:
    """True when every record of the CSV has the header's number of fields and the file is UTF-8.

    Same rules as ``csv.reader`` (RFC 4180 quoting, blank lines skipped) for the files it accepts;
    False (ask the exact check) for anything it is not sure of.
    """
    sep = separator[0]
    decoder = codecs.getincrementaldecoder("utf-8")()
    width = -1
    tail = b""
    with path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            last = not block
            data = tail + block
            if not data:
                break
            a = np.frombuffer(data, dtype=np.uint8)
            if data.find(b"\0") >= 0:
                return False
            if not block.isascii() or decoder.getstate()[0]:
                try:
                    decoder.decode(block, final=last)
                except UnicodeDecodeError:
                    return False
            if data.find(b"\r") >= 0:  # csv.reader ends a record at a bare CR: leave that to the exact check
                crs = np.flatnonzero(a == _CR)
                if (a[crs[crs < a.size - 1] + 1] != _LF).any() or (last and crs[-1] == a.size - 1):
                    return False
            if data.find(b'"') >= 0:
                quotes = a == _QUOTE
                inside = np.bitwise_xor.accumulate(quotes.view(np.uint8))  # parity up to and including
                opening = np.flatnonzero(quotes & (inside == 1))
                before = a[opening[opening > 0] - 1]
                if ((before != sep) & (before != _LF) & (before != _QUOTE)).any():
                    return False  # a quote inside an unquoted field is literal for csv.reader
                outside = inside == 0
                ends = np.flatnonzero((a == _LF) & outside)
                seps = np.flatnonzero((a == sep) & outside)
                if last and inside[-1]:
                    return False  # an unterminated quoted field
            else:
                ends = np.flatnonzero(a == _LF)
                seps = np.flatnonzero(a == sep)
            if last and (ends.size == 0 or ends[-1] != a.size - 1):
                ends = np.append(ends, a.size)  # the last record has no line end
            if ends.size == 0:
                tail = data
                continue
            starts = np.concatenate(([0], ends[:-1] + 1))
            fields = np.searchsorted(seps, ends) - np.searchsorted(seps, starts) + 1
            length = ends - starts
            first = a[np.minimum(starts, a.size - 1)]
            blank = (length == 0) | ((length == 1) & (first == _CR))
            if width < 0:
                if blank[0]:
                    return False
                width = int(fields[0])
            if ((fields != width) & ~blank).any():
                return False
            if last:
                break
            tail = data[int(ends[-1]) + 1 :]
    return width > 0


def _check_csv_shape_exact(path: Path, separator: str) -> None:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh, delimiter=separator)
            header = next(reader, None)
            if header is None:
                raise DataFileError(f"{path} is empty", hint="a CSV needs a header row")
            width = len(header)
            for row in reader:
                if len(row) != width and row:
                    raise DataFileError(
                        f"{path} line {reader.line_num}: {len(row)} fields, the header has {width}",
                        hint="fix the row (an unquoted separator or a missing value?)",
                    )
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{path}: not valid UTF-8 near byte {exc.start}",
            hint="re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
        ) from exc


_SCHEMA_SAMPLE_ROWS = 10_000
_LEADING_ZERO = r"^[+-]?0\d"


def infer_text_dtype(values: pl.Series, /) -> pl.DataType:
    """The type a column of CSV text should have: integer, float, boolean, or kept as text.

    Unlike a plain parser, a column with any value that has a leading zero (ZIP ``02134``, MRN
    ``0012``) stays text: those are identifiers, and reading them as numbers loses digits.
    """
    v = values.drop_nulls()
    v = v.filter(v.str.strip_chars() != "")
    if v.len() == 0 or v.str.contains(_LEADING_ZERO).any():
        return pl.Utf8()
    if v.cast(pl.Int64, strict=False).null_count() == 0:
        return pl.Int64()
    if v.cast(pl.Float64, strict=False).null_count() == 0:
        return pl.Float64()
    if v.str.to_lowercase().is_in(["true", "false"]).all():
        return pl.Boolean()
    return pl.Utf8()


_HEAD_BYTES = 4 << 20


def _csv_schema(path: Path, separator: str) -> dict[str, pl.DataType]:
    source: Path | io.BytesIO = path
    if path.stat().st_size > _HEAD_BYTES:  # parse only the head (Polars would map the whole file)
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
        cut = head.rfind(b"\n") + 1
        if b'"' not in head and head.count(b"\n") > _SCHEMA_SAMPLE_ROWS:  # whole lines are whole records
            source = io.BytesIO(head[:cut])
    sample = pl.read_csv(source, separator=separator, infer_schema=False, n_rows=_SCHEMA_SAMPLE_ROWS)
    if source is not path and sample.height < _SCHEMA_SAMPLE_ROWS:  # blank lines: read the file itself
        sample = pl.read_csv(path, separator=separator, infer_schema=False, n_rows=_SCHEMA_SAMPLE_ROWS)
    return {name: infer_text_dtype(sample[name]) for name in sample.columns}


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


_TEMP_SUFFIX = ".tmp"


def _public_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _new_temp(target: Path) -> Path:
    """An empty temp file beside ``target``, created 0600 from its first byte (``mkstemp``)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=_TEMP_SUFFIX, dir=target.parent)
    os.close(fd)
    return Path(tmp)


def _finish_temp(tmp: Path, mode: int | None) -> None:
    """fsync ``tmp`` and give it its final mode: ``mode``, or the usual (umask) one where None.

    The file stays 0600 while it is written; a secret (``mode=0o600``) is never widened.
    """
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    final = _public_mode() if mode is None else mode
    if final != 0o600:
        tmp.chmod(final)


def _discard(tmp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], /, *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success.

    The temp file is created 0600 and stays so while it is written; ``mode`` (e.g. ``0o600`` for
    keys and linkage tables) is the finished file's mode, else the usual umask one. A crash or
    exception leaves no half-written file behind (a ``kill -9`` may leave a hidden ``.tmp`` file,
    which ``ethicompass doctor`` finds).
    """
    target = Path(path)
    tmp_path = _new_temp(target)
    try:
        yield tmp_path
        _finish_temp(tmp_path, mode)
        os.replace(tmp_path, target)
    finally:
        _discard(tmp_path)


class AtomicGroup:
    """Several outputs of one command, published together: every temp file is written first, then
    all are renamed in the order they were asked for (put the manifest, e.g. a certificate that
    names the others' hashes, last). On any error every temp file is removed and nothing appears.

    >>> with AtomicGroup() as group:  # doctest: +SKIP
    ...     data = group.path(out); cert = group.path(cert_path)
    """

    def __init__(self) -> None:
        self._items: list[tuple[Path, Path, int | None]] = []

    def path(self, target: str | os.PathLike[str], /, *, mode: int | None = None) -> Path:
        """A temp path (0600) that becomes ``target`` (with ``mode``) when the group is published."""
        t = Path(target)
        tmp = _new_temp(t)
        self._items.append((tmp, t, mode))
        return tmp

    def __enter__(self) -> AtomicGroup:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                for tmp, _, mode in self._items:
                    _finish_temp(tmp, mode)
                for tmp, target, _ in self._items:
                    os.replace(tmp, target)
        finally:
            for tmp, _, _ in self._items:
                _discard(tmp)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, /, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically; ``mode`` is the file's mode (e.g. ``0o600``), never wider while written."""
    with atomic_path(path, mode=mode) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: str | os.PathLike[str], text: str, /, *, mode: int | None = None) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def find_temp_files(folder: str | os.PathLike[str], /) -> list[Path]:
    """Hidden ``.NAME.XXXX.tmp`` files under ``folder`` left by a killed writer, sorted."""
    root = Path(folder)
    return sorted(p for p in root.rglob(f".*{_TEMP_SUFFIX}") if p.is_file())


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


_FORMULA = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def neutralise_formulas(frame: pl.DataFrame, /) -> tuple[pl.DataFrame, int]:
    """Prefix string cells that a spreadsheet would run as a formula (start ``= + - @``, tab or CR)
    with ``'`` (OWASP's CSV-injection rule); return the frame and how many cells changed.

    A plain number (``-3.2``, ``+1e5``), typed or held as text, is not a formula and is kept.
    """
    columns = [c for c, t in frame.schema.items() if t == pl.String]
    if not columns:
        return frame, 0

    def risky(c: str) -> pl.Expr:
        col = pl.col(c)
        return (col.str.contains(_FORMULA) & ~col.str.contains(_PLAIN_NUMBER)).fill_null(False)

    hits = frame.select(pl.sum_horizontal(risky(c).sum() for c in columns)).item()
    if not hits:
        return frame, 0
    fixed = frame.with_columns(
        pl.when(risky(c)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c) for c in columns
    )
    return fixed, int(hits)


def write_table(frame: Any, path: str | os.PathLike[str], /, *, raw_csv: bool = False) -> int:
    """Write a frame atomically as CSV, TSV, Parquet or JSONL, chosen by the suffix.

    In a CSV/TSV, string cells that look like spreadsheet formulas are neutralised
    (:func:`neutralise_formulas`) unless ``raw_csv``; returns how many cells were.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DataFileError(
            f"{p}: unsupported output type {suffix or '(none)'!r}",
            hint=f"use one of {', '.join(SUPPORTED_SUFFIXES)}",
        )
    df = to_polars(frame)
    neutralised = 0
    if suffix in (".csv", ".tsv") and not raw_csv:
        df, neutralised = neutralise_formulas(df)
    with atomic_path(p) as tmp:
        if suffix == ".csv":
            df.write_csv(tmp)
        elif suffix == ".tsv":
            df.write_csv(tmp, separator="\t")
        elif suffix == ".parquet":
            df.write_parquet(tmp)
        else:
            df.write_ndjson(tmp)
    return neutralised


def sha256_file(path: str | os.PathLike[str], /) -> str:
    """Streaming SHA-256 of a file, as ``sha256:<hex>``."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"
