"""SVG plots of a fairness report (matplotlib's SVG backend; text returned to inline in HTML).

``plot_metrics``: each metric by group with its interval; ``plot_roc`` and
``plot_calibration``: one curve per group, one panel per attribute, from the report's summary.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from ethicompass.errors import InputError
from ethicompass.fairness._report import FairnessReport, group_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_calibration", "plot_metrics", "plot_roc"]

_PLOT_BINS = 200


#: Chart titles: what a reader of the report calls each metric.
_TITLES = {
    "tpr": "Sensitivity (true-positive rate)",
    "fpr": "False-positive rate",
    "balanced_accuracy": "Balanced accuracy",
    "auroc": "Discrimination (AUROC)",
    "ppv": "Positive predictive value",
    "selection_rate": "Share flagged by the model",
}


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure  # imported on first plot: `import ethicompass.fairness` stays light

    return Figure(figsize=(width, height))


def _svg(fig: Figure) -> str:
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    buffer = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "ethicompass"}):  # text as text; stable ids
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def plot_metrics(
    report: FairnessReport,
    /,
    *,
    metrics: Sequence[str] = ("tpr", "fpr", "balanced_accuracy", "auroc"),
    intersections: bool = False,
) -> str:
    """One panel per metric: each group's value with its interval, the reference value dashed."""
    results = report.intersections if intersections else report.groups
    if not results:
        raise InputError("the report has no intersections", hint="audit with two or more groups")
    labels = [group_label(g.group) + (" (small)" if g.too_small else "") for g in results]
    fig = _figure(3.2 * len(metrics), 0.32 * len(results) + 1.4)
    axes = fig.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
    y = np.arange(len(results))
    for ax, metric in zip(axes, metrics, strict=True):
        for k, g in enumerate(results):
            e = g.metrics[metric]
            if e.value is None:
                continue
            colour = "#999999" if g.too_small else "#1f5f99"
            if e.ci:
                ax.errorbar(
                    e.value,
                    k,
                    xerr=[[e.value - e.ci[0]], [e.ci[1] - e.value]],
                    fmt="o",
                    color=colour,
                    capsize=2,
                    markersize=4,
                )
            else:
                ax.plot(e.value, k, "o", color=colour, markersize=4)
        overall = report.overall.metrics[metric].value
        if overall is not None:
            ax.axvline(overall, color="#aa3333", linestyle="--", linewidth=1)
        ax.set_title(_TITLES.get(metric, metric), fontsize=9)
        ax.set_xlabel("value (0 to 1)" if metric != "brier" else "Brier score", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, labels, fontsize=7)
    axes[0].invert_yaxis()
    fig.suptitle(f"{report.ci:.0%} intervals; dashed: whole population", fontsize=9)
    return _svg(fig)


def _marginal_counts(report: FairnessReport, attribute: str) -> pl.DataFrame:
    summary = report.summary
    if not summary.has_score:
        raise InputError("the audit had no score column", hint="audit with score= to plot ROC or calibration")
    counts = summary.counts.with_columns(
        ((pl.col("_score") * _PLOT_BINS).floor().clip(0, _PLOT_BINS - 1)).cast(pl.Int64).alias("_bin"),
        (pl.col("_sum_e") + pl.col("_label") * pl.col("_n")).alias("_sum_s"),
    )
    return (
        counts.group_by(attribute, "_bin")
        .agg(
            (pl.col("_n") * pl.col("_label")).sum().alias("pos"),
            (pl.col("_n") * (1 - pl.col("_label"))).sum().alias("neg"),
            pl.col("_sum_s").sum().alias("sum_s"),
        )
        .sort(attribute, "_bin", nulls_last=True)
    )


def plot_roc(report: FairnessReport, /) -> str:
    """ROC curves by group (scores binned to 1/200 for drawing), one panel per attribute."""
    attrs = report.attributes
    fig = _figure(3.6 * len(attrs), 3.6)
    axes = fig.subplots(1, len(attrs), squeeze=False)[0]
    for ax, attribute in zip(axes, attrs, strict=True):
        counts = _marginal_counts(report, attribute)
        for value, part in counts.group_by(attribute, maintain_order=True):
            pos = np.zeros(_PLOT_BINS)
            neg = np.zeros(_PLOT_BINS)
            pos[part["_bin"].to_numpy()] = part["pos"].to_numpy()
            neg[part["_bin"].to_numpy()] = part["neg"].to_numpy()
            if pos.sum() == 0 or neg.sum() == 0:
                continue
            tpr = np.concatenate([[0], np.cumsum(pos[::-1]) / pos.sum()])
            fpr = np.concatenate([[0], np.cumsum(neg[::-1]) / neg.sum()])
            ax.plot(fpr, tpr, linewidth=1.2, label=str(value[0]))
        ax.plot([0, 1], [0, 1], color="#999999", linestyle=":", linewidth=1)
        ax.set_title(attribute)
        ax.set_xlabel("false-positive rate")
        ax.set_ylabel("true-positive rate")
        ax.legend(fontsize=6, loc="lower right")
    return _svg(fig)


def plot_calibration(report: FairnessReport, /, *, bins: int = 10) -> str:
    """Observed outcome rate against mean score in ``bins`` equal-width bins, by group."""
    if _PLOT_BINS % bins:
        raise InputError(f"bins {bins} does not divide {_PLOT_BINS}", hint="use 5, 10, 20 or 40")
    attrs = report.attributes
    fig = _figure(3.6 * len(attrs), 3.6)
    axes = fig.subplots(1, len(attrs), squeeze=False)[0]
    for ax, attribute in zip(axes, attrs, strict=True):
        counts = _marginal_counts(report, attribute).with_columns(
            (pl.col("_bin") * bins // _PLOT_BINS).alias("_c")
        )
        coarse = (
            counts.group_by(attribute, "_c")
            .agg(pl.col("pos").sum(), pl.col("neg").sum(), pl.col("sum_s").sum())
            .sort(attribute, "_c", nulls_last=True)
        )
        for value, part in coarse.group_by(attribute, maintain_order=True):
            n = (part["pos"] + part["neg"]).to_numpy()
            keep = n > 0
            ax.plot(
                part["sum_s"].to_numpy()[keep] / n[keep],
                part["pos"].to_numpy()[keep] / n[keep],
                marker="o",
                markersize=3,
                linewidth=1,
                label=str(value[0]),
            )
        ax.plot([0, 1], [0, 1], color="#999999", linestyle=":", linewidth=1)
        ax.set_title(attribute)
        ax.set_xlabel("mean predicted risk")
        ax.set_ylabel("observed rate")
        ax.legend(fontsize=6, loc="upper left")
    return _svg(fig)
