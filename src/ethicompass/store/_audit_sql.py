"""The audit log's two hot paths, in the driver's own SQL: appending entries and streaming them back.

SQLAlchemy's per-statement overhead would cap single appends well below the 5,000/s target, and
verifying a million entries must stream them (a server-side cursor on PostgreSQL) and read the hashed
bytes without decoding them; so these speak to the driver directly. They are the only SQL text the
audit log needs, and it lives here, beside the table, so no other package writes SQL by hand. Driver
errors surface as SQLAlchemy's (``IntegrityError``, ``DBAPIError``), as every other store call's do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from ethicompass.store._fast import driver_cursor

_MAX_SEQ = "SELECT max(seq) FROM audit_entries"
AUDIT_COLUMNS = (
    "seq",
    "recorded_at",
    "actor",
    "role",
    "action",
    "object_type",
    "object_id",
    "entry_json",
    "leaf_hash",
)


def next_audit_seq(conn: Connection, /) -> int:
    """The sequence number the next audit entry gets (0 for an empty log), read in ``conn``'s transaction."""
    with driver_cursor(conn, _MAX_SEQ) as cursor:
        cursor.execute(_MAX_SEQ)
        row = cursor.fetchone()
    last = row[0] if row else None
    return 0 if last is None else int(last) + 1


def insert_audit_rows(conn: Connection, rows: Sequence[tuple[Any, ...]], /) -> None:
    """Insert audit rows, each a tuple in :data:`AUDIT_COLUMNS` order, in ``conn``'s transaction."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO audit_entries ({', '.join(AUDIT_COLUMNS)}) "
        f"VALUES ({', '.join([marker] * len(AUDIT_COLUMNS))})"
    )
    with driver_cursor(conn, "INSERT INTO audit_entries") as cursor:
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)


def stream_audit_rows(
    conn: Connection, /, *, below: int | None, columns: bool, batch: int
) -> Iterator[Sequence[Any]]:
    """The audit entries in ``seq`` order (those with ``seq < below`` when given), ``batch`` rows at a time.

    Each row is ``(seq, <the stored columns and entry_json as text>, leaf_hash)`` when ``columns``, else
    ``(seq, <entry_json's UTF-8 bytes>, leaf_hash)``: the bytes to hash, with no decoding.
    """
    raw = conn.connection.dbapi_connection
    assert raw is not None
    where = "" if below is None else f" WHERE seq < {int(below)}"
    if columns:  # the column comparison works on text; the hash then needs its UTF-8 bytes
        fields = "seq, recorded_at, actor, role, action, object_type, object_id, entry_json"
    elif conn.dialect.name == "postgresql":  # hashes only: the bytes to hash, no decoding
        fields = "seq, convert_to(entry_json, 'UTF8')"
    else:
        fields = "seq, CAST(entry_json AS BLOB)"
    sql = f"SELECT {fields}, leaf_hash FROM audit_entries{where} ORDER BY seq"
    # PostgreSQL: a server-side (named) cursor, so a million rows never sit in memory at once
    cursor: Any = raw.cursor(name="ec_audit_verify") if conn.dialect.name == "postgresql" else raw.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()
