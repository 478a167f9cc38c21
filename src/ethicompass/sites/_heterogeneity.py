"""Between-site heterogeneity of a metric: Cochran's Q and Higgins' I² on inverse-variance weights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["Heterogeneity", "cochran_q"]

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Heterogeneity:
    """Q, its degrees of freedom and p-value, I², and the fixed-effect pooled estimate."""

    metric: str
    sites: tuple[str, ...]
    estimates: tuple[float, ...]
    standard_errors: tuple[float, ...]
    q: float
    df: int
    p_value: float
    i2: float
    pooled: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "metric": self.metric,
            "sites": dict(zip(self.sites, self.estimates, strict=True)),
            "standard_errors": dict(zip(self.sites, self.standard_errors, strict=True)),
            "q": self.q,
            "df": self.df,
            "p_value": self.p_value,
            "i2": self.i2,
            "pooled_fixed_effect": self.pooled,
        }


def cochran_q(
    metric: str, sites: Sequence[str], estimates: Sequence[float], standard_errors: Sequence[float]
) -> Heterogeneity | None:
    """Cochran's Q = sum w_i (y_i - y_w)^2 with w_i = 1/se_i^2; I² = max(0, (Q - df) / Q).

    Sites with no estimate or a zero or undefined standard error are left out; None when fewer
    than two remain.
    """
    y = np.asarray(estimates, dtype=float)
    se = np.asarray(standard_errors, dtype=float)
    ok = np.isfinite(y) & np.isfinite(se) & (se > 0)
    if ok.sum() < 2:
        return None
    names = tuple(s for s, keep in zip(sites, ok, strict=True) if keep)
    y, se = y[ok], se[ok]
    w = 1 / se**2
    pooled = float((w * y).sum() / w.sum())
    q = float((w * (y - pooled) ** 2).sum())
    df = int(y.size - 1)
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    return Heterogeneity(
        metric,
        names,
        tuple(map(float, y)),
        tuple(map(float, se)),
        q,
        df,
        float(stats.chi2.sf(q, df)),
        i2,
        pooled,
    )


def from_interval(value: float | None, ci: tuple[float, float] | None) -> tuple[float, float]:
    """An estimate and the standard error read from its 95% interval (width / 3.92)."""
    if value is None or ci is None:
        return float("nan"), float("nan")
    return float(value), (float(ci[1]) - float(ci[0])) / (2 * Z95)
