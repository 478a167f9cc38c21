"""Write de-identified batches as they come: one CSV (hashed as it is written) or one Parquet file."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl
import pyarrow as pa

from ethicompass.frames import neutralise_formulas, sha256_file

__all__ = ["BatchWriter"]


class BatchWriter:
    """Writes output batches to one CSV (hashing the bytes as they go) or one Parquet file.

    The sink of :func:`~ethicompass.privacy.tables.deidentify_batches` (``write=writer.write``): the
    table is never whole in memory. CSV cells that a spreadsheet would run as a formula are
    neutralised unless ``raw_csv`` (their count is :attr:`neutralised`); Parquet batches are cast to
    the first batch's schema. The constructor opens nothing; the first batch creates the file.

    Parameters
    ----------
    path : Path
        The file to write (typically a temporary path of ``frames.AtomicGroup``).
    parquet : bool
        Parquet instead of CSV.
    raw_csv : bool
        Keep CSV cells as they are (no formula neutralising).

    Examples
    --------
    >>> import hashlib, tempfile
    >>> from pathlib import Path
    >>> import polars as pl
    >>> path = Path(tempfile.mkdtemp()) / "out.csv"
    >>> writer = BatchWriter(path, parquet=False)
    >>> writer.write(pl.DataFrame({"a": ["1", "=SUM(A1)"]}))
    >>> writer.write(pl.DataFrame({"a": ["3"]}))
    >>> digest = writer.close()
    >>> digest == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest(), writer.neutralised
    (True, 1)
    """

    def __init__(self, path: Path, *, parquet: bool, raw_csv: bool = False) -> None:
        self.path, self.parquet, self.raw_csv = path, parquet, raw_csv
        self.neutralised = 0
        self.digest = hashlib.sha256()
        self._csv: BinaryIO | None = None
        self._parquet: Any = None
        self._schema: pa.Schema | None = None

    def write(self, frame: pl.DataFrame) -> None:
        """Append ``frame``'s rows (the CSV header with the first batch)."""
        if self.parquet:
            import pyarrow.parquet as pq

            table = frame.to_arrow()
            if self._parquet is None:
                self._schema = table.schema
                self._parquet = pq.ParquetWriter(self.path, self._schema)
            self._parquet.write_table(table.cast(self._schema))
            return
        first = self._csv is None
        if not self.raw_csv:
            frame, hits = neutralise_formulas(frame)
            self.neutralised += hits
        if self._csv is None:
            self._csv = self.path.open("wb")
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=first)
        with buffer.getbuffer() as view:
            self.digest.update(view)
            self._csv.write(view)

    def close(self) -> str:
        """Finish the file; return its SHA-256 (``sha256:<hex>``)."""
        if self._parquet is not None:
            self._parquet.close()
            return sha256_file(self.path)
        if self._csv is not None:
            self._csv.close()
        return f"sha256:{self.digest.hexdigest()}"
