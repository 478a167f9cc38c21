"""Verify site files against the policy and each other, then merge their counts (nothing merged on any fault)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import polars as pl

from ethicompass.errors import InputError
from ethicompass.sites._disclosure import check_body
from ethicompass.sites._format import NOISY_GRID, SiteFile
from ethicompass.sites._summarize import policy_hash

__all__ = [
    "MergedSites",
    "SiteCounts",
    "Withheld",
    "add_counts",
    "collapse",
    "count_table",
    "merge_sites",
    "site_summary",
    "verify_file",
    "verify_sites",
]

_SUMS = ("_n", "_sum_e", "_sum_e2", "_sum_e4")


def _bad(f: SiteFile, what: str, hint: str) -> InputError:
    return InputError(f"site {f.site!r} ({f.source}): {what}; nothing was merged", hint=hint)


def verify_sites(files: Sequence[SiteFile], /, *, policy: Any) -> None:
    """Refuse the set unless every file is signed, certified under this policy, of one manifest, once each."""
    if not files:
        raise InputError("no site files given", hint="pass the .ecsite files the sites sent")
    seen: dict[str, str] = {}
    first = files[0]
    for f in files:
        if not f.signature_valid():
            raise _bad(
                f,
                "the signature does not verify (the file was changed after signing, or is not signed)",
                "ask the site to summarise again and send the file unchanged",
            )
        if f.site in seen:
            raise _bad(f, f"the same site twice (also in {seen[f.site]})", "pass each site's file once")
        seen[f.site] = f.source
        body = f.body
        if body["policy"]["hash"] != policy_hash(policy):
            raise _bad(
                f,
                f"summarised under policy {body['policy']['name']!r} version {body['policy']['version']!r}, "
                f"not {policy.name!r} version {policy.version!r}",
                "have every site summarise with the coordinator's policy file",
            )
        if body["manifest"]["hash"] != first.body["manifest"]["hash"]:
            raise _bad(
                f,
                f"manifest version {body['manifest']['version']!r} ({body['manifest']['hash'][:19]}) differs "
                f"from site {first.site!r}'s ({first.body['manifest']['hash'][:19]})",
                "have every site summarise with the same study.yaml",
            )
        verify_file(f, min_cell_size=policy.sites.min_cell_size, score_bins=policy.sites.score_bins)


def verify_file(f: SiteFile, /, *, min_cell_size: int, score_bins: int | None) -> None:
    """Refuse one file unless it passes the disclosure check at ``min_cell_size`` and ``score_bins``, its
    certificate is for that minimum, and its audit checkpoint is signed by the key that signed the file.
    (The signature itself is judged by :meth:`SiteFile.signature_valid`.)"""
    from ethicompass.transparency import Checkpoint

    body = f.body
    certificate = body.get("certificate") or {}
    # the signature binds the enclosed certificate to this content; the check is run again regardless
    again = check_body(
        body,
        min_cell_size=min_cell_size,
        score_bins=score_bins,
        with_hash=False,
    )
    if not again["passed"]:
        raise _bad(
            f,
            "fails the disclosure check: " + "; ".join(again["problems"][:3]),
            "the site must summarise again under the policy's sites.min_cell_size",
        )
    if not certificate.get("passed") or certificate.get("min_cell_size") != min_cell_size:
        raise _bad(
            f,
            "its disclosure certificate is missing or is not for this content",
            "ask the site to summarise again (`ethicompass site summarize`)",
        )
    checkpoint = Checkpoint.from_dict(body.get("checkpoint") or {}, source=f"site {f.site!r}'s checkpoint")
    if not checkpoint.signature_valid() or checkpoint.key_id != f.key_id:
        raise _bad(
            f,
            "its audit checkpoint is not signed by the key that signed the file",
            "ask the site to summarise again with its audit signing key",
        )


_TYPES: dict[str, Any] = {
    "_label": pl.Int8,
    "_pred": pl.Int8,
    "_score": pl.Float64,
    "_n": pl.Int64,
} | dict.fromkeys(("_sum_e", "_sum_e2", "_sum_e4"), pl.Float64)


@dataclass(frozen=True)
class Withheld:
    """A group a site's disclosure control took cells from: where, which group, how many cells and a
    band of their rows (``attributes`` empty for the overall table)."""

    site: str
    attributes: tuple[str, ...]
    values: tuple[Any, ...]
    cells: int
    rows: tuple[int, int]

    @property
    def label(self) -> str:
        """The group as text (``sex=F``; ``all`` for the overall table)."""
        return ", ".join(f"{a}={v}" for a, v in zip(self.attributes, self.values, strict=True)) or "all"


@dataclass(frozen=True)
class SiteCounts:
    """A site's fairness tables (or the sum of several sites') as :class:`ethicompass.fairness.Summary`
    objects: the overall table, one per group column, the joint table (no score); and what the sites'
    disclosure control withheld, group by group."""

    overall: Any
    attributes: dict[str, Any]
    joint: Any | None
    withheld: tuple[Withheld, ...] = ()
    #: under the noise method, the sites' noisy grid (every group column x label x prediction x score
    #: bin), its signed cells summed: the tables above are its margins (:mod:`ethicompass.sites._noise_merge`)
    grid: Any | None = None

    @property
    def n(self) -> int:
        """Rows the overall table counts."""
        return int(self.overall.n)


def _table_summary(table: dict[str, Any], fair: dict[str, Any]) -> Any:
    from ethicompass.fairness import Summary

    rows = table["rows"]
    # one column at a time, each built with its type (a group column's is inferred): no transposition
    frame = pl.DataFrame(
        [
            pl.Series(c, list(map(itemgetter(j), rows)), dtype=_TYPES.get(c), strict=c in _TYPES)
            for j, c in enumerate(table["columns"])
        ]
    )
    scored = table["kind"] != "joint"
    return Summary(
        frame,
        tuple(table["groups"]),
        fair["threshold"],
        fair["bin_width"] if scored else None,
        scored,
        fair["label"],
        fair["score"],
        None,
    )


def site_summary(f: SiteFile, /) -> SiteCounts:
    """A site file's fairness tables as :class:`SiteCounts`, with the groups its disclosure control withheld."""
    fair = f.body["fairness"]
    if [t["kind"] for t in fair["tables"]] == [NOISY_GRID]:  # the noise method: the grid's margins, signed
        from ethicompass.sites._noise_merge import grid_margins

        grid = _table_summary(fair["tables"][0], fair)
        return SiteCounts(*grid_margins(grid, tuple(fair["groups"])), (), grid)
    tables = {(t["kind"], tuple(t["groups"])): _table_summary(t, fair) for t in fair["tables"]}
    record = f.body["disclosure"]["suppressed"]["fairness"]
    withheld = []
    for t in record.get("tables", []):
        if t["kind"] == "overall" and t["cells"]:
            withheld.append(Withheld(f.site, (), (), int(t["cells"]), (int(t["rows"][0]), int(t["rows"][1]))))
        for entry in t.get("withheld", []):
            withheld.append(
                Withheld(
                    f.site,
                    tuple(t["groups"]),
                    tuple(entry["group"]),
                    int(entry["cells"]),
                    (int(entry["rows"][0]), int(entry["rows"][1])),
                )
            )
    groups = tuple(fair["groups"])
    return SiteCounts(
        tables[("overall", ())],
        {g: tables[("attribute", (g,))] for g in groups},
        tables.get(("joint", groups)),
        tuple(withheld),
    )


def add_counts(parts: list[SiteCounts], /) -> SiteCounts:
    """The sum of several sites' tables (table by table, :func:`add_all`), their withheld groups together."""
    first = parts[0]
    joint = None if first.joint is None else add_all([p.joint for p in parts])
    return SiteCounts(
        add_all([p.overall for p in parts]),
        {g: add_all([p.attributes[g] for p in parts]) for g in first.attributes},
        joint,
        tuple(w for p in parts for w in p.withheld),
        None if first.grid is None else add_all([p.grid for p in parts]),
    )


def collapse(summary: Any, groups: Sequence[str], /) -> Any:
    """``summary`` counted by ``groups`` only (the other group columns summed out)."""
    from ethicompass.fairness import Summary

    keys = [*groups, "_label", "_pred", "_score"]
    counts = summary.counts.group_by(keys).agg([pl.col(c).sum() for c in _SUMS]).sort(keys, nulls_last=True)
    return Summary(
        counts,
        tuple(groups),
        summary.threshold,
        summary.bin_width,
        summary.has_score,
        summary.label,
        summary.score,
        summary.prediction,
    )


def count_table(summary: Any, /, *, model: str, groups: Sequence[str]) -> Any:
    """The cells as a :class:`ethicompass.safety.CountTable` by ``groups`` (canonical order).

    Each cell's score is its mean score: the key itself when scores are exact, else the cell's
    error sum over its count plus its label (exact mean of the rows in the bin).
    """
    from ethicompass.safety import CountTable

    c = summary.counts
    n = c["_n"].to_numpy().astype(np.int64)
    label = c["_label"].to_numpy().astype(np.int64)
    if summary.bin_width is None:
        scores = c["_score"].to_numpy().astype(np.float64)
    else:
        scores = c["_sum_e"].to_numpy() / n + label
    group_matrix = np.empty((c.height, len(groups)), dtype=object)
    for j, g in enumerate(groups):
        group_matrix[:, j] = c[g].cast(pl.String).fill_null("(missing)").to_numpy().astype(str)
    table = CountTable((model,), tuple(groups), scores[:, None], label, group_matrix, n)
    empty = CountTable((model,), tuple(groups), scores[:0, None], label[:0], group_matrix[:0], n[:0])
    return table.merge(empty)


@dataclass(frozen=True)
class MergedSites:
    """The verified files, each site's tables and their sum."""

    files: tuple[SiteFile, ...]
    summaries: dict[str, SiteCounts]
    summary: SiteCounts

    @property
    def sites(self) -> tuple[str, ...]:
        """The site names, sorted."""
        return tuple(sorted(self.summaries))

    def without(self, site: str) -> SiteCounts:
        """The merged tables of every site but ``site``."""
        return add_counts([s for name, s in sorted(self.summaries.items()) if name != site])


def merge_sites(files: Sequence[SiteFile], /, *, policy: Any) -> MergedSites:
    """Verify the files (:func:`verify_sites`) and add their counts; order does not matter."""
    verify_sites(files, policy=policy)
    ordered = sorted(files, key=lambda f: f.site)
    summaries = {f.site: site_summary(f) for f in ordered}
    return MergedSites(tuple(ordered), summaries, add_counts(list(summaries.values())))


def add_all(summaries: list[Any], /) -> Any:
    """The sum of many summaries: one concatenation and one group-by when they share their resolution
    (what ``a + b + ...`` gives, without a group-by per site); else pairwise ``+``."""
    from ethicompass.fairness import Summary

    first = summaries[0]
    if len(summaries) == 1:
        return first
    same = {(s.groups, s.threshold, s.bin_width, s.label, s.score, s.prediction) for s in summaries}
    if len(same) != 1:
        return functools.reduce(operator.add, summaries)
    keys = [*first.groups, "_label", "_pred", "_score"]
    counts = (
        pl.concat([s.counts for s in summaries], how="vertical_relaxed")
        .group_by(keys)
        .agg([pl.col(c).sum() for c in _SUMS])
        .sort(keys, nulls_last=True)
    )
    return Summary(
        counts,
        first.groups,
        first.threshold,
        first.bin_width,
        first.has_score,
        first.label,
        first.score,
        first.prediction,
    )
