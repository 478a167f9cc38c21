"""The counts-first summary behind every re-identification measure: one group-by, then numpy.

:func:`summarize` runs one narwhals ``group_by`` over the quasi-identifiers (and the sensitive
value, when there is one) on whatever frame the user holds, and keeps only the counts: an
:class:`EquivalenceSummary`. Summaries of partitions (or of sites) merge by addition, so the
rows never need to meet. A null in a quasi-identifier is a value of its own: it forms its own
equivalence class rather than being dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import polars as pl

from ethicompass.errors import ColumnError, InputError
from ethicompass.frames import require_columns, to_narwhals

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: The name of the count column in a summary frame (chosen not to clash with a data column).
COUNT = "__records__"


@dataclass(frozen=True)
class EquivalenceSummary:
    """Record counts per combination of quasi-identifiers (and sensitive value).

    ``counts`` is a small Polars frame: one column per quasi-identifier, the sensitive column
    when there is one, and :data:`COUNT`. Two summaries over the same columns add up
    (``a + b``) to the summary of the union of their rows.
    """

    quasi_identifiers: tuple[str, ...]
    sensitive: str | None
    counts: pl.DataFrame

    @property
    def records(self) -> int:
        """The number of records summarised."""
        return int(self.counts[COUNT].sum()) if self.counts.height else 0

    @property
    def keys(self) -> list[str]:
        """The grouping columns: the quasi-identifiers, then the sensitive column if any."""
        return [*self.quasi_identifiers, *([self.sensitive] if self.sensitive else [])]

    def class_sizes(self) -> pl.DataFrame:
        """One row per equivalence class (quasi-identifier combination) with its size."""
        return (
            self.counts.group_by(list(self.quasi_identifiers))
            .agg(pl.col(COUNT).sum())
            .sort(list(self.quasi_identifiers), nulls_last=True)
        )

    def sorted(self) -> EquivalenceSummary:
        """The same summary with its rows sorted by key (nulls last), e.g. to compare two summaries."""
        return EquivalenceSummary(
            self.quasi_identifiers, self.sensitive, self.counts.sort(self.keys, nulls_last=True)
        )

    def merge(self, other: EquivalenceSummary, /) -> EquivalenceSummary:
        """The summary of both partitions' rows together (counts of equal keys add)."""
        if (self.quasi_identifiers, self.sensitive) != (other.quasi_identifiers, other.sensitive):
            raise InputError(
                f"cannot merge summaries over different columns ({list(self.keys)} and {list(other.keys)})",
                hint="summarise every partition with the same quasi_identifiers and sensitive column",
            )
        left, right = self.counts, other.counts
        if left.schema != right.schema:
            right = right.cast(dict(left.schema), strict=False)  # type: ignore[arg-type]
        both = pl.concat([left, right], how="vertical")
        merged = both.group_by(self.keys).agg(pl.col(COUNT).sum())
        return EquivalenceSummary(self.quasi_identifiers, self.sensitive, _sorted(merged, self.keys))

    def __add__(self, other: EquivalenceSummary) -> EquivalenceSummary:
        return self.merge(other)

    @classmethod
    def from_counts(
        cls, frame: Any, /, *, quasi_identifiers: Sequence[str], count: str, sensitive: str | None = None
    ) -> EquivalenceSummary:
        """A summary from a table that already holds one count per combination (e.g. census counts).

        Rows with equal keys are added; a negative or missing count is an error.
        """
        qis = _check_names(quasi_identifiers, sensitive)
        keys = [*qis, *([sensitive] if sensitive else [])]
        require_columns(frame, [*keys, count], source="the counts table")
        nwf = to_narwhals(frame, name="counts")
        if isinstance(nwf, nw.LazyFrame):
            nwf = nwf.collect()
        table = nwf.select([*keys, count]).to_polars().rename({count: COUNT})
        bad = table.filter(pl.col(COUNT).is_null() | (pl.col(COUNT) < 0)).height
        if bad:
            raise ColumnError(
                f"column {count!r} of the counts table has {bad} missing or negative counts",
                hint="every combination needs a count of zero or more",
            )
        table = table.with_columns(pl.col(COUNT).cast(pl.Int64))
        merged = table.group_by(keys).agg(pl.col(COUNT).sum())
        return cls(qis, sensitive, _sorted(merged, keys))

    def to_frame(self) -> pl.DataFrame:
        """The counts as a Polars frame (the count column named ``records``)."""
        return self.counts.rename({COUNT: "records"})

    def to_dict(self) -> dict[str, Any]:
        """Column names and the number of combinations and records (never the values themselves)."""
        return {
            "quasi_identifiers": list(self.quasi_identifiers),
            "sensitive": self.sensitive,
            "combinations": self.counts.height,
            "records": self.records,
        }


def _check_names(quasi_identifiers: Sequence[str], sensitive: str | None) -> tuple[str, ...]:
    if isinstance(quasi_identifiers, str):
        raise InputError(
            "quasi_identifiers must be a list of column names, not one string",
            hint=f"pass quasi_identifiers=[{quasi_identifiers!r}]",
        )
    qis = tuple(quasi_identifiers)
    if not qis:
        raise InputError("no quasi-identifiers given", hint="name at least one quasi-identifier column")
    if len(set(qis)) != len(qis):
        raise InputError("a quasi-identifier is named twice", hint="name each column once")
    if sensitive is not None and sensitive in qis:
        raise InputError(
            f"column {sensitive!r} is both a quasi-identifier and the sensitive value",
            hint="a sensitive value is what an attacker wants to learn, not what they know: pick one role",
        )
    if COUNT in qis or sensitive == COUNT:
        raise ColumnError(f"column name {COUNT!r} is reserved", hint="rename that column")
    return qis


def _sorted(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """The count column as Int64 (rows stay in group-by order: sort with :meth:`sorted` to compare)."""
    del keys
    return frame.with_columns(pl.col(COUNT).cast(pl.Int64))


def summarize(
    frame: Any, /, *, quasi_identifiers: Sequence[str], sensitive: str | None = None
) -> EquivalenceSummary:
    """Count the records of ``frame`` per quasi-identifier combination (and sensitive value).

    One narwhals ``group_by`` on the user's own engine (Polars, pandas, PyArrow, DuckDB, Spark);
    only the counts come back. Nulls are kept as values of their own.
    """
    qis = _check_names(quasi_identifiers, sensitive)
    keys = [*qis, *([sensitive] if sensitive else [])]
    require_columns(frame, keys, source="the table")
    nwf = to_narwhals(frame)
    grouped = nwf.group_by(keys, drop_null_keys=False).agg(nw.len().alias(COUNT))
    if isinstance(grouped, nw.LazyFrame):
        grouped = grouped.collect()
    counts = grouped.to_polars()
    return EquivalenceSummary(qis, sensitive, _sorted(counts, keys))


def dense_codes(values: pl.Series) -> np.ndarray:
    """0-based dense codes, one per distinct value, a null being one more code after the others.

    Integers, booleans and dates keep their order (so an ordinal distance can use the codes);
    strings are hashed (order of first appearance); anything else is ranked.
    """
    dtype = values.dtype
    nulls = values.is_null().to_numpy() if values.null_count() else None
    if dtype.is_integer() or dtype.is_temporal() or dtype == pl.Boolean:
        raw = values.to_physical().cast(pl.Int64).fill_null(0).to_numpy()
        lo = int(raw.min()) if len(raw) else 0
        span = int(raw.max()) - lo + 1 if len(raw) else 1
        codes = raw - lo if span <= 4 * len(raw) + 1024 else np.unique(raw, return_inverse=True)[1]
    elif dtype in (pl.String, pl.Categorical, pl.Enum):
        codes = (
            values.cast(pl.String).cast(pl.Categorical).to_physical().fill_null(0).to_numpy().astype(np.int64)
        )
    else:
        codes = values.rank("dense").fill_null(0).cast(pl.Int64).to_numpy()
    codes = np.asarray(codes, dtype=np.int64)
    if nulls is not None:
        codes = np.where(nulls, -1, codes)
        present = np.bincount(codes[~nulls], minlength=1) > 0 if (~nulls).any() else np.zeros(1, bool)
    else:
        present = np.bincount(codes, minlength=1) > 0
    remap = np.cumsum(present) - 1
    out = remap[np.clip(codes, 0, None)]
    if nulls is not None:
        out[nulls] = int(present.sum())
    return out.astype(np.int64)


def class_index(parts: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """Dense class id per row from per-column codes (mixed radix; bincount when the key space is small)."""
    cards = [int(p.max()) + 1 if len(p) else 1 for p in parts]
    rows = len(parts[0])
    key = np.zeros(rows, dtype=np.int64)
    bound = 1
    for part, card in zip(parts, cards, strict=True):
        if bound * card >= 2**62:
            uniq, key = np.unique(key, return_inverse=True)
            bound = len(uniq)
        key = key * card + part
        bound *= card
    if bound <= max(4 * rows, 1 << 22):
        present = np.bincount(key, minlength=bound) > 0
        ids = np.cumsum(present) - 1
        return ids[key].astype(np.int64), int(present.sum())
    uniq, inverse = np.unique(key, return_inverse=True)
    return inverse.astype(np.int64), len(uniq)


def encode(summary: EquivalenceSummary) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
    """Integer class index per summary row, its count, sensitive code (or None), and class count.

    Used by the estimators: class ``j`` of row ``i`` is ``class_index[i]``; nulls are their own class.
    Sensitive codes follow the values' order (for the ordinal distance), a null last.
    """
    if summary.counts.height == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), None, 0
    # Rows come in group-by order, which varies between runs and engines; floating-point sums over them
    # would differ in the last bit, and string codes follow first appearance. Sorting by key first makes
    # the codes, the row order and so every estimate reproducible.
    counts = summary.sorted().counts
    ids, n_classes = class_index([dense_codes(counts[q]) for q in summary.quasi_identifiers])
    sens = dense_codes(counts[summary.sensitive]) if summary.sensitive else None
    return ids, counts[COUNT].to_numpy().astype(np.int64), sens, n_classes
