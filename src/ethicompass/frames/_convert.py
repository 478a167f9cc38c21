"""Frames at the boundary: any narwhals-compatible frame in, checked columns, Polars out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from ethicompass.errors import ColumnError


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
