"""``audit_marginals``: the fairness audit from an overall table, one table per attribute and a joint table.

A population counted three ways (:class:`MarginalSummary`) instead of one joint table of every
attribute x label x prediction x score: the overall table (label x prediction x score), one table per
attribute (value x label x prediction x score, every table on the same score keys), and the joint
table of the attributes without score (group combination x label x prediction, with the error sums).
Each group's metrics come from the table that counts it: the whole population from the overall table,
an attribute value from its attribute's table, an intersection from the joint table (no AUROC: the
joint table has no score). Point estimates are those :func:`audit_summary` gives on the joint table of
the same rows; so are the bootstrap intervals when the joint table is complete (the bootstrap then
resamples its cells, as the joint audit does). When it is not (a site withheld some of its cells), each
scope is resampled from its own table, stratified by its groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ethicompass.errors import InputError
from ethicompass.fairness._audit import _check_options, _fine_index, _Unit, assemble
from ethicompass.fairness._bootstrap import resample_cells
from ethicompass.fairness._metrics import auroc_from_histograms, confusion_metrics, error_moments
from ethicompass.fairness._report import FairnessReport
from ethicompass.fairness._summary import Summary

__all__ = ["MarginalSummary", "audit_marginals"]

_SUMS = ("_sum_e", "_sum_e2", "_sum_e4")


@dataclass(frozen=True)
class MarginalSummary:
    """One population as an overall table, a table per attribute and a joint confusion table.

    ``overall`` counts by no group; each of ``attributes`` by one attribute, on the same score keys
    as ``overall``; ``joint`` (optional) by every attribute at once, without score (its ``_score`` is
    null). ``joint_complete``: the joint table holds every row the overall table holds, so the bootstrap
    may resample its cells (False when cells were withheld).
    """

    overall: Summary
    attributes: tuple[Summary, ...]
    joint: Summary | None = None
    joint_complete: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        """The attributes, in order."""
        return tuple(s.groups[0] for s in self.attributes)

    @classmethod
    def from_summary(cls, summary: Summary, /) -> MarginalSummary:
        """The marginal tables of a joint :class:`Summary`: its groups summed out, one at a time, and
        its score summed out of the joint table (what a site file publishes of the same rows)."""

        def by(keys: list[str], groups: tuple[str, ...], scored: bool) -> Summary:
            counts = summary.counts.group_by(keys).agg([pl.col(c).sum() for c in ("_n", *_SUMS)])
            if not scored:
                counts = counts.with_columns(pl.lit(None, dtype=pl.Float64).alias("_score"))
            counts = counts.select(*groups, "_label", "_pred", "_score", "_n", *_SUMS)
            counts = counts.sort([*groups, "_label", "_pred", "_score"], nulls_last=True)
            width = summary.bin_width if scored else None
            has = summary.has_score and scored
            return Summary(
                counts,
                groups,
                summary.threshold,
                width,
                has,
                summary.label,
                summary.score,
                summary.prediction,
            )

        score = ["_score"]
        overall = by(["_label", "_pred", *score], (), True)
        attributes = tuple(by([g, "_label", "_pred", *score], (g,), True) for g in summary.groups)
        groups = summary.groups
        joint = by([*groups, "_label", "_pred"], groups, False) if len(groups) > 1 else None
        return cls(overall, attributes, joint, True)

    def rebinned(self, bins: int) -> MarginalSummary:
        """The scored tables with their score keys coarsened to ``bins`` bins (:meth:`Summary.rebinned`)."""
        return MarginalSummary(
            self.overall.rebinned(bins),
            tuple(s.rebinned(bins) for s in self.attributes),
            self.joint,
            self.joint_complete,
        )


def _cells(counts: pl.DataFrame, index: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    lab = counts["_label"].to_numpy().astype(np.int64)
    pred = counts["_pred"].to_numpy().astype(np.int64)
    n = counts["_n"].to_numpy().astype(np.float64)
    cell = (1 - pred) * 2 + (1 - lab)  # tp, fp, fn, tn
    cells = np.bincount(index * 4 + cell, weights=n, minlength=size * 4).reshape(size, 4)
    sums = np.stack([np.bincount(index, weights=counts[c].to_numpy(), minlength=size) for c in _SUMS], axis=1)
    return cells, sums


def _values(table: Summary) -> tuple[list[Any], np.ndarray]:
    """An attribute table's values (sorted, missing last) and each count row's index among them."""
    keys, index = _fine_index(table.counts, table.groups)
    return keys[table.groups[0]].to_list(), index


def audit_marginals(
    marginal: MarginalSummary,
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
    """:func:`audit_summary` on a population counted as marginal tables (see :class:`MarginalSummary`).

    Parameters
    ----------
    marginal : MarginalSummary
        The overall table, one table per attribute and (optionally) the joint table.
    intersections, n_boot, ci, reference, min_group_size, margin, seed
        As for :func:`audit`.

    Returns
    -------
    FairnessReport
        Every group an attribute table counts, every intersection the joint table counts (without
        AUROC), their disparities and findings.

    Examples
    --------
    >>> import polars as pl
    >>> from ethicompass.fairness import MarginalSummary, summarize
    >>> rows = pl.DataFrame({"sex": ["F", "M"] * 50, "y": [1, 1, 0, 0] * 25, "p": [0.9, 0.4, 0.2, 0.1] * 25})
    >>> split = MarginalSummary.from_summary(summarize(rows, label="y", score="p", groups=["sex"]))
    >>> report = audit_marginals(split, n_boot=0)
    >>> report.to_frame().filter(pl.col("metric") == "tpr").select("group", "value").rows()
    [('all', 0.5), ('sex=F', 1.0), ('sex=M', 0.0)]
    """
    overall = marginal.overall
    _check_options(threshold=overall.threshold or 0.5, n_boot=n_boot, ci=ci, reference=reference, bins=2)
    if overall.counts.height == 0 or not overall.counts["_n"].sum():
        raise InputError(
            "the overall table counts no rows, so there is nothing to audit",
            hint="check the label column holds data (a site file may have suppressed every cell)",
        )
    names = marginal.names
    joint = marginal.joint if intersections and len(names) > 1 else None
    units: list[_Unit] = [_Unit((), {}, np.ones(1, dtype=bool))]
    # every table with the index of each count row's unit: the overall one, then each attribute's
    parts: list[tuple[pl.DataFrame, np.ndarray, int]] = [
        (overall.counts, np.zeros(overall.counts.height, dtype=np.int64), 1)
    ]
    for table in marginal.attributes:
        attribute = table.groups[0]
        values, index = _values(table)
        units += [_Unit((attribute,), {attribute: v}, np.ones(1, dtype=bool)) for v in values]
        parts.append((table.counts, index, len(values)))
    scored = len(parts)
    if joint is not None and joint.counts.height:
        joint_keys, joint_index = _fine_index(joint.counts, tuple(names))
        units += [
            _Unit(tuple(names), dict(row), np.ones(1, dtype=bool)) for row in joint_keys.iter_rows(named=True)
        ]
        parts.append((joint.counts, joint_index, joint_keys.height))
    built = [_cells(counts, index, size) for counts, index, size in parts]
    cells = np.concatenate([c for c, _ in built])
    sums = np.concatenate([s for _, s in built])
    score_stats: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if overall.has_score:
        keys = np.unique(np.concatenate([counts["_score"].to_numpy() for counts, _, _ in parts[:scored]]))
        pos = np.zeros((len(units), keys.size))
        neg = np.zeros((len(units), keys.size))
        first = 0
        for counts, index, size in parts[:scored]:
            k = np.searchsorted(keys, counts["_score"].to_numpy())
            n = counts["_n"].to_numpy().astype(np.float64)
            lab = counts["_label"].to_numpy().astype(np.int64)
            np.add.at(pos, (first + index, k), n * lab)
            np.add.at(neg, (first + index, k), n * (1 - lab))
            first += size
        score_stats["auroc"] = auroc_from_histograms(pos, neg)
        score_stats.update(error_moments(cells.sum(1), sums[:, 0], sums[:, 1], sums[:, 2]))
    reps = None
    if n_boot:
        rng = np.random.default_rng(seed)
        if marginal.joint is not None and marginal.joint_complete and len(names) > 1:
            reps = _joint_replicates(marginal, units, n_boot, rng)
        else:
            reps = _scope_replicates(cells, units, n_boot, rng)
    return assemble(
        units,
        cells,
        score_stats,
        reps,
        summary=overall,
        intersections=intersections,
        ci=ci,
        reference=reference,
        min_group_size=min_group_size,
        margin=margin,
        seed=seed,
        n_boot=n_boot,
        unscored=frozenset({tuple(names)} if len(names) > 1 else ()),
        groups=names,
    )


def _joint_replicates(
    marginal: MarginalSummary,
    units: list[_Unit],
    n_boot: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """The joint audit's bootstrap: every fine group's cells resampled, each unit the sum of its fine groups."""
    assert marginal.joint is not None
    names = marginal.names
    fine_keys, index = _fine_index(marginal.joint.counts, names)
    cells_fine, _ = _cells(marginal.joint.counts, index, fine_keys.height)
    agg = np.zeros((len(units), fine_keys.height))
    for j, u in enumerate(units):
        if not u.scope:
            agg[j] = 1.0
            continue
        match = np.ones(fine_keys.height, dtype=bool)
        for attribute, value in u.group.items():
            column = fine_keys[attribute]
            match &= (column.is_null() if value is None else column.eq(value).fill_null(False)).to_numpy()
        agg[j] = match
    rep_cells = np.matmul(agg, resample_cells(cells_fine, n_boot=n_boot, rng=rng))
    return confusion_metrics(rep_cells)


def _scope_replicates(
    cells: np.ndarray, units: list[_Unit], n_boot: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Each scope resampled from its own table, stratified by its groups (the whole population: one
    stratum of the overall table)."""
    reps = resample_cells(cells.astype(np.int64), n_boot=n_boot, rng=rng)
    return confusion_metrics(reps.astype(np.float64))
