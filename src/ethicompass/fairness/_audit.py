"""``fairness.audit``: subgroup and intersectional performance with intervals, from counts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from ethicompass.errors import InputError
from ethicompass.fairness._bootstrap import percentile_interval, resample_cells
from ethicompass.fairness._disparity import (
    FLAG_METRICS,
    HIGHER_IS_BETTER,
    between_groups,
    boot_intervals,
    disparity,
    finding,
    flag_test,
    harmful,
    heterogeneity,
    holm,
    holm_intervals,
    newcombe_intervals,
)
from ethicompass.fairness._metrics import (
    CONFUSION_METRICS,
    METRIC_KEYS,
    PROPORTIONS,
    auroc_from_histograms,
    confusion_metrics,
    error_moments,
    wilson,
)
from ethicompass.fairness._report import (
    Disparity,
    Estimate,
    FairnessReport,
    Finding,
    GroupResult,
    Heterogeneity,
)
from ethicompass.fairness._summary import Summary, summarize

__all__ = ["DISPARITY_METRICS", "FLAG_METRICS", "HIGHER_IS_BETTER", "audit", "audit_summary"]

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Metrics compared against the reference group: every metric but the group's size and prevalence.
DISPARITY_METRICS = tuple(m for m in METRIC_KEYS if m not in ("n", "prevalence"))
_SCORE_METRICS = ("auroc", "brier", "calibration_in_the_large")
_MAX_HIST_CELLS = 50_000_000


@dataclass(frozen=True)
class _Unit:
    scope: tuple[str, ...]  # () for the whole population
    group: dict[str, Any]
    mask: np.ndarray


def audit(
    frame: Any,
    /,
    *,
    label: str,
    score: str | None = None,
    prediction: str | None = None,
    groups: list[str] | tuple[str, ...],
    threshold: float = 0.5,
    intersections: bool = True,
    n_boot: int = 1000,
    ci: float = 0.95,
    reference: str = "largest",
    min_group_size: int = 30,
    margin: float = 0.05,
    seed: int = 0,
    bins: int = 1_000,
) -> FairnessReport:
    """Audit a model's performance per group and per intersection of the sensitive ``groups``.

    One group-by summarises ``frame`` (see :func:`summarize`); everything else runs on the
    counts. Every metric has an interval at level ``ci``; disparities are taken against the
    ``reference`` group (``"largest"`` per attribute, or ``"overall"``: the whole population).
    A disparity in TPR, FPR, AUROC or balanced accuracy is flagged when both groups have at least
    ``min_group_size`` rows, it is at least ``margin`` on the harmful side, and its two-sided
    p-value (Agresti-Caffo for rates, DeLong for AUROC), Holm-adjusted over all the
    flaggable comparisons of the attribute (or of the intersections), is below ``1 - ci``. Groups below ``min_group_size`` are reported as too small to judge.

    Parameters
    ----------
    frame : DataFrame
        Any narwhals-compatible frame (Polars, pandas, PyArrow, ...), one row per patient.
    label : str
        The 0/1 outcome column.
    score, prediction : str, optional
        A probability column, a 0/1 decision column, or both (at least one).
    groups : list of str
        The sensitive attributes.
    threshold : float
        The decision threshold on ``score`` when no ``prediction`` is given.
    intersections, n_boot, ci, reference, min_group_size, margin, seed, bins
        See above; ``n_boot=0`` gives no bootstrap intervals.

    Returns
    -------
    FairnessReport
        Per group every metric with its interval, disparities and flagged findings.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame({"sex": ["F", "M"] * 50, "y": [1, 1, 0, 0] * 25, "p": [0.9, 0.4, 0.2, 0.1] * 25})
    >>> report = audit(frame, label="y", score="p", groups=["sex"], n_boot=0)
    >>> report.to_frame().filter(pl.col("metric") == "tpr").select("group", "value").rows()
    [('all', 0.5), ('sex=F', 1.0), ('sex=M', 0.0)]
    """
    _check_options(threshold=threshold, n_boot=n_boot, ci=ci, reference=reference, bins=bins)
    summary = summarize(
        frame,
        label=label,
        groups=groups,
        score=score,
        prediction=prediction,
        threshold=threshold,
        bins=bins,
    )
    return audit_summary(
        summary,
        intersections=intersections,
        n_boot=n_boot,
        ci=ci,
        reference=reference,
        min_group_size=min_group_size,
        margin=margin,
        seed=seed,
    )


def _check_options(*, threshold: float, n_boot: int, ci: float, reference: str, bins: int) -> None:
    if not 0 <= threshold <= 1:
        raise InputError(f"threshold {threshold} is outside [0, 1]", hint="pass a probability threshold")
    if n_boot < 0:
        raise InputError(f"n_boot {n_boot} is negative", hint="pass 0 (no bootstrap) or more, e.g. 1000")
    if not 0 < ci < 1:
        raise InputError(f"ci {ci} is not a level between 0 and 1", hint="pass e.g. 0.95")
    if reference not in ("largest", "overall"):
        raise InputError(f"reference {reference!r} is unknown", hint="use 'largest' or 'overall'")
    if bins < 2:
        raise InputError(f"bins {bins} is too few", hint="use e.g. 1000")


def audit_summary(
    summary: Summary,
    /,
    *,
    intersections: bool = True,
    n_boot: int = 1000,
    ci: float = 0.95,
    reference: str = "largest",
    min_group_size: int = 30,
    margin: float = 0.05,
    seed: int = 0,
) -> FairnessReport:
    """:func:`audit` on a :class:`Summary` (e.g. the sum of several sites' summaries).

    Parameters
    ----------
    summary : Summary
        Counts from :func:`summarize`, possibly added up over partitions or sites.
    intersections, n_boot, ci, reference, min_group_size, margin, seed
        As for :func:`audit`.

    Returns
    -------
    FairnessReport
        The same report :func:`audit` gives on the rows the summary counts.

    Examples
    --------
    >>> import polars as pl
    >>> from ethicompass.fairness import summarize
    >>> site = pl.DataFrame({"sex": ["F", "M"] * 50, "y": [1, 1, 0, 0] * 25, "p": [0.9, 0.4, 0.2, 0.1] * 25})
    >>> a = summarize(site, label="y", score="p", groups=["sex"])
    >>> report = audit_summary(a + a, n_boot=0)  # two sites with the same rows
    >>> report.to_frame().filter(pl.col("metric") == "tpr").select("group", "n").rows()
    [('all', 200), ('sex=F', 100), ('sex=M', 100)]
    """
    _check_options(threshold=summary.threshold or 0.5, n_boot=n_boot, ci=ci, reference=reference, bins=2)
    groups = summary.groups
    counts = summary.counts
    if counts.height == 0 or not counts["_n"].sum():
        raise InputError(
            "the summary counts no rows, so there is nothing to audit",
            hint="check the label and group columns hold data (a site file may have suppressed every cell)",
        )
    fine_keys, i = _fine_index(counts, groups)
    n_fine = fine_keys.height
    if summary.has_score and summary.bin_width is None:
        distinct = counts["_score"].n_unique()
        if distinct * n_fine > _MAX_HIST_CELLS:
            summary = summary.rebinned(max(100, _MAX_HIST_CELLS // n_fine))
            counts = summary.counts
            fine_keys, i = _fine_index(counts, groups)
    lab = counts["_label"].to_numpy().astype(np.int64)
    pred = counts["_pred"].to_numpy().astype(np.int64)
    n = counts["_n"].to_numpy().astype(np.float64)
    cell = (1 - pred) * 2 + (1 - lab)  # tp, fp, fn, tn
    cells_fine = np.bincount(i * 4 + cell, weights=n, minlength=n_fine * 4).reshape(n_fine, 4)
    sums_fine = np.stack(
        [
            np.bincount(i, weights=counts[c].to_numpy(), minlength=n_fine)
            for c in ("_sum_e", "_sum_e2", "_sum_e4")
        ],
        axis=1,
    )
    units = _units(fine_keys, groups, intersections=intersections)
    agg = np.stack([u.mask for u in units]).astype(np.float64)  # (U, I)
    cells = agg @ cells_fine
    sums = agg @ sums_fine
    sizes = cells.sum(1)
    score_stats: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if summary.has_score:
        keys, key_idx = np.unique(counts["_score"].to_numpy(), return_inverse=True)
        size = n_fine * len(keys)
        pos = np.bincount(i * len(keys) + key_idx, weights=n * lab, minlength=size).reshape(n_fine, -1)
        neg = np.bincount(i * len(keys) + key_idx, weights=n * (1 - lab), minlength=size).reshape(n_fine, -1)
        score_stats["auroc"] = auroc_from_histograms(agg @ pos, agg @ neg)
        score_stats.update(error_moments(sizes, sums[:, 0], sums[:, 1], sums[:, 2]))
    reps: dict[str, np.ndarray] | None = None
    if n_boot:
        rng = np.random.default_rng(seed)
        rep_cells = np.matmul(agg, resample_cells(cells_fine, n_boot=n_boot, rng=rng))
        reps = confusion_metrics(rep_cells)
    return assemble(
        units,
        cells,
        score_stats,
        reps,
        summary=summary,
        intersections=intersections,
        ci=ci,
        reference=reference,
        min_group_size=min_group_size,
        margin=margin,
        seed=seed,
        n_boot=n_boot,
    )


def assemble(
    units: list[_Unit],
    cells: np.ndarray,
    score_stats: dict[str, tuple[np.ndarray, np.ndarray]],
    reps: dict[str, np.ndarray] | None,
    *,
    summary: Summary,
    intersections: bool,
    ci: float,
    reference: str,
    min_group_size: int,
    margin: float,
    seed: int,
    n_boot: int,
    unscored: frozenset[tuple[str, ...]] = frozenset(),
    groups: tuple[str, ...] | None = None,
) -> FairnessReport:
    """The report from each unit's confusion cells, score statistics and bootstrap replicates.

    ``unscored``: scopes whose units have no score histogram (their AUROC is not estimated);
    ``groups``: the attributes (default: the summary's)."""
    groups = summary.groups if groups is None else groups
    sizes = cells.sum(1)
    point = confusion_metrics(cells)
    z = float(stats.norm.ppf(0.5 + ci / 2))
    estimates = _estimates(cells, point, score_stats, reps, ci=ci, z=z, has_score=summary.has_score)
    for j, u in enumerate(units):
        if u.scope in unscored:
            estimates["auroc"][j] = Estimate(None, None, "not estimated: these counts carry no score")
    results = [
        GroupResult(
            group=u.group,
            n=int(sizes[j]),
            metrics={m: estimates[m][j] for m in METRIC_KEYS},
            too_small=bool(u.scope and sizes[j] < min_group_size),
        )
        for j, u in enumerate(units)
    ]
    scopes = [s for s in _scopes(groups, intersections=intersections) if any(u.scope == s for u in units)]
    disparities: list[Disparity] = []
    findings: list[Finding] = []
    tests: list[Heterogeneity] = []
    ref_of = np.zeros(len(units), dtype=np.int64)
    for scope in scopes:
        members = [j for j, u in enumerate(units) if u.scope == scope]
        ref_of[members] = 0 if reference == "overall" else max(members, key=lambda j: (sizes[j], -j))
    boot = boot_intervals(reps, ref_of, level=ci) if reps is not None else None
    newcombe = newcombe_intervals(cells, ref_of, level=ci)
    for scope in scopes:
        members = [j for j, u in enumerate(units) if u.scope == scope]
        ref = int(ref_of[members[0]])
        pending: list[tuple[int, str, Estimate, Estimate | None, float | None]] = []
        for j in members:
            if j == ref:
                continue
            for metric in DISPARITY_METRICS:
                if metric in _SCORE_METRICS and not summary.has_score:
                    continue
                if metric == "auroc" and scope in unscored:
                    continue
                diff, ratio = disparity(metric, j, ref, cells, point, score_stats, boot, newcombe, ci=ci, z=z)
                p_value = flag_test(metric, j, ref, cells, score_stats) if metric in FLAG_METRICS else None
                pending.append((j, metric, diff, ratio, p_value))
        raw = {k: p for k, (*_, p) in enumerate(pending) if p is not None and pending[k][2].value is not None}
        adjusted = holm(raw)
        pairs = {k: (pending[k][1], pending[k][0], ref) for k in raw}
        holm_ci = holm_intervals(raw, pairs, cells, score_stats, reps, ci=ci)
        for k, (j, metric, diff, ratio, _p) in enumerate(pending):
            flagged = bool(
                k in adjusted
                and adjusted[k] < 1 - ci
                and harmful(metric, diff, margin)
                and min(sizes[j], sizes[ref]) >= min_group_size
            )
            disparities.append(
                Disparity(
                    scope,
                    metric,
                    diff,
                    ratio,
                    units[j].group,
                    units[ref].group,
                    flagged,
                    raw.get(k),
                    adjusted.get(k),
                    holm_ci.get(k),
                )
            )
            if flagged:
                findings.append(
                    finding(metric, units[j].group, units[ref].group, j, ref, point, score_stats, diff, ci)
                )
        disparities.extend(between_groups(scope, members, point, reps, ci=ci))
        tests.extend(heterogeneity(scope, members, cells))
    return FairnessReport(
        attributes=groups,
        label=summary.label,
        score=summary.score,
        prediction=summary.prediction,
        threshold=summary.threshold,
        ci=ci,
        n_boot=n_boot,
        reference=reference,
        min_group_size=min_group_size,
        margin=margin,
        seed=seed,
        resolution=summary.resolution,
        overall=results[0],
        groups=tuple(r for r, u in zip(results, units, strict=True) if len(u.scope) == 1),
        intersections=tuple(r for r, u in zip(results, units, strict=True) if len(u.scope) > 1),
        disparities=tuple(disparities),
        heterogeneity=tuple(tests),
        findings=tuple(findings),
        summary=summary,
    )


def _fine_index(counts: pl.DataFrame, groups: tuple[str, ...]) -> tuple[pl.DataFrame, np.ndarray]:
    """The distinct keys of the finest groups (sorted, missing values last) and each count row's
    index among them. A summary's counts come sorted by the groups, so runs of equal keys are the
    groups (checked: the runs' keys must be sorted and distinct); other tables take a join."""
    keyed = counts.select(groups)
    run = keyed.select(pl.struct(list(groups)).rle_id().alias("_i"))["_i"].to_numpy().astype(np.int64)
    keys = keyed[np.flatnonzero(np.diff(run, prepend=-1))]
    if keys.unique().height == keys.height and keys.equals(keys.sort(list(groups), nulls_last=True)):
        return keys, run
    fine_keys = keyed.unique().sort(list(groups), nulls_last=True)
    indexed = (
        keyed.with_row_index("_row")
        .join(fine_keys.with_row_index("_i"), on=list(groups), nulls_equal=True)
        .sort("_row")
    )
    return fine_keys, indexed["_i"].to_numpy().astype(np.int64)


def _scopes(groups: tuple[str, ...], *, intersections: bool) -> list[tuple[str, ...]]:
    scopes: list[tuple[str, ...]] = [(g,) for g in groups]
    if intersections and len(groups) > 1:
        scopes.append(groups)
    return scopes


def _units(fine_keys: pl.DataFrame, groups: tuple[str, ...], *, intersections: bool) -> list[_Unit]:
    units = [_Unit((), {}, np.ones(fine_keys.height, dtype=bool))]
    for g in groups:
        column = fine_keys[g]
        for value in column.unique().sort(nulls_last=True).to_list():
            mask = (column.is_null() if value is None else column.eq(value).fill_null(False)).to_numpy()
            units.append(_Unit((g,), {g: value}, mask))
    if intersections and len(groups) > 1:
        for row_index, row in enumerate(fine_keys.iter_rows(named=True)):
            mask = np.zeros(fine_keys.height, dtype=bool)
            mask[row_index] = True
            units.append(_Unit(groups, dict(row), mask))
    return units


def _reason(metric: str) -> str:
    return {
        "prevalence": "no rows",
        "selection_rate": "no rows",
        "accuracy": "no rows",
        "tpr": "no positive outcomes in this group",
        "fnr": "no positive outcomes in this group",
        "fpr": "no negative outcomes in this group",
        "tnr": "no negative outcomes in this group",
        "ppv": "no positive predictions in this group",
        "npv": "no negative predictions in this group",
        "balanced_accuracy": "needs both positive and negative outcomes in the group",
        "f1": "no positive outcomes and no positive predictions in this group",
        "auroc": "needs both positive and negative outcomes in the group",
        "brier": "no rows",
        "calibration_in_the_large": "no rows",
    }[metric]


def _estimates(
    cells: np.ndarray,
    point: dict[str, np.ndarray],
    score_stats: dict[str, tuple[np.ndarray, np.ndarray]],
    reps: dict[str, np.ndarray] | None,
    *,
    ci: float,
    z: float,
    has_score: bool,
) -> dict[str, list[Estimate]]:
    n_units = cells.shape[0]
    out: dict[str, list[Estimate]] = {
        "n": [Estimate(float(cells[j].sum()), None, "a count: no interval") for j in range(n_units)]
    }
    boot_reason = "no bootstrap (n_boot=0)" if reps is None else "undefined in too many bootstrap replicates"
    for metric in CONFUSION_METRICS:
        if metric in PROPORTIONS:
            num, den = PROPORTIONS[metric]
            lo, hi = wilson(cells[:, list(num)].sum(1), cells[:, list(den)].sum(1), level=ci)
        elif reps is not None:
            lo, hi = percentile_interval(reps[metric], level=ci)
        else:
            lo = hi = np.full(n_units, np.nan)
        out[metric] = [
            Estimate.of(point[metric][j], lo[j], hi[j], reason=_reason(metric), ci_reason=boot_reason)
            for j in range(n_units)
        ]
    for metric in _SCORE_METRICS:
        if not has_score:
            out[metric] = [Estimate(None, None, "no score column given")] * n_units
            continue
        value, var = score_stats[metric]
        half = z * np.sqrt(var)
        lo, hi = value - half, value + half
        if metric != "calibration_in_the_large":
            lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
        out[metric] = [
            Estimate.of(
                value[j], lo[j], hi[j], reason=_reason(metric), ci_reason="too few rows for a variance"
            )
            for j in range(n_units)
        ]
    return out
