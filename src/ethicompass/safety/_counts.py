"""The summarize step shared by decision curves, calibration and harm (docs/design.md, principle 1).

One narwhals ``group_by`` over ``(group columns..., label, score columns...)`` turns the rows
into a :class:`CountTable`: every distinct combination with the number of rows that hold it.
Nothing is binned, so every estimate made from it is exact: the number of true and false
positives at a threshold ``t`` (score >= t) is a cumulative count over the sorted distinct
scores. Two tables of the same columns merge by addition (:meth:`CountTable.merge`), so
partitions or hospitals can be summarised separately.

The estimate step works on numpy views of the table: :func:`threshold_codes` places each
distinct score between consecutive thresholds, :func:`collapse` sums the rows sharing a key,
and :func:`bootstrap_weights` resamples a table (multinomially, all replicates at once).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import numpy.typing as npt

from ethicompass.errors import ColumnError, InputError
from ethicompass.frames import require_columns, to_narwhals

logging.getLogger(__name__).addHandler(logging.NullHandler())

MISSING_GROUP = "(missing)"
_COUNT = "__ec_count"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class CountTable:
    """Rows counted per distinct (group values, label, scores): the sufficient statistics.

    ``scores`` is (cells, models), ``label`` (cells,) of 0/1, ``groups`` (cells, attributes)
    of strings (a missing value reads ``"(missing)"``), ``count`` (cells,) the number of rows.
    """

    models: tuple[str, ...]
    attributes: tuple[str, ...]
    scores: FloatArray
    label: IntArray
    groups: npt.NDArray[Any]
    count: IntArray

    @property
    def n(self) -> int:
        """Number of rows summarised."""
        return int(self.count.sum())

    @property
    def events(self) -> int:
        """Number of rows with label 1."""
        return int((self.count * self.label).sum())

    def merge(self, other: CountTable) -> CountTable:
        """The table of the union of both tables' rows (same models and attributes)."""
        if other.models != self.models or other.attributes != self.attributes:
            raise InputError(
                "cannot merge count tables of different models or attributes",
                hint="summarise both with the same score and group columns",
            )
        return _dedupe(
            CountTable(
                models=self.models,
                attributes=self.attributes,
                scores=np.concatenate([self.scores, other.scores]),
                label=np.concatenate([self.label, other.label]),
                groups=np.concatenate([self.groups, other.groups]),
                count=np.concatenate([self.count, other.count]),
            )
        )

    def subset(self, mask: npt.NDArray[np.bool_]) -> CountTable:
        """The cells selected by ``mask`` (e.g. one subgroup)."""
        return CountTable(
            self.models,
            self.attributes,
            self.scores[mask],
            self.label[mask],
            self.groups[mask],
            self.count[mask],
        )

    def subgroups(self) -> list[tuple[str, str, npt.NDArray[np.bool_]]]:
        """Every (attribute, value, mask) of a one-way subgroup, in sorted order of values."""
        out = []
        for j, attribute in enumerate(self.attributes):
            column = self.groups[:, j]
            for value in sorted(set(column.tolist())):
                out.append((attribute, str(value), column == value))
        return out


def _dedupe(table: CountTable) -> CountTable:
    """Sum the rows of a table that share the same key."""
    if table.count.size == 0:
        return table
    keys: list[npt.NDArray[Any]] = [table.label]
    keys += [table.scores[:, m] for m in range(table.scores.shape[1])]
    codes = [np.unique(k, return_inverse=True)[1].reshape(-1) for k in keys]
    codes += [
        np.unique(table.groups[:, j], return_inverse=True)[1].reshape(-1)
        for j in range(table.groups.shape[1])
    ]
    stacked = np.stack(codes, axis=1)
    _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    summed = np.bincount(inverse.reshape(-1), weights=table.count, minlength=first.size).astype(np.int64)
    return CountTable(
        table.models, table.attributes, table.scores[first], table.label[first], table.groups[first], summed
    )


def summarize(
    frame: Any,
    /,
    *,
    label: str,
    scores: Mapping[str, str],
    groups: Sequence[str] = (),
    require_unit_scores: bool = True,
) -> CountTable:
    """Count the rows of ``frame`` per distinct (groups, label, scores), after checking them.

    ``scores`` maps a model name to its column. The label must hold only 0 and 1 (or
    booleans); scores must be numbers without missing values, within [0, 1] when
    ``require_unit_scores``. Raises :class:`ColumnError` naming the column and the fix.
    """
    if not scores:
        raise InputError("no score column given", hint="name at least one model's score column")
    nwf = to_narwhals(frame)
    score_columns = list(scores.values())
    attributes = list(dict.fromkeys(groups))
    require_columns(nwf, [label, *score_columns, *attributes])
    schema = nwf.collect_schema()
    label_expr = nw.col(label)
    if schema[label] == nw.Boolean:
        label_expr = label_expr.cast(nw.Int8)
    elif not schema[label].is_numeric():
        raise ColumnError(
            f"label column {label!r} is {schema[label]}, not 0/1",
            hint="code the outcome as 0 (no event) and 1 (event)",
        )
    for column in dict.fromkeys(score_columns):
        if not schema[column].is_numeric():
            raise ColumnError(
                f"score column {column!r} is {schema[column]}, not numeric",
                hint="pass the column holding the model's predicted probability",
            )
    _check_values(nwf, label, label_expr, score_columns, require_unit_scores)
    score_exprs = [nw.col(c).cast(nw.Float64).alias(f"__ec_s{i}") for i, c in enumerate(score_columns)]
    group_exprs = [
        nw.col(a).cast(nw.String).fill_null(MISSING_GROUP).alias(f"__ec_g{i}")
        for i, a in enumerate(attributes)
    ]
    keys = [f"__ec_g{i}" for i in range(len(attributes))] + ["__ec_y"]
    keys += [f"__ec_s{i}" for i in range(len(score_columns))]
    summary = (
        nwf.select(*group_exprs, label_expr.cast(nw.Int64).alias("__ec_y"), *score_exprs)
        .group_by(*keys)
        .agg(nw.len().alias(_COUNT))
    )
    if isinstance(summary, nw.LazyFrame):
        summary = summary.collect()
    n_cells = len(summary)
    score_matrix = np.empty((n_cells, len(score_columns)), dtype=np.float64)
    for i in range(len(score_columns)):
        score_matrix[:, i] = summary[f"__ec_s{i}"].to_numpy().astype(np.float64)
    group_matrix = np.empty((n_cells, len(attributes)), dtype=object)
    for i in range(len(attributes)):
        group_matrix[:, i] = summary[f"__ec_g{i}"].to_numpy().astype(str)
    return CountTable(
        models=tuple(scores),
        attributes=tuple(attributes),
        scores=score_matrix,
        label=summary["__ec_y"].to_numpy().astype(np.int64),
        groups=group_matrix,
        count=summary[_COUNT].to_numpy().astype(np.int64),
    )


def _check_values(
    nwf: Any, label: str, label_expr: Any, score_columns: list[str], require_unit_scores: bool
) -> None:
    """One pass of aggregates: nulls, NaNs and ranges of the label and score columns.

    Booleans are cast to integers before summing (Spark SQL does not sum booleans).
    """
    exprs = [
        label_expr.is_null().cast(nw.Int64).sum().alias("__ec_label_null"),
        ((label_expr != 0) & (label_expr != 1)).cast(nw.Int64).sum().alias("__ec_label_bad"),
        nw.len().alias("__ec_rows"),
    ]
    columns = list(dict.fromkeys(score_columns))
    for i, c in enumerate(columns):
        col = nw.col(c).cast(nw.Float64)
        exprs += [
            col.is_null().cast(nw.Int64).sum().alias(f"__ec_null{i}"),
            col.is_nan().cast(nw.Int64).sum().alias(f"__ec_nan{i}"),
            col.min().alias(f"__ec_min{i}"),
            col.max().alias(f"__ec_max{i}"),
        ]
    checks = nwf.select(*exprs)
    if isinstance(checks, nw.LazyFrame):
        checks = checks.collect()
    row = checks.row(0)
    values = dict(zip(checks.columns, row, strict=True))
    if not values["__ec_rows"]:
        raise InputError("the table has no rows", hint="supply predictions for at least one patient")
    if values["__ec_label_null"]:
        raise ColumnError(
            f"label column {label!r} has {values['__ec_label_null']} missing values",
            hint="drop the rows without an observed outcome, or record the outcome",
        )
    if values["__ec_label_bad"]:
        raise ColumnError(
            f"label column {label!r} has {values['__ec_label_bad']} values other than 0 and 1",
            hint="code the outcome as 0 (no event) and 1 (event)",
        )
    for i, c in enumerate(columns):
        missing = (values[f"__ec_null{i}"] or 0) + (values[f"__ec_nan{i}"] or 0)
        if missing:
            raise ColumnError(
                f"score column {c!r} has {missing} missing or NaN values",
                hint="drop those rows or score every patient before the analysis",
            )
        low, high = values[f"__ec_min{i}"], values[f"__ec_max{i}"]
        if require_unit_scores and (low < 0 or high > 1):
            raise ColumnError(
                f"score column {c!r} ranges from {low:.4g} to {high:.4g}, outside [0, 1]",
                hint="pass predicted probabilities (apply the model's link function to raw scores)",
            )
        if not np.isfinite(low) or not np.isfinite(high):
            raise ColumnError(f"score column {c!r} has infinite values", hint="drop or fix those rows")


def check_thresholds(thresholds: Sequence[float] | npt.ArrayLike, /) -> FloatArray:
    """Thresholds as a strictly increasing float array inside the open interval (0, 1).

    Parameters
    ----------
    thresholds : array-like of float
        Threshold probabilities.

    Returns
    -------
    numpy.ndarray
        The thresholds as float64.

    Raises
    ------
    InputError
        When none is given, one is outside (0, 1), or they do not increase.

    Examples
    --------
    >>> check_thresholds([0.1, 0.2])
    array([0.1, 0.2])
    """
    t = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    if t.size == 0:
        raise InputError("no thresholds given", hint="pass threshold probabilities, e.g. 0.01 to 0.99")
    if not np.all(np.isfinite(t)) or t.min() <= 0 or t.max() >= 1:
        raise InputError(
            "thresholds must lie strictly between 0 and 1",
            hint="threshold probabilities of 0 or 1 give no trade-off; use e.g. 0.01:0.99:0.01",
        )
    if np.any(np.diff(t) <= 0):
        raise InputError("thresholds must be strictly increasing", hint="sort them and drop duplicates")
    return t


def threshold_codes(scores: FloatArray, thresholds: FloatArray) -> IntArray:
    """For each score, how many thresholds it meets (score >= t): 0 .. len(thresholds).

    A patient is treated at threshold ``thresholds[j]`` exactly when its code exceeds ``j``.
    """
    return np.searchsorted(thresholds, scores, side="right").astype(np.int64)


def positives_at(code: IntArray, weights: npt.NDArray[Any], n_thresholds: int) -> FloatArray:
    """Weighted number of rows treated at each threshold, from their codes.

    ``weights`` is (cells,) or (replicates, cells); the result is (..., n_thresholds): at
    threshold ``j`` it sums the weights of the cells whose code exceeds ``j``.
    """
    w = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    width = n_thresholds + 1
    index = (np.arange(w.shape[0], dtype=np.int64)[:, None] * width + code[None, :]).reshape(-1)
    binned = np.bincount(index, weights=w.reshape(-1), minlength=w.shape[0] * width).reshape(
        w.shape[0], width
    )
    above = np.cumsum(binned[:, ::-1], axis=1)[:, ::-1]
    out = np.ascontiguousarray(above[:, 1:])
    result = out[0] if np.ndim(weights) == 1 else out
    return np.asarray(result, dtype=np.float64)


def collapse(keys: IntArray, dims: Sequence[int], count: IntArray) -> tuple[IntArray, IntArray]:
    """Sum ``count`` over the rows of ``keys`` (cells, k) that are equal.

    Column ``i`` of ``keys`` holds codes in ``range(dims[i])``. Returns the distinct keys that
    hold at least one row, and their summed counts.
    """
    if keys.shape[0] == 0:
        return keys, count
    size = 1
    for d in dims:
        size *= int(d)
    if size < 1 << 62:
        flat = np.ravel_multi_index(tuple(keys.T), tuple(int(d) for d in dims))
        if size <= 1 << 22:
            summed = np.bincount(flat, weights=count, minlength=size)
            nonzero = np.flatnonzero(summed)
            unravelled = np.stack(np.unravel_index(nonzero, tuple(int(d) for d in dims)), axis=1)
            return unravelled.astype(np.int64), summed[nonzero].astype(np.int64)
        unique_flat, inverse = np.unique(flat, return_inverse=True)
        summed = np.bincount(inverse, weights=count, minlength=unique_flat.size)
        unravelled = np.stack(np.unravel_index(unique_flat, tuple(int(d) for d in dims)), axis=1)
        return unravelled.astype(np.int64), summed.astype(np.int64)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    summed = np.bincount(inverse.reshape(-1), weights=count, minlength=unique.shape[0])
    return unique.astype(np.int64), summed.astype(np.int64)


def bootstrap_weights(count: IntArray, n_boot: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """``n_boot`` multinomial resamples of a count table: (n_boot, cells), each row summing to n.

    Resampling rows with replacement and counting them per cell is exactly a multinomial
    draw over the cells with probabilities count / n, so this is the ordinary bootstrap.
    """
    n = int(count.sum())
    if n == 0:
        return np.zeros((n_boot, count.size))
    return rng.multinomial(n, count / n, size=n_boot).astype(np.float64)
