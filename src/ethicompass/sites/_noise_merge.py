"""The coordinator's side of the noise method (:mod:`ethicompass.sites._noise`): the format's tables from the
sites' noisy grids, clamped once after adding, and the TPR and FPR intervals widened for the noise.

A noisy site file holds one fairness table, its noisy grid (every group column x label x prediction x score
bin, signed counts). The overall table, one table per group column and the joint table (no score) are its
margins (:func:`grid_margins`): sums of its signed cells, free post-processing of a differentially private
release. The sites' margins are added cell by cell (:func:`ethicompass.sites._merge.add_counts`), so the
noise of many grid cells and of the sites partly cancels, and only then is each merged cell clamped
(:func:`clamp_merged`): a cell of fewer than one row left out, its error sums clipped to its bin's range. The
rest of the review (``fairness.audit_marginals``, the benefit tables) reads the clamped margins as it reads
suppressed files' tables; nothing is withheld under noise. The merged signed grid is kept for
:func:`widen_for_noise`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl

from ethicompass.sites._noise import POWER, SUMS, cell_ranges

__all__ = ["clamp_merged", "grid_margins", "widen_for_noise"]

_COUNTS = ("_n", *SUMS)


def _margin(grid: Any, groups: Sequence[str], *, scored: bool) -> Any:
    """``grid`` summed to ``groups`` x label x prediction (x score key when ``scored``; else no score)."""
    from ethicompass.fairness import Summary

    keys = [*groups, "_label", "_pred", *(["_score"] if scored else [])]
    counts = grid.counts.group_by(keys).agg([pl.col(c).sum() for c in _COUNTS]).sort(keys, nulls_last=True)
    if not scored:
        counts = counts.with_columns(pl.lit(None, dtype=pl.Float64).alias("_score"))
    counts = counts.select(*groups, "_label", "_pred", "_score", *_COUNTS)
    return Summary(
        counts,
        tuple(groups),
        grid.threshold,
        grid.bin_width if scored else None,
        scored,
        grid.label,
        grid.score,
        None,
    )


def grid_margins(grid: Any, groups: tuple[str, ...], /) -> tuple[Any, dict[str, Any], Any | None]:
    """A noisy site's tables from its grid: the overall table, one per group column and the joint table (two
    or more columns), each a margin of ``grid`` (its signed cells summed)."""
    return (
        _margin(grid, (), scored=True),
        {g: _margin(grid, (g,), scored=True) for g in groups},
        _margin(grid, groups, scored=False) if len(groups) > 1 else None,
    )


def _clamp(summary: Any, bins: int) -> tuple[Any, int]:
    """``summary`` without its cells of zero or fewer rows, each sum clipped to its bin's range times the
    count (every cell's mean score inside its bin; a table without score: inside [0, 1]); and how many
    cells were negative."""
    c = summary.counts
    negative = int((c["_n"] < 0).sum())
    c = c.filter(pl.col("_n") > 0)
    label = c["_label"].to_numpy().astype(np.float64)
    n = c["_n"].to_numpy().astype(np.float64)
    if summary.has_score:
        k, width = (c["_score"].to_numpy() * bins).round().astype(np.int64), bins
    else:  # the joint table sums every bin: a row's score anywhere in [0, 1]
        k, width = np.zeros(c.height, dtype=np.int64), 1
    sums = []
    for column in SUMS:
        centre, half = cell_ranges(k, label, width, POWER[column])
        sums.append(
            pl.Series(column, np.clip(c[column].to_numpy(), (centre - half) * n, (centre + half) * n))
        )
    return replace(summary, counts=c.with_columns(sums)), negative


def _clamp_counts(counts: Any, bins: int) -> tuple[Any, int]:
    """Every table of a :class:`SiteCounts` clamped (:func:`_clamp`); the grid kept signed."""
    overall, negative = _clamp(counts.overall, bins)
    attributes = {}
    for g, table in counts.attributes.items():
        attributes[g], k = _clamp(table, bins)
        negative += k
    joint = None
    if counts.joint is not None:
        joint, k = _clamp(counts.joint, bins)
        negative += k
    return replace(counts, overall=overall, attributes=attributes, joint=joint), negative


def clamp_merged(merged: Any, /) -> tuple[Any, int]:
    """The merged noisy counts made consistent for estimation: the sites' signed margins are added first
    (their noise partly cancels), then every merged cell below one row is left out and its sums clipped to
    its bin; each site's own tables (for the between-site checks) the same way. Idempotent. Returns the new
    :class:`ethicompass.sites.MergedSites` and how many merged cells were negative."""
    bins = int(merged.files[0].body["disclosure"]["noise"]["score_bins"])
    summary, negative = _clamp_counts(merged.summary, bins)
    summaries = {site: _clamp_counts(s, bins)[0] for site, s in merged.summaries.items()}
    return replace(merged, summary=summary, summaries=summaries), negative


# ----------------------------------------------------------------------------- intervals widened for the noise
#: the (label, prediction) of each confusion count a rate divides: TPR = TP / (TP + FN), FPR = FP / (FP + TN)
_RATES = {"tpr": ((1, 1), (1, 0)), "fpr": ((0, 1), (0, 0))}
_Z95 = 1.959963984540054


def _cell_variance(files: Sequence[Any]) -> float:
    """The summed variance, over the sites, of one cell's count noise."""
    from ethicompass.sites._noise_check import noise_sd

    out = 0.0
    for f in files:
        rec = f.body["disclosure"]["noise"]
        scale = next(t["scale"] for t in rec["tables"] if t["table"] == "fairness" and t["column"] == "_n")
        out += noise_sd(scale) ** 2
    return out


def _table_of(counts: Any, group: dict[str, Any]) -> Any:
    """The merged table a group's estimate is read from: the overall table, its attribute's, or the joint."""
    if not group:
        return counts.overall.counts
    if len(group) == 1:
        return counts.attributes[next(iter(group))].counts
    return counts.joint.counts


def _rate_sd(counts: Any, grid: Any, group: dict[str, Any], metric: str, variance: float) -> float | None:
    """The noise's standard deviation of a group's TPR or FPR (delta method): each confusion count is a sum
    of grid cells, each with the sites' summed cell variance; None when the rate is undefined. The rate
    itself is read from the merged table the report read (``counts``, a ``SiteCounts``)."""

    def select(frame: Any, label: int, pred: int) -> Any:
        mask = (pl.col("_label") == label) & (pl.col("_pred") == pred)
        for k, v in group.items():
            mask = mask & (pl.col(k).cast(pl.String) == str(v))
        return frame.filter(mask)

    (la, pa), (lb, pb) = _RATES[metric]
    table = _table_of(counts, group)
    a = float(select(table, la, pa)["_n"].sum())
    b = float(select(table, lb, pb)["_n"].sum())
    if a + b <= 0:
        return None
    p = a / (a + b)
    var_a = select(grid, la, pa).height * variance
    var_b = select(grid, lb, pb).height * variance
    return math.sqrt(((1 - p) ** 2 * var_a + p**2 * var_b) / (a + b) ** 2)


def _widen(
    ci: tuple[float, float] | None, value: float | None, sd: float, z: float
) -> tuple[float, float] | None:
    if ci is None or value is None:
        return ci
    extra = (z * sd) ** 2
    return (value - math.sqrt((value - ci[0]) ** 2 + extra), value + math.sqrt((ci[1] - value) ** 2 + extra))


def widen_for_noise(report: Any, counts: Any, files: Sequence[Any], /) -> Any:
    """``report`` with the TPR and FPR intervals widened for the sites' noise: each group's interval, and each
    difference's (the Holm-adjusted one the verdict reads too), its half-widths grown by the noise's standard
    deviation (delta method over the grid's cells, sites summed) at the interval's own level, in quadrature.
    ``counts`` are the merged, clamped tables the report was computed from (``MergedSites.summary`` after
    :func:`clamp_merged`); each table cell is a sum of grid cells of every site. Other metrics are left as
    they are."""
    from ethicompass.sites._noise import fairness_grid

    first = files[0].body
    record = first["disclosure"]["noise"]
    groups = list(first["fairness"]["groups"])
    grid = fairness_grid(groups, record["categories"], record["score_bins"], first["fairness"]["threshold"])
    variance = _cell_variance(files)

    def sd(group: Any, metric: str) -> float | None:
        return _rate_sd(counts, grid, dict(group or {}), metric, variance)

    def widen_group(g: Any) -> Any:
        metrics = dict(g.metrics)
        for metric in _RATES:
            est, s = metrics.get(metric), sd(g.group, metric)
            if est is not None and s is not None:
                metrics[metric] = replace(est, ci=_widen(est.ci, est.value, s, _Z95))
        return replace(g, metrics=metrics)

    disparities = []
    for d in report.disparities:
        if d.metric in _RATES and d.group is not None and d.reference is not None:
            s_g, s_r = sd(d.group, d.metric), sd(d.reference, d.metric)
            if s_g is not None and s_r is not None:
                s = math.hypot(s_g, s_r)
                value, ci = d.difference.value, d.difference.ci
                z_holm = _Z95
                if ci is not None and d.ci_holm is not None and ci[1] > ci[0]:
                    z_holm = _Z95 * (d.ci_holm[1] - d.ci_holm[0]) / (ci[1] - ci[0])
                d = replace(
                    d,
                    difference=replace(d.difference, ci=_widen(ci, value, s, _Z95)),
                    ci_holm=_widen(d.ci_holm, value, s, z_holm),
                )
        disparities.append(d)
    return replace(
        report,
        overall=widen_group(report.overall),
        groups=tuple(widen_group(g) for g in report.groups),
        intersections=tuple(widen_group(g) for g in report.intersections),
        disparities=tuple(disparities),
    )
