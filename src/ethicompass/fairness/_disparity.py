"""Disparities against a reference group, their intervals, flags and heterogeneity tests."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from ethicompass.fairness._bootstrap import percentile_interval
from ethicompass.fairness._metrics import PROPORTIONS, wilson
from ethicompass.fairness._report import Disparity, Estimate, Finding, Heterogeneity, group_label

__all__ = [
    "FLAG_METRICS",
    "HIGHER_IS_BETTER",
    "between_groups",
    "boot_intervals",
    "disparity",
    "finding",
    "flag_test",
    "harmful",
    "heterogeneity",
    "holm",
    "holm_intervals",
    "newcombe_intervals",
]

#: Metrics whose disparity can flag a group as under-served.
FLAG_METRICS = ("tpr", "fpr", "auroc", "balanced_accuracy")
#: Direction of each performance metric (False: lower is better).
HIGHER_IS_BETTER = {
    "tpr": True,
    "fpr": False,
    "fnr": False,
    "tnr": True,
    "ppv": True,
    "npv": True,
    "accuracy": True,
    "balanced_accuracy": True,
    "f1": True,
    "auroc": True,
    "brier": False,
}
_NAMES = {
    "tpr": "sensitivity (TPR)",
    "fpr": "false-positive rate",
    "auroc": "AUROC",
    "balanced_accuracy": "balanced accuracy",
}


def disparity(
    metric: str,
    j: int,
    ref: int,
    cells: np.ndarray,
    point: dict[str, np.ndarray],
    score_stats: dict[str, tuple[np.ndarray, np.ndarray]],
    boot: dict[str, tuple[np.ndarray, ...]] | None,
    newcombe: dict[str, tuple[np.ndarray, np.ndarray]],
    *,
    ci: float,
    z: float,
) -> tuple[Estimate, Estimate | None]:
    """Difference and ratio against the reference, each with its interval."""
    reason = f"{metric} is undefined in this group or the reference"
    if metric in score_stats:
        value, var = score_stats[metric]
        diff = value[j] - value[ref]
        half = z * math.sqrt(var[j] + var[ref]) if np.isfinite(var[j] + var[ref]) else math.nan
        d = Estimate.of(
            diff, diff - half, diff + half, reason=reason, ci_reason="too few rows for a variance"
        )
        if metric == "calibration_in_the_large":
            return d, None
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = value[j] / value[ref]
            se_log = math.sqrt(var[j] / value[j] ** 2 + var[ref] / value[ref] ** 2)
        r = Estimate.of(
            ratio if value[ref] > 0 else math.nan,
            ratio * math.exp(-z * se_log),
            ratio * math.exp(z * se_log),
            reason=f"{metric} is undefined or 0 in the reference",
            ci_reason="no interval where a value is 0",
        )
        return d, r
    boot_reason = "no bootstrap (n_boot=0)" if boot is None else "undefined in too many bootstrap replicates"
    value = point[metric]
    if boot is not None:
        d_lo, d_hi, r_lo, r_hi = (float(x[j]) for x in boot[metric])
    else:
        d_lo = d_hi = r_lo = r_hi = math.nan
    if metric in PROPORTIONS and ref != 0:  # independent groups: Newcombe's hybrid score interval
        d_lo, d_hi = float(newcombe[metric][0][j]), float(newcombe[metric][1][j])
    d = Estimate.of(value[j] - value[ref], d_lo, d_hi, reason=reason, ci_reason=boot_reason)
    ratio_value = value[j] / value[ref] if value[ref] > 0 else math.nan
    r = Estimate.of(
        ratio_value, r_lo, r_hi, reason=f"{metric} is undefined or 0 in the reference", ci_reason=boot_reason
    )
    return d, r


def boot_intervals(
    reps: dict[str, np.ndarray], ref_of: np.ndarray, *, level: float
) -> dict[str, tuple[np.ndarray, ...]]:
    """Percentile intervals of every unit's difference and ratio against its reference, per
    metric, all at once: ``(diff_lo, diff_hi, ratio_lo, ratio_hi)`` arrays over units."""
    out: dict[str, tuple[np.ndarray, ...]] = {}
    for metric, rep in reps.items():
        ref_rep = rep[:, ref_of]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(ref_rep > 0, rep / np.where(ref_rep > 0, ref_rep, 1), np.nan)
        out[metric] = (
            *percentile_interval(rep - ref_rep, level=level),
            *percentile_interval(ratio, level=level),
        )
    return out


def flag_test(
    metric: str, j: int, ref: int, cells: np.ndarray, score_stats: dict[str, tuple[np.ndarray, np.ndarray]]
) -> float | None:
    """Two-sided p-value that the group and the reference share the metric.

    Proportions use Agresti & Caffo's (2000) adjustment (one success and one failure added to
    each group), which stays sound for small or zero counts; AUROC uses DeLong's variance.
    """
    if metric == "auroc":
        if "auroc" not in score_stats:
            return None
        auc, auc_var = score_stats["auroc"]
        total = float(auc_var[j] + auc_var[ref])
        if not (math.isfinite(total) and total > 0):
            return None
        return _two_sided(abs(auc[j] - auc[ref]) / math.sqrt(total))

    def adjusted(u: int, num: int, other: int) -> tuple[float, float]:
        k, m = cells[u, num] + 1, cells[u, num] + cells[u, other] + 2
        return k / m, (k / m) * (1 - k / m) / m

    table: dict[str, list[tuple[int, int, float]]] = {
        "tpr": [(0, 2, 1.0)],
        "fpr": [(1, 3, 1.0)],
        "balanced_accuracy": [(0, 2, 0.5), (3, 1, 0.5)],
    }
    parts = table[metric]
    diff = var = 0.0
    for num, other, weight in parts:
        p1, v1 = adjusted(j, num, other)
        p0, v0 = adjusted(ref, num, other)
        diff += weight * (p1 - p0)
        var += weight**2 * (v1 + v0)
    return _two_sided(abs(diff) / math.sqrt(var))


def _two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def newcombe_intervals(
    cells: np.ndarray, ref_of: np.ndarray, *, level: float
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Newcombe's (1998) hybrid score interval for the difference of each unit's proportion and
    its reference's (independent groups), for every proportion metric, vectorised over units."""
    out = {}
    for metric, (num, den) in PROPORTIONS.items():
        k = cells[:, list(num)].sum(1)
        m = cells[:, list(den)].sum(1)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(m > 0, k / np.where(m > 0, m, 1), np.nan)
        lo, hi = wilson(k, m, level=level)
        p0, lo0, hi0 = p[ref_of], lo[ref_of], hi[ref_of]
        diff = p - p0
        out[metric] = (
            diff - np.sqrt((p - lo) ** 2 + (hi0 - p0) ** 2),
            diff + np.sqrt((hi - p) ** 2 + (p0 - lo0) ** 2),
        )
    return out


def _newcombe(
    metric: str, j: int, ref: int, cells: np.ndarray, value: np.ndarray, *, level: float
) -> tuple[float, float]:
    """Newcombe's interval for one pair of groups (see :func:`newcombe_intervals`)."""
    lo, hi = newcombe_intervals(cells[[j, ref]], np.array([1, 1]), level=level)[metric]
    return float(lo[0]), float(hi[0])


def harmful(metric: str, diff: Estimate, margin: float) -> bool:
    if diff.value is None:
        return False
    if HIGHER_IS_BETTER[metric]:
        return diff.value <= -margin
    return diff.value >= margin


def holm(p_values: dict[int, float]) -> dict[int, float]:
    """Holm's step-down adjustment of a family of p-values (keys kept)."""
    order = sorted(p_values, key=p_values.__getitem__)
    m = len(order)
    adjusted: dict[int, float] = {}
    running = 0.0
    for rank, key in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[key]))
        adjusted[key] = running
    return adjusted


def holm_intervals(
    raw_p: dict[int, float],
    pairs: dict[int, tuple[str, int, int]],
    cells: np.ndarray,
    score_stats: dict[str, tuple[np.ndarray, np.ndarray]],
    reps: dict[str, np.ndarray] | None,
    *,
    ci: float,
) -> dict[int, tuple[float, float]]:
    """Holm-adjusted intervals of a family of differences (keys of ``raw_p``).

    Holm's procedure tests the comparison of rank ``r`` (0 for the smallest p-value) of a family
    of ``m`` at level ``alpha / (m - r)``; each difference gets its interval at that level, so the
    strongest evidence is judged at the Bonferroni level and every interval allows for the
    comparisons made beside it. ``pairs`` maps a key to ``(metric, group, reference)``.
    Differences of proportions use Newcombe's interval (bootstrap when the reference is the whole
    population, index 0), AUROC its DeLong normal interval, other metrics the count bootstrap.
    """
    alpha = 1 - ci
    order = sorted(raw_p, key=raw_p.__getitem__)
    m = len(order)
    out: dict[int, tuple[float, float]] = {}
    for rank, key in enumerate(order):
        level = 1 - alpha / (m - rank)
        metric, j, ref = pairs[key]
        lo = hi = math.nan
        if metric in score_stats:
            value, var = score_stats[metric]
            total = var[j] + var[ref]
            if np.isfinite(total):
                half = float(stats.norm.ppf(0.5 + level / 2)) * math.sqrt(total)
                diff = float(value[j] - value[ref])
                lo, hi = diff - half, diff + half
        elif metric in PROPORTIONS and ref != 0:
            lo, hi = _newcombe(metric, j, ref, cells, cells, level=level)
        elif reps is not None and metric in reps:
            rep_lo, rep_hi = percentile_interval(reps[metric][:, j] - reps[metric][:, ref], level=level)
            lo, hi = float(rep_lo), float(rep_hi)
        if math.isfinite(lo) and math.isfinite(hi):
            out[key] = (lo, hi)
    return out


def finding(
    metric: str,
    group: Mapping[str, Any],
    reference: Mapping[str, Any],
    j: int,
    ref: int,
    point: dict[str, np.ndarray],
    score_stats: dict[str, tuple[np.ndarray, np.ndarray]],
    diff: Estimate,
    ci: float,
) -> Finding:
    """The flagged disparity as a plain-language finding."""
    values = score_stats[metric][0] if metric in score_stats else point[metric]
    assert diff.value is not None
    worse = "lower" if HIGHER_IS_BETTER[metric] else "higher"
    interval = (
        f"; {ci:.0%} CI of the difference {diff.ci[0]:+.2f} to {diff.ci[1]:+.2f}"
        if diff.ci is not None
        else ""
    )
    message = (
        f"{group_label(group)}: {_NAMES[metric]} {values[j]:.2f} vs {values[ref]:.2f} for "
        f"{group_label(reference)} ({worse} by {abs(diff.value):.2f}{interval})"
    )
    return Finding(group, reference, metric, float(values[j]), float(values[ref]), diff, message)


def between_groups(
    scope: tuple[str, ...],
    members: list[int],
    point: dict[str, np.ndarray],
    reps: dict[str, np.ndarray] | None,
    *,
    ci: float,
) -> list[Disparity]:
    def spread(values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmax(values, axis=-1) - np.nanmin(values, axis=-1)

    out = []
    for name, metrics in (
        ("demographic_parity_difference", ("selection_rate",)),
        ("equalized_odds_difference", ("tpr", "fpr")),
    ):
        value = max(float(spread(point[m][members])) for m in metrics)
        if reps is not None:
            rep = np.max(np.stack([spread(reps[m][:, members]) for m in metrics]), axis=0)
            lo, hi = percentile_interval(rep, level=ci)
        else:
            lo = hi = np.array(math.nan)
        estimate = Estimate.of(
            value,
            float(lo),
            float(hi),
            reason="undefined in every group",
            ci_reason="no bootstrap (n_boot=0)" if reps is None else "undefined in too many replicates",
        )
        out.append(Disparity(scope, name, estimate))
    return out


def heterogeneity(scope: tuple[str, ...], members: list[int], cells: np.ndarray) -> list[Heterogeneity]:
    out = []
    tables: dict[str, tuple[list[int], list[int]]] = {
        "tpr": ([0], [2]),
        "fpr": ([1], [3]),
        "selection_rate": ([0, 1], [2, 3]),
    }
    for metric, (num, other) in tables.items():
        table = np.stack([cells[members][:, num].sum(1), cells[members][:, other].sum(1)], axis=1)
        table = table[table.sum(1) > 0]
        if table.shape[0] < 2 or (table.sum(0) == 0).any():
            out.append(Heterogeneity(scope, metric, None, 0, None, int(table.shape[0])))
            continue
        result = stats.chi2_contingency(table, correction=False)
        out.append(
            Heterogeneity(
                scope,
                metric,
                float(result.statistic),
                int(result.dof),
                float(result.pvalue),
                int(table.shape[0]),
            )
        )
    return out
