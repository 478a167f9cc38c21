"""The count tables of a site file: built from the site's fine counts, on nested score partitions, protected together.

A site file counts its rows three ways (docs/multi-site.md, "What leaves a site"):

* the **overall** table: label x prediction x score key, no group;
* one **attribute** table per group column: value x label x prediction x score key;
* the **joint** table (two or more group columns): group combination x label x prediction, no score.

Every cell carries its row count and the sums of ``score - label`` to the powers 1, 2 and 4. The overall
and attribute tables share nested score partitions (:func:`shared_partition`): within each (label,
prediction) stratum the overall table's bins merge until each cell holds none or at least the minimum,
and each attribute table merges cells of that partition until each of its values with enough rows in the
stratum does too. So the tables' cells line up: an attribute cell's values sum to the overall cells it
covers, and an attribute value's cells in a stratum sum to the joint cells of that value. Those
equations, with every group's total and each table's total (when at least the minimum), are what a
reader knows; :func:`protect_tables` hides the cells under the minimum and, with the one-margin rule and
then a small integer programme per exposed cell (:func:`ethicompass.sites._protect.protect_milp`), the
cheapest complementary cells, so that no hidden cell under the minimum is a linear combination of what is
published and known. :func:`rows_band` is what a record says of the rows a table or group lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

__all__ = [
    "ATTRIBUTE",
    "INTERNAL",
    "JOINT",
    "OVERALL",
    "SiteTable",
    "count_tables",
    "protect_tables",
    "rows_band",
    "shared_partition",
]

OVERALL, ATTRIBUTE, JOINT = "overall", "attribute", "joint"
#: the count columns of every table, after its group columns
INTERNAL = ("_label", "_pred", "_score", "_n", "_sum_e", "_sum_e2", "_sum_e4")
_SUMS = ("_n", "_sum_e", "_sum_e2", "_sum_e4")
#: the price of hiding a row, by table: an overall cell costs every judgement, an attribute cell one
#: group's, a joint cell one intersection's; a cell of a group already withheld costs a tenth
_PRICE = {OVERALL: 100.0, ATTRIBUTE: 10.0, JOINT: 1.0}
_MISSING = "\x00"
#: the price of withholding one more group, in rows of its table's kind
_NEW_GROUP = 50.0


@dataclass(frozen=True)
class SiteTable:
    """One count table of a site file: its kind, its group columns and its cells."""

    kind: str
    groups: tuple[str, ...]
    counts: pl.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """The table as the file holds it: kind, groups, columns and rows."""
        return {
            "kind": self.kind,
            "groups": list(self.groups),
            "columns": list(self.counts.columns),
            "rows": [list(r) for r in self.counts.iter_rows()],
        }


def _sum_by(counts: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return counts.group_by(keys).agg([pl.col(c).sum() for c in _SUMS]).sort(keys, nulls_last=True)


def count_tables(
    counts: pl.DataFrame, groups: list[str] | tuple[str, ...], minimum: int, *, bins: int | None = None
) -> list[SiteTable]:
    """The overall, attribute and joint tables of a site from its fine counts (every group column x
    label x prediction x score bin, as :func:`ethicompass.fairness.summarize` counts them), the scored
    tables on nested partitions (:func:`shared_partition`). With ``bins``, every score key is written as
    the nearest double to its edge ``k / bins`` (so every engine writes the same key). Unprotected:
    :func:`protect_tables` comes next."""
    groups = list(groups)
    if bins is not None:
        counts = counts.with_columns(((pl.col("_score") * bins).round() / bins).alias("_score"))
    scored = [SiteTable(OVERALL, (), _sum_by(counts, ["_label", "_pred", "_score"]))]
    scored += [SiteTable(ATTRIBUTE, (g,), _sum_by(counts, [g, "_label", "_pred", "_score"])) for g in groups]
    tables = shared_partition(scored, minimum)
    if len(groups) > 1:
        joint = _sum_by(counts, [*groups, "_label", "_pred"]).with_columns(
            pl.lit(None, dtype=pl.Float64).alias("_score")
        )
        tables.append(SiteTable(JOINT, tuple(groups), joint.select(*groups, *INTERNAL)))
    return [SiteTable(t.kind, t.groups, t.counts.select(*t.groups, *INTERNAL)) for t in tables]


def _row_ids(table: SiteTable) -> pl.Expr:
    """One text id per group of a table (its values joined; a missing value has its own id)."""
    if not table.groups:
        return pl.lit("")
    parts = [pl.col(g).cast(pl.String).fill_null(_MISSING) for g in table.groups]
    return pl.concat_str(parts, separator="\x1f")


def _cuts(matrix: np.ndarray, minimum: int) -> np.ndarray:
    """The cell of each key (column of ``matrix``, one row per group): adjacent keys merge until every
    group with at least ``minimum`` rows in the stratum holds none or at least ``minimum`` in each cell.

    A group with fewer rows than that is hidden whatever the cuts; its rows are kept in one cell, and a
    cell holding such a group holds at least one other (where the stratum has one), so that their hidden
    cells share a column and hide each other instead of each needing a published partner.
    """
    totals = matrix.sum(1)
    small = totals < minimum
    need = np.where(small, totals, minimum)
    keys = matrix.shape[1]
    cell_of = np.empty(keys, dtype=np.int64)
    accs: list[np.ndarray] = []

    def whole(acc: np.ndarray) -> bool:
        return bool(np.all((acc == 0) | (acc >= need))) and int((small & (acc > 0)).sum()) != 1

    closed = True
    for k in range(keys):
        if closed:
            accs.append(np.zeros(matrix.shape[0]))
        accs[-1] = accs[-1] + matrix[:, k]
        cell_of[k] = len(accs) - 1
        closed = whole(accs[-1])
    while len(accs) > 1 and not whole(accs[-1]):
        last = accs.pop()  # a short tail joins the cell before it, as often as needed
        accs[-1] = accs[-1] + last
        cell_of[cell_of == len(accs)] = len(accs) - 1
    return cell_of


def shared_partition(tables: list[SiteTable], minimum: int) -> list[SiteTable]:
    """``tables`` (the overall table, then attribute tables of the same rows) on nested score partitions.

    Within each (label, prediction) stratum, the overall table's adjacent score keys merge (:func:`_cuts`)
    until each merged cell holds none or at least ``minimum`` rows; then each attribute table merges
    adjacent cells *of that partition* until every value with at least ``minimum`` rows in the stratum
    holds none or at least ``minimum`` in each cell (a value with fewer is left to suppression). So an
    attribute's cell is a union of overall cells, and the equations between tables line up: an attribute
    cell's values sum to the overall cells it covers. One rare value coarsens its own attribute's scores,
    not every table's. A merged cell's key is the lower edge of its first bin (an edge of the policy's
    grid) and its sums are the sums of its bins, so its mean score stays exact.
    """
    if minimum <= 1:
        return list(tables)
    assert tables[0].kind == OVERALL
    overall = tables[0].counts
    out_maps: list[list[pl.DataFrame]] = [[] for _ in tables]
    for (label, pred), part in overall.group_by(["_label", "_pred"], maintain_order=True):
        keys = np.sort(part["_score"].to_numpy())
        order = np.argsort(part["_score"].to_numpy())
        base = _cuts(part["_n"].to_numpy()[order][None, :].astype(np.float64), minimum)
        for t_index, table in enumerate(tables):
            if t_index == 0:
                cell_of = base
            else:
                rows = table.counts.filter((pl.col("_label") == label) & (pl.col("_pred") == pred))
                ids, r_index = np.unique(
                    rows.select(_row_ids(table)).to_series().to_numpy().astype(str), return_inverse=True
                )
                matrix = np.zeros((ids.size, int(base.max()) + 1))
                at = base[np.searchsorted(keys, rows["_score"].to_numpy())]
                np.add.at(matrix, (r_index, at), rows["_n"].to_numpy())
                cell_of = _cuts(matrix, minimum)[base]
            first = np.array([keys[np.flatnonzero(cell_of == c)[0]] for c in range(int(cell_of.max()) + 1)])
            out_maps[t_index].append(
                pl.DataFrame({"_score": keys, "_key": first[cell_of]}).with_columns(
                    pl.lit(label, dtype=overall.schema["_label"]).alias("_label"),
                    pl.lit(pred, dtype=overall.schema["_pred"]).alias("_pred"),
                )
            )
    out = []
    for table, maps in zip(tables, out_maps, strict=True):
        keyed = table.counts.join(pl.concat(maps), on=["_label", "_pred", "_score"], how="left")
        keyed = keyed.with_columns(pl.col("_key").alias("_score")).drop("_key")
        out.append(
            SiteTable(table.kind, table.groups, _sum_by(keyed, [*table.groups, "_label", "_pred", "_score"]))
        )
    return out


def rows_band(total: int, cells: int, minimum: int) -> list[int]:
    """What a record may say of ``total`` rows in ``cells`` hidden cells: the multiple of ``minimum`` at or
    below it and the next one less one (so never the total itself), at least one row per cell, and never
    below ``cells * (minimum - 1)``."""
    if cells == 0:
        return [0, 0]
    lo = (total // minimum) * minimum
    # never narrower than what "every hidden cell holds 1 to minimum - 1 rows" already tells
    return [max(cells, lo), max(cells * (minimum - 1), lo + minimum - 1)]


def _indexed(tables: list[SiteTable]) -> list[pl.DataFrame]:
    out, start = [], 0
    for t in tables:
        frame = t.counts.with_columns(_row_ids(t).alias("_gid"), (pl.int_range(pl.len()) + start).alias("_i"))
        out.append(frame)
        start += t.counts.height
    return out


def _withheld(tables: list[SiteTable], published: list[SiteTable], frames: list[pl.DataFrame]) -> np.ndarray:
    """Per cell of ``tables`` (numbered as :func:`_indexed` numbers them): is it missing from ``published``?"""
    shown: set[int] = set()
    for t, p, f in zip(tables, published, frames, strict=True):
        keys = [*t.groups, "_label", "_pred", "_score"]
        kept = f.join(
            p.counts.select(keys).with_columns(pl.lit(1).alias("_k")), on=keys, how="left", nulls_equal=True
        )
        shown |= set(kept.filter(pl.col("_k").is_not_null())["_i"].to_list())
    total = sum(f.height for f in frames)
    return np.array([i not in shown for i in range(total)], dtype=bool)


def _margins(tables: list[SiteTable], frames: list[pl.DataFrame]) -> list[Any]:
    """What a reader knows besides the published cells: each table's and each group's total (plain sets
    of cells), and the equations between tables (+1 and -1, sum 0)."""
    margins: list[Any] = []
    for frame in frames:
        margins.append(frame["_i"].to_numpy())
        if frame.height:
            margins += [np.asarray(ix) for ix in frame.group_by("_gid").agg("_i")["_i"].to_list()]
    overall = next((f for t, f in zip(tables, frames, strict=True) if t.kind == OVERALL), None)
    joint_at = [k for k, t in enumerate(tables) if t.kind == JOINT]
    for t, frame in zip(tables, frames, strict=True):
        if t.kind != ATTRIBUTE:
            continue
        if overall is not None:  # an overall cell = the attribute's cells with its key
            column = (
                frame.group_by(["_label", "_pred", "_score"])
                .agg("_i")
                .join(
                    overall.select("_label", "_pred", "_score", pl.col("_i").alias("_o")),
                    on=["_label", "_pred", "_score"],
                    how="full",
                    coalesce=True,
                )
            )
            for ix, o in column.select("_i", "_o").iter_rows():
                cells = [*(ix or []), *([o] if o is not None else [])]
                coefs = [-1.0] * len(ix or []) + ([1.0] if o is not None else [])
                margins.append((np.asarray(cells, dtype=np.int64), np.asarray(coefs)))
        for k in joint_at:  # an attribute value's cells in a stratum = its joint cells there
            g = t.groups[0]
            mine = frame.with_columns(pl.col(g).cast(pl.String).fill_null(_MISSING).alias("_v"))
            theirs = frames[k].with_columns(pl.col(g).cast(pl.String).fill_null(_MISSING).alias("_v"))
            row = (
                mine.group_by(["_v", "_label", "_pred"])
                .agg("_i")
                .join(
                    theirs.group_by(["_v", "_label", "_pred"]).agg(pl.col("_i").alias("_j")),
                    on=["_v", "_label", "_pred"],
                    how="full",
                    coalesce=True,
                )
            )
            for ix, jx in row.select("_i", "_j").iter_rows():
                cells = [*(ix or []), *(jx or [])]
                coefs = [1.0] * len(ix or []) + [-1.0] * len(jx or [])
                margins.append((np.asarray(cells, dtype=np.int64), np.asarray(coefs)))
    return margins


def protect_tables(tables: list[SiteTable], minimum: int) -> tuple[list[SiteTable], dict[str, Any]]:
    """The published tables (every cell under the minimum and the complementary cells removed) and the
    record of what was removed: per table the number of cells and a band of rows (:func:`rows_band`),
    and each group that lost cells (withheld from judgement at the coordinator) with its own band."""
    from ethicompass.sites._protect import protect_milp, unprotectable

    frames = _indexed(tables)
    n = np.concatenate([f["_n"].to_numpy() for f in frames]) if frames else np.zeros(0, dtype=np.int64)
    if minimum <= 1 or n.size == 0:
        mask = np.zeros(n.size, dtype=bool)
        pinned = 0
    else:
        margins = _margins(tables, frames)
        kind_price = np.concatenate(
            [np.full(f.height, _PRICE[t.kind]) for t, f in zip(tables, frames, strict=True)]
        )
        gid = np.concatenate([(f"{k}:" + f["_gid"]).to_numpy().astype(str) for k, f in enumerate(frames)])
        _, group_of = np.unique(gid, return_inverse=True)

        def cost(mask: np.ndarray) -> np.ndarray:
            withheld = np.zeros(int(group_of.max()) + 1, dtype=bool)
            withheld[group_of[mask]] = True
            fresh = ~withheld[group_of]
            return n * kind_price * np.where(fresh, 1.0, 0.1) + fresh * kind_price * _NEW_GROUP

        from ethicompass.sites._disclosure import one_margin

        # the one-margin rule first (cheap: most small cells share a group total with a larger one), then
        # the integer programme for what several equations together still determine
        first = one_margin(n, [m for m in margins if not isinstance(m, tuple)], minimum)
        mask = protect_milp(n, margins, minimum, cost=cost, start=first)
        pinned = int(unprotectable(n, margins, mask, minimum).sum())
    published, records = [], []
    start = 0
    for t, frame in zip(tables, frames, strict=True):
        hidden = mask[start : start + frame.height]
        start += frame.height
        published.append(SiteTable(t.kind, t.groups, t.counts.filter(pl.Series(~hidden))))
        lost = frame.filter(pl.Series(hidden))
        withheld = []
        if t.groups and lost.height:
            by_group = lost.group_by(list(t.groups)).agg(
                pl.len().alias("_cells"), pl.col("_n").sum().alias("_rows")
            )
            for row in by_group.sort(list(t.groups), nulls_last=True).iter_rows(named=True):
                withheld.append(
                    {
                        "group": [row[g] for g in t.groups],
                        "cells": int(row["_cells"]),
                        "rows": rows_band(int(row["_rows"]), int(row["_cells"]), minimum),
                    }
                )
        cells, rows = int(hidden.sum()), int(lost["_n"].sum()) if lost.height else 0
        records.append(
            {
                "kind": t.kind,
                "groups": list(t.groups),
                "cells": cells,
                "rows": rows_band(rows, cells, minimum),
                "withheld": withheld,
            }
        )
    overall = next((r for r in records if r["kind"] == OVERALL), {"rows": [0, 0]})
    record: dict[str, Any] = {"cells": int(mask.sum()), "rows": overall["rows"], "tables": records}
    if pinned:
        record["determined_by_totals"] = pinned
    return published, record
