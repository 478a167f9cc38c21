"""CSV checks and types: a row with the wrong number of fields or bad UTF-8 stops the read (naming the
line), and text columns keep identifiers with leading zeros as text."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from ethicompass.errors import DataFileError


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
