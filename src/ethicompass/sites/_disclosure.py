"""Disclosure control before anything leaves a site, and the check that proves it was applied.

**Suppression.** No published count of rows is below the policy's ``min_cell_size`` (default 5,
as OHDSI's ``minCellCount``). The fairness tables are protected together by
:func:`ethicompass.sites._tables.protect_tables` (primary suppression, the one-margin rule of
:func:`one_margin`, then complementary cells chosen by a small integer programme,
:func:`ethicompass.sites._protect.protect_milp`); one-way count tables (an attribute's values, consent's
reasons) by :func:`complementary`. What was removed is recorded as a number of cells and a band of rows,
never a value.

**The check** (:func:`check_body`) judges a summary from the file alone: only known fields, the
fairness tables the format holds, no published count under the minimum, scores only on the policy's grid
of bin edges (none in the joint table), no text that looks like an identifier. Its certificate goes into
the file and the site's audit log.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

import numpy as np

from ethicompass.sites._format import BODY_KEYS, FORMAT, FORMAT_VERSION, NOISY_GRID, body_hash
from ethicompass.sites._protect import Margin, protect, recoverable

__all__ = [
    "CHECKER_VERSION",
    "check_body",
    "complementary",
    "one_margin",
    "recoverable",
    "suppress_counts",
]

CHECKER_VERSION = "2"
_INTERNAL = ("_label", "_pred", "_score", "_n", "_sum_e", "_sum_e2", "_sum_e4")
#: a run of 6+ digits, or letters+digits codes of 6+ characters: the shape of an id, MRN or phone number
_ID_SHAPE = re.compile(r"\d{6,}|(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9]{2,}-?\d{5,}")


def one_margin(counts: np.ndarray, margins: Sequence[Margin], minimum: int) -> np.ndarray:
    """The fast first pass: the cells under ``minimum`` and, for every margin that would lose exactly one,
    its smallest published cell, repeated until no margin has exactly one suppressed cell. Not sound on
    its own (two margins together can still pin a cell): :func:`complementary` finishes the job."""
    counts = np.asarray(counts)
    mask = (counts > 0) & (counts < minimum)
    plain = [np.asarray(m) for m in margins if not isinstance(m, tuple)]
    changed = bool(mask.any())
    while changed:
        changed = False
        for margin in plain:
            if margin.size < 2:
                continue
            hidden = mask[margin]
            if int(hidden.sum()) != 1:
                continue
            shown = margin[~hidden & (counts[margin] > 0)]  # an empty cell is in no file: nothing to hide
            if shown.size == 0:
                continue
            mask[shown[np.argmin(counts[shown])]] = True
            changed = True
    return mask


def complementary(
    counts: np.ndarray, margins: Sequence[Margin], minimum: int, *, intervals: bool = False
) -> np.ndarray:
    """Which cells to suppress: those under ``minimum`` and the complementary cells that keep every hidden
    cell from being computed exactly from the totals of the margins that hold at least ``minimum`` rows
    (and, with ``intervals``, every cell under the minimum from being pinned to an interval narrower than
    [1, minimum - 1]). A margin whose total is under the minimum is not assumed known: no file publishes
    it, and a reader who holds it from elsewhere already holds a small count.

    The one-margin rule (:func:`one_margin`) runs first, then
    :func:`ethicompass.sites._protect.protect` closes what several margins together disclose.
    ``counts`` are the cells' row counts; each margin is an array of cell indices (or an equation between
    tables, see :data:`ethicompass.sites._protect.Margin`). Returns a mask.
    """
    counts = np.asarray(counts)
    if minimum <= 1:
        return np.zeros(counts.shape, dtype=bool)
    first = one_margin(counts, margins, minimum)
    return protect(counts, margins, minimum, start=first, intervals=intervals, small_totals=False)


def suppress_counts(values: dict[str, int], minimum: int) -> tuple[dict[str, int], int]:
    """Suppress a one-way count table whose total is known (an attribute's values; consent's reasons).

    Returns the published counts and the number of suppressed entries (complementary included).
    """
    keys = list(values)
    counts = np.array([values[k] for k in keys], dtype=np.int64)
    mask = complementary(counts, [np.arange(len(keys))], minimum)
    return {k: int(c) for k, c, m in zip(keys, counts, mask, strict=True) if not m}, int(mask.sum())


def _problem(problems: list[str], text: str) -> None:
    if len(problems) < 20:
        problems.append(text)


@lru_cache(maxsize=65_536)
def _looks_like_identifier(text: str) -> bool:
    if _ID_SHAPE.search(text):
        return True
    from ethicompass.privacy import find_phi

    return any(span.type not in ("AGE", "DATE", "LOCATION") for span in find_phi(text))


#: the keys of the file's fairness section, and of each of its tables
_FAIRNESS_KEYS = frozenset({"groups", "threshold", "bin_width", "label", "score", "tables"})
_TABLE_KEYS = frozenset({"kind", "groups", "columns", "rows"})


def _expected_tables(groups: list[str], *, noisy: bool = False) -> list[tuple[str, list[str]]]:
    """The tables a file of these group columns holds, in order: overall, one per column, the joint one;
    under the noise method the one noisy grid over every group column (:mod:`ethicompass.sites._noise`)."""
    if noisy:
        return [(NOISY_GRID, groups)]
    return [
        ("overall", []),
        *[("attribute", [g]) for g in groups],
        *([("joint", groups)] if len(groups) > 1 else []),
    ]


def _check_fairness(
    fairness: dict[str, Any],
    groups: list[str],
    min_cell_size: int,
    score_bins: int | None,
    texts: set[str],
    *,
    noisy: bool = False,
) -> list[str]:
    """The fairness section's problems: its fields, its tables (each as :func:`_check_table` judges it)."""
    problems: list[str] = []
    extra = sorted(set(fairness) - _FAIRNESS_KEYS)
    if extra:
        problems.append(f"unknown fairness field(s): {', '.join(extra)}")
    tables = fairness.get("tables")
    if not isinstance(tables, list):
        return [*problems, "fairness has no list of tables"]
    found = [(t.get("kind"), t.get("groups")) if isinstance(t, dict) else (None, None) for t in tables]
    if found != _expected_tables(groups, noisy=noisy):
        problems.append(
            "fairness tables are not the noise method's one grid over every group column"
            if noisy
            else "fairness tables are not the overall table, one table per group column and the joint table, in order"
        )
    for table in tables:
        if isinstance(table, dict):
            problems += _check_table(table, min_cell_size, score_bins, texts)
    return problems


def _check_table(
    table: dict[str, Any], min_cell_size: int, score_bins: int | None, texts: set[str]
) -> list[str]:
    """One table's problems: unknown fields, columns, ragged rows, counts under the minimum, score keys
    off the grid (or any score in the joint table); its group values are added to ``texts``."""
    problems: list[str] = []
    kind = table.get("kind")
    name = f"{kind} table" + (
        f" ({', '.join(map(str, table.get('groups') or []))})" if kind == "attribute" else ""
    )
    extra = sorted(set(table) - _TABLE_KEYS)
    if extra:
        problems.append(f"{name}: unknown field(s) {', '.join(extra)}")
    groups = list(table.get("groups") or [])
    columns = list(table.get("columns") or [])
    if columns != [*groups, *_INTERNAL]:
        problems.append(f"{name}: columns are not the group columns followed by the count columns")
        return problems
    rows = table.get("rows")
    if not isinstance(rows, list):
        return [*problems, f"{name}: rows are not a list"]
    width = len(columns)
    # one pass over the rows per column read (no full transposition: the check runs again at every merge)
    if not rows or (set(map(type, rows)) == {list} and set(map(len, rows)) == {width}):
        ragged = []
    else:
        ragged = [i for i, r in enumerate(rows) if type(r) is not list or len(r) != width]
    for i in ragged[:3]:
        if isinstance(rows[i], list):
            problems.append(f"{name} row {i + 1} has {len(rows[i])} values, not {width}")
        else:
            problems.append(f"{name} row {i + 1} is not a list of {width} values")
    if not rows or ragged:
        return problems
    j_n = len(groups) + _INTERNAL.index("_n")
    n = list(map(itemgetter(j_n), rows))
    fine = set(map(type, n)) == {int} and min(n) >= min_cell_size
    bad = [] if fine else [i for i, v in enumerate(n) if type(v) is not int or v < min_cell_size]
    for i in bad[:5]:
        problems.append(f"{name} cell {i + 1}: {n[i]!r} rows, under the minimum {min_cell_size}")
    j_s = len(groups) + _INTERNAL.index("_score")
    keys = list(map(itemgetter(j_s), rows))
    if kind == "joint":
        if any(v is not None for v in keys):
            problems.append(f"{name}: holds score keys (the joint table has no score)")
    elif score_bins is not None:
        if any(v is None for v in keys):
            problems.append(f"{name}: a cell has no score key")
        else:
            edges = np.array(keys, dtype=float) * score_bins
            off = np.flatnonzero(np.abs(edges - np.round(edges)) > 1e-6)
            for i in off[:5]:
                problems.append(f"{name} cell {i + 1}: score key is not an edge of {score_bins} bins")
    for column in (set(map(itemgetter(j), rows)) for j in range(len(groups))):
        # numbers too: a group column of 6-digit codes is as identifying as one of text
        texts |= {str(v) for v in set(column) if isinstance(v, str | int | float) and not isinstance(v, bool)}
    return problems


def check_body(
    body: dict[str, Any],
    /,
    *,
    min_cell_size: int,
    score_bins: int | None,
    parts: dict[str, bytes] | None = None,
    with_hash: bool = True,
) -> dict[str, Any]:
    """Judge a site summary from its content alone; return the certificate (``passed`` and ``problems``).

    Fails on: a field that is not part of the format (in the body, its fairness section or a table);
    fairness tables other than the overall table, one per group column and the joint table (under the
    noise method: other than the one noisy grid); a published
    count of rows below ``min_cell_size``; a score that is not a bin edge of ``score_bins`` bins (when
    binned), or any score in the joint table; a text value (a group value, one a record names as
    withheld, a name) that has the shape of an identifier or that the PHI recognizers flag.
    ``parts`` are the body's values already encoded (:func:`ethicompass.sites._format.encode_parts`);
    ``with_hash=False`` leaves out the content hash (a caller that holds the signed body needs no other binding).
    A body of the noise method (``disclosure.method`` ``noise``) has no minimum: its counts must be whole
    (non-negative, except the fairness cells' signed noisy counts), and its noise record must hold (:func:`ethicompass.sites._noise_check.check_noise`).
    """
    problems: list[str] = []
    noisy = (body.get("disclosure") or {}).get("method") == "noise"
    if noisy:
        # the noise method (sites._noise) suppresses nothing: counts are judged whole and non-negative, the
        # noise record against the tables, and identifiers as under suppression
        from ethicompass.sites._noise_check import check_noise

        problems += check_noise(body)
        floor, cell_floor = 0, -(2**62)  # a noisy fairness cell may be negative: clamped after merging
    else:
        floor = cell_floor = min_cell_size
    if body.get("format") != FORMAT or body.get("format_version") != FORMAT_VERSION:
        _problem(problems, "not an ethicompass-site body of this version")
    extra = sorted(set(body) - BODY_KEYS)
    if extra:
        _problem(problems, f"unknown field(s): {', '.join(extra)}")
    texts: set[str] = set()
    fairness = body.get("fairness") or {}
    groups = list(fairness.get("groups", [])) if isinstance(fairness.get("groups"), list) else []
    published = 0
    for problem in _check_fairness(fairness, groups, cell_floor, score_bins, texts, noisy=noisy):
        _problem(problems, problem)
    for table in fairness.get("tables") or []:
        if isinstance(table, dict) and isinstance(table.get("rows"), list):
            published += len(table["rows"])
    record = ((body.get("disclosure") or {}).get("suppressed") or {}).get("fairness") or {}
    for table in record.get("tables") or []:
        for entry in (table or {}).get("withheld") or []:
            texts |= {str(v) for v in (entry or {}).get("group") or [] if v is not None}
    for attribute, values in (body.get("representativeness") or {}).items():
        texts.add(str(attribute))
        for value, n in values.items():
            texts.add(str(value))
            if not isinstance(n, int) or n < floor:
                _problem(problems, f"representativeness {attribute}: a value with {n!r} rows, under {floor}")
    consent = body.get("consent")
    if consent is not None:
        for name in ("rows_in", "rows_kept"):
            n = consent.get(name)
            if n is not None and (not isinstance(n, int) or n < 0 or 0 < n < floor):
                _problem(problems, f"consent {name}: {n!r} rows, under the minimum {floor}")
        for reason, n in (consent.get("rows_dropped") or {}).items():
            if not isinstance(n, int) or n < 0 or 0 < n < floor:
                _problem(problems, f"consent rows dropped ({reason}): {n!r}, under the minimum {floor}")
    from ethicompass.sites._safety import check_safety  # adverse events (issue 23), kept in its own module

    for problem in check_safety(body.get("safety"), floor, texts):
        _problem(problems, problem)
    texts |= {str(body.get("site", "")), *map(str, groups)}
    flagged = sorted(t for t in texts if t and _looks_like_identifier(t))
    for _ in flagged:
        _problem(problems, "a text value has the shape of an identifier (value withheld)")
    unchecked = {k: v for k, v in body.items() if k not in ("certificate", "checkpoint")}
    digest = body_hash(unchecked, parts=parts) if with_hash else None
    return {
        "checker_version": CHECKER_VERSION,
        "passed": not problems,
        "problems": problems,
        "min_cell_size": min_cell_size,
        "score_bins": score_bins,
        "cells_published": published,
        "body_hash": digest,
    } | ({"method": "noise"} if noisy else {})
