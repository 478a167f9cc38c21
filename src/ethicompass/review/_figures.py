"""Small inline SVG figures the report draws itself: the consent flow and the risk distribution.

Kept deliberately light (a few dozen elements, no embedded fonts) so the HTML stays small and
WeasyPrint renders the PDF quickly. Each figure has ``role="img"``, a ``<title>`` and a
``<desc>`` so screen readers announce what it shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import numpy as np

# Colour-blind-safe (Okabe-Ito), each at least 3:1 against white for the non-text marks.
_KEPT, _PALETTE = "#00695c", ("#b35806", "#5e3c99", "#555555", "#8c510a")
_FONT = 'font-family="system-ui, DejaVu Sans, sans-serif"'


def _svg(width: int, height: int, title: str, desc: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{body}</svg>"
    )


def consent_flow_svg(rows_in: int, rows_kept: int, dropped: Mapping[str, int], /) -> str:
    """One stacked bar: rows kept for the purpose, and rows excluded by reason."""
    width, bar_x, bar_w = 640, 10, 620
    parts = [("kept (consent permits the purpose)", rows_kept, _KEPT)] + [
        (f"excluded: {reason}", n, _PALETTE[i % len(_PALETTE)])
        for i, (reason, n) in enumerate(sorted(dropped.items()))
        if n > 0
    ]
    total = max(rows_in, sum(n for _, n, _ in parts), 1)
    body, x = [], float(bar_x)
    for _, n, colour in parts:
        w = bar_w * n / total
        body.append(f'<rect x="{x:.1f}" y="10" width="{w:.1f}" height="28" fill="{colour}"/>')
        x += w
    y = 60
    for label, n, colour in parts:
        body.append(f'<rect x="{bar_x}" y="{y - 11}" width="12" height="12" fill="{colour}"/>')
        body.append(
            f'<text x="{bar_x + 18}" y="{y}" font-size="13" {_FONT}>{escape(label)}: {n:,} '
            f"({100 * n / total:.1f}%)</text>"
        )
        y += 20
    desc = f"Of {rows_in:,} rows, {rows_kept:,} kept; " + "; ".join(
        f"{n:,} {reason}" for reason, n in sorted(dropped.items())
    )
    return _svg(width, y, "Consent flow: rows kept and excluded", desc, "".join(body))


def risk_distribution_svg(scores: Any, labels: Any, /, *, threshold: float) -> str:
    """Histogram of predicted risk for patients with and without the outcome, with the threshold."""
    s = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    y = np.asarray(labels).astype(int)
    bins = np.linspace(0.0, 1.0, 21)
    width, height, left, bottom, top = 640, 240, 46, 200, 14
    plot_w, plot_h = width - left - 14, bottom - top
    series = [("without the outcome", s[y == 0], "#5e3c99"), ("with the outcome", s[y == 1], "#b35806")]
    shares = [np.histogram(v, bins=bins)[0] / max(len(v), 1) for _, v, _ in series]
    peak = max(float(max(h.max(initial=0) for h in shares)), 1e-9)
    body = [
        f'<line x1="{left}" y1="{bottom}" x2="{left + plot_w}" y2="{bottom}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#333"/>',
    ]
    bar = plot_w / (len(bins) - 1) / 2
    for k, share in enumerate(shares):
        colour = series[k][2]
        for i, v in enumerate(share):
            if v <= 0:
                continue
            h = plot_h * v / peak
            x = left + i * 2 * bar + k * bar
            body.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" fill="{colour}"/>'
            )
    tx = left + plot_w * min(max(threshold, 0.0), 1.0)
    body.append(
        f'<line x1="{tx:.1f}" y1="{top}" x2="{tx:.1f}" y2="{bottom}" stroke="#000" stroke-dasharray="4 3"/>'
    )
    body.append(
        f'<text x="{tx + 4:.1f}" y="{top + 10}" font-size="12" {_FONT}>threshold {threshold:g}</text>'
    )
    for frac in (0.0, 0.5, 1.0):  # the y scale: share of each group per bin
        y_tick = bottom - plot_h * frac
        body.append(f'<line x1="{left - 4}" y1="{y_tick:.1f}" x2="{left}" y2="{y_tick:.1f}" stroke="#333"/>')
        body.append(
            f'<text x="{left - 6}" y="{y_tick + 4:.1f}" font-size="11" text-anchor="end" {_FONT}>'
            f"{peak * frac:.0%}</text>"
        )
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = left + plot_w * tick
        body.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" font-size="12" text-anchor="middle" {_FONT}>{tick:g}</text>'
        )
    body.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" font-size="12" text-anchor="middle" {_FONT}>predicted risk</text>'
    )
    body.append(
        f'<text x="10" y="{top + plot_h / 2:.0f}" font-size="12" {_FONT} transform="rotate(-90 10 {top + plot_h / 2:.0f})" text-anchor="middle">share of group</text>'
    )
    lx = left + plot_w - 190
    for k, (label, values, colour) in enumerate(series):
        ly = top + 24 + 18 * k
        body.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{colour}"/>')
        body.append(f'<text x="{lx + 18}" y="{ly}" font-size="12" {_FONT}>{label} (n={len(values):,})</text>')
    desc = (
        f"Predicted risk of {len(s):,} patients: median {np.median(s[y == 1]) if (y == 1).any() else float('nan'):.2f} "
        f"with the outcome, {np.median(s[y == 0]) if (y == 0).any() else float('nan'):.2f} without; "
        f"decision threshold {threshold:g}."
    )
    return _svg(width, height, "Distribution of predicted risk by outcome", desc, "".join(body))
