"""Domain code reaches an engine only through ``_dispatch.engine_for``: a Spark frame finds the Spark engine."""

from __future__ import annotations

from typing import Any

import pytest

from ethicompass._dispatch import engine_for


def _frame_class(module: str, name: str = "DataFrame") -> Any:
    return type(name, (), {"__module__": module})


@pytest.mark.parametrize("module", ["pyspark.sql.dataframe", "pyspark.sql.connect.dataframe"])
def test_a_spark_frame_finds_the_spark_engine(module: str) -> None:
    engine = engine_for(_frame_class(module)())
    assert engine is not None and engine.__name__ == "ethicompass.engines.spark"
    assert callable(engine.deidentify)


def test_in_process_frames_have_no_engine(constructor: Any) -> None:
    assert engine_for(constructor({"a": [1, 2]})) is None


@pytest.mark.parametrize(
    ("module", "name"),
    [("pyspark.sql.column", "Column"), ("mypkg", "DataFrame"), ("pyspark_lookalike", "DataFrame")],
)
def test_look_alikes_have_no_engine(module: str, name: str) -> None:
    assert engine_for(_frame_class(module, name)()) is None
