"""Typed request parameters shared by the routers.

A database row id is a positive 64-bit integer: a path or query id outside 1..2^63-1 is a 422 before any
query runs (an id of 2^63 or more used to reach the driver and end as a 500 ``OverflowError``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

__all__ = ["MAX_ROW_ID", "RowId", "RowIdQuery"]

#: The largest id a 64-bit signed integer column (SQLite INTEGER, PostgreSQL BIGINT) holds.
MAX_ROW_ID = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a row id (1 to 2^63-1)")]
RowIdQuery = Annotated[int, Query(ge=1, le=MAX_ROW_ID, description="a row id (1 to 2^63-1)")]
