"""Per-class measures on an encoded summary: sizes, l-diversity, t-closeness (EMD).

Everything works on three aligned arrays from :func:`ethicompass.privacy.reidentification._summary.encode`
(class index, count, sensitive code per summary row), so it costs a few passes over the
summary, never over the rows. :mod:`._report` and the lattice search of :mod:`._anonymize` share it.
"""

from __future__ import annotations

import numpy as np

_DENSE_LIMIT = 20_000_000  # cells of a classes x sensitive-values matrix held at once


def class_sizes(class_ids: np.ndarray, counts: np.ndarray, n_classes: int) -> np.ndarray:
    """Records per class."""
    return np.bincount(class_ids, weights=counts, minlength=n_classes).astype(np.int64)


def distinct_l(class_ids: np.ndarray, counts: np.ndarray, n_classes: int) -> np.ndarray:
    """Distinct sensitive values per class (summary rows with a positive count)."""
    return np.bincount(class_ids, weights=(counts > 0), minlength=n_classes).astype(np.int64)


def entropy_l(class_ids: np.ndarray, counts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Entropy l per class: exp of the Shannon entropy (natural log) of its sensitive values."""
    p = counts / sizes[class_ids]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(p), 0.0)
    return np.exp(np.bincount(class_ids, weights=terms, minlength=len(sizes)))


def recursive_c(class_ids: np.ndarray, counts: np.ndarray, n_classes: int, l_value: int) -> np.ndarray:
    """Per class, r1 / (r_l + ... + r_m): the class is recursive (c, l)-diverse for any larger c.

    ``r_i`` are the class's sensitive-value counts in decreasing order (Machanavajjhala et al.
    2007); a class with fewer than ``l`` distinct values gets infinity.
    """
    order = np.lexsort((-counts, class_ids))
    cid, cnt = class_ids[order], counts[order].astype(float)
    starts = np.r_[0, np.flatnonzero(np.diff(cid)) + 1]
    rank = np.arange(len(cid)) - np.repeat(starts, np.diff(np.r_[starts, len(cid)]))  # 0-based
    r1 = np.zeros(n_classes)
    r1[cid[starts]] = cnt[starts]
    tail = np.bincount(cid, weights=np.where(rank >= l_value - 1, cnt, 0.0), minlength=n_classes)
    with np.errstate(divide="ignore"):
        return np.where(tail > 0, r1 / np.where(tail > 0, tail, 1.0), np.inf)


def emd(
    class_ids: np.ndarray,
    counts: np.ndarray,
    sens: np.ndarray,
    n_classes: int,
    *,
    ordinal: bool,
) -> np.ndarray:
    """Earth mover's distance of each class's sensitive distribution from the whole table's.

    Categorical (``ordinal=False``): equal ground distance, EMD = half the L1 distance.
    Ordinal: ground distance |i - j| / (m - 1) over the ordered values, EMD = the summed
    absolute cumulative difference / (m - 1) (Li, Li & Venkatasubramanian 2007).
    """
    m = int(sens.max()) + 1 if len(sens) else 0
    sizes = class_sizes(class_ids, counts, n_classes).astype(float)
    total = counts.sum()
    p = np.bincount(sens, weights=counts, minlength=m) / total
    q = counts / sizes[class_ids]
    if not ordinal or m <= 1:
        part = np.bincount(class_ids, weights=np.abs(q - p[sens]) - p[sens], minlength=n_classes)
        return np.clip(0.5 * (part + 1.0), 0.0, 1.0)
    out = np.empty(n_classes)
    step = max(1, _DENSE_LIMIT // m)
    order = np.argsort(class_ids, kind="stable")
    cid_sorted = class_ids[order]
    for lo in range(0, n_classes, step):
        hi = min(n_classes, lo + step)
        a, b = np.searchsorted(cid_sorted, [lo, hi])
        rows = order[a:b]
        dense = np.zeros((hi - lo, m))
        np.add.at(dense, (class_ids[rows] - lo, sens[rows]), q[rows])
        dense -= p[None, :]
        out[lo:hi] = np.abs(np.cumsum(dense, axis=1)[:, :-1]).sum(axis=1) / (m - 1)
    return out
