"""De-identify a table batch by batch, in bounded memory: ``deidentify_batches(batches, schema, write=...)``.

The row transform is a pure function of each batch (``DeidTransform.apply``), counts add up, the
content hashes are incremental (``ContentHasher``) and linkage pairs stay distinct across batches, so
a table read in batches gives the same output rows, certificate and linkage table as the whole
table in memory: only the memory differs (one batch, not the table, plus the output being written).
The CLI reads CSV/TSV files this way; the Spark engine shares the counts and linkage helpers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

import polars as pl
import pyarrow as pa

from ethicompass.errors import ColumnError, ConfigurationError
from ethicompass.privacy._keys import Key
from ethicompass.privacy.tables._deid import DeidResult, certificate_of, linkage_pairs
from ethicompass.privacy.tables._deid_cert import encrypt_linkage
from ethicompass.privacy.tables._deid_transform import DeidTransform
from ethicompass.privacy.tables._safe_harbor import Policy, TableSchema
from ethicompass.transparency import ContentHasher

__all__ = ["LinkagePairs", "deidentify_batches", "merge_counts"]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def merge_counts(total: dict[str, dict[str, int]], part: dict[str, dict[str, int]]) -> None:
    """Add one batch's per-column counts into ``total`` (every count is additive)."""
    for column, counters in part.items():
        into = total.setdefault(column, {})
        for name, n in counters.items():
            into[name] = into.get(name, 0) + int(n)


class LinkagePairs:
    """Reversible mode across batches: (column, pseudonym, value) pairs, distinct, in first-seen order."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.parts: list[pl.DataFrame] = []
        self.pending = 0

    def add(self, pairs: pl.DataFrame) -> None:
        """Add one batch's pairs (``privacy.tables._deid.linkage_pairs``)."""
        self.parts.append(pairs)
        self.pending += 1
        if self.pending >= 64:  # bound the memory by the distinct pairs
            self.parts = [pl.concat(self.parts).unique(maintain_order=True)]
            self.pending = 0

    def add_ipc(self, blob: bytes) -> None:
        """Add one batch's pairs sent as an Arrow IPC stream (a Spark worker's)."""
        frame = pl.from_arrow(pa.ipc.open_stream(blob).read_all())
        assert isinstance(frame, pl.DataFrame)
        self.add(frame)

    def table(self) -> pl.DataFrame:
        """The linkage table: column by column, first seen first, pseudonyms that changed a value."""
        pairs = pl.concat(self.parts).unique(maintain_order=True)
        ordered = pl.concat([pairs.filter(pl.col("column") == c) for c in self.columns])
        return ordered.filter(pl.col("pseudonym") != pl.col("value"))


def deidentify_batches(
    batches: Iterable[pl.DataFrame],
    schema: TableSchema,
    /,
    *,
    policy: Policy | None = None,
    key: Key,
    write: Callable[[pl.DataFrame], None],
) -> DeidResult:
    """De-identify ``batches`` (consecutive row ranges of one table, in order), handing each output
    batch to ``write`` as soon as it is made.

    Returns a :class:`DeidResult` whose ``frame`` is None (the rows went to ``write``), with the
    same certificate, output schema and linkage table as ``deidentify`` on the whole table. Raises
    what ``deidentify`` raises; a bad value is reported with its row number in the whole table.
    The caller writes into a temporary file and keeps it only if this returns (nothing half-written).
    """
    if not isinstance(key, Key):
        raise ConfigurationError("no key given", hint="load one with privacy.load_key(path)")
    policy = policy or Policy.safe_harbor()
    transform: DeidTransform | None = None
    hashes: tuple[ContentHasher, ContentHasher] | None = None
    counts: dict[str, dict[str, int]] = {}
    linked: list[str] = []
    linkage = LinkagePairs([])
    rows = 0
    columns_out = 0
    for batch in batches:
        if transform is None:
            transform = DeidTransform.build(batch.columns, schema, policy=policy, key=key)
            linked = transform.linked_columns()
            linkage = LinkagePairs(linked)
        if batch.height == 0:
            continue
        out, part = transform.apply(batch, first_row=rows + 1)
        if hashes is None:
            hashes = ContentHasher(batch.schema), ContentHasher(out.schema)
            columns_out = out.width
        hashes[0].update(batch)
        hashes[1].update(out)
        merge_counts(counts, part)
        if linked:
            linkage.add(linkage_pairs(batch, out, linked))
        write(out)
        rows += batch.height
    if transform is None or hashes is None:
        raise ColumnError("the table has no rows", hint="supply a table with at least one data row")
    pairs = linkage.table() if linked else None
    certificate = certificate_of(
        transform,
        counts,
        rows=(rows, rows),
        columns=(len(transform.plans), columns_out),
        hashes=(hashes[0].hexdigest(), hashes[1].hexdigest()),
        linkage_rows=None if pairs is None else pairs.height,
    )
    kept_names = [p.column for p in transform.plans if p.action != "drop"]
    kept = TableSchema({c: schema.columns[c] for c in kept_names})
    return DeidResult(None, certificate, kept, None if pairs is None else encrypt_linkage(pairs, key))
