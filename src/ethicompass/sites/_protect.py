"""Sound complementary suppression: hide cells until no hidden cell can be computed from the totals.

A reader of a site file knows every published cell and (we assume, conservatively) the total of every
margin the file and the other tables of the same rows allow: each margin is a set of cells whose sum
the reader knows, or an equation between cells of two tables of the same rows (coefficients ``+1`` and
``-1``, known sum 0). With ``small_totals=False`` (the site file's model) a margin whose total is under
the minimum cell size is not assumed known: it is itself a count the file never publishes, and a
reader who holds it already knows a small count.

Two ways a hidden cell is disclosed (both are found; :func:`protect` closes the first always and the
second with ``intervals=True``, which the site file does not use yet: too slow on a joint table):

* **exactly**: its value is a linear combination of the known totals less the published cells, i.e.
  its unit vector lies in the row space of the hidden part of the equations (:func:`recoverable`,
  one SVD per connected block of hidden cells);
* **by its interval** (cells under the minimum only): the smallest and largest values the equations
  allow, with every hidden cell holding at least one row, are narrower than [1, minimum - 1]
  (:func:`narrow`, two linear programmes per cell, HiGHS via :func:`scipy.optimize.linprog`).

:func:`protect` starts from the cells under the minimum and, while a hidden cell under it is disclosed, hides
the smallest published cell that shares a margin with it and stops its disclosure (the hypercube
method's choice in tau-ARGUS: the cheapest cell that breaks the determination), falling back to the
one that leaves fewest cells disclosed. :func:`protect_milp` instead gives each disclosed cell the
cheapest set of cells that breaks its determination, found by a small integer programme (what a site
file uses: the greedy choice cascades on linked tables). :func:`unprotectable` names what no
suppression can hide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "Margin",
    "bounds",
    "known_margins",
    "narrow",
    "protect",
    "protect_milp",
    "recoverable",
    "unprotectable",
]

#: a set of cells with a known sum (an index array), or cells with coefficients and a known sum 0
Margin = np.ndarray | tuple[np.ndarray, np.ndarray]
_TOL = 1e-9


def _equations(margins: Sequence[Margin]) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for m in margins:
        if isinstance(m, tuple):
            cells, coefs = np.asarray(m[0], dtype=np.int64), np.asarray(m[1], dtype=np.float64)
        else:
            cells = np.asarray(m, dtype=np.int64)
            coefs = np.ones(cells.size)
        if cells.size:
            out.append((cells, coefs))
    return out


def _hidden_system(
    equations: list[tuple[np.ndarray, np.ndarray]], mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(hidden cell ids, the equations' matrix over them, which equations touch a hidden cell)."""
    hidden = np.flatnonzero(mask)
    column = np.full(mask.shape, -1, dtype=np.int64)
    column[hidden] = np.arange(hidden.size)
    rows, used = [], []
    for k, (cells, coefs) in enumerate(equations):
        inside = mask[cells]
        if inside.any():
            row = np.zeros(hidden.size)
            np.add.at(row, column[cells[inside]], coefs[inside])
            if np.any(row != 0):
                rows.append(row)
                used.append(k)
    a = np.array(rows) if rows else np.zeros((0, hidden.size))
    return hidden, a, used


def _blocks(a: np.ndarray) -> list[np.ndarray]:
    """The hidden cells (columns of ``a``) in connected blocks: cells linked through a shared equation."""
    n = a.shape[1]
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for row in a:
        members = np.flatnonzero(row)
        if members.size > 1:
            first = root(int(members[0]))
            for j in members[1:]:
                r = root(int(j))
                if r != first:
                    parent[r] = first
    roots = np.array([root(i) for i in range(n)], dtype=np.int64)
    return [np.flatnonzero(roots == r) for r in np.unique(roots)]


def recoverable(margins: Sequence[Margin], mask: np.ndarray) -> np.ndarray:
    """Which hidden cells a reader can compute exactly from the published cells and the margins' totals.

    Each margin's total less its published cells is a known sum of its hidden cells: a linear system
    ``A x = b`` in the hidden cells. A hidden cell is determined iff its unit vector lies in the row space
    of ``A``, i.e. iff it is zero in every vector of ``A``'s null space (one thin SVD per connected block
    of hidden cells). A hidden cell in no margin is not determined. Returns a mask over all cells
    (``False`` for the published ones).
    """
    mask = np.asarray(mask, dtype=bool)
    out = np.zeros(mask.shape, dtype=bool)
    if not mask.any():
        return out
    hidden, a, _ = _hidden_system(_equations(margins), mask)
    if a.shape[0] == 0:
        return out
    for block in _blocks(a):
        sub = a[:, block]
        sub = sub[np.any(sub != 0, axis=1)]
        if sub.shape[0] == 0:
            continue
        # e_j is in the row space iff its projection onto the row space is itself: with the thin SVD's
        # leading right singular vectors V_r, iff |V_r e_j|^2 = 1 (no full null-space basis needed)
        _, sv, vt = np.linalg.svd(sub, full_matrices=False)
        rank = int((sv > 1e-9 * max(1.0, float(sv[0]))).sum())
        inside = (vt[:rank] ** 2).sum(axis=0)
        pinned = 1.0 - inside < 1e-10
        out[hidden[block[pinned]]] = True
    return out


def bounds(counts: np.ndarray, margins: Sequence[Margin], mask: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """The interval each of ``cells`` (hidden) may take given the published cells and the margins' totals,
    every hidden cell holding at least one row: an array (len(cells), 2), ``inf`` where unbounded above."""
    from scipy.optimize import linprog

    counts = np.asarray(counts, dtype=np.float64)
    equations = _equations(margins)
    hidden, a, used = _hidden_system(equations, mask)
    total = np.array([float(coefs @ counts[c]) for c, coefs in (equations[k] for k in used)])
    shown = np.array(
        [float(coefs[~mask[c]] @ counts[c[~mask[c]]]) for c, coefs in (equations[k] for k in used)]
    )
    b = total - shown if used else np.zeros(0)
    position = {int(h): j for j, h in enumerate(hidden)}
    blocks = _blocks(a)
    block_of = {int(j): b_ for b_, block in enumerate(blocks) for j in block}
    out = np.empty((len(cells), 2))
    for r, cell in enumerate(cells):
        j = position[int(cell)]
        if j not in block_of:
            out[r] = (1.0, np.inf)
            continue
        block = blocks[block_of[j]]
        rows = np.any(a[:, block] != 0, axis=1)
        sub, rhs = a[rows][:, block], b[rows]
        objective = (block == j).astype(np.float64)
        lo = linprog(objective, A_eq=sub, b_eq=rhs, bounds=(1, None), method="highs")
        hi = linprog(-objective, A_eq=sub, b_eq=rhs, bounds=(1, None), method="highs")
        low = float(lo.fun) if lo.status == 0 else 1.0
        high = -float(hi.fun) if hi.status == 0 else np.inf
        out[r] = (low, high)
    return out


def _width(minimum: int) -> int:
    """The narrowest interval a cell under the minimum may be left in: that of the label "under the
    minimum" itself, [1, minimum - 1] (what OHDSI's "< 5" tells every reader)."""
    return max(0, minimum - 2)


def narrow(counts: np.ndarray, margins: Sequence[Margin], mask: np.ndarray, minimum: int) -> np.ndarray:
    """Which hidden cells under ``minimum`` the totals pin to an interval narrower than [1, minimum - 1]
    (upper bound less lower bound under ``minimum - 2``): a reader would learn more about the small count
    than that it is under the minimum."""
    counts = np.asarray(counts)
    out = np.zeros(mask.shape, dtype=bool)
    small = np.flatnonzero(mask & (counts < minimum))
    if small.size == 0:
        return out
    found = bounds(counts, margins, mask, small)
    out[small[found[:, 1] - found[:, 0] < _width(minimum) - _TOL]] = True
    return out


def _neighbours(equations: list[tuple[np.ndarray, np.ndarray]], cell: int, mask: np.ndarray) -> np.ndarray:
    """The published cells nearest ``cell``: those sharing an equation with it, else with a hidden cell
    that shares one with it, and so on out through its block of hidden cells."""
    seen = {cell}
    frontier = [cell]
    while frontier:
        reached = [cells for cells, _ in equations if np.isin(cells, frontier).any()]
        if not reached:
            break
        touched = np.unique(np.concatenate(reached))
        shown = touched[~mask[touched]]
        if shown.size:
            return shown
        frontier = [int(c) for c in touched if int(c) not in seen]
        seen.update(frontier)
    return np.zeros(0, dtype=np.int64)


def known_margins(
    counts: np.ndarray, margins: Sequence[Margin], minimum: int, *, small_totals: bool = True
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The margins a reader is assumed to know: every equation between tables, and every set of two or
    more cells (a one-cell margin is the cell itself). With ``small_totals=False``, a set whose total is
    under ``minimum`` is left out (such a total is itself a count the file never publishes)."""
    counts = np.asarray(counts)
    return [
        (cells, coefs)
        for cells, coefs in _equations(margins)
        if not np.all(coefs > 0) or (cells.size > 1 and (small_totals or int(counts[cells].sum()) >= minimum))
    ]


def _exposed(
    counts: np.ndarray,
    known: list[tuple[np.ndarray, np.ndarray]],
    mask: np.ndarray,
    minimum: int,
    intervals: bool,
) -> tuple[np.ndarray, str]:
    exposed = recoverable(known, mask)
    if exposed.any() or not intervals:
        return exposed, "exact"
    return narrow(counts, known, mask, minimum), "interval"


def protect(
    counts: np.ndarray,
    margins: Sequence[Margin],
    minimum: int,
    *,
    intervals: bool = True,
    max_trials: int = 8,
    avoid: np.ndarray | None = None,
    start: np.ndarray | None = None,
    small_totals: bool = True,
) -> np.ndarray:
    """Which cells to suppress so that no hidden cell under ``minimum`` is exactly recoverable from the
    margins (and, with ``intervals``, none is pinned to an interval narrower than [1, minimum - 1]). A
    complementary cell the totals determine discloses nothing: it holds the minimum or more and could have
    been published.

    ``counts`` are the cells' row counts; each margin a set of cells with a known total (or an equation,
    see :data:`Margin`); those :func:`known_margins` keeps (``small_totals`` as there) count. The cells under the minimum (and over zero) are
    hidden first; then, while a hidden cell is disclosed, one published cell sharing a margin with it is
    hidden too: of the ``max_trials`` smallest (cells in ``avoid`` last), the one that leaves the fewest
    cells disclosed, the smaller on a tie. A cell that the known totals determine by themselves, with every
    cell they reach already hidden, cannot be protected by suppression and is left to the caller
    (:func:`recoverable` on the result finds it). ``start``: cells already chosen (a first pass); the cells
    under the minimum are added to them. Returns the mask of suppressed cells.
    """
    counts = np.asarray(counts)
    mask = (counts > 0) & (counts < minimum)
    if start is not None:
        mask |= np.asarray(start, dtype=bool)
    if minimum <= 1 or not mask.any():
        return mask
    known = known_margins(counts, margins, minimum, small_totals=small_totals)
    stuck = np.zeros(counts.size, dtype=bool)
    small = (counts > 0) & (counts < minimum)
    penalty = (
        np.zeros(counts.size) if avoid is None else np.asarray(avoid, dtype=np.float64) * (counts.max() + 1)
    )
    for _ in range(4 * counts.size + 4):
        exposed, kind = _exposed(counts, known, mask, minimum, intervals)
        exposed &= small & ~stuck  # a hidden cell of the minimum or more could have been published
        if not exposed.any():
            return mask
        cell = int(np.flatnonzero(exposed)[np.argmin(counts[exposed])])
        options = _neighbours(known, cell, mask)
        options = options[counts[options] > 0]
        if options.size == 0:  # the totals alone determine it: no suppression can help (see `pinned`)
            stuck[cell] = True
            continue
        options = options[np.argsort(counts[options] + penalty[options], kind="stable")]
        best, best_score = int(options[0]), None
        for option in options[:max_trials]:
            trial = mask.copy()
            trial[option] = True
            still = recoverable(known, trial)
            if kind == "interval" and not still.any():
                low, high = bounds(counts, known, trial, np.array([cell]))[0]
                still[cell] = high - low < _width(minimum) - _TOL
            score = (int(still[cell]), int((still & small).sum()), float(counts[option] + penalty[option]))
            if best_score is None or score < best_score:
                best, best_score = int(option), score
            if score[0] == 0 and score[1] == 0:
                break
        mask[best] = True
    return mask


def unprotectable(
    counts: np.ndarray,
    margins: Sequence[Margin],
    mask: np.ndarray,
    minimum: int,
    *,
    small_totals: bool = False,
) -> np.ndarray:
    """The hidden cells under ``minimum`` that the known totals still determine exactly after
    :func:`protect`: the totals alone give them (every cell they reach is hidden), so no suppression can;
    a site file must not be written then."""
    counts = np.asarray(counts)
    known = known_margins(counts, margins, minimum, small_totals=small_totals)
    return recoverable(known, mask) & (counts > 0) & (counts < minimum)


#: the largest entry (in absolute value) of the null vector that proves a cell undetermined, its own being 1
_SCALE = 4.0


def _matrix(equations: list[tuple[np.ndarray, np.ndarray]], size: int) -> Any:
    """The equations as a sparse matrix over all cells (one row each)."""
    from scipy.sparse import csr_array

    if not equations:
        return csr_array((0, size))
    rows = np.concatenate([np.full(c.size, k) for k, (c, _) in enumerate(equations)])
    cols = np.concatenate([c for c, _ in equations])
    vals = np.concatenate([v for _, v in equations])
    return csr_array((vals, (rows, cols)), shape=(len(equations), size))


def _component(e: Any, cell: int) -> tuple[np.ndarray, np.ndarray]:
    """The cells and equations linked to ``cell`` through shared equations (its connected block)."""
    from scipy.sparse.csgraph import breadth_first_order

    size = e.shape[1]
    incidence = (e != 0).astype(np.int8)
    from scipy.sparse import bmat

    graph = bmat([[None, incidence.T], [incidence, None]]).tocsr()  # cells, then equations
    reached = breadth_first_order(graph, cell, directed=False, return_predecessors=False)
    cells = np.sort(reached[reached < size])
    rows = np.sort(reached[reached >= size] - size)
    return cells, rows


def _break(
    e: Any, counts: np.ndarray, mask: np.ndarray, cell: int, cost: np.ndarray, time_limit: float
) -> np.ndarray | None:
    """The cheapest published cells to hide so that ``cell`` is not determined: a small integer programme.

    ``cell`` is undetermined iff some vector ``d`` with ``d[cell] = 1`` satisfies every known equation
    (``E d = 0``) and is zero on the published cells (it moves the hidden cells without changing any
    total). Variables: ``d`` over the cell's block, and a 0/1 ``s`` per published cell that may be
    hidden (``|d| <= 4 s``); minimise the cost of the cells hidden. None when no choice works (the
    totals alone give the cell away)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array, hstack, identity, vstack

    cells, rows = _component(e, cell)
    sub = e[rows][:, cells]
    k = cells.size
    free = ~mask[cells] & (counts[cells] > 0)  # published cells that may be hidden
    lb = np.where(mask[cells], -_SCALE, 0.0)
    ub = np.where(mask[cells], _SCALE, 0.0)
    lb[free], ub[free] = -_SCALE, _SCALE
    at = int(np.searchsorted(cells, cell))
    lb[at] = ub[at] = 1.0
    f = np.flatnonzero(free)
    eye = identity(k, format="csr")[f]
    link = vstack([hstack([eye, -_SCALE * identity(f.size)]), hstack([-eye, -_SCALE * identity(f.size)])])
    a = vstack([hstack([sub, csr_array((sub.shape[0], f.size))]), link]).tocsr()
    lo = np.concatenate([np.zeros(sub.shape[0]), np.full(2 * f.size, -np.inf)])
    hi = np.zeros(sub.shape[0] + 2 * f.size)
    c = np.concatenate([np.zeros(k), cost[cells[f]]])
    integrality = np.concatenate([np.zeros(k), np.ones(f.size)])
    result = milp(
        c,
        integrality=integrality,
        bounds=Bounds(np.concatenate([lb, np.zeros(f.size)]), np.concatenate([ub, np.ones(f.size)])),
        constraints=LinearConstraint(a, lo, hi),
        options={"time_limit": time_limit},
    )
    if result.x is None:
        return None
    chosen = np.zeros(mask.shape, dtype=bool)
    chosen[cells[f[result.x[k:] > 0.5]]] = True
    return chosen


def protect_milp(
    counts: np.ndarray,
    margins: Sequence[Margin],
    minimum: int,
    *,
    cost: Callable[[np.ndarray], np.ndarray] | None = None,
    start: np.ndarray | None = None,
    small_totals: bool = False,
    time_limit: float = 10.0,
) -> np.ndarray:
    """Which cells to suppress so that no hidden cell under ``minimum`` is exactly recoverable, the
    complementary cells chosen by a small integer programme instead of :func:`protect`'s greedy step.

    The cells under the minimum (and over zero) are hidden first (with ``start``, if given). Then,
    while :func:`recoverable` finds a hidden cell under the minimum that the known totals determine,
    the smallest such cell gets :func:`_break`'s cheapest set of published cells that leaves it
    undetermined, ``cost(mask)`` giving each cell's price given what is already hidden (default its row
    count: minimise the rows hidden). Hiding more never determines a cell that was not, so each cell
    is settled once. A cell the totals give away by themselves is left (:func:`unprotectable`).
    Returns the mask of suppressed cells.
    """
    counts = np.asarray(counts)
    small = (counts > 0) & (counts < minimum)
    mask = small.copy()
    if start is not None:
        mask |= np.asarray(start, dtype=bool)
    if minimum <= 1 or not mask.any():
        return mask
    known = known_margins(counts, margins, minimum, small_totals=small_totals)
    e = _matrix(known, counts.size)
    stuck = np.zeros(counts.size, dtype=bool)
    while True:
        exposed = recoverable(known, mask) & small & ~stuck
        if not exposed.any():
            return mask
        cell = int(np.flatnonzero(exposed)[np.argmin(counts[exposed])])
        price = counts.astype(np.float64) if cost is None else np.asarray(cost(mask), dtype=np.float64)
        chosen = _break(e, counts, mask, cell, price, time_limit)
        if chosen is None or not chosen.any():
            stuck[cell] = True  # the totals alone determine it (or the programme found nothing in time)
            continue
        mask |= chosen
