"""Generalise quasi-identifiers until a table meets k (and l, t), suppressing few records.

``privacy.anonymize(frame, ...)`` searches the lattice of generalisation levels (one level per
quasi-identifier) for the node with the least information loss that meets k-anonymity (and
distinct l-diversity, t-closeness) once the records of the failing classes are suppressed,
within ``max_suppression``. Counts first: the rows are summarised once; each lattice node is
judged by re-coding that summary (integer look-ups and one group-by), never by re-reading rows.
The search tags nodes by monotonicity (a node that passes makes all its generalisations pass;
one that fails makes all its specialisations fail), evaluating mid-height nodes first as OLA
(El Emam et al. 2009) and Flash (Kohlmayer et al. 2012) do, and then compares the minimal
passing nodes by loss. Only the chosen node is applied to the rows, once.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ethicompass.errors import ColumnError, InputError
from ethicompass.frames import to_polars
from ethicompass.privacy.reidentification._hierarchies import Hierarchy
from ethicompass.privacy.reidentification._measures import emd
from ethicompass.privacy.reidentification._report import RiskReport, risk
from ethicompass.privacy.reidentification._summary import COUNT, dense_codes, summarize

logging.getLogger(__name__).addHandler(logging.NullHandler())

_MAX_NODES = 250_000


@dataclass(frozen=True)
class AnonymizationResult:
    """The generalised table and how it was reached.

    ``table`` holds the rows kept (suppressed records removed), each quasi-identifier at its
    chosen level (``levels``); ``ncp_loss`` is the normalised certainty penalty in [0, 1]
    (Xu et al. 2006; suppressed records count as fully generalised) and ``discernibility`` the
    discernibility metric (Bayardo & Agrawal 2005; each suppressed record costs n). ``risk``
    is the re-identification risk of ``table``.
    """

    table: pl.DataFrame
    levels: dict[str, str]
    level_indices: dict[str, int]
    k: int
    l: int | None  # noqa: E741 - the literature's name
    t: float | None
    records: int
    suppressed: int
    max_suppression: float
    ncp_loss: float
    discernibility: int
    lattice_nodes: int
    nodes_evaluated: int
    seconds: float
    risk: RiskReport
    hierarchies: dict[str, Hierarchy] = field(repr=False, default_factory=dict)

    @property
    def suppressed_share(self) -> float:
        """Share of the input records suppressed."""
        return self.suppressed / self.records if self.records else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no values of the table)."""
        return {
            "k": self.k,
            "l": self.l,
            "t": self.t,
            "levels": dict(self.levels),
            "records": self.records,
            "records_kept": self.records - self.suppressed,
            "suppressed": self.suppressed,
            "suppressed_share": self.suppressed_share,
            "max_suppression": self.max_suppression,
            "ncp_loss": self.ncp_loss,
            "discernibility": self.discernibility,
            "lattice_nodes": self.lattice_nodes,
            "nodes_evaluated": self.nodes_evaluated,
            "seconds": self.seconds,
            "hierarchies": {q: h.to_dict() for q, h in self.hierarchies.items()},
            "risk_after": self.risk.to_dict(),
        }

    def to_frame(self) -> pl.DataFrame:
        """The generalised table."""
        return self.table


@dataclass
class _Column:
    """One quasi-identifier, coded: raw code per summary row, and per level a map to group codes."""

    name: str
    raw: pl.Series  # distinct raw values, position = raw code
    codes: np.ndarray  # raw code of each summary row
    maps: list[np.ndarray]  # per level: raw code -> group code
    cards: list[int]  # per level: number of groups
    ncp: list[np.ndarray]  # per level: group code -> certainty penalty in [0, 1]
    labels: list[pl.Series]  # per level: the generalised value of each group code
    nested: bool = True  # every level is a function of the one below (so snapshots roll up)
    _up: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    def up(self, a: int, b: int) -> np.ndarray:
        """Group code at level ``a`` -> group code at level ``b`` (b > a; nested, or a = 0)."""
        if (a, b) not in self._up:
            table = np.zeros(self.cards[a], dtype=np.int32)
            table[self.maps[a]] = self.maps[b]
            self._up[(a, b)] = table
        return self._up[(a, b)]


@dataclass
class _Snapshot:
    """The summary re-coded at one lattice node: distinct (class codes, sensitive) rows and counts."""

    node: np.ndarray
    codes: list[np.ndarray]  # per quasi-identifier: group code of each row at the node's level
    sens: np.ndarray | None
    counts: np.ndarray
    class_starts: np.ndarray  # first row of each class (rows are sorted by class)
    fail_rows: np.ndarray  # per row: its class fails k / l / t
    suppressed: int


def anonymize(
    frame: Any,
    /,
    *,
    quasi_identifiers: Sequence[str],
    hierarchies: Mapping[str, Hierarchy] | None = None,
    k: int,
    l: int | None = None,  # noqa: E741 - the literature's name
    t: float | None = None,
    sensitive: str | None = None,
    max_suppression: float = 0.05,
) -> AnonymizationResult:
    """Generalise ``quasi_identifiers`` (and suppress few records) until ``frame`` is k-anonymous.

    ``hierarchies`` maps a column to its :class:`Hierarchy`; a column without one gets the
    built-in for its type (:meth:`Hierarchy.default_for`). ``l`` (distinct l-diversity) and
    ``t`` (t-closeness, EMD) need ``sensitive``. At most ``max_suppression`` of the records
    are removed. Returns the node of least NCP loss among the minimal nodes that pass.
    """
    started = time.perf_counter()
    if k < 1:
        raise InputError(f"k is {k}", hint="use a k of 1 or more (commonly 5 or 11)")
    if not 0.0 <= max_suppression < 1.0:
        raise InputError(f"max_suppression is {max_suppression}", hint="use a share in [0, 1), e.g. 0.05")
    if (l is not None or t is not None) and sensitive is None:
        raise InputError("l and t need a sensitive column", hint="pass sensitive='<column>'")
    if l is not None and l < 1:
        raise InputError(f"l is {l}", hint="use an l of 1 or more")
    if t is not None and not 0.0 <= t <= 1.0:
        raise InputError(f"t is {t}", hint="use a distance in [0, 1]")
    rows = to_polars(frame)
    summary = summarize(rows, quasi_identifiers=quasi_identifiers, sensitive=sensitive)
    qis = list(summary.quasi_identifiers)
    chosen = {q: (hierarchies or {}).get(q) or Hierarchy.default_for(q, rows.schema[q]) for q in qis}
    unknown = sorted(set(hierarchies or {}) - set(qis))
    if unknown:
        raise InputError(
            f"hierarchies name {unknown}, which are not quasi-identifiers",
            hint=f"the quasi-identifiers are {qis}",
        )
    counts = summary.counts[COUNT].to_numpy().astype(np.int64)
    n = int(counts.sum())
    budget = int(np.floor(max_suppression * n + 1e-9))
    columns = [_code_column(summary.counts, q, chosen[q]) for q in qis]
    sens = None
    ordinal = False
    if sensitive is not None:
        sens = dense_codes(summary.counts[sensitive])
        dtype = summary.counts.schema[sensitive]
        ordinal = dtype.is_numeric() or dtype.is_temporal()
    shape = tuple(len(c.maps) for c in columns)
    total_nodes = int(np.prod(shape))
    if total_nodes > _MAX_NODES:
        raise InputError(
            f"the generalisation lattice has {total_nodes:,} nodes",
            hint="use fewer quasi-identifiers or hierarchies with fewer levels",
        )
    nodes = np.array(list(itertools.product(*(range(s) for s in shape))), dtype=np.int64)
    heights = nodes.sum(axis=1)
    judge = _Judge(
        columns, k=k, l_min=l, t=t, ordinal=ordinal, n_sens=int(sens.max()) + 1 if sens is not None else 0
    )
    base = judge.snapshot(np.zeros(len(columns), dtype=np.int64), [c.codes for c in columns], sens, counts)
    cache: list[_Snapshot] = [base]
    results: dict[int, _Snapshot] = {0: base}

    def evaluate(i: int) -> _Snapshot:
        if i in results:
            return results[i]
        node = nodes[i]
        usable = [c for c in cache if judge.can_roll_up(c.node, node)]
        source = min(usable, key=lambda c: len(c.counts))
        snap = judge.roll_up(source, node)
        results[i] = snap
        if len(snap.counts) <= 0.7 * len(base.counts) and sum(len(c.counts) for c in cache) < 40_000_000:
            cache.append(snap)
        return snap

    status = np.zeros(len(nodes), dtype=np.int8)  # 0 unknown, 1 pass, -1 fail

    def judge_node(pick: int) -> None:
        if evaluate(pick).suppressed <= budget:
            status[(nodes >= nodes[pick]).all(axis=1)] = 1
        else:
            status[(nodes <= nodes[pick]).all(axis=1)] = -1

    # Single-attribute pre-pass (Incognito's subset property): with every other column at "*",
    # a level that fails for one column fails under every level of the others. Cheap nodes that
    # tag many.
    top = np.array(shape, dtype=np.int64) - 1
    for j in range(len(shape)):
        for level in range(shape[j] - 1):
            corner = top.copy()
            corner[j] = level
            i = _index(corner, shape)
            if status[i] == 0:
                judge_node(i)
    while (unknown_idx := np.flatnonzero(status == 0)).size:
        hs = heights[unknown_idx]
        target = (hs.min() + hs.max()) / 2.0
        judge_node(int(unknown_idx[np.argmin(np.abs(hs - target))]))
    passing = np.flatnonzero(status == 1)
    if passing.size == 0:
        target_text = f"k={k}" + (f", l={l}" if l else "") + (f", t={t}" if t is not None else "")
        raise InputError(
            f"no generalisation reaches {target_text} with at most {max_suppression:.1%} "
            f"of the {n} records suppressed",
            hint="allow more suppression, lower the target, or use fewer quasi-identifiers",
        )
    eye = np.eye(len(shape), dtype=np.int64)
    minimal = [
        int(i)
        for i in passing
        if not any(
            status[_index(nodes[i] - eye[d], shape)] == 1 for d in range(len(shape)) if nodes[i][d] > 0
        )
    ]
    best: tuple[float, int, int, int] | None = None
    for i in minimal:
        snap = evaluate(i)
        cand = (_ncp(columns, snap, n), _discernibility(snap, n), int(heights[i]), i)
        if best is None or cand < best:
            best = cand
    assert best is not None
    ncp, dm, _, idx = best
    snap = results[idx]
    node = nodes[idx]
    table = _apply(rows, columns, snap, qis, sensitive)
    after = risk(table, quasi_identifiers=qis, sensitive=sensitive, k_threshold=k)
    return AnonymizationResult(
        table=table,
        levels={c.name: chosen[c.name].levels[int(lv)] for c, lv in zip(columns, node, strict=True)},
        level_indices={c.name: int(lv) for c, lv in zip(columns, node, strict=True)},
        k=k,
        l=l,
        t=t,
        records=n,
        suppressed=snap.suppressed,
        max_suppression=max_suppression,
        ncp_loss=ncp,
        discernibility=dm,
        lattice_nodes=total_nodes,
        nodes_evaluated=len(results) - 1,
        seconds=time.perf_counter() - started,
        risk=after,
        hierarchies=chosen,
    )


class _Judge:
    """Re-codes a snapshot at a coarser node and judges its classes (k, l, t)."""

    def __init__(
        self,
        columns: list[_Column],
        *,
        k: int,
        l_min: int | None,
        t: float | None,
        ordinal: bool,
        n_sens: int,
    ) -> None:
        self.columns, self.k, self.l, self.t = columns, k, l_min, t
        self.ordinal, self.n_sens = ordinal, n_sens

    def can_roll_up(self, source: np.ndarray, target: np.ndarray) -> bool:
        """Whether ``target`` can be computed from ``source``'s snapshot (nested hierarchies)."""
        for col, a, b in zip(self.columns, source, target, strict=True):
            if a > b or (a != b and a != 0 and not col.nested):
                return False
        return True

    def roll_up(self, source: _Snapshot, node: np.ndarray) -> _Snapshot:
        """The snapshot at ``node`` from a finer one."""
        codes = [
            src if a == b else col.up(int(a), int(b))[src]
            for col, a, b, src in zip(self.columns, source.node, node, source.codes, strict=True)
        ]
        return self.snapshot(node.copy(), codes, source.sens, source.counts)

    def snapshot(
        self, node: np.ndarray, codes: list[np.ndarray], sens: np.ndarray | None, counts: np.ndarray
    ) -> _Snapshot:
        """Group rows by class (and sensitive value), and judge each class."""
        cards = [c.cards[int(lv)] for c, lv in zip(self.columns, node, strict=True)]
        m = max(self.n_sens, 1)
        bound = int(np.prod(np.array(cards, dtype=object))) * m
        rows_in = len(counts)
        if bound <= max(4 * rows_in, 1 << 22):
            # Dense: one bincount over the key space; the key decodes back into the codes.
            full = _combine(codes, cards)
            if sens is not None:
                full = full * m + sens
            cell = np.bincount(full, weights=counts, minlength=bound)
            nz = np.flatnonzero(cell)
            new_counts = cell[nz].astype(np.int64)
            new_key = nz // m
            new_sens = None if sens is None else nz % m
            rest = new_key.copy()
            decoded = []
            for card in reversed(cards):
                decoded.append(rest % card)
                rest //= card
            new_codes = decoded[::-1]
        else:
            key = _combine(codes, cards)
            full = key if sens is None else _combine([key, sens], [int(key.max()) + 1, m])
            order = np.argsort(full)
            full_sorted = full[order]
            starts = np.r_[0, np.flatnonzero(full_sorted[1:] != full_sorted[:-1]) + 1]
            rows = order[starts]
            new_counts = np.add.reduceat(counts[order], starts)
            new_codes = [c[rows] for c in codes]
            new_sens = None if sens is None else sens[rows]
            new_key = key[rows]
        if len(new_key):
            class_starts = np.r_[0, np.flatnonzero(new_key[1:] != new_key[:-1]) + 1]
        else:
            class_starts = np.zeros(0, np.int64)
        sizes = np.add.reduceat(new_counts, class_starts) if len(class_starts) else new_counts
        lengths = np.diff(np.r_[class_starts, len(new_key)])
        fail = sizes < self.k
        if self.l is not None:
            fail |= lengths < self.l
        if self.t is not None and new_sens is not None:
            class_ids = np.repeat(np.arange(len(class_starts)), lengths)
            distances = emd(class_ids, new_counts, new_sens, len(class_starts), ordinal=self.ordinal)
            fail |= distances > self.t + 1e-12
        return _Snapshot(
            node=node,
            codes=new_codes,
            sens=new_sens,
            counts=new_counts,
            class_starts=class_starts,
            fail_rows=np.repeat(fail, lengths),
            suppressed=int(sizes[fail].sum()),
        )


def _combine(parts: list[np.ndarray], cards: list[int]) -> np.ndarray:
    """One integer key from several codes (mixed radix), re-densified before it could overflow."""
    total = 1
    for card in cards:
        total *= card
    dtype = np.int32 if total < 2**31 else np.int64
    key: np.ndarray = np.array(parts[0], dtype=dtype, copy=True)
    bound = cards[0]
    for part, card in zip(parts[1:], cards[1:], strict=True):
        if bound * card >= 2**62:
            uniq, key = np.unique(key, return_inverse=True)
            bound = len(uniq)
        np.multiply(key, card, out=key)
        np.add(key, part, out=key, casting="unsafe")
        bound *= card
    return key


def _index(node: np.ndarray, shape: tuple[int, ...]) -> int:
    return int(np.ravel_multi_index(tuple(node), shape))


def _code_column(counts: pl.DataFrame, q: str, hierarchy: Hierarchy) -> _Column:
    raw = counts[q].unique().sort(nulls_last=True)
    lookup = raw.to_frame().with_row_index("__code__")
    joined = counts.select(q).join(lookup, on=q, how="left", nulls_equal=True, maintain_order="left")
    codes = joined["__code__"].to_numpy().astype(np.int32)
    maps: list[np.ndarray] = []
    cards: list[int] = []
    ncps: list[np.ndarray] = []
    labels: list[pl.Series] = []
    numeric = raw.dtype.is_numeric()
    present = raw.drop_nulls()
    span = float(present.max() - present.min()) if numeric and present.len() > 1 else 0.0  # type: ignore[operator, arg-type]
    top = len(hierarchy.levels) - 1
    for level in range(len(hierarchy.levels)):
        try:
            gen = hierarchy.generalise(raw, level)
        except pl.exceptions.PolarsError as exc:
            raise ColumnError(
                f"column {q!r} cannot be generalised by a {hierarchy.kind} hierarchy ({type(exc).__name__})",
                hint="give it a hierarchy that fits its type in the hierarchies file",
            ) from exc
        if 0 < level < top:
            bad = int((gen.is_null() & raw.is_not_null()).sum())
            if bad:
                raise ColumnError(
                    f"column {q!r}: {bad} distinct values cannot be generalised by the "
                    f"{hierarchy.kind} hierarchy",
                    hint="check the column's type and format (dates as YYYY-MM-DD) or choose another hierarchy",
                )
        group = np.arange(len(raw), dtype=np.int64) if level == 0 else dense_codes(gen)
        card = int(group.max()) + 1 if len(group) else 1
        frame = pl.DataFrame({"g": group, "raw": raw, "gen": gen})
        first = frame.group_by("g").agg(pl.col("gen").first()).sort("g")
        labels.append(first["gen"])
        pen = np.zeros(card)
        if level == top:
            pen[:] = 1.0
        elif level > 0 and numeric and span > 0:
            spread = frame.group_by("g").agg((pl.col("raw").max() - pl.col("raw").min()).alias("v"))
            pen[spread["g"].to_numpy()] = spread["v"].fill_null(0).to_numpy().astype(float) / span
        elif level > 0:
            spread = frame.group_by("g").agg(pl.col("raw").drop_nulls().n_unique().alias("v"))
            pen[spread["g"].to_numpy()] = (spread["v"].to_numpy().astype(float) - 1).clip(0) / max(
                present.len() - 1, 1
            )
        maps.append(group.astype(np.int32))
        cards.append(card)
        ncps.append(pen)
    nested = all(
        pl.DataFrame({"a": maps[i], "b": maps[i + 1]}).group_by("a").agg(pl.col("b").n_unique())["b"].max()
        == 1
        for i in range(1, len(maps) - 1)
    )
    return _Column(q, raw, codes, maps, cards, ncps, labels, nested)


def _ncp(columns: list[_Column], snap: _Snapshot, n: int) -> float:
    kept = np.where(snap.fail_rows, 0, snap.counts).astype(float)
    total = 0.0
    for j, (col, lv) in enumerate(zip(columns, snap.node, strict=True)):
        total += float((col.ncp[int(lv)][snap.codes[j]] * kept).sum())
    total += float(snap.suppressed) * len(columns)
    return total / (n * len(columns))


def _discernibility(snap: _Snapshot, n: int) -> int:
    sizes = np.add.reduceat(snap.counts, snap.class_starts) if len(snap.class_starts) else snap.counts
    fail = snap.fail_rows[snap.class_starts] if len(snap.class_starts) else np.zeros(0, bool)
    return int((sizes[~fail].astype(np.int64) ** 2).sum()) + snap.suppressed * n


def _apply(
    rows: pl.DataFrame, columns: list[_Column], snap: _Snapshot, qis: list[str], sensitive: str | None
) -> pl.DataFrame:
    """Generalise the rows at the chosen node and drop the records of failing classes (one pass)."""
    out = rows
    for j, (col, lv) in enumerate(zip(columns, snap.node, strict=True)):
        if int(lv) == 0:
            continue
        mapping = pl.DataFrame({col.name: col.raw, "__gen__": col.labels[int(lv)][col.maps[int(lv)]]})
        out = out.join(mapping, on=col.name, how="left", nulls_equal=True, maintain_order="left")
        out = out.with_columns(pl.col("__gen__").alias(col.name)).drop("__gen__")
        del j
    if snap.suppressed:
        fail = snap.fail_rows
        data = {
            col.name: col.labels[int(lv)][snap.codes[j][fail]]
            for j, (col, lv) in enumerate(zip(columns, snap.node, strict=True))
        }
        failing = pl.DataFrame(data).unique().with_columns(pl.lit(True).alias("__drop__"))
        failing = failing.cast({q: out.schema[q] for q in qis})  # type: ignore[dict-item]
        out = out.join(failing, on=qis, how="left", nulls_equal=True, maintain_order="left")
        out = out.filter(pl.col("__drop__").is_null()).drop("__drop__")
    return out.select(rows.columns)
