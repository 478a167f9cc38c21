"""What the coordinator judges from the sites' tables, group by group: withheld groups are left out and named.

A group (an attribute value, or a combination of values) from which any site's disclosure control took a
cell is **withheld**: its estimate would miss rows, so it is not judged; the review names it with the
sites and the recorded bands of what they withheld. Every other group is judged from the merged tables:
the fairness audit from :func:`marginal_summary` (``fairness.audit_marginals``), decision curve and
calibration from the overall table and the subgroups' calibration and harm from the attribute tables
(:class:`MarginalCountTable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ethicompass.safety import CountTable
from ethicompass.sites._merge import SiteCounts, Withheld, collapse, count_table

__all__ = [
    "MarginalCountTable",
    "benefit_table",
    "marginal_summary",
    "suppressed_share",
    "too_suppressed",
    "withheld_check",
    "withheld_keys",
]

_MISSING = "\x00"


def _key(values: Sequence[Any]) -> tuple[str, ...]:
    return tuple(_MISSING if v is None else str(v) for v in values)


def withheld_keys(withheld: Sequence[Withheld], attributes: Sequence[str]) -> set[tuple[str, ...]]:
    """The groups over ``attributes`` that any site withheld cells of: an attribute value withheld in its
    table, or (for several attributes) every combination a withheld joint cell projects onto."""
    attributes = tuple(attributes)
    out: set[tuple[str, ...]] = set()
    for w in withheld:
        if w.attributes == attributes:
            out.add(_key(w.values))
        elif len(attributes) > 1 and set(attributes) <= set(w.attributes) and len(w.attributes) > 1:
            at = dict(zip(w.attributes, _key(w.values), strict=True))
            out.add(tuple(at[a] for a in attributes))
    return out


def _without(summary: Any, attributes: Sequence[str], hidden: set[tuple[str, ...]]) -> Any:
    """``summary`` less the cells of the groups in ``hidden``."""
    from ethicompass.fairness import Summary

    if not hidden:
        return summary
    key = pl.concat_str([pl.col(a).cast(pl.String).fill_null(_MISSING) for a in attributes], separator="\x1f")
    drop = ["\x1f".join(k) for k in hidden]
    counts = summary.counts.filter(~key.is_in(drop))
    return Summary(
        counts,
        *[
            getattr(summary, f)
            for f in ("groups", "threshold", "bin_width", "has_score", "label", "score", "prediction")
        ],
    )


def marginal_summary(counts: SiteCounts, attributes: Sequence[str], /) -> Any:
    """The merged tables for ``fairness.audit_marginals`` over ``attributes``, withheld groups left out.

    The joint table is collapsed to ``attributes``; it is complete (the bootstrap may stratify by its
    cells) only when no site withheld a joint or overall cell."""
    from ethicompass.fairness import MarginalSummary

    tables = tuple(
        _without(counts.attributes[a], [a], withheld_keys(counts.withheld, [a])) for a in attributes
    )
    joint = None
    if counts.joint is not None and len(attributes) > 1:
        joint = _without(
            collapse(counts.joint, list(attributes)), attributes, withheld_keys(counts.withheld, attributes)
        )
    complete = not any(len(w.attributes) != 1 for w in counts.withheld)
    return MarginalSummary(counts.overall, tables, joint, complete)


@dataclass(frozen=True, eq=False)
class MarginalCountTable(CountTable):
    """The overall table's cells as a :class:`ethicompass.safety.CountTable`, whose one-way subgroups are
    read from each attribute's own table (``margins``, one single-attribute table per name in
    ``attributes``): what the decision curve, calibration and harm estimates read through
    :meth:`subgroups` and :meth:`subset`. Its own ``groups`` hold ``"(all)"``."""

    margins: tuple[CountTable, ...] = ()

    def _stacked(self) -> tuple[CountTable, np.ndarray, np.ndarray]:
        """The margins of ``attributes`` one after the other, which margin each cell is from, and its value."""
        by_name = {m.attributes[0]: m for m in self.margins}
        parts = [by_name[a] for a in self.attributes]
        models = self.models
        if not parts:
            empty = CountTable(
                models, (), self.scores[:0], self.label[:0], self.groups[:0, :0], self.count[:0]
            )
            return empty, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
        stacked = CountTable(
            models,
            (),
            np.concatenate([p.scores for p in parts]),
            np.concatenate([p.label for p in parts]),
            np.empty((sum(p.count.size for p in parts), 0), dtype=object),
            np.concatenate([p.count for p in parts]),
        )
        source = np.concatenate([np.full(p.count.size, i) for i, p in enumerate(parts)])
        values = np.concatenate([p.groups[:, 0] for p in parts])
        return stacked, source, values

    def subgroups(self) -> list[tuple[str, str, Any]]:
        """Every (attribute, value, mask) of a one-way subgroup, the mask over :meth:`subset`'s cells."""
        _, source, values = self._stacked()
        out = []
        for i, attribute in enumerate(self.attributes):
            mine = source == i
            for value in sorted(set(values[mine].tolist())):
                out.append((attribute, str(value), mine & (values == value)))
        return out

    def subset(self, mask: Any) -> CountTable:
        """The cells of one subgroup (``mask`` from :meth:`subgroups`), from its attribute's table."""
        stacked, _, _ = self._stacked()
        return stacked.subset(mask)

    def merge(self, other: CountTable) -> MarginalCountTable:
        """The overall cells merged (as :meth:`CountTable.merge`); the margins kept."""
        merged = CountTable.merge(self, other)
        return MarginalCountTable(
            merged.models,
            merged.attributes,
            merged.scores,
            merged.label,
            merged.groups,
            merged.count,
            self.margins,
        )


def benefit_table(counts: SiteCounts, /, *, model: str, groups: Sequence[str]) -> MarginalCountTable:
    """The count table the review's benefit estimates read: the overall cells, and each of ``groups``'s
    subgroups from its attribute's table, withheld subgroups left out."""
    overall = count_table(counts.overall, model=model, groups=[])
    margins = tuple(
        count_table(
            _without(counts.attributes[g], [g], withheld_keys(counts.withheld, [g])), model=model, groups=[g]
        )
        for g in groups
    )
    cells = np.full((overall.count.size, len(groups)), "(all)", dtype=object)
    return MarginalCountTable(
        overall.models, tuple(groups), overall.scores, overall.label, cells, overall.count, margins
    )


def withheld_check(
    principle: str, counts: SiteCounts, attributes: Sequence[str], what: str, *, intersections: bool = True
) -> Any:
    """The check that names every group over ``attributes`` (each alone, and with ``intersections`` their
    intersections) that a site withheld cells of, where and the band of rows; warn when an attribute value
    is among them, pass when only intersections are. None when nothing was withheld."""
    from ethicompass.review import Check

    rows: dict[str, list[Withheld]] = {}
    for w in counts.withheld:
        if len(w.attributes) == 1 and w.attributes[0] in attributes:
            rows.setdefault(w.label, []).append(w)
    single = len(rows)
    combos = withheld_keys(counts.withheld, attributes) if intersections and len(attributes) > 1 else set()
    if not rows and not combos:
        return None
    parts = [
        f"{label} ("
        + "; ".join(f"{w.site}: {w.cells} cell(s), {w.rows[0]} to {w.rows[1]} rows" for w in found)
        + ")"
        for label, found in sorted(rows.items())
    ]
    if combos:
        parts.append(f"{len(combos)} intersection(s) of {' x '.join(attributes)}")
    return Check(
        id=f"{principle}.site_withheld",
        title=f"Groups not judged: a site withheld some of their {what}",
        verdict="warn" if single else "pass",
        value=single + len(combos),
        threshold="every group judged from complete counts",
        evidence="not judged: " + ", ".join(parts),
        explanation="A site's disclosure control removed cells of these groups (under the minimum cell size, or "
        "hidden so that such a cell cannot be computed from the others). Their estimates would miss those rows, so "
        "they are not judged; every other group is, from complete counts. The bands are those the sites recorded.",
        action="pool the sites where these groups are small, coarsen sites.score_bins, or (under a data agreement) "
        "lower sites.min_cell_size, and have the sites summarise again",
    )


def suppressed_share(merged: Any, /) -> float:
    """The largest share of the sites' rows that suppression may have removed from their overall tables
    (a group's own losses withhold that group only, see :mod:`ethicompass.sites._marginal`)."""
    hidden = sum(f.body["disclosure"]["suppressed"]["fairness"]["rows"][1] for f in merged.files)
    shown = sum(int(s.n) for s in merged.summaries.values())
    return hidden / (hidden + shown) if hidden + shown else 0.0


def too_suppressed(principle: str, share: float, limit: float) -> Any:
    """The check that says the sites' overall tables lost more than ``limit`` of their rows (``share``): the
    counts are not judged."""
    from ethicompass.review import Check

    return Check(
        id=f"{principle}.site_suppression",
        title="Enough of every site's counts survived disclosure control to judge",
        verdict="not_assessed",
        value=round(share, 3),
        threshold=f"at most {limit:g} of the rows in suppressed cells",
        evidence=f"up to {100 * share:.1f}% of the rows sit in suppressed cells of the sites' overall tables; "
        "estimates without them would be biased, so none is shown",
        action="coarsen the policy's sites.score_bins, judge fewer attributes, pool small sites, or (under a data "
        "agreement) lower sites.min_cell_size, and have the sites summarise again",
    )
