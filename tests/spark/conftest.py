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
