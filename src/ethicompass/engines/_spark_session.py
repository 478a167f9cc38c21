"""Spark sessions, Arrow schemas and error passing between executors and the driver.

Nothing here touches participant data: it starts (or reuses) a session, converts schemas, and
turns an ``ethicompass.errors`` error raised inside an executor back into the same error class
on the driver (messages never hold identifier values, so they may cross).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from ethicompass import errors
from ethicompass.errors import ConfigurationError, EthicompassError

if TYPE_CHECKING:  # PyArrow is imported where it is used: every CLI verb imports this module at start-up
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "arrow_schema_of",
    "is_spark_frame",
    "map_arrow",
    "plain_schema",
    "relay_errors",
    "session",
    "spark_schema_of",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

_MARK = "ETHICOMPASS-ERROR"
_RELAYED = re.compile(_MARK + r"\[(\w+)\]\[(.*?)\]\[(.*?)\]", re.DOTALL)
T = TypeVar("T")


def _pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError:  # pragma: no cover - the extra is missing
        from ethicompass._extras import install_hint

        raise ConfigurationError("the Spark engine needs PySpark", hint=install_hint("spark")) from None
    return pyspark.sql


def session(
    master: str = "local[*]", /, *, app_name: str = "ethicompass", shuffle_partitions: int = 8
) -> SparkSession:
    """Get or start a Spark session on ``master`` (``local[N]``, ``spark://...``, ``yarn``, or a Spark
    Connect ``sc://...`` URL). ``shuffle_partitions`` sets ``spark.sql.shuffle.partitions``.

    On a ``local`` master the Python workers run this interpreter unless ``$PYSPARK_PYTHON`` says
    otherwise; on a cluster, ethicompass must be installed on the executors.
    """
    sql = _pyspark()
    if master.startswith("local") and "PYSPARK_PYTHON" not in os.environ:
        os.environ["PYSPARK_PYTHON"] = sys.executable  # local workers use this interpreter (and its packages)
    builder = sql.SparkSession.builder.appName(app_name)
    builder = builder.remote(master) if master.startswith("sc://") else builder.master(master)
    spark = (
        builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    return spark  # type: ignore[no-any-return]


def is_spark_frame(frame: object, /) -> bool:
    """True for a PySpark (classic or Connect) DataFrame, without importing PySpark."""
    cls = type(frame)
    return cls.__name__ == "DataFrame" and cls.__module__.startswith("pyspark.sql")


def arrow_schema_of(sdf: DataFrame, /) -> pa.Schema:
    """The Arrow schema Spark uses for ``sdf``'s batches in ``mapInArrow``."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(sdf.schema)  # type: ignore[no-any-return]


def spark_schema_of(schema: pa.Schema, /) -> Any:
    """The Spark ``StructType`` for an Arrow schema (large strings read as strings)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(plain_schema(schema))


def plain_schema(schema: pa.Schema, /) -> pa.Schema:
    """``schema`` with large and view string/binary types replaced by their 32-bit-offset forms (Spark's)."""
    import pyarrow as pa

    swap = {
        pa.large_string(): pa.string(),
        pa.large_binary(): pa.binary(),
        pa.string_view(): pa.string(),
        pa.binary_view(): pa.binary(),
    }
    return pa.schema([pa.field(f.name, swap.get(f.type, f.type), f.nullable) for f in schema])


def _encode(exc: EthicompassError) -> RuntimeError:
    hint = getattr(exc, "hint", "") or ""
    message = str(exc.args[0]) if exc.args else str(exc)
    return RuntimeError(f"{_MARK}[{type(exc).__name__}][{message}][{hint}]")


def map_arrow(
    fn: Callable[[pa.RecordBatch], Iterator[pa.RecordBatch]], schema: pa.Schema
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """Wrap a per-batch function for ``mapInArrow``: output cast to ``schema``; our errors relayed."""
    target = plain_schema(schema)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        try:
            for batch in batches:
                for out in fn(batch):
                    yield from pa.Table.from_batches([out]).select(target.names).cast(target).to_batches()
        except EthicompassError as exc:
            raise _encode(exc) from None

    return run


def relay_errors(action: Callable[[], T], /) -> T:
    """Run a Spark action; an ``ethicompass.errors`` error from an executor is raised again here."""
    try:
        return action()
    except Exception as exc:  # PythonException / Py4JJavaError / SparkConnect errors
        found = _RELAYED.search(str(exc))
        if found is None:
            raise
        name, message, hint = found.groups()
        cls = getattr(errors, name, None)
        if not (isinstance(cls, type) and issubclass(cls, EthicompassError)):
            cls = EthicompassError
        raise cls(message + " (in a Spark partition: row numbers count within it)", hint=hint) from None
