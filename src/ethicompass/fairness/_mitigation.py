"""``fairness.group_thresholds``: group-specific thresholds that equalise one rate, with the trade-off.

Works on a :class:`Summary` (the score keys are the candidate thresholds: exact scores, or the
histogram's bin edges), so it needs no rows. For each group of one attribute it picks the
threshold whose rate (TPR, FPR or selection rate) is closest to the target (default: the whole
population's rate at the current threshold), and reports every group's TPR, FPR, selection rate
and accuracy before and after, and the overall accuracy before and after: the price of parity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ethicompass.errors import InputError
from ethicompass.fairness._summary import Summary

__all__ = ["ThresholdPlan", "group_thresholds"]

_RATES = ("tpr", "fpr", "selection_rate")


@dataclass(frozen=True)
class ThresholdPlan:
    """Per-group thresholds and each group's rates before and after (``rows``), and overall accuracy."""

    attribute: str
    metric: str
    target: float
    rows: tuple[dict[str, Any], ...]
    accuracy_before: float
    accuracy_after: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plan."""
        return {
            "attribute": self.attribute,
            "metric": self.metric,
            "target": self.target,
            "groups": list(self.rows),
            "accuracy_before": self.accuracy_before,
            "accuracy_after": self.accuracy_after,
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per group."""
        return pl.DataFrame(list(self.rows))


def _rates(tp: np.ndarray, fp: np.ndarray, pos: float, neg: float) -> dict[str, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "tpr": tp / pos if pos else np.full_like(tp, np.nan),
            "fpr": fp / neg if neg else np.full_like(fp, np.nan),
            "selection_rate": (tp + fp) / (pos + neg),
            "accuracy": (tp + neg - fp) / (pos + neg),
        }


def group_thresholds(
    summary: Summary, /, *, attribute: str, metric: str = "tpr", target: float | None = None
) -> ThresholdPlan:
    """Thresholds per group of ``attribute`` that bring ``metric`` (tpr, fpr or selection_rate)
    closest to ``target`` (default: the whole population's rate at the summary's threshold)."""
    if metric not in _RATES:
        raise InputError(f"metric {metric!r} cannot be equalised", hint=f"use one of {', '.join(_RATES)}")
    if attribute not in summary.groups:
        raise InputError(
            f"attribute {attribute!r} is not among the summary's groups",
            hint=f"use one of {', '.join(summary.groups)}",
        )
    if not summary.has_score:
        raise InputError("group thresholds need a score column", hint="summarise with score=")
    counts = summary.counts
    before = counts.group_by(attribute, "_label", "_pred").agg(pl.col("_n").sum())
    total = before.with_columns(
        tp=(pl.col("_label") * pl.col("_pred") * pl.col("_n")),
        fp=((1 - pl.col("_label")) * pl.col("_pred") * pl.col("_n")),
        pos=(pl.col("_label") * pl.col("_n")),
        neg=((1 - pl.col("_label")) * pl.col("_n")),
    )
    overall = total.select(pl.col("tp", "fp", "pos", "neg").sum()).row(0)
    overall_rates = _rates(
        np.array([float(overall[0])]), np.array([float(overall[1])]), *map(float, overall[2:])
    )
    base = {k: float(v[0]) for k, v in overall_rates.items()}
    goal = base[metric] if target is None else float(target)
    hist = (
        counts.group_by(attribute, "_score")
        .agg(
            (pl.col("_n") * pl.col("_label")).sum().alias("pos"),
            (pl.col("_n") * (1 - pl.col("_label"))).sum().alias("neg"),
        )
        .sort(attribute, "_score", descending=[False, True], nulls_last=True)
    )
    rows: list[dict[str, Any]] = []
    correct_after = 0.0
    grand = float(sum(overall[2:]))
    for value, part in hist.group_by(attribute, maintain_order=True):
        keys = part["_score"].to_numpy()
        tp = np.cumsum(part["pos"].to_numpy()).astype(float)
        fp = np.cumsum(part["neg"].to_numpy()).astype(float)
        pos, neg = float(tp[-1]), float(fp[-1])
        after = _rates(tp, fp, pos, neg)
        k = int(np.nanargmin(np.abs(after[metric] - goal))) if np.isfinite(after[metric]).any() else 0
        g = total.filter(
            pl.col(attribute).eq(value[0]) if value[0] is not None else pl.col(attribute).is_null()
        )
        now = _rates(np.array([float(g["tp"].sum())]), np.array([float(g["fp"].sum())]), pos, neg)
        correct_after += float(after["accuracy"][k]) * (pos + neg)
        rows.append(
            {
                "group": {attribute: value[0]},
                "n": int(pos + neg),
                "threshold": float(keys[k]),
                **{f"{m}_before": _clean(now[m][0]) for m in (*_RATES, "accuracy")},
                **{f"{m}_after": _clean(after[m][k]) for m in (*_RATES, "accuracy")},
            }
        )
    return ThresholdPlan(attribute, metric, goal, tuple(rows), base["accuracy"], correct_after / grand)


def _clean(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)
