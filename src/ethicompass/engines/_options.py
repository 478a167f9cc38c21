"""``--engine inprocess|spark`` and ``--master URL`` for the ordinary verbs, and what they share.

A verb keeps its own code; it reads its input through :func:`load`, writes a table through
:func:`write_table` (or :func:`write_frame` for a temporary file), and applies a per-frame step
through :func:`by_partition`. With ``--engine inprocess`` (the default) these are the in-process
readers and writers, unchanged. With ``--engine spark`` the input is read by Spark with the
schema the in-process reader would give it, the library functions receive a Spark DataFrame
(they dispatch to :mod:`ethicompass.engines.spark`), and a table output is streamed from the
partitions, in order, into one file on the driver: a CSV, TSV or JSONL output is byte for byte
the in-process file, a Parquet output holds the same rows and types (its bytes differ: the row
groups are laid out by the stream).
"""

from __future__ import annotations

import csv
import enum
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import typer

from ethicompass.engines._spark_session import is_spark_frame
from ethicompass.errors import DataFileError, InputError

if TYPE_CHECKING:  # PyArrow is imported where a Spark path needs it: every verb's start-up would pay ~0.2 s
    import pyarrow as pa

__all__ = [
    "Engine",
    "by_partition",
    "check_out",
    "engine_option",
    "engine_params",
    "load",
    "master_option",
    "out_folder_option",
    "parquet_folder",
    "sha256_path",
    "strings",
    "write_frame",
    "write_table",
]


class Engine(enum.StrEnum):
    """Where a verb's work runs."""

    inprocess = "inprocess"
    spark = "spark"


def engine_option() -> Any:
    """The shared ``--engine inprocess|spark`` option (use as a parameter default)."""
    return typer.Option(
        Engine.inprocess,
        "--engine",
        help="Where the work runs: inprocess (Polars, this machine) or spark (Apache Spark, see --master).",
        case_sensitive=False,
    )


def master_option() -> Any:
    """The shared ``--master URL`` option (use as a parameter default); read only with ``--engine spark``."""
    return typer.Option(
        "local[*]",
        "--master",
        help="With --engine spark: local[*] (default), local[N], spark://..., yarn, or sc://... (Connect).",
    )


def out_folder_option() -> Any:
    """The shared ``--out-folder DIR`` option: with ``--engine spark``, a Parquet folder the executors write."""
    return typer.Option(
        "--out-folder",
        help="With --engine spark: write a Parquet folder, in parallel by the executors, instead of --out "
        "(the folder must not exist).",
    )


def check_out(out: Path | None, out_folder: Path | None, engine: Engine) -> None:
    """Exactly one of ``--out`` and ``--out-folder``, and the folder only with ``--engine spark``."""
    if (out is None) == (out_folder is None):
        raise InputError(
            "name one output: --out FILE or --out-folder DIR",
            hint="--out writes one file on any engine; --out-folder (with --engine spark) a Parquet folder",
        )
    if out_folder is not None and engine != Engine.spark:
        raise InputError("--out-folder needs --engine spark", hint="add --engine spark, or use --out FILE")
    if out_folder is not None and out_folder.exists():
        raise DataFileError(f"{out_folder} exists", hint="remove it or name another output folder")


def engine_params(engine: Engine, master: str) -> dict[str, Any]:
    """What an audit entry records about the engine: nothing in-process, engine and master on Spark."""
    return {} if engine == Engine.inprocess else {"engine": "spark", "master": master}


# --------------------------------------------------------------------------- reading
def load(
    path: Path, /, *, engine: Engine, master: str, columns: list[str] | None = None, text: bool = False
) -> Any:
    """Read ``path`` as the in-process verb would, on ``engine``.

    ``text`` reads a CSV/TSV with every column as text (the de-identification reader); otherwise
    a CSV's types are inferred from a sample exactly as :func:`ethicompass.frames.load_table`
    infers them. On Spark the same schema is given to Spark's reader, so both engines see the same
    values; the rows stay in file order (partition order, then row order).
    """
    from ethicompass.frames import load_table

    if engine == Engine.inprocess:
        if text:
            from ethicompass.privacy.tables import read_for_privacy

            frame = read_for_privacy(path)
            return frame if columns is None else frame.select(columns)
        return load_table(path, columns=columns)
    return _spark_load(path, master=master, columns=columns, text=text)


def _spark_load(path: Path, *, master: str, columns: list[str] | None, text: bool) -> Any:
    from ethicompass.engines._spark_session import relay_errors, session, spark_schema_of
    from ethicompass.frames import check_csv_shape, read_table, require_columns

    if path.is_dir():  # a Parquet folder (as Spark writes one): Spark reads its schema
        sdf = session(master).read.parquet(str(path))
        return sdf if columns is None else sdf.select(*columns)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file", hint="check the path")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        separator = "\t" if suffix == ".tsv" else ","
        check_csv_shape(path, separator=separator)
        header, multiline = _csv_layout(path, separator)
        if text:
            import pyarrow as pa

            schema = pa.schema([(name, pa.string()) for name in header])
        else:
            schema = read_table(path).collect_schema().to_arrow()
    elif suffix in (".jsonl", ".ndjson") and text:
        from ethicompass.privacy.tables import check_json_types

        check_json_types(path)
        schema = read_table(path).collect_schema().to_arrow()
    elif suffix in (".parquet", ".jsonl", ".ndjson"):
        schema = read_table(path).collect_schema().to_arrow()
    else:
        raise DataFileError(f"{path}: unknown table format", hint="use .csv, .tsv, .parquet or .jsonl")
    spark = session(master)
    struct = spark_schema_of(schema)
    if suffix in (".csv", ".tsv"):
        reader = (
            spark.read.option("header", True)
            .option("sep", separator)
            .option("quote", '"')
            .option("escape", '"')
            .option("multiLine", multiline)
            .option("mode", "FAILFAST")
        )
        sdf = reader.schema(struct).csv(str(path))
    elif suffix == ".parquet":
        sdf = spark.read.parquet(str(path))
    else:
        sdf = spark.read.option("mode", "FAILFAST").schema(struct).json(str(path))
    if columns is not None:
        require_columns(pl.from_arrow(schema.empty_table()), columns, source=str(path))
        sdf = sdf.select(*columns)

    def empty() -> bool:
        try:
            return bool(sdf.isEmpty())
        except Exception as exc:
            if "ETHICOMPASS-ERROR" in str(exc):
                raise
            first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            raise DataFileError(f"{path}: cannot read ({first})", hint="check the file format") from None

    if relay_errors(empty):
        raise DataFileError(f"{path} has no rows", hint="supply a table with at least one data row")
    return sdf


def _csv_layout(path: Path, separator: str) -> tuple[list[str], bool]:
    """The header, and whether a quoted value spans lines (Spark then reads the file whole)."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter=separator)
        header = next(reader)
        records = 1
        for _ in reader:
            records += 1
        return header, reader.line_num != records


def sha256_path(path: Path, /) -> str:
    """The SHA-256 of a file; of a folder, the SHA-256 over its files' relative names and SHA-256s, sorted."""
    from ethicompass.frames import sha256_file

    if not path.is_dir():
        return sha256_file(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path).as_posix()}\0{sha256_file(file)}\n".encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- per-frame steps
def by_partition(fn: Callable[..., Any], frame: Any, /, *args: Any, **kwargs: Any) -> Any:
    """``fn(frame, *args, **kwargs)``; on a Spark frame, ``fn`` runs per Arrow batch.

    ``fn`` takes a Polars frame and returns a frame, or a tuple whose first item is the frame: on
    Spark the other items come from a call on an empty frame of the same schema (checks and names),
    and the frame item is a lazy Spark frame of ``fn``'s output per batch. ``fn`` must be a row-wise
    step (each output row depends only on its input row).
    """
    if not is_spark_frame(frame):
        return fn(frame, *args, **kwargs)
    from ethicompass.engines._spark_session import arrow_schema_of, map_arrow, spark_schema_of

    def first(out: Any) -> pl.DataFrame:
        return out[0] if isinstance(out, tuple) else out

    empty = pl.from_arrow(arrow_schema_of(frame).empty_table())
    probe = fn(empty, *args, **kwargs)
    out_schema = first(probe).to_arrow().schema

    def one(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        got = pl.from_arrow(batch)
        yield from first(fn(got, *args, **kwargs)).to_arrow().to_batches()

    sdf = frame.mapInArrow(map_arrow(one, out_schema), spark_schema_of(out_schema))
    return (sdf, *probe[1:]) if isinstance(probe, tuple) else sdf


def strings(frame: Any, column: str, /) -> list[Any]:
    """The values of ``column`` as text, in row order (Polars or Spark)."""
    if not is_spark_frame(frame):
        return frame[column].cast(pl.String).to_list()  # type: ignore[no-any-return]
    from ethicompass.engines._spark_session import relay_errors

    picked = frame.select(frame[column].cast("string").alias("v"))
    return relay_errors(lambda: [r["v"] for r in picked.toLocalIterator(prefetchPartitions=True)])


# --------------------------------------------------------------------------- writing
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _chunk_schema() -> pa.Schema:
    """One serialised batch of a Spark frame's output and its count of neutralised cells."""
    import pyarrow as pa

    return pa.schema([("data", pa.binary()), ("hits", pa.int64())])


def write_table(frame: Any, path: Path, /, *, raw_csv: bool = False) -> int:
    """:func:`ethicompass.frames.write_table` for a Polars or a Spark frame (atomic; format by suffix).

    Returns how many formula-looking CSV cells were neutralised (none with ``raw_csv``).
    """
    from ethicompass.frames import atomic_path
    from ethicompass.frames import write_table as write_local

    if not is_spark_frame(frame):
        return write_local(frame, path, raw_csv=raw_csv)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataFileError(
            f"{path}: unsupported output type {path.suffix or '(none)'!r}",
            hint=f"use one of {', '.join(_FORMATS)}",
        )
    with atomic_path(path) as tmp:
        return write_frame(frame, tmp, fmt=fmt, raw_csv=raw_csv)


@contextmanager
def parquet_folder(folder: Path, /) -> Iterator[Path]:
    """A temporary folder name beside ``folder`` for Spark to write Parquet into; renamed on success.

    Write the audit entry inside the block: the folder appears only after it, and on any error the
    temporary folder is removed and nothing appears.
    """
    if folder.exists():
        raise DataFileError(f"{folder} exists", hint="remove it or name another output folder")
    tmp = folder.with_name(f".{folder.name}.tmp-{uuid.uuid4().hex}")
    try:
        yield tmp
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_frame(frame: Any, path: Path, /, *, fmt: str, raw_csv: bool = False) -> int:
    """Write a Polars or Spark frame to ``path`` as ``fmt`` (csv, tsv, parquet, jsonl), not atomically.

    A Spark frame's partitions stream to the driver in order, each batch already serialised by its
    executor, so the driver holds one batch at a time. CSV/TSV string cells that look like formulas
    get a leading ``'`` unless ``raw_csv`` (:func:`ethicompass.frames.neutralise_formulas`); returns
    how many did.
    """
    from ethicompass.frames import neutralise_formulas

    csv = fmt in ("csv", "tsv") and not raw_csv
    if not is_spark_frame(frame):
        hits = 0
        if fmt in ("csv", "tsv"):
            if csv:
                frame, hits = neutralise_formulas(frame)
            frame.write_csv(path, separator="\t" if fmt == "tsv" else ",")
        elif fmt == "parquet":
            frame.write_parquet(path)
        else:
            frame.write_ndjson(path)
        return hits
    import pyarrow as pa

    from ethicompass.engines._spark_session import arrow_schema_of, map_arrow, relay_errors, spark_schema_of

    chunk = _chunk_schema()
    schema = arrow_schema_of(frame)
    empty = pl.from_arrow(schema.empty_table())
    assert isinstance(empty, pl.DataFrame)
    separator = "\t" if fmt == "tsv" else ","

    def serialise(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        hits = 0
        if fmt == "parquet":
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, batch.schema) as ipc:
                ipc.write_batch(batch)
            data = sink.getvalue().to_pybytes()
        else:
            part = pl.from_arrow(batch)
            assert isinstance(part, pl.DataFrame)
            if fmt == "jsonl":
                data = part.write_ndjson().encode("utf-8")
            else:
                if csv:
                    part, hits = neutralise_formulas(part)
                data = part.write_csv(include_header=False, separator=separator).encode("utf-8")
        yield pa.RecordBatch.from_pylist([{"data": data, "hits": hits}], schema=chunk)

    chunks = frame.mapInArrow(map_arrow(serialise, chunk), spark_schema_of(chunk))

    def stream() -> int:
        rows = chunks.toLocalIterator(prefetchPartitions=True)
        hits = 0
        if fmt == "parquet":
            import pyarrow.parquet as pq

            with pq.ParquetWriter(path, empty.to_arrow().schema, compression="zstd") as writer:
                for row in rows:
                    for batch in pa.ipc.open_stream(row["data"]):
                        writer.write_table(pl.from_arrow(batch).to_arrow())  # type: ignore[union-attr]
            return 0
        with path.open("wb") as fh:
            if fmt != "jsonl":
                fh.write(empty.write_csv(include_header=True, separator=separator).encode("utf-8"))
            for row in rows:
                fh.write(row["data"])
                hits += row["hits"]
        return hits

    return relay_errors(stream)
