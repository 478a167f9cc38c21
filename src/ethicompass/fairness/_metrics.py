"""Estimate: metrics and their intervals from counts, vectorised with numpy.

Every function takes arrays of counts of any shape (units, or replicates x units) and returns
arrays of the same shape, with NaN where a metric is undefined (a zero denominator).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

__all__ = [
    "CONFUSION_METRICS",
    "METRIC_KEYS",
    "PROPORTIONS",
    "auroc_from_histograms",
    "confusion_metrics",
    "error_moments",
    "wilson",
]

#: Every metric key of a group's result, in report order.
METRIC_KEYS = (
    "n",
    "prevalence",
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "tnr",
    "ppv",
    "npv",
    "accuracy",
    "balanced_accuracy",
    "f1",
    "auroc",
    "brier",
    "calibration_in_the_large",
)

#: Metrics that are a share k / m of counts: (numerator cells, denominator cells) over the
#: cells (tp, fp, fn, tn). Their intervals are Wilson score intervals.
PROPORTIONS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "prevalence": ((0, 2), (0, 1, 2, 3)),
    "selection_rate": ((0, 1), (0, 1, 2, 3)),
    "tpr": ((0,), (0, 2)),
    "fpr": ((1,), (1, 3)),
    "fnr": ((2,), (0, 2)),
    "tnr": ((3,), (1, 3)),
    "ppv": ((0,), (0, 1)),
    "npv": ((3,), (2, 3)),
    "accuracy": ((0, 3), (0, 1, 2, 3)),
}

#: Metrics computed from the four confusion cells (bootstrapped by resampling them).
CONFUSION_METRICS = (*PROPORTIONS, "balanced_accuracy", "f1")


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def confusion_metrics(cells: np.ndarray) -> dict[str, np.ndarray]:
    """Every confusion metric from ``cells[..., 4]`` = (tp, fp, fn, tn) counts."""
    c = np.asarray(cells, dtype=np.float64)
    out = {}
    for name, (num, den) in PROPORTIONS.items():
        out[name] = _div(c[..., list(num)].sum(-1), c[..., list(den)].sum(-1))
    out["balanced_accuracy"] = (out["tpr"] + out["tnr"]) / 2
    tp, fp, fn = c[..., 0], c[..., 1], c[..., 2]
    out["f1"] = _div(2 * tp, 2 * tp + fp + fn)
    return out


def wilson(k: np.ndarray, m: np.ndarray, *, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes in m trials (NaN where m is 0)."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    k = np.asarray(k, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / m
        denom = 1 + z**2 / m
        centre = (p + z**2 / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / denom
    lo = np.where(m > 0, np.clip(centre - half, 0, 1), np.nan)
    hi = np.where(m > 0, np.clip(centre + half, 0, 1), np.nan)
    # exact endpoints at the boundary (floating error otherwise leaves 1e-17 off)
    lo = np.where(k == 0, 0.0, lo)
    hi = np.where(k == m, 1.0, hi)
    return lo, hi


def auroc_from_histograms(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUROC and its DeLong variance from score histograms ``pos[u, k]``, ``neg[u, k]``.

    Bins ``k`` are in increasing score order; pairs in one bin count as ties (half). The
    variance is DeLong's (1988), computed from the per-bin placement values.
    """
    pos = np.asarray(pos, dtype=np.float64)
    neg = np.asarray(neg, dtype=np.float64)
    n_pos = pos.sum(-1)
    n_neg = neg.sum(-1)
    neg_below = np.cumsum(neg, axis=-1) - neg
    pos_above = pos.sum(-1, keepdims=True) - np.cumsum(pos, axis=-1)
    wins = neg_below + 0.5 * neg  # for a positive in bin k: negatives ranked below it
    auc = _div((pos * wins).sum(-1), n_pos * n_neg)
    with np.errstate(divide="ignore", invalid="ignore"):
        v10 = wins / n_neg[..., None]
        v01 = (pos_above + 0.5 * pos) / n_pos[..., None]
        s10 = (pos * (v10 - auc[..., None]) ** 2).sum(-1) / (n_pos - 1)
        s01 = (neg * (v01 - auc[..., None]) ** 2).sum(-1) / (n_neg - 1)
        var = s10 / n_pos + s01 / n_neg
    var = np.where((n_pos > 1) & (n_neg > 1), var, np.nan)
    return auc, var


def error_moments(
    n: np.ndarray, sum_e: np.ndarray, sum_e2: np.ndarray, sum_e4: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Brier score and calibration-in-the-large (mean score minus mean outcome), each with the
    variance of its estimate, from sums of ``e = score - label``, ``e**2`` and ``e**4``."""
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        brier = sum_e2 / n
        citl = sum_e / n
        var_sq = (sum_e4 - n * brier**2) / (n - 1)
        var_e = (sum_e2 - n * citl**2) / (n - 1)
        out = {
            "brier": (np.where(n > 0, brier, np.nan), np.where(n > 1, np.maximum(var_sq, 0) / n, np.nan)),
            "calibration_in_the_large": (
                np.where(n > 0, citl, np.nan),
                np.where(n > 1, np.maximum(var_e, 0) / n, np.nan),
            ),
        }
    return out
