"""One local[2] Spark session for the whole test session (Spark start-up is slow)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local[2] SparkSession with few shuffle partitions, stopped at the end of the session."""
    pytest.importorskip("pyspark")
    from ethicompass.engines.spark import session

    spark = session("local[2]", app_name="ethicompass-tests", shuffle_partitions=4)
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()


@pytest.fixture(scope="session")
def to_spark(spark: Any) -> Any:
    """Turn a Polars frame into a Spark DataFrame of ``n`` partitions (rows keep their order)."""
    import polars as pl

    def convert(frame: pl.DataFrame, partitions: int = 3) -> Any:
        sdf = spark.createDataFrame(frame.to_arrow())
        return (
            sdf.repartitionByRange(partitions, "__row__")
            if "__row__" in frame.columns
            else sdf.coalesce(partitions)
        )

    return convert
