"""Summarise: one group-by over the rows into a small table of counts (docs/design.md, principle 1).

The key is (group columns, label, prediction, score key). The prediction is either a given 0/1
column or ``score >= threshold``, so metrics at the threshold are exact. The score key is the
score itself when the scores take at most ``exact_limit`` (10,000) distinct values (AUROC is then
exact, ties counted half), otherwise the lower edge of a histogram bin of width ``1 / bins``
(1,000 bins by default, width 1e-3): AUROC then counts positive-negative pairs whose scores share
a bin as ties, so its error is at most half the share of such pairs (typically below 1e-4). Each
cell also carries sums of ``e = score - label``, ``e**2`` and ``e**4``, so Brier score and
calibration-in-the-large are exact at any resolution.

Summaries of partitions (or hospitals) merge by addition: ``summary_a + summary_b``.

A Polars frame takes a fast path (``_summarize_polars``: one integer key per row and
``np.bincount``), the ``polars`` seam of ``ethicompass._fastpath``: ``ETHICOMPASS_PLAIN=polars``
(or ``_fastpath.plain("polars")``) forces the narwhals group-by, and
``tests/fairness/test_fairness_fastpath.py`` holds the two equal on fixed and random frames.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import polars as pl

from ethicompass._fastpath import fast as fast_path
from ethicompass.errors import ColumnError, InputError
from ethicompass.frames import require_columns, require_numeric, to_narwhals

__all__ = ["INTERNAL_COLUMNS", "Summary", "summarize"]

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Columns the summary adds beside the group columns.
INTERNAL_COLUMNS = ("_label", "_pred", "_score", "_n", "_sum_e", "_sum_e2", "_sum_e4")
_SUMS = ("_n", "_sum_e", "_sum_e2", "_sum_e4")


@dataclass(frozen=True)
class Summary:
    """Counts of rows per (group columns, label, prediction, score key), with error sums.

    ``counts`` is a small Polars frame: the group columns, ``_label`` (0/1), ``_pred`` (0/1),
    ``_score`` (the score, or a bin's lower edge; null without a score), ``_n`` and the sums
    ``_sum_e``, ``_sum_e2``, ``_sum_e4`` of ``score - label`` to the powers 1, 2 and 4.
    ``bin_width`` is None when ``_score`` holds the exact scores.
    """

    counts: pl.DataFrame
    groups: tuple[str, ...]
    threshold: float | None
    bin_width: float | None
    has_score: bool
    label: str = "label"
    score: str | None = None
    prediction: str | None = None

    @property
    def n(self) -> int:
        """Rows summarised."""
        return int(self.counts["_n"].sum())

    @property
    def resolution(self) -> str:
        """The precision of score-based metrics, in words."""
        if not self.has_score:
            return "no score: AUROC, Brier and calibration not computed"
        if self.bin_width is None:
            return "exact: every distinct score kept (AUROC exact, ties counted half)"
        return (
            f"histogram of {round(1 / self.bin_width):,} bins of width {self.bin_width:g}: AUROC counts pairs "
            "within one bin as ties; Brier and calibration exact"
        )

    def rebinned(self, bins: int) -> Summary:
        """The same counts with the score key coarsened to a histogram of ``bins`` bins."""
        if not self.has_score or (self.bin_width is not None and round(1 / self.bin_width) == bins):
            return self
        if self.bin_width is not None and round(1 / self.bin_width) % bins:
            raise InputError(
                f"cannot rebin a {round(1 / self.bin_width)}-bin summary to {bins} bins",
                hint="choose a bin count that divides the summary's",
            )
        key = (pl.col("_score") * bins).floor().clip(0, bins - 1) / bins
        counts = (
            self.counts.with_columns(key.alias("_score"))
            .group_by([*self.groups, "_label", "_pred", "_score"])
            .agg([pl.col(c).sum() for c in _SUMS])
        )
        return Summary(
            _sorted(counts, self.groups), self.groups, self.threshold, 1 / bins, True, *self._columns
        )

    @property
    def _columns(self) -> tuple[str, str | None, str | None]:
        return (self.label, self.score, self.prediction)

    def __add__(self, other: object) -> Summary:
        """Merge two summaries (of partitions, or of sites) into the summary of their union."""
        if not isinstance(other, Summary):
            return NotImplemented
        if (self.groups, self.threshold, self.has_score, self._columns) != (
            other.groups,
            other.threshold,
            other.has_score,
            other._columns,
        ):
            raise InputError(
                "cannot add summaries with different groups, threshold or score",
                hint="summarise every part with the same label, score, groups and threshold",
            )
        a, b = self, other
        if a.bin_width != b.bin_width:
            widths = [w for w in (a.bin_width, b.bin_width) if w is not None]
            bins = round(1 / max(widths))
            a, b = a.rebinned(bins), b.rebinned(bins)
        counts = (
            pl.concat([a.counts, b.counts], how="vertical_relaxed")
            .group_by([*self.groups, "_label", "_pred", "_score"])
            .agg([pl.col(c).sum() for c in _SUMS])
        )
        return Summary(
            _sorted(counts, self.groups),
            self.groups,
            self.threshold,
            a.bin_width,
            self.has_score,
            *self._columns,
        )

    def to_frame(self) -> pl.DataFrame:
        """The count table."""
        return self.counts

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (the count table as a list of rows)."""
        return {
            "groups": list(self.groups),
            "threshold": self.threshold,
            "bin_width": self.bin_width,
            "has_score": self.has_score,
            "label": self.label,
            "score": self.score,
            "prediction": self.prediction,
            "counts": self.counts.to_dicts(),
        }


def _sorted(counts: pl.DataFrame, groups: tuple[str, ...]) -> pl.DataFrame:
    return counts.sort([*groups, "_label", "_pred", "_score"], nulls_last=True)


def summarize(
    frame: Any,
    /,
    *,
    label: str,
    groups: list[str] | tuple[str, ...],
    score: str | None = None,
    prediction: str | None = None,
    threshold: float = 0.5,
    bins: int = 1_000,
    exact_limit: int = 10_000,
) -> Summary:
    """Count the rows of ``frame`` per (groups, label, prediction, score key) in one group-by.

    ``label`` is a 0/1 (or boolean) outcome; ``score`` a probability in [0, 1]; ``prediction``
    a 0/1 decision (default: ``score >= threshold``). At least one of ``score`` and
    ``prediction`` is required. Scores with more than ``exact_limit`` distinct values are
    binned into ``bins`` equal-width bins (see the module docstring for the precision).
    """
    nwf = to_narwhals(frame)
    groups = tuple(groups)
    if not groups:
        raise InputError("no group column given", hint="name at least one sensitive attribute (--group)")
    if score is None and prediction is None:
        raise InputError("neither a score nor a prediction column given", hint="pass score= or prediction=")
    clash = [g for g in groups if g in INTERNAL_COLUMNS or g in (label, score, prediction)]
    if clash or len(set(groups)) != len(groups):
        raise ColumnError(
            f"group column {clash[0] if clash else 'list'!r} is repeated or also the label, score or prediction",
            hint="name each sensitive attribute once, distinct from the label and score columns",
        )
    used = [c for c in (label, score, prediction, *groups) if c is not None]
    require_columns(nwf, used)
    for column in (label, score, prediction):
        if column is not None:
            _require_number_or_bool(nwf, column)
    if nwf.implementation.is_polars() and fast_path("polars"):
        fast = _summarize_polars(
            nwf.to_native(),
            label=label,
            groups=groups,
            score=score,
            prediction=prediction,
            threshold=threshold,
            bins=bins,
            exact_limit=exact_limit,
        )
        if fast is not None:
            return fast
    bin_width: float | None = None
    if score is not None:
        stats = nwf.select(
            nw.col(score).n_unique().alias("u"),
            nw.col(score).min().alias("lo"),
            nw.col(score).max().alias("hi"),
            nw.col(score).null_count().alias("nulls"),
        )
        row = (stats.collect() if isinstance(stats, nw.LazyFrame) else stats).row(0)
        distinct, lo, hi, nulls = row
        if nulls:
            raise ColumnError(
                f"column {score!r} has {nulls:,} missing scores",
                hint="drop or impute those rows before the audit",
            )
        if lo is None or lo < 0 or hi > 1:
            raise ColumnError(
                f"column {score!r} holds values outside [0, 1] (min {lo}, max {hi})",
                hint="pass a predicted probability; rescale or calibrate other scores first",
            )
        if distinct > exact_limit:
            bin_width = 1 / bins
    score_key: nw.Expr
    if score is None:
        score_key = nw.lit(None, dtype=nw.Float64())
    elif bin_width is None:
        score_key = nw.col(score).cast(nw.Float64())
    else:
        score_key = _binned(nw.col(score), bins)
    pred = (
        nw.col(prediction).cast(nw.Float64())
        if prediction is not None
        else (nw.col(score) >= threshold).cast(nw.Float64())  # type: ignore[arg-type]
    )
    lab = nw.col(label).cast(nw.Float64())
    err = (nw.col(score) - lab) if score is not None else nw.lit(0.0)
    keyed = nwf.select(
        *[nw.col(g) for g in groups],
        lab.alias("_label"),
        pred.alias("_pred"),
        score_key.alias("_score"),
        err.cast(nw.Float64()).alias("_e"),
    ).with_columns(  # products, not powers: the same bits on every engine (Spark's pow rounds otherwise)
        (nw.col("_e") * nw.col("_e")).alias("_e2"),
        ((nw.col("_e") * nw.col("_e")) * (nw.col("_e") * nw.col("_e"))).alias("_e4"),
    )
    grouped = keyed.group_by(*groups, "_label", "_pred", "_score", drop_null_keys=False).agg(
        nw.len().alias("_n"),
        nw.col("_e").sum().alias("_sum_e"),
        nw.col("_e2").sum().alias("_sum_e2"),
        nw.col("_e4").sum().alias("_sum_e4"),
    )
    native = grouped.collect() if isinstance(grouped, nw.LazyFrame) else grouped
    counts = native.to_polars()
    _check_binary(counts, "_label", label)
    _check_binary(counts, "_pred", prediction or score or "")
    counts = counts.with_columns(
        pl.col("_label").cast(pl.Int8),
        pl.col("_pred").cast(pl.Int8),
        pl.col("_score").cast(pl.Float64),
        pl.col("_n").cast(pl.Int64),
    )
    if counts.height == 0:
        raise InputError("the table has no rows", hint="supply at least one row")
    return Summary(
        _sorted(counts, groups),
        groups,
        threshold if prediction is None else None,
        bin_width,
        score is not None,
        label,
        score,
        prediction,
    )


def _binned(score: Any, bins: int) -> Any:
    """The lower edge of a score's histogram bin, as a narwhals or Polars expression."""
    return (score * bins).floor().clip(0, bins - 1) / bins


def _require_number_or_bool(nwf: Any, column: str) -> None:
    dtype = nwf.collect_schema()[column]
    if dtype != nw.Boolean():
        require_numeric(nwf, column)


def _check_binary(counts: pl.DataFrame, internal: str, column: str) -> None:
    values = counts.group_by(internal).agg(pl.col("_n").sum())
    bad = values.filter(pl.col(internal).is_null() | ~pl.col(internal).cast(pl.Float64).is_in([0.0, 1.0]))
    if bad.height:
        rows = int(bad["_n"].sum())
        raise ColumnError(
            f"column {column!r} has {rows:,} rows that are missing or not 0/1",
            hint="code the outcome and the prediction as 0/1 (or true/false) and drop missing rows",
        )


# --------------------------------------------------------------------------- the Polars fast path
def _summarize_polars(
    native: pl.DataFrame | pl.LazyFrame,
    *,
    label: str,
    groups: tuple[str, ...],
    score: str | None,
    prediction: str | None,
    threshold: float,
    bins: int,
    exact_limit: int,
) -> Summary | None:
    """The summary of clean Polars input, counted with one integer key per row and ``np.bincount``.

    The same cells, counts, score keys and dtypes as the generic group-by; the error sums are
    summed in row order (the generic path leaves the order to the engine, so the last bits of a
    sum over many rows may differ). Returns None, so that the caller takes the generic path and
    raises its error, for anything unusual: no rows, a missing value in the label, score or
    prediction, a label or prediction that is not 0/1, a score that is not a Float64 in [0, 1]
    (or holds NaN or -0.0), or a group column that is not text, categorical, boolean, integer or a date.
    """
    used = list(dict.fromkeys(c for c in (label, score, prediction, *groups) if c is not None))
    df = native.select(used).collect() if isinstance(native, pl.LazyFrame) else native.select(used)
    rows = df.height
    if rows == 0:
        return None
    lab = _binary(df[label])
    if lab is None:
        return None
    p: np.ndarray | None = None
    bin_width: float | None = None
    scode = np.zeros(rows, dtype=np.int64)
    n_scores = 1
    exact: np.ndarray | None = None
    if score is not None:
        p = _probabilities(df[score])
        if p is None:
            return None
        distinct = df[score].head(2 * exact_limit + 1).n_unique()
        if distinct <= exact_limit:
            exact = np.sort(df[score].unique().to_numpy())
            distinct = exact.size
        if distinct > exact_limit:
            bin_width, exact = 1 / bins, None
            scode = np.minimum((p * bins).astype(np.int64), bins - 1)  # p >= 0: truncation is floor
            n_scores = bins
        else:
            assert exact is not None
            scode = np.searchsorted(exact, p)
            n_scores = exact.size
    if prediction is not None:
        pred = _binary(df[prediction])
        if pred is None:
            return None
    else:
        assert p is not None
        pred = (p >= threshold).astype(np.int64)
    coded = _group_codes(df, groups)
    if coded is None:
        return None
    combo, first_rows = coded
    key = combo * (4 * n_scores)
    key += (lab * 2 + pred) * n_scores
    key += scode
    space = first_rows.size * 4 * n_scores
    if space <= max(4 * rows, 1 << 20):
        cell, n_cells, cell_keys = key, space, None
    else:
        cell_keys, cell = np.unique(key, return_inverse=True)
        cell, n_cells = cell.reshape(-1), cell_keys.size
    n = np.bincount(cell, minlength=n_cells)
    kept = np.flatnonzero(n)
    keys = kept if cell_keys is None else cell_keys[kept]
    sums: dict[str, np.ndarray] = {}
    if p is not None:
        e = p - lab
        e2 = e * e
        for name, weights in (("_sum_e", e), ("_sum_e2", e2), ("_sum_e4", e2 * e2)):
            sums[name] = np.bincount(cell, weights=weights, minlength=n_cells)[kept]
    else:
        sums = {name: np.zeros(kept.size) for name in ("_sum_e", "_sum_e2", "_sum_e4")}
    # the generic path's row order (groups, label, prediction, score), sorting only the k groups
    group_values = df.select(groups)[first_rows]
    by_value = group_values.with_row_index("_code").sort(list(groups), nulls_last=True)["_code"]
    rank = np.empty(first_rows.size, dtype=np.int64)
    rank[by_value.to_numpy()] = np.arange(first_rows.size)
    order = np.lexsort((keys % n_scores, (keys // n_scores) % 4, rank[keys // (4 * n_scores)]))
    keys = keys[order]
    cell_score = keys % n_scores
    rest = keys // n_scores
    score_key: pl.Series
    if score is None:
        score_key = pl.Series("_score", [None] * kept.size, dtype=pl.Float64)
    elif exact is None:  # floor and clip give the bin index exactly; then Polars' own division by bins
        edges = pl.DataFrame({"_score": cell_score.astype(np.float64)})
        score_key = edges.select(pl.col("_score") / bins).to_series()
    else:
        score_key = pl.Series("_score", exact[cell_score])
    counts = group_values[rest // 4].with_columns(
        pl.Series("_label", (rest // 2) % 2, dtype=pl.Int8),
        pl.Series("_pred", rest % 2, dtype=pl.Int8),
        score_key,
        pl.Series("_n", n[kept][order], dtype=pl.Int64),
        *[pl.Series(name, values[order], dtype=pl.Float64) for name, values in sums.items()],
    )
    return Summary(
        counts,
        groups,
        threshold if prediction is None else None,
        bin_width,
        score is not None,
        label,
        score,
        prediction,
    )


def _binary(series: pl.Series) -> np.ndarray | None:
    """A 0/1 (or boolean) column as int64, or None when it holds anything else or a missing value."""
    dtype = series.dtype
    if series.null_count() or not (dtype == pl.Boolean or dtype.is_integer() or dtype.is_float()):
        return None
    values = series.to_numpy()
    if dtype == pl.Boolean:
        return values.astype(np.int64)
    ones = values == 1
    if not (ones | (values == 0)).all() or (dtype.is_float() and np.signbit(values).any()):
        return None  # -0.0 too: the generic path keeps it as its own float key
    return ones.astype(np.int64)


def _probabilities(series: pl.Series) -> np.ndarray | None:
    """A Float64 score in [0, 1] without missing values, NaN or -0.0 as a numpy array, else None."""
    if series.dtype != pl.Float64 or series.null_count():
        return None
    values = series.to_numpy()
    if np.isnan(values).any() or values.min() < 0 or values.max() > 1 or np.signbit(values).any():
        return None
    return values


def _group_codes(df: pl.DataFrame, groups: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """Each row's group (the intersection of its ``groups`` values, by Polars' own grouping; missing
    values form a group of their own) as a code ``0..k-1``, and the first row of each group; None
    when a group column is not text, categorical, boolean, integer or a date (floats: -0.0 and NaN
    need the generic path)."""
    for g in groups:
        dtype = df.schema[g]
        if not (dtype in (pl.String, pl.Categorical, pl.Enum, pl.Boolean, pl.Date) or dtype.is_integer()):
            return None
    indexed = df.select(groups).with_row_index("_row")
    first = indexed.select(pl.col("_row").first().over(groups)).to_series().to_numpy().astype(np.int64)
    present = np.zeros(df.height, dtype=bool)
    present[first] = True
    lookup = np.cumsum(present) - 1
    return lookup[first], np.flatnonzero(present)
