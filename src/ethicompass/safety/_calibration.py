"""Calibration: do the model's risks mean what they say, overall and in each subgroup?

Entry point: :func:`calibration`. Everything is estimated from the counts of rows and events
at each distinct score (one exact summary, DESIGN.md §1):

- calibration-in-the-large: observed event rate minus mean predicted risk, and the
  observed/expected ratio, with Wald intervals;
- logistic recalibration (Cox 1958): ``logit P(y=1) = a + b logit(p)`` fitted by Newton's method
  on the grouped binomial likelihood, giving the calibration slope ``b`` and, with the slope
  fixed at 1 (``logit(p)`` as an offset), the calibration intercept; Wald intervals from the
  inverse Fisher information;
- expected calibration error over ``n_bins`` equal-width bins of [0, 1];
- the Brier score with its Murphy decomposition over the same bins, plus the two
  within-bin terms (Stephenson et al. 2008) that make it exact:
  ``brier = reliability - resolution + uncertainty + within_bin_variance - 2 within_bin_covariance``;
- a reliability curve, binned (with Wilson intervals) and smoothed (local linear regression,
  tricube kernel, span 2/3 of the patients, on a 1,000-bin pre-aggregation of the scores).

Scores of exactly 0 or 1 are clipped to [1e-12, 1 - 1e-12] before taking logits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import polars as pl

from ethicompass.errors import InputError
from ethicompass.safety._checks import as_list, as_number, check_options
from ethicompass.safety._counts import CountTable, FloatArray, summarize
from ethicompass.safety._plots import RC, render_svg

logging.getLogger(__name__).addHandler(logging.NullHandler())

CLIP = 1e-12
SPAN = 2 / 3
SMOOTH_BINS = 1000
SMOOTH_POINTS = 50

Interval = tuple[float, float]


@dataclass(frozen=True, eq=False)
class Calibration:
    """The calibration of a model's risks in one population (everyone, or one subgroup).

    Ideal values: ``calibration_in_the_large`` 0, ``observed_expected_ratio`` 1,
    ``intercept`` 0, ``slope`` 1, ``ece`` 0. A slope below 1 means the risks are too extreme
    (overfitting); a negative intercept means the model over-predicts on average.
    ``bins`` holds the binned reliability curve; ``smooth_x``/``smooth_y`` the smoothed one.
    Values that cannot be estimated (e.g. a subgroup without events) are NaN.
    """

    attribute: str | None
    value: str | None
    n: int
    events: int
    mean_predicted: float
    calibration_in_the_large: float
    calibration_in_the_large_ci: Interval
    observed_expected_ratio: float
    observed_expected_ratio_ci: Interval
    intercept: float
    intercept_ci: Interval
    slope: float
    slope_ci: Interval
    recalibration_intercept: float
    recalibration_intercept_ci: Interval
    ece: float
    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_bin_variance: float
    within_bin_covariance: float
    bins: dict[str, FloatArray]
    smooth_x: FloatArray
    smooth_y: FloatArray

    @property
    def observed_rate(self) -> float:
        """Share of patients with the event."""
        return self.events / self.n if self.n else float("nan")

    def summary(self) -> dict[str, Any]:
        """The numbers without the curves, JSON-ready (NaN becomes null)."""
        out: dict[str, Any] = {
            "attribute": self.attribute,
            "value": self.value,
            "n": self.n,
            "events": self.events,
            "observed_rate": as_number(self.observed_rate),
        }
        for name in (
            "mean_predicted",
            "calibration_in_the_large",
            "observed_expected_ratio",
            "intercept",
            "slope",
            "recalibration_intercept",
        ):
            out[name] = as_number(getattr(self, name))
            if name != "mean_predicted":
                out[f"{name}_ci"] = [as_number(v) for v in getattr(self, f"{name}_ci")]
        for name in (
            "ece",
            "brier",
            "reliability",
            "resolution",
            "uncertainty",
            "within_bin_variance",
            "within_bin_covariance",
        ):
            out[name] = as_number(getattr(self, name))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The numbers and both reliability curves, JSON-ready."""
        return {
            **self.summary(),
            "bins": {k: as_list(v) for k, v in self.bins.items()},
            "smooth": {"predicted": as_list(self.smooth_x), "observed": as_list(self.smooth_y)},
        }


@dataclass(frozen=True, eq=False)
class CalibrationReport:
    """Calibration of one model's risks, overall and in each one-way subgroup."""

    score: str
    n_bins: int
    ci: float
    overall: Calibration
    subgroups: tuple[Calibration, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: settings, the overall calibration and each subgroup's."""
        return {
            "score": self.score,
            "n_bins": self.n_bins,
            "binning": "equal-width bins of [0, 1]",
            "ci": self.ci,
            "overall": self.overall.to_dict(),
            "subgroups": [s.to_dict() for s in self.subgroups],
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per population with every number (no curves)."""
        rows = [self._flat(c) for c in (self.overall, *self.subgroups)]
        return pl.DataFrame(rows, schema_overrides={"attribute": pl.String, "value": pl.String})

    @staticmethod
    def _flat(c: Calibration) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in c.summary().items():
            if isinstance(value, list):
                out[f"{key.removesuffix('_ci')}_lo"], out[f"{key.removesuffix('_ci')}_hi"] = value
            else:
                out[key] = value
        return out

    def to_svg(self, *, attribute: str | None = None) -> str:
        """The reliability curves as SVG: overall, or each subgroup of ``attribute``."""
        return calibration_svg(self, attribute=attribute)


def calibration(
    frame: Any,
    /,
    *,
    label: str,
    score: str,
    groups: Sequence[str] | None = None,
    n_bins: int = 10,
    ci: float = 0.95,
) -> CalibrationReport:
    """How well the predicted risks in column ``score`` match the 0/1 outcomes in ``label``.

    ``groups`` names attribute columns whose values each get their own calibration;
    ``n_bins`` equal-width bins of [0, 1] serve the ECE, the Brier decomposition and the binned
    curve; ``ci`` is the level of every interval.
    """
    attributes = check_options(groups, 0, ci)
    if n_bins < 1:
        raise InputError(f"n_bins must be at least 1, not {n_bins}", hint="e.g. n_bins=10")
    table = summarize(frame, label=label, scores={score: score}, groups=attributes)
    if table.events in (0, table.n):
        raise InputError(
            f"label column {label!r} holds only {'0' if table.events == 0 else '1'}s",
            hint="calibration needs patients with and without the event",
        )
    return calibration_from_counts(table, n_bins=n_bins, ci=ci)


def calibration_from_counts(table: CountTable, /, *, n_bins: int, ci: float) -> CalibrationReport:
    """The estimate step of :func:`calibration`, on a count summary of one score."""
    z = normal_quantile(ci)
    overall = _population(table, n_bins, z, None, None)
    parts = tuple(_population(table.subset(m), n_bins, z, a, v) for a, v, m in table.subgroups())
    return CalibrationReport(score=table.models[0], n_bins=n_bins, ci=ci, overall=overall, subgroups=parts)


def _by_score(table: CountTable) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Distinct scores with their row and event counts."""
    scores, inverse = np.unique(table.scores[:, 0], return_inverse=True)
    inverse = inverse.reshape(-1)
    n = np.bincount(inverse, weights=table.count, minlength=scores.size).astype(np.float64)
    events = np.bincount(inverse, weights=table.count * table.label, minlength=scores.size).astype(np.float64)
    return scores.astype(np.float64), n, events


def fit_recalibration(
    x: FloatArray, n: FloatArray, events: FloatArray, *, offset: bool
) -> tuple[FloatArray, FloatArray, bool]:
    """Maximum-likelihood logistic fit of grouped binomial data on ``x`` = logit(p).

    With ``offset``, ``logit P = a + x`` (one parameter); otherwise ``logit P = a + b x``.
    Newton's method with step halving; returns (parameters, covariance, converged).
    """
    design = np.ones((x.size, 1)) if offset else np.column_stack([np.ones(x.size), x])
    shift = x if offset else np.zeros(x.size)
    beta = np.zeros(1) if offset else np.array([0.0, 1.0])

    def loglik(b: FloatArray) -> float:
        eta = design @ b + shift
        return float(np.sum(events * eta - n * np.logaddexp(0.0, eta)))

    current = loglik(beta)
    converged = False
    info = np.eye(design.shape[1])
    for _ in range(200):
        eta = design @ beta + shift
        prob = _expit(eta)
        gradient = design.T @ (events - n * prob)
        info = (design * (n * prob * (1 - prob))[:, None]).T @ design
        try:
            step = np.linalg.solve(info, gradient)
        except np.linalg.LinAlgError:
            break
        scale = 1.0
        while scale > 1e-10:
            candidate = beta + scale * step
            value = loglik(candidate)
            if value >= current - 1e-12 * abs(current):
                break
            scale /= 2
        beta, current = beta + scale * step, loglik(beta + scale * step)
        if np.max(np.abs(scale * step)) < 1e-13 * max(1.0, float(np.max(np.abs(beta)))):
            converged = True
            break
    eta = design @ beta + shift
    prob = _expit(eta)
    info = (design * (n * prob * (1 - prob))[:, None]).T @ design
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        cov = np.full(info.shape, np.nan)
    if not converged or not np.all(np.isfinite(beta)):
        return np.full(beta.shape, np.nan), np.full(info.shape, np.nan), False
    return np.asarray(beta, dtype=np.float64), np.asarray(cov, dtype=np.float64), True


def _population(
    table: CountTable, n_bins: int, z: float, attribute: str | None, value: str | None
) -> Calibration:
    p, n, events = _by_score(table)
    total, observed = float(n.sum()), float(events.sum())
    rate = observed / total
    expected = float(np.sum(n * p))
    mean_p = expected / total
    x = np.log(np.clip(p, CLIP, 1 - CLIP)) - np.log1p(-np.clip(p, CLIP, 1 - CLIP))
    nan2 = (float("nan"), float("nan"))
    citl = rate - mean_p
    se = np.sqrt(rate * (1 - rate) / total)
    citl_ci = (citl - z * se, citl + z * se)
    if observed > 0 and expected > 0:
        oe = observed / expected
        se_log = np.sqrt((1 - rate) / observed) if observed < total else 0.0
        oe_ci = (float(oe * np.exp(-z * se_log)), float(oe * np.exp(z * se_log)))
    else:
        oe, oe_ci = float("nan"), nan2
    a, intercept_ci = float("nan"), nan2
    ra, slope, ra_ci, slope_ci = float("nan"), float("nan"), nan2, nan2
    if 0 < observed < total:
        beta, cov, ok = fit_recalibration(x, n, events, offset=True)
        if ok:
            a, intercept_ci = float(beta[0]), _wald(float(beta[0]), cov[0, 0], z)
        if np.unique(x).size >= 2:
            beta, cov, ok = fit_recalibration(x, n, events, offset=False)
            if ok:
                ra, slope = float(beta[0]), float(beta[1])
                ra_ci, slope_ci = _wald(ra, cov[0, 0], z), _wald(slope, cov[1, 1], z)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges[1:-1], p, side="right"), 0, n_bins - 1)
    nb = np.bincount(which, weights=n, minlength=n_bins)
    eb = np.bincount(which, weights=events, minlength=n_bins)
    sp = np.bincount(which, weights=n * p, minlength=n_bins)
    with np.errstate(divide="ignore", invalid="ignore"):
        pbar, obar = sp / nb, eb / nb
    used = nb > 0
    brier = float(np.sum(events * (1 - p) ** 2 + (n - events) * p**2) / total)
    reliability = float(np.sum(nb[used] * (pbar[used] - obar[used]) ** 2) / total)
    resolution = float(np.sum(nb[used] * (obar[used] - rate) ** 2) / total)
    within_var = float(np.sum(n * (p - pbar[which]) ** 2) / total)
    within_cov = float(np.sum((p - pbar[which]) * (events - n * obar[which])) / total)
    ece = float(np.sum(nb[used] * np.abs(pbar[used] - obar[used])) / total)
    lo, hi = _wilson(eb, nb, z)
    bins = {
        "lower": edges[:-1],
        "upper": edges[1:],
        "n": nb,
        "mean_predicted": np.where(used, pbar, np.nan),
        "observed": np.where(used, obar, np.nan),
        "observed_lo": lo,
        "observed_hi": hi,
    }
    smooth_x, smooth_y = _smooth(p, n, events)
    return Calibration(
        attribute=attribute,
        value=value,
        n=int(total),
        events=int(observed),
        mean_predicted=mean_p,
        calibration_in_the_large=citl,
        calibration_in_the_large_ci=(float(citl_ci[0]), float(citl_ci[1])),
        observed_expected_ratio=oe,
        observed_expected_ratio_ci=oe_ci,
        intercept=float(a),
        intercept_ci=intercept_ci,
        slope=float(slope),
        slope_ci=slope_ci,
        recalibration_intercept=float(ra),
        recalibration_intercept_ci=ra_ci,
        ece=ece,
        brier=brier,
        reliability=reliability,
        resolution=resolution,
        uncertainty=rate * (1 - rate),
        within_bin_variance=within_var,
        within_bin_covariance=within_cov,
        bins=bins,
        smooth_x=smooth_x,
        smooth_y=smooth_y,
    )


def normal_quantile(ci: float) -> float:
    """The standard normal quantile of a two-sided interval at level ``ci`` (1.96 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + ci / 2)


def _expit(eta: FloatArray) -> FloatArray:
    """The logistic function, without overflow for large ``|eta|``."""
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * eta)), dtype=np.float64)


def _wald(estimate: float, variance: float, z: float) -> Interval:
    se = float(np.sqrt(variance)) if variance >= 0 else float("nan")
    return (float(estimate - z * se), float(estimate + z * se))


def _wilson(events: Any, n: Any, z: float) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for events / n (NaN where n is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        prop = events / n
        denom = 1 + z**2 / n
        centre = (prop + z**2 / (2 * n)) / denom
        half = z * np.sqrt(prop * (1 - prop) / n + z**2 / (4 * n**2)) / denom
    lower = np.where(events == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper = np.where(events == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return np.where(n > 0, lower, np.nan), np.where(n > 0, upper, np.nan)


def _smooth(p: FloatArray, n: FloatArray, events: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Local linear regression of the outcome on the score (tricube kernel, span 2/3).

    The distinct scores are first pooled into 1,000 equal-width bins (at their mean score),
    so the cost does not grow with the number of patients; the curve is evaluated at 50
    points between the lowest and highest score.
    """
    which = np.clip((p * SMOOTH_BINS).astype(np.int64), 0, SMOOTH_BINS - 1)
    nb = np.bincount(which, weights=n, minlength=SMOOTH_BINS)
    keep = nb > 0
    xb = np.bincount(which, weights=n * p, minlength=SMOOTH_BINS)[keep] / nb[keep]
    yb = np.bincount(which, weights=events, minlength=SMOOTH_BINS)[keep] / nb[keep]
    wb = nb[keep]
    grid = np.linspace(float(p.min()), float(p.max()), SMOOTH_POINTS)
    if xb.size < 3:
        return grid, np.full(grid.size, np.nan)
    target = SPAN * wb.sum()
    fitted = np.empty(grid.size)
    for i, x0 in enumerate(grid):
        distance = np.abs(xb - x0)
        order = np.argsort(distance)
        reach = np.searchsorted(np.cumsum(wb[order]), target)
        h = max(float(distance[order[min(reach, order.size - 1)]]), 1e-9) * 1.000001
        kernel = wb * np.clip(1 - (distance / h) ** 3, 0, None) ** 3
        sw, sx = kernel.sum(), np.sum(kernel * xb)
        mean_x = sx / sw
        sxx = np.sum(kernel * (xb - mean_x) ** 2)
        mean_y = np.sum(kernel * yb) / sw
        slope = np.sum(kernel * (xb - mean_x) * (yb - mean_y)) / sxx if sxx > 0 else 0.0
        fitted[i] = mean_y + slope * (x0 - mean_x)
    return grid, np.clip(fitted, 0.0, 1.0)


def calibration_svg(report: CalibrationReport, *, attribute: str | None = None) -> str:
    """Observed against predicted risk: binned points with intervals, and smoothed curves."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(5.2, 5.0))
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=1, label="ideal")
        populations = (
            [report.overall]
            if attribute is None
            else [s for s in report.subgroups if s.attribute == attribute]
        )
        for pop in populations:
            name = "everyone" if pop.attribute is None else f"{pop.attribute} = {pop.value}"
            (line,) = ax.plot(pop.smooth_x, pop.smooth_y, linewidth=1.6, label=f"{name} (smoothed)")
            bins = pop.bins
            used = bins["n"] > 0
            x, y = bins["mean_predicted"][used], bins["observed"][used]
            err = np.vstack([y - bins["observed_lo"][used], bins["observed_hi"][used] - y])
            ax.errorbar(x, y, yerr=err, fmt="o", markersize=3, color=line.get_color(), linewidth=0.8)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("predicted risk")
        ax.set_ylabel("observed event rate")
        ax.set_title(f"Calibration of {report.score} ({report.n_bins} equal-width bins)")
        ax.legend(frameon=False, loc="upper left")
        ax.grid(alpha=0.3)
        fig.tight_layout()
    return render_svg(fig)
