"""Interval coverage by simulation: a nominal 95% interval covers the truth 93-97% of the time.

Each check simulates 2,000 data sets from a known truth straight into counts (the summary a
real table would give) and runs the same estimation code as ``audit``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ethicompass.fairness._bootstrap import percentile_interval, resample_cells
from ethicompass.fairness._disparity import _newcombe
from ethicompass.fairness._metrics import auroc_from_histograms, confusion_metrics, error_moments, wilson

SIMS = 2000
LEVEL = 0.95
LOW, HIGH = 0.93, 0.97


def covered(lo: np.ndarray, hi: np.ndarray, truth: float | np.ndarray) -> float:
    share = float(np.mean((lo <= truth) & (truth <= hi)))
    print(f"coverage {share:.3f}")
    return share


@pytest.mark.parametrize(("m", "p"), [(100, 0.25), (400, 0.15), (1000, 0.5)])
def test_wilson_interval_coverage(m: int, p: float) -> None:
    rng = np.random.default_rng(11)
    k = rng.binomial(m, p, SIMS)
    lo, hi = wilson(k, np.full(SIMS, m), level=LEVEL)
    assert LOW <= covered(lo, hi, p) <= HIGH


def test_bootstrap_balanced_accuracy_and_f1_coverage() -> None:
    rng = np.random.default_rng(12)
    probs = np.array([0.12, 0.08, 0.08, 0.72])  # tp, fp, fn, tn
    cells = rng.multinomial(600, probs, size=SIMS)
    reps = confusion_metrics(resample_cells(cells, n_boot=400, rng=rng))
    truth = confusion_metrics(probs)
    for metric in ("balanced_accuracy", "f1"):
        lo, hi = percentile_interval(reps[metric], level=LEVEL)
        assert LOW <= covered(lo, hi, float(truth[metric])) <= HIGH, metric


def test_newcombe_difference_coverage() -> None:
    rng = np.random.default_rng(13)
    p1, p0 = 0.55, 0.7
    hits, sims = 0, 1000
    for _ in range(sims):
        pos = np.array([150, 400])
        tp = rng.binomial(pos, [p1, p0])
        cells = np.stack([tp, np.zeros(2), pos - tp, np.zeros(2)], axis=1).astype(float)
        value = confusion_metrics(cells)["tpr"]
        lo, hi = _newcombe("tpr", 0, 1, cells, value, level=LEVEL)
        hits += lo <= p1 - p0 <= hi
    assert LOW <= hits / sims <= HIGH


def test_delong_auroc_coverage() -> None:
    rng = np.random.default_rng(14)
    n_pos, n_neg, shift = 100, 200, 1.0
    truth = float(stats.norm.cdf(shift / math.sqrt(2)))
    scores = np.concatenate([rng.normal(shift, 1, (SIMS, n_pos)), rng.normal(0, 1, (SIMS, n_neg))], axis=1)
    labels = np.concatenate([np.ones(n_pos), np.zeros(n_neg)])
    order = np.argsort(scores, axis=1)
    pos = labels[order]  # one bin per distinct score, in increasing order
    auc, var = auroc_from_histograms(pos, 1 - pos)
    half = stats.norm.ppf(0.5 + LEVEL / 2) * np.sqrt(var)
    assert LOW <= covered(auc - half, auc + half, truth) <= HIGH


def test_brier_and_calibration_coverage() -> None:
    rng = np.random.default_rng(15)
    n = 300
    p = rng.random((SIMS, n))
    y = (rng.random((SIMS, n)) < p).astype(float)
    e = p - y
    moments = error_moments(np.full(SIMS, n), e.sum(1), (e**2).sum(1), (e**4).sum(1))
    z = stats.norm.ppf(0.5 + LEVEL / 2)
    for metric, truth in (("brier", 1 / 6), ("calibration_in_the_large", 0.0)):
        value, var = moments[metric]
        assert LOW <= covered(value - z * np.sqrt(var), value + z * np.sqrt(var), truth) <= HIGH, metric
