"""Drift of a deployed model: reference window against current window, judged by effect size.

Counts first: each column becomes a histogram per window (quantile bins of the reference for
numbers, categories for the rest); PSI, chi-square and Cramér's V come from the two count
vectors, so windows summarised on any engine compare the same way. Kolmogorov-Smirnov uses the
raw values where they are at hand.

The judgement accounts for sample size: a shift is ``drift`` only when its effect size passes
the threshold *and* it is statistically clear; a large effect that the sample cannot confirm is
``possible``; a significant but negligible one (large samples) stays ``stable``. PSI is
corrected for its expected value under no drift, ``(B - 1)(1/n_ref + 1/n_cur)`` (bins B), which
otherwise inflates it on small windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import stats

from ethicompass.errors import InputError
from ethicompass.frames import require_columns, to_polars

Judgement = Literal["stable", "possible", "drift"]
PSI_THRESHOLD = 0.10  # "moderate shift" (Siddiqi, Credit Risk Scorecards, 2006)
KS_THRESHOLD = 0.10
CRAMERS_V_THRESHOLD = 0.10  # "small" association (Cohen 1988)
P_THRESHOLD = 0.01


@dataclass(frozen=True)
class ColumnDrift:
    """How one column moved between the windows."""

    column: str
    kind: str
    n_reference: int
    n_current: int
    psi: float
    psi_expected_null: float
    ks_statistic: float | None
    ks_p_value: float | None
    chi2_p_value: float
    cramers_v: float
    judgement: Judgement
    reason: str
    group: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class PerformanceDrift:
    """Model performance in each window, when labels exist."""

    auroc_reference: float
    auroc_current: float
    brier_reference: float
    brier_current: float
    auroc_difference_ci: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return dict(self.__dict__) | {"auroc_difference_ci": list(self.auroc_difference_ci)}


@dataclass(frozen=True)
class DriftReport:
    """Every column's drift (overall and by subgroup) and the performance by window."""

    columns: tuple[ColumnDrift, ...]
    performance: PerformanceDrift | None
    #: identifier columns left out of the default comparison (every value distinct in each window)
    skipped: tuple[str, ...] = ()

    @property
    def drifted(self) -> tuple[ColumnDrift, ...]:
        """Columns (or subgroup columns) judged ``drift``."""
        return tuple(c for c in self.columns if c.judgement == "drift")

    def to_dict(self) -> dict[str, Any]:
        """``{"columns": [...], "performance": {...}, "drifted": [...]}``."""
        return {
            "columns": [c.to_dict() for c in self.columns],
            "performance": self.performance.to_dict() if self.performance else None,
            "drifted": [c.column if c.group is None else f"{c.column} ({c.group})" for c in self.drifted],
            "skipped_identifiers": list(self.skipped),
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per column (and subgroup)."""
        return pl.DataFrame([c.to_dict() for c in self.columns])


def _counts(ref: pl.Series, cur: pl.Series, bins: int) -> tuple[np.ndarray, np.ndarray, str]:
    if ref.dtype.is_numeric() and ref.n_unique() > bins:
        edges = np.unique(
            np.nanquantile(ref.drop_nulls().to_numpy().astype(float), np.linspace(0, 1, bins + 1)[1:-1])
        )
        r = np.bincount(
            np.searchsorted(edges, ref.drop_nulls().to_numpy(), side="right"), minlength=edges.size + 1
        )
        c = np.bincount(
            np.searchsorted(edges, cur.drop_nulls().to_numpy(), side="right"), minlength=edges.size + 1
        )
        return r.astype(float), c.astype(float), "numeric"
    levels = sorted(
        set(ref.cast(pl.Utf8).drop_nulls().to_list()) | set(cur.cast(pl.Utf8).drop_nulls().to_list())
    )
    pos = {v: i for i, v in enumerate(levels)}
    r_cat = np.zeros(len(levels))
    c_cat = np.zeros(len(levels))
    for v, n in ref.cast(pl.Utf8).drop_nulls().value_counts().iter_rows():
        r_cat[pos[v]] = n
    for v, n in cur.cast(pl.Utf8).drop_nulls().value_counts().iter_rows():
        c_cat[pos[v]] = n
    return r_cat, c_cat, "categorical"


def compare_counts(ref_counts: np.ndarray, cur_counts: np.ndarray) -> tuple[float, float, float, float]:
    """PSI, its expectation under no drift, chi-square p-value and Cramér's V from two histograms."""
    n_r, n_c = ref_counts.sum(), cur_counts.sum()
    eps = 0.5  # add-half smoothing keeps empty bins finite
    p = (ref_counts + eps) / (n_r + eps * ref_counts.size)
    q = (cur_counts + eps) / (n_c + eps * cur_counts.size)
    psi = float(np.sum((q - p) * np.log(q / p)))
    expected = (ref_counts.size - 1) * (1 / n_r + 1 / n_c)
    keep = (ref_counts + cur_counts) > 0
    table = np.vstack([ref_counts[keep], cur_counts[keep]])
    if table.shape[1] < 2:
        return psi, expected, 1.0, 0.0
    chi2, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    v = float(np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))))
    return psi, float(expected), float(p_value), v


def _judge(effect_big: bool, significant: bool) -> tuple[Judgement, str]:
    if effect_big and significant:
        return "drift", "effect size above threshold and statistically clear"
    if effect_big:
        return "possible", "effect size above threshold, but the sample cannot confirm it"
    if significant:
        return "stable", "statistically detectable but negligible in size"
    return "stable", "no meaningful shift"


def _column(
    ref: pl.Series, cur: pl.Series, name: str, bins: int, group: dict[str, Any] | None
) -> ColumnDrift:
    r, c, kind = _counts(ref, cur, bins)
    psi, expected, chi_p, v = compare_counts(r, c)
    ks = ks_p = None
    if kind == "numeric":
        res = stats.ks_2samp(ref.drop_nulls().to_numpy(), cur.drop_nulls().to_numpy())
        ks, ks_p = float(res.statistic), float(res.pvalue)
    psi_adj = psi - expected
    big = psi_adj >= PSI_THRESHOLD or (ks is not None and ks >= KS_THRESHOLD) or v >= CRAMERS_V_THRESHOLD
    significant = min(chi_p, ks_p if ks_p is not None else 1.0) < P_THRESHOLD
    judgement, reason = _judge(big, significant)
    return ColumnDrift(
        column=name,
        kind=kind,
        n_reference=int(r.sum()),
        n_current=int(c.sum()),
        psi=psi,
        psi_expected_null=expected,
        ks_statistic=ks,
        ks_p_value=ks_p,
        chi2_p_value=chi_p,
        cramers_v=v,
        judgement=judgement,
        reason=reason,
        group=group,
    )


def drift(
    reference: Any,
    current: Any,
    /,
    *,
    columns: Sequence[str] | None = None,
    score: str | None = None,
    label: str | None = None,
    groups: Sequence[str] = (),
    bins: int = 10,
    min_group_size: int = 50,
    n_boot: int = 200,
    seed: int = 0,
) -> DriftReport:
    """Compare a reference window with a current window of model inputs and scores.

    ``columns`` defaults to every column the two windows share (except ``label`` and identifier
    columns: text whose every value is distinct in each window, listed in ``skipped``); with ``score``
    and ``label`` the report adds AUROC and Brier per window; ``groups`` repeats the column
    comparison within each subgroup of at least ``min_group_size`` rows in both windows.
    """
    ref = to_polars(reference, name="the reference window")
    cur = to_polars(current, name="the current window")
    if ref.height == 0 or cur.height == 0:
        raise InputError("a window has no rows", hint="give both a reference and a current window with data")
    skipped: list[str] = []
    if columns:
        chosen = list(columns)
    else:
        shared = [c for c in ref.columns if c in cur.columns and c != label]
        skipped = [c for c in shared if _identifier(ref[c]) and _identifier(cur[c])]
        chosen = [c for c in shared if c not in skipped]
    require_columns(ref, chosen, source="the reference window")
    require_columns(cur, chosen, source="the current window")
    results = [_column(ref[c], cur[c], c, bins, None) for c in chosen]
    for g in groups:
        require_columns(ref, [g], source="the reference window")
        for value in sorted(set(ref[g].cast(pl.Utf8).to_list()) & set(cur[g].cast(pl.Utf8).to_list())):
            rs = ref.filter(pl.col(g).cast(pl.Utf8) == value)
            cs = cur.filter(pl.col(g).cast(pl.Utf8) == value)
            if rs.height < min_group_size or cs.height < min_group_size:
                continue
            results.extend(_column(rs[c], cs[c], c, bins, {g: value}) for c in chosen if c != g)
    performance = None
    if score is not None and label is not None:
        require_columns(ref, [score, label], source="the reference window")
        require_columns(cur, [score, label], source="the current window")
        performance = _performance(ref, cur, score, label, n_boot, seed)
    return DriftReport(columns=tuple(results), performance=performance, skipped=tuple(skipped))


def _identifier(column: pl.Series) -> bool:
    """Text whose every value is distinct: an identifier, with no distribution to compare."""
    return not column.dtype.is_numeric() and column.len() > 1 and column.n_unique() == column.len()


def _auroc(y: np.ndarray, s: np.ndarray) -> float:
    """AUROC by the rank-sum (Mann-Whitney) identity; ties count one half."""
    ranks = stats.rankdata(s)
    pos = y == 1
    n1 = int(pos.sum())
    n0 = y.size - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _performance(
    ref: pl.DataFrame, cur: pl.DataFrame, score: str, label: str, n_boot: int, seed: int
) -> PerformanceDrift:
    ry, rs = ref[label].to_numpy(), ref[score].to_numpy().astype(float)
    cy, cs = cur[label].to_numpy(), cur[score].to_numpy().astype(float)
    a_r, a_c = _auroc(ry, rs), _auroc(cy, cs)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        i = rng.integers(0, ry.size, ry.size)
        j = rng.integers(0, cy.size, cy.size)
        if ry[i].min() == ry[i].max() or cy[j].min() == cy[j].max():
            continue
        diffs.append(_auroc(cy[j], cs[j]) - _auroc(ry[i], rs[i]))
    lo, hi = np.quantile(diffs, [0.025, 0.975]) if diffs else (float("nan"), float("nan"))
    return PerformanceDrift(
        auroc_reference=a_r,
        auroc_current=a_c,
        brier_reference=float(np.mean((rs - ry) ** 2)),
        brier_current=float(np.mean((cs - cy) ** 2)),
        auroc_difference_ci=(float(lo), float(hi)),
    )
