"""Stream documents out of text files, directories, JSONL and table columns, one at a time.

Every reader yields ``TextDocument`` records and holds at most one batch in memory, so a 100 MB
notes file streams in bounded memory. Ids: the file name (a ``.txt`` file or a directory's files),
the ``--id-field`` value or the 1-based line number (JSONL), the 0-based row number (CSV/Parquet).
"""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ethicompass.errors import ColumnError, DataFileError

__all__ = ["TextDocument", "check_encodable", "check_text_file", "hash_input", "iter_documents"]

_BATCH = 2_000


@dataclass(frozen=True)
class TextDocument:
    """One document: its id, its text and (when known) its participant."""

    id: str | int
    text: str
    participant_id: str | None = None


def iter_documents(
    path: Path,
    /,
    *,
    text_field: str = "text",
    id_field: str | None = None,
    column: str | None = None,
    participant_field: str | None = None,
) -> Iterator[TextDocument]:
    """The documents in ``path``: a ``.txt`` file, a directory of them, JSONL, or a CSV/Parquet column."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.txt") if p.is_file())
        if not files:
            raise DataFileError(
                f"directory {path} holds no .txt files", hint="point at a folder of .txt notes"
            )
        for file in files:
            yield TextDocument(str(file.relative_to(path)), _read_text(file))
        return
    if not path.is_file():
        raise DataFileError(f"{path} not found", hint="check the path")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        yield from _jsonl(path, text_field=text_field, id_field=id_field, participant_field=participant_field)
    elif suffix in (".csv", ".tsv", ".parquet"):
        if column is None:
            raise ColumnError(f"{path} is a table", hint="name its free-text column with --column")
        yield from _table(path, column=column, participant_field=participant_field)
    else:
        yield TextDocument(path.name, _read_text(path))


def check_text_file(path: Path, /, *, what: str = "input") -> None:
    """Fail (``DataFileError``, exit 2) on an empty file, or one that is not UTF-8, naming the byte offset.

    Read in 1 MiB blocks through an incremental decoder, so the offset is exact wherever it falls; a
    directory's ``.txt`` files are each checked. Parquet files are binary and are left to their reader.
    """
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*.txt") if p.is_file()):
            check_text_file(file, what=what)
        return
    if not path.is_file() or path.suffix.lower() == ".parquet":
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    blank = True
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            pending = len(decoder.getstate()[0])  # bytes of a character cut by the previous block
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                at = offset - pending + exc.start
                raise DataFileError(
                    f"{what} file {path} is not UTF-8: byte {at} (0x{exc.object[exc.start]:02x}) cannot be decoded",
                    hint="convert it to UTF-8, e.g. iconv -f latin1 -t utf-8 IN > OUT",
                ) from None
            blank = blank and not text.strip()
            if not chunk:
                break
            offset += len(chunk)
    if blank:
        raise DataFileError(
            f"{what} file {path} is empty",
            hint=f"pass a file that holds the {what} (nothing was scored or written)",
        )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{path} is not UTF-8 (byte {exc.start})", hint="convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None


def _jsonl(
    path: Path, *, text_field: str, id_field: str | None, participant_field: str | None
) -> Iterator[TextDocument]:
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise DataFileError(
                    f"{path} line {line_no} is not JSON", hint="one JSON object per line"
                ) from None
            if not isinstance(row, dict) or not isinstance(row.get(text_field), str):
                raise ColumnError(
                    f"{path} line {line_no} has no text field {text_field!r}",
                    hint="name the field that holds the note with --text-field",
                )
            text = row[text_field]
            if not text.isascii():
                check_encodable(text, path, line_no, text_field)
            doc_id = row.get(id_field, line_no) if id_field else line_no
            participant = row.get(participant_field) if participant_field else None
            yield TextDocument(
                doc_id if isinstance(doc_id, int) else str(doc_id),
                text,
                None if participant is None else str(participant),
            )


def check_encodable(text: str, path: Path, line_no: int, field: str) -> None:
    """Fail (exit 2) on a JSON string escape of half a surrogate pair ("\\ud800"): it decodes to no character, so
    no output could hold the text (and the finder would stop on it with a traceback)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DataFileError(
            f"{path} line {line_no}: field {field!r} holds an unpaired surrogate escape at character {exc.start}",
            hint="fix the \\uXXXX escape there (half of a UTF-16 pair is no character) and run again",
        ) from None


def _table(path: Path, *, column: str, participant_field: str | None) -> Iterator[TextDocument]:
    columns = [column] + ([participant_field] if participant_field else [])
    row = 0
    for batch in _batches(path, columns):
        texts = batch.get_column(column).to_list()
        pids = batch.get_column(participant_field).to_list() if participant_field else [None] * len(texts)
        for text, pid in zip(texts, pids, strict=True):
            if text is not None:
                yield TextDocument(row, str(text), None if pid is None else str(pid))
            row += 1


def _batches(path: Path, columns: list[str]) -> Iterator[pl.DataFrame]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        missing = [c for c in columns if c not in parquet.schema_arrow.names]
        if missing:
            raise ColumnError(
                f"{path} has no column {missing[0]!r}", hint=f"columns: {parquet.schema_arrow.names}"
            )
        for record_batch in parquet.iter_batches(batch_size=_BATCH, columns=columns):
            frame = pl.from_arrow(record_batch)
            assert isinstance(frame, pl.DataFrame)
            yield frame
        return
    import pyarrow as pa
    import pyarrow.csv as pacsv

    separator = "\t" if path.suffix.lower() == ".tsv" else ","
    header = pl.read_csv(path, separator=separator, n_rows=0, infer_schema=False).columns
    missing = [c for c in columns if c not in header]
    if missing:
        raise ColumnError(f"{path} has no column {missing[0]!r}", hint=f"columns: {header}")
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 22),
        parse_options=pacsv.ParseOptions(delimiter=separator, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            include_columns=columns, column_types=dict.fromkeys(columns, pa.string())
        ),
    )
    for record_batch in reader:
        frame = pl.from_arrow(record_batch)
        assert isinstance(frame, pl.DataFrame)
        yield frame


def hash_input(path: Path, /) -> str:
    """SHA-256 of a file, or of a directory's ``.txt`` files (names and contents, in order)."""
    digest = hashlib.sha256()
    files = sorted(path.rglob("*.txt")) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode("utf-8") + b"\x00")
        with file.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()
