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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import typer

from ethicompass.engines._spark_session import is_spark_frame
from ethicompass.errors import DataFileError

__all__ = [
    "Engine",
    "by_partition",
    "engine_option",
    "engine_params",
    "load",
    "master_option",
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
            from ethicompass.privacy.tables._cli import read_for_privacy

            frame = read_for_privacy(path)
            return frame if columns is None else frame.select(columns)
        return load_table(path, columns=columns)
    return _spark_load(path, master=master, columns=columns, text=text)


def _spark_load(path: Path, *, master: str, columns: list[str] | None, text: bool) -> Any:
    from ethicompass.engines._spark_session import relay_errors, session, spark_schema_of
    from ethicompass.frames import check_csv_shape, read_table, require_columns

    if not path.is_file():
        raise DataFileError(f"{path}: no such file", hint="check the path")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        separator = "\t" if suffix == ".tsv" else ","
        check_csv_shape(path, separator=separator)
        header, multiline = _csv_layout(path, separator)
        if text:
            schema = pa.schema([(name, pa.string()) for name in header])
        else:
            schema = read_table(path).collect_schema().to_arrow()
    elif suffix in (".jsonl", ".ndjson") and text:
        from ethicompass.privacy.tables._cli import _check_json_types

        _check_json_types(path)
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
_CHUNK = pa.schema([("data", pa.binary())])


def write_table(frame: Any, path: Path, /) -> None:
    """:func:`ethicompass.frames.write_table` for a Polars or a Spark frame (atomic; format by suffix)."""
    from ethicompass.frames import atomic_path
    from ethicompass.frames import write_table as write_local

    if not is_spark_frame(frame):
        write_local(frame, path)
        return
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataFileError(
            f"{path}: unsupported output type {path.suffix or '(none)'!r}",
            hint=f"use one of {', '.join(_FORMATS)}",
        )
    with atomic_path(path) as tmp:
        write_frame(frame, tmp, fmt=fmt)


def write_frame(frame: Any, path: Path, /, *, fmt: str) -> None:
    """Write a Polars or Spark frame to ``path`` as ``fmt`` (csv, tsv, parquet, jsonl), not atomically.

    A Spark frame's partitions stream to the driver in order, each batch already serialised by its
    executor, so the driver holds one batch at a time.
    """
    if not is_spark_frame(frame):
        if fmt in ("csv", "tsv"):
            frame.write_csv(path, separator="\t" if fmt == "tsv" else ",")
        elif fmt == "parquet":
            frame.write_parquet(path)
        else:
            frame.write_ndjson(path)
        return
    from ethicompass.engines._spark_session import arrow_schema_of, map_arrow, relay_errors, spark_schema_of

    schema = arrow_schema_of(frame)
    empty = pl.from_arrow(schema.empty_table())
    assert isinstance(empty, pl.DataFrame)
    separator = "\t" if fmt == "tsv" else ","

    def serialise(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
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
                data = part.write_csv(include_header=False, separator=separator).encode("utf-8")
        yield pa.RecordBatch.from_pylist([{"data": data}], schema=_CHUNK)

    chunks = frame.mapInArrow(map_arrow(serialise, _CHUNK), spark_schema_of(_CHUNK))

    def stream() -> None:
        rows = chunks.toLocalIterator(prefetchPartitions=True)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            with pq.ParquetWriter(path, empty.to_arrow().schema, compression="zstd") as writer:
                for row in rows:
                    for batch in pa.ipc.open_stream(row["data"]):
                        writer.write_table(pl.from_arrow(batch).to_arrow())  # type: ignore[union-attr]
            return
        with path.open("wb") as fh:
            if fmt != "jsonl":
                fh.write(empty.write_csv(include_header=True, separator=separator).encode("utf-8"))
            for row in rows:
                fh.write(row["data"])

    relay_errors(stream)
