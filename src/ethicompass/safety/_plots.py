"""SVG plots of decision curves and reliability curves, returned as text for inlining.

Matplotlib's object API with the SVG canvas (no pyplot, no global state). Text stays text
(``svg.fonttype = none``) and ids are salted with a fixed string, so the same result gives
the same bytes.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ethicompass.safety._benefit import DecisionCurve, NetBenefit
    from ethicompass.safety._calibration import CalibrationReport

logging.getLogger(__name__).addHandler(logging.NullHandler())

_RC: Any = {"svg.fonttype": "none", "svg.hashsalt": "ethicompass", "font.size": 9}


def _render(fig: object) -> str:
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        FigureCanvasSVG(fig).print_svg(buffer, metadata={"Date": None, "Creator": "ethicompass"})  # type: ignore[arg-type]
    return buffer.getvalue()


def decision_curve_svg(curve: DecisionCurve, population: NetBenefit) -> str:
    """Net benefit against threshold probability for each model and the two defaults."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(6.4, 4.2))
        ax = fig.add_subplot()
        t = curve.thresholds
        peak = max([population.prevalence, *(float(np.nanmax(v)) for v in population.net_benefit.values())])
        for model in curve.models:
            (line,) = ax.plot(t, population.net_benefit[model], label=model, linewidth=1.6)
            band = population.net_benefit_ci[model]
            if np.isfinite(band).any():
                ax.fill_between(t, band[:, 0], band[:, 1], color=line.get_color(), alpha=0.2, linewidth=0)
        ax.plot(t, population.treat_all, label="treat all", color="0.45", linewidth=1)
        ax.plot(t, np.zeros_like(t), label="treat none", color="black", linewidth=1, linestyle="--")
        ax.set_ylim(-0.1 * max(peak, 0.01), 1.1 * max(peak, 0.01))
        ax.set_xlim(float(t[0]), float(t[-1]))
        ax.set_xlabel("threshold probability")
        ax.set_ylabel("net benefit")
        where = "everyone" if population.attribute is None else f"{population.attribute} = {population.value}"
        level = f", {round(100 * curve.ci)}% bootstrap bands" if curve.n_boot else ""
        ax.set_title(f"Decision curves ({where}, n = {population.n:,}{level})")
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
        fig.tight_layout()
    return _render(fig)


def calibration_svg(report: CalibrationReport, *, attribute: str | None = None) -> str:
    """Observed against predicted risk: binned points with intervals, and smoothed curves."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
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
    return _render(fig)
