"""``fairness.representativeness``: does the cohort look like the population with the disease?

For each attribute value: the cohort's share with a Wilson interval, the population's share,
and the participation-to-prevalence ratio (PPR: cohort share / population share, the FDA's
measure for trial diversity plans; below 0.8 is commonly read as under-representation), with
its interval (the Wilson bounds divided by the population share, which is taken as known).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl
from scipy import stats

from ethicompass.errors import ColumnError, InputError
from ethicompass.fairness._metrics import wilson
from ethicompass.fairness._report import Estimate
from ethicompass.frames import require_columns, to_narwhals, to_polars

__all__ = ["RepresentativenessReport", "RepresentativenessRow", "representativeness"]

#: The PPR below which a group counts as under-represented (Poon et al. 2013; FDA guidance).
UNDER_REPRESENTED = 0.8


@dataclass(frozen=True)
class RepresentativenessRow:
    """One attribute value: its count and share in the cohort, its population share, and the PPR."""

    attribute: str
    value: str
    n: int
    cohort_share: Estimate
    population_share: float | None
    ppr: Estimate
    under_represented: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready row."""
        return {
            "attribute": self.attribute,
            "value": self.value,
            "n": self.n,
            "cohort_share": self.cohort_share.to_dict(),
            "population_share": self.population_share,
            "ppr": self.ppr.to_dict(),
            "under_represented": self.under_represented,
        }


@dataclass(frozen=True)
class RepresentativenessReport:
    """Cohort against population for every attribute value, and a goodness-of-fit test per attribute."""

    rows: tuple[RepresentativenessRow, ...]
    tests: tuple[dict[str, Any], ...]
    ci: float

    @property
    def under_represented(self) -> tuple[RepresentativenessRow, ...]:
        """Values whose whole PPR interval lies below 0.8."""
        return tuple(r for r in self.rows if r.under_represented)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {
            "ci": self.ci,
            "threshold_ppr": UNDER_REPRESENTED,
            "rows": [r.to_dict() for r in self.rows],
            "tests": list(self.tests),
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per attribute value."""
        return pl.DataFrame(
            [
                {
                    "attribute": r.attribute,
                    "value": r.value,
                    "n": r.n,
                    "cohort_share": r.cohort_share.value,
                    "cohort_share_lo": r.cohort_share.ci[0] if r.cohort_share.ci else None,
                    "cohort_share_hi": r.cohort_share.ci[1] if r.cohort_share.ci else None,
                    "population_share": r.population_share,
                    "ppr": r.ppr.value,
                    "ppr_lo": r.ppr.ci[0] if r.ppr.ci else None,
                    "ppr_hi": r.ppr.ci[1] if r.ppr.ci else None,
                    "under_represented": r.under_represented,
                }
                for r in self.rows
            ],
            schema_overrides={"population_share": pl.Float64, "ppr": pl.Float64},
        )


def representativeness(
    cohort: Any, reference: Any, /, *, attributes: list[str] | tuple[str, ...], ci: float = 0.95
) -> RepresentativenessReport:
    """Compare the cohort's make-up with the population's, attribute by attribute.

    ``reference`` has columns ``attribute``, ``value`` and ``population_share`` (shares of one
    attribute sum to about 1). Cohort values missing from the reference are reported with no
    population share; reference values absent from the cohort are reported with n = 0.
    """
    if not attributes:
        raise InputError("no attribute given", hint="name at least one attribute, e.g. sex")
    nwc = to_narwhals(cohort, name="cohort")
    require_columns(nwc, attributes, source="the cohort")
    ref = to_polars(reference, name="reference")
    require_columns(ref, ["attribute", "value", "population_share"], source="the reference population")
    ref = ref.with_columns(pl.col("attribute").cast(pl.String), pl.col("value").cast(pl.String))
    rows: list[RepresentativenessRow] = []
    tests: list[dict[str, Any]] = []
    for attribute in attributes:
        counted = nwc.group_by(attribute, drop_null_keys=False).agg(nw.len().alias("n"))
        native = counted.collect() if isinstance(counted, nw.LazyFrame) else counted
        counts = native.to_polars().select(pl.col(attribute).cast(pl.String).alias("value"), pl.col("n"))
        population = ref.filter(pl.col("attribute") == attribute).select("value", "population_share")
        if population.height == 0:
            raise ColumnError(
                f"the reference population has no rows for attribute {attribute!r}",
                hint="add its values and population shares, or drop the attribute",
            )
        merged = counts.join(
            population, on="value", how="full", coalesce=True, nulls_equal=True
        ).with_columns(pl.col("n").fill_null(0))
        merged = merged.sort("value", nulls_last=True)
        total = int(merged["n"].sum())
        lo, hi = wilson(merged["n"].to_numpy(), merged["n"].to_numpy() * 0 + total, level=ci)
        for k, rec in enumerate(merged.iter_rows(named=True)):
            share = rec["n"] / total if total else float("nan")
            pop = rec["population_share"]
            cohort_share = Estimate.of(share, lo[k], hi[k], reason="empty cohort")
            if pop is None or pop <= 0:
                ppr = Estimate(None, None, "no population share for this value")
            else:
                ppr = Estimate.of(share / pop, lo[k] / pop, hi[k] / pop, reason="empty cohort")
            rows.append(
                RepresentativenessRow(
                    attribute,
                    "null" if rec["value"] is None else str(rec["value"]),
                    int(rec["n"]),
                    cohort_share,
                    None if pop is None else float(pop),
                    ppr,
                    bool(ppr.ci is not None and ppr.ci[1] < UNDER_REPRESENTED),
                )
            )
        known = merged.filter(pl.col("population_share").is_not_null() & (pl.col("population_share") > 0))
        expected = known["population_share"].to_numpy()
        observed = known["n"].to_numpy()
        if len(known) >= 2 and observed.sum() > 0:
            expected = expected / expected.sum() * observed.sum()
            chi = stats.chisquare(observed, expected)
            tests.append(
                {
                    "attribute": attribute,
                    "test": "chi-square goodness of fit (cohort counts vs population shares)",
                    "statistic": float(chi.statistic),
                    "df": len(known) - 1,
                    "p_value": float(chi.pvalue),
                }
            )
    return RepresentativenessReport(tuple(rows), tuple(tests), ci)
