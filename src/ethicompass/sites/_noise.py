"""The noise method of disclosure control (``sites.method: noise``): each count table of a site file is
released with OpenDP's Laplace mechanisms, and the file's epsilon is debited in the site's budget ledger.

**What is released.** Every count table on a *public grid*, so that which cells appear never depends on
the data: the fairness cells (the file's one fairness table, of kind ``noisy_grid``; the coordinator derives
the overall, attribute and joint tables from it by adding its signed cells) over every combination of the policy's ``sites.categories`` of each group
column, label (0/1), and the ``score_bins`` bins with the predictions the threshold allows in each bin;
the representativeness counts over the reference population's values of each attribute (and
``(other)``); the consent-enforcement counts over kept and every drop reason. No cell is suppressed.

**Mechanisms and sensitivity** (privacy unit: one row of the predictions, one patient; adding or removing
one changes one cell of each table). The counts ``_n`` get discrete Laplace noise of scale ``1 / eps``
(L1 sensitivity 1). Each error sum ``_sum_e``, ``_sum_e2``, ``_sum_e4`` (of ``e = score - label`` to the
powers 1, 2, 4) is released *centred*: for a cell of label ``l`` and bin ``[s, s + w)`` the row's ``e**p``
lies in a known interval ``[lo, hi]`` of centre ``c`` and half-width ``h``, so ``sum(e**p) - c * n`` moves by
at most ``h`` when one row is added or removed; that vector gets Laplace noise of scale ``max(h) / eps``
(the largest half-width over the grid, a public number: ``w / 2`` for ``e``). The sum is then
``c * n~ + noisy centred sum``. Representativeness: one table per attribute (a patient is in each once),
the table's share split evenly over the attributes; consent: one table. By sequential composition the file
is ``epsilon``-differentially private for the sum of its tables' epsilons, at most ``sites.epsilon``.

**Post-processing** (no extra privacy cost, recorded per table): a fairness cell's noisy count stays a
signed integer in the file (cells of 0 are left out) and its noisy centred sum is clipped to
``[-h * |n~|, h * |n~|]`` so the cell's mean stays inside its bin; the coordinator adds the sites' cells and
only then clamps each merged cell at zero (:func:`ethicompass.sites._noise_merge.clamp_merged`), so the noise
of the sites partly cancels before the clamp biases an empty cell upwards. The one-way tables
(representativeness, consent) are clamped at zero at the site. The report states the noise and does not
claim equality with a pooled analysis.

The check of a noisy file and the coordinator's side are in :mod:`ethicompass.sites._noise_check`.

Adverse-event counts are withheld under this method: a participant's number of events and days at risk
have no public bound yet, so their sensitivity is unknown; the review does not assess them then.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from ethicompass.errors import InputError
from ethicompass.sites._format import NOISY_GRID

__all__ = [
    "MECHANISM_COUNT",
    "MECHANISM_SUM",
    "NOISE_VERSION",
    "POWER",
    "cell_ranges",
    "fairness_grid",
    "laplace",
    "ledger_name",
    "release_body",
    "sum_sensitivity",
]

NOISE_VERSION = "1"
MECHANISM_COUNT = "discrete Laplace"
MECHANISM_SUM = "Laplace"
OTHER = "(other)"
MISSING = "(missing)"
SUMS = ("_sum_e", "_sum_e2", "_sum_e4")
POWER = {"_sum_e": 1, "_sum_e2": 2, "_sum_e4": 4}
_MAX_GRID = 2_000_000
#: the relative slack on a float sum's sensitivity (a row's ``e`` may sit a rounding error outside its bin)
_SLACK = 1e-9
_WITHHELD_SAFETY = (
    "the noise method does not release adverse-event counts: a participant's number of events and days at "
    "risk have no public bound, so their sensitivity is unknown"
)


# ----------------------------------------------------------------------------- mechanisms
def laplace(
    values: np.ndarray, /, *, epsilon: float, sensitivity: float, integer: bool
) -> tuple[np.ndarray, float]:
    """``values`` with OpenDP's (discrete, when ``integer``) Laplace noise calibrated to ``epsilon`` for an
    L1 ``sensitivity``; returns the noisy vector and the scale used (checked with the measurement's map)."""
    from ethicompass.privacy.dp import _opendp  # enables OpenDP's "contrib" features, or says to install it

    _opendp()
    import opendp.domains as domains
    import opendp.measurements as measurements
    import opendp.metrics as metrics

    kind: type = int if integer else float
    domain = domains.vector_domain(
        domains.atom_domain(T=kind) if integer else domains.atom_domain(T=float, nan=False)
    )
    metric = metrics.l1_distance(T=kind)
    d_in: Any = int(sensitivity) if integer else float(sensitivity)
    scale = float(sensitivity) / float(epsilon)
    for _ in range(8):  # the float measurement's map may round a hair over epsilon: widen until it holds
        meas = measurements.make_laplace(domain, metric, scale)
        if meas.map(d_in) <= epsilon * (1 + 1e-12):
            break
        scale *= 1 + 1e-9
    else:  # pragma: no cover - eight widenings of 1e-9 always suffice
        raise AssertionError("OpenDP Laplace measurement exceeds its epsilon")
    data = [int(v) for v in values] if integer else [float(v) for v in values]
    noisy = meas(data) if data else []
    return np.asarray(noisy, dtype=np.int64 if integer else np.float64), scale


def _record(
    table: str, column: str, mechanism: str, epsilon: float, sensitivity: float, scale: float, cells: int
) -> dict[str, Any]:
    return {
        "table": table,
        "column": column,
        "mechanism": mechanism,
        "epsilon": epsilon,
        "sensitivity": sensitivity,
        "scale": scale,
        "cells": cells,
    }


# ----------------------------------------------------------------------------- the fairness grid
def _pred_options(k: int, bins: int, threshold: float | None) -> tuple[int, ...]:
    """The predictions a score in bin ``k`` can carry (``score >= threshold``): public, from the grid alone."""
    if threshold is None:
        return (0, 1)
    if (k + 1) / bins <= threshold:
        return (0,)
    if k / bins >= threshold:
        return (1,)
    return (0, 1)


def fairness_grid(
    groups: Sequence[str], categories: dict[str, list[str]], bins: int, threshold: float | None
) -> pl.DataFrame:
    """Every cell a site may publish: group values x label x (bin, prediction), with the bin index ``_k``."""
    size = (
        math.prod(len(categories[g]) for g in groups)
        * 2
        * sum(len(_pred_options(k, bins, threshold)) for k in range(bins))
    )
    if size > _MAX_GRID:
        raise InputError(
            f"the noise method's grid would hold {size:,} cells (more than {_MAX_GRID:,})",
            hint="coarsen the policy's sites.score_bins or count by fewer group columns",
        )
    ks, preds = [], []
    for k in range(bins):
        for p in _pred_options(k, bins, threshold):
            ks.append(k)
            preds.append(p)
    grid = pl.DataFrame({"_label": [0, 1]}, schema={"_label": pl.Int8}).join(
        pl.DataFrame({"_pred": preds, "_k": ks}, schema={"_pred": pl.Int8, "_k": pl.Int64}), how="cross"
    )
    for g in reversed(list(groups)):
        grid = pl.DataFrame({g: categories[g]}, schema={g: pl.String}).join(grid, how="cross")
    return grid


def _categories(groups: Sequence[str], policy: Any) -> dict[str, list[str]]:
    found = policy.sites.categories
    for g in groups:
        if g not in found:
            raise InputError(
                f"the noise method needs the public values of group column {g!r}",
                hint=f"list them in the policy, the same list at every site: sites.categories.{g}: [...] "
                f"(add {MISSING!r} if the column may be empty)",
            )
    return {g: [str(v) for v in found[g]] for g in groups}


def _on_grid(
    counts: pl.DataFrame,
    groups: Sequence[str],
    categories: dict[str, list[str]],
    bins: int,
    threshold: float | None,
) -> pl.DataFrame:
    """The true counts summed onto the grid (zeros where no row falls); a row off the grid stops the summary."""
    true = counts.with_columns(
        *[pl.col(g).cast(pl.String).fill_null(MISSING) for g in groups],
        pl.col("_label").cast(pl.Int8),
        pl.col("_pred").cast(pl.Int8),
    )
    for g in groups:
        outside = true.filter(~pl.col(g).is_in(categories[g]))
        if outside.height:
            raise InputError(
                f"group column {g!r}: {int(outside['_n'].sum()):,} row(s) hold a value not listed in the policy's "
                f"sites.categories.{g} (value withheld)",
                hint="add the value to the policy's list (the same list at every site), or recode it at the site",
            )
    if true["_score"].null_count():
        raise InputError(
            "the noise method needs a score on every row", hint="drop or score the rows without one"
        )
    true = true.with_columns((pl.col("_score") * bins).round().cast(pl.Int64).alias("_k"))
    keys = [*groups, "_label", "_pred", "_k"]
    true = true.group_by(keys).agg(pl.col("_n").sum(), *[pl.col(c).sum() for c in SUMS])
    grid = fairness_grid(groups, categories, bins, threshold)
    off = true.join(grid, on=keys, how="anti")
    if off.height:
        raise InputError(
            f"{int(off['_n'].sum()):,} row(s) fall outside the public grid of the noise method",
            hint="the score bins and threshold must match the policy's; summarise again",
        )
    return grid.join(true, on=keys, how="left").with_columns(
        pl.col("_n").fill_null(0), *[pl.col(c).fill_null(0.0) for c in SUMS]
    )


def cell_ranges(k: np.ndarray, label: np.ndarray, bins: int, power: int) -> tuple[np.ndarray, np.ndarray]:
    """Centre and half-width of ``e**power`` for a row of each cell (``e = score - label``, score in the bin)."""
    a = k / bins - label
    b = (k + 1) / bins - label
    pa, pb = a**power, b**power
    lo, hi = np.minimum(pa, pb), np.maximum(pa, pb)  # a and b never straddle 0: the bin lies in [0, 1]
    return (lo + hi) / 2, (hi - lo) / 2


def _prepare(
    body: dict[str, Any], counts: pl.DataFrame, policy: Any
) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    """The true counts on the public grid, and the categories; refuses what the method cannot release."""
    fair = body["fairness"]
    groups = list(fair["groups"])
    bins = policy.sites.score_bins
    if bins is None:
        raise InputError(
            "the noise method needs score bins (a public grid)",
            hint="set the policy's sites.score_bins, e.g. 10 or 20",
        )
    categories = _categories(groups, policy)
    return _on_grid(counts, groups, categories, bins, fair["threshold"]), categories


def sum_sensitivity(column: str, bins: int, /) -> float:
    """The L1 sensitivity of a centred error-sum vector: the largest half-width of ``e**p`` over every bin
    and label of the grid (a row adds to one cell), with a relative slack of 1e-9 for rounding."""
    k = np.repeat(np.arange(bins), 2)
    label = np.tile(np.array([0.0, 1.0]), bins)
    return float(cell_ranges(k, label, bins, POWER[column])[1].max()) * (1 + _SLACK)


def _fairness(
    body: dict[str, Any], grid: pl.DataFrame, policy: Any, shares: dict[str, float]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Replace ``body['fairness']``'s rows by the noisy grid; return the tables' records and post-processing."""
    fair = body["fairness"]
    groups = list(fair["groups"])
    bins = policy.sites.score_bins
    k = grid["_k"].to_numpy()
    label = grid["_label"].to_numpy().astype(np.float64)
    records = []
    noisy_n, scale = laplace(grid["_n"].to_numpy(), epsilon=shares["fairness.n"], sensitivity=1, integer=True)
    records.append(_record("fairness", "_n", MECHANISM_COUNT, shares["fairness.n"], 1, scale, grid.height))
    n = noisy_n  # signed: the coordinator clamps after adding the sites (sites._noise_merge.clamp_merged)
    true_n = grid["_n"].to_numpy().astype(np.float64)
    sums: dict[str, np.ndarray] = {}
    clipped = 0
    for column in SUMS:
        centre, half = cell_ranges(k, label, bins, POWER[column])
        sensitivity = sum_sensitivity(column, bins)
        eps = shares[f"fairness.{column[1:]}"]
        centred = grid[column].to_numpy() - centre * true_n
        noisy, scale = laplace(centred, epsilon=eps, sensitivity=sensitivity, integer=False)
        records.append(_record("fairness", column, MECHANISM_SUM, eps, sensitivity, scale, grid.height))
        bound = half * np.abs(n)
        clipped += int(((noisy < -bound) | (noisy > bound)).sum())
        sums[column] = centre * n + np.clip(noisy, -bound, bound)
    out = grid.with_columns(
        (pl.col("_k") / bins).alias("_score"),
        pl.Series("_n", n, dtype=pl.Int64),
        *[pl.Series(c, sums[c], dtype=pl.Float64) for c in SUMS],
    ).filter(pl.col("_n") != 0)
    out = out.select(*groups, "_label", "_pred", "_score", "_n", *SUMS)
    fair["tables"] = [
        {
            "kind": NOISY_GRID,
            "groups": groups,
            "columns": out.columns,
            "rows": [list(r) for r in out.iter_rows()],
        }
    ]
    post = {
        "grid_cells": grid.height,
        "negative_counts": int((noisy_n < 0).sum()),
        "sums_clipped": clipped,
        "cells_left_out_at_zero": grid.height - out.height,
    }
    return records, post


# ----------------------------------------------------------------------------- one-way tables
def _one_way(
    values: dict[str, int], domain: list[str], *, table: str, column: str, epsilon: float
) -> tuple[dict[str, int], dict[str, Any], int]:
    vector = np.array([int(values.get(v, 0)) for v in domain], dtype=np.int64)
    noisy, scale = laplace(vector, epsilon=epsilon, sensitivity=1, integer=True)
    shown = {v: int(max(x, 0)) for v, x in zip(domain, noisy, strict=True)}
    return (
        shown,
        _record(table, column, MECHANISM_COUNT, epsilon, 1, scale, len(domain)),
        int((noisy < 0).sum()),
    )


def rep_domains(body: dict[str, Any]) -> dict[str, list[str]]:
    """Each attribute's public values: the reference population's, and ``(other)`` for any other value."""
    out: dict[str, list[str]] = {}
    for attribute, value, _ in body.get("reference_population") or []:
        out.setdefault(str(attribute), []).append(str(value))
    return {a: [*dict.fromkeys(vs), OTHER] for a, vs in out.items()}


def _representativeness(body: dict[str, Any], epsilon: float) -> tuple[list[dict[str, Any]], int]:
    raw = body.get("representativeness")
    if raw is None:
        return [], 0
    domains = rep_domains(body)
    attributes = sorted(raw)
    records, clamped, out = [], 0, {}
    for attribute in attributes:
        domain = domains.get(attribute, [OTHER])
        values: dict[str, int] = {}
        for value, n in raw[attribute].items():
            key = value if value in domain else OTHER
            values[key] = values.get(key, 0) + int(n)
        out[attribute], rec, c = _one_way(
            values, domain, table="representativeness", column=attribute, epsilon=epsilon / len(attributes)
        )
        records.append(rec)
        clamped += c
    body["representativeness"] = out
    return records, clamped


def _consent(body: dict[str, Any], epsilon: float) -> tuple[list[dict[str, Any]], int]:
    from ethicompass.consent import DROP_REASONS

    raw = body.get("consent")
    if raw is None:
        return [], 0
    values = {"kept": int(raw["rows_kept"]), **{r: int(n) for r, n in raw["rows_dropped"].items()}}
    domain = ["kept", *DROP_REASONS]
    unknown = set(values) - set(domain)
    if unknown:  # pragma: no cover - enforcement reports only DROP_REASONS
        raise InputError("consent enforcement reported a reason outside the public list", hint="report a bug")
    shown, record, clamped = _one_way(values, domain, table="consent", column="rows", epsilon=epsilon)
    dropped = {r: shown[r] for r in DROP_REASONS}
    body["consent"] = {
        "purpose": raw["purpose"],
        "rows_in": shown["kept"] + sum(dropped.values()),
        "rows_kept": shown["kept"],
        "rows_dropped": dropped,
        "status_hash": None,  # a digest of every participant's decision is not differentially private
    }
    return [record], clamped


# ----------------------------------------------------------------------------- the body and the ledger
def ledger_name(body: dict[str, Any], /) -> str:
    """The site's privacy-budget ledger entry for this study (``privacy_dp_budgets.dataset``)."""
    return f"site:{body['site']}/{body['study']}"[:256]


def _spend(store: Any, dataset: str, *, epsilon: float, budget: float) -> Any:
    """Debit ``epsilon`` (set the budget first if none): refused with ConflictError and audited past it."""
    from ethicompass.privacy.dp import BudgetLedger
    from ethicompass.transparency import AuditLog

    ledger = BudgetLedger(store)
    if not ledger.has_budget(dataset):
        ledger.set_budget(dataset, epsilon=budget)
    after = ledger.debit(
        dataset,
        epsilon=epsilon,
        query="site summary",
        column=None,
        mechanism=f"{MECHANISM_COUNT} on counts, {MECHANISM_SUM} on bounded sums",
    )
    AuditLog(store).append(
        action="privacy.release",
        object_type="dataset",
        object_id=dataset,
        params={
            "query": "site summary",
            "epsilon": epsilon,
            "epsilon_spent": after.epsilon_spent,
            "epsilon_total": after.epsilon_total,
        },
    )
    return after


def _shares(body: dict[str, Any], policy: Any) -> tuple[dict[str, float], float]:
    """Each table's epsilon (``sites.epsilon`` times its share), and the sum over the tables the body holds."""
    split, total = policy.sites.epsilon_split, policy.sites.epsilon
    shares = {name: total * share for name, share in split.items()}
    present = [
        n
        for n in shares
        if not (n == "representativeness" and body.get("representativeness") is None)
        and not (n == "consent" and body.get("consent") is None)
    ]
    return shares, float(sum(shares[n] for n in present))


def release_body(body: dict[str, Any], counts: pl.DataFrame, /, *, policy: Any, store: Any) -> dict[str, Any]:
    """Release every count table of ``body`` with noise, in place: the fairness cells from the true
    ``counts`` (``fairness.summarize``'s table), the representativeness and consent counts from the body's
    exact ones. Debits the file's epsilon from the site's ledger first (:class:`ConflictError`, audited,
    past the budget: nothing is drawn then). Writes the noise record into ``body['disclosure']``; returns
    the ledger's name and its epsilon spent and total after this file."""
    shares, spent = _shares(body, policy)
    grid, categories = _prepare(body, counts, policy)  # what cannot be released stops before any spending
    dataset = ledger_name(body)
    budget = _spend(store, dataset, epsilon=spent, budget=policy.sites.budget())
    records, post = _fairness(body, grid, policy, shares)
    rep, rep_clamped = _representativeness(body, shares["representativeness"])
    con, con_clamped = _consent(body, shares["consent"])
    records += rep + con
    if "safety" in body:
        body["safety"] = {"looks": body["safety"].get("looks", []), "withheld_all": _WITHHELD_SAFETY}
    record = {
        "version": NOISE_VERSION,
        "privacy_unit": "one row of the predictions (one patient)",
        "composition": "sequential: the file's epsilon is the sum of its tables' epsilons",
        "epsilon_file": policy.sites.epsilon,
        "epsilon_spent": spent,
        "ledger": dataset,
        "score_bins": policy.sites.score_bins,
        "categories": categories,
        "tables": records,
        "post_processing": {"fairness": post}
        | {
            "representativeness": {"counts_clamped_at_zero": rep_clamped},
            "consent": {"counts_clamped_at_zero": con_clamped},
        },
    }
    body["disclosure"] = {
        "min_cell_size": policy.sites.min_cell_size,
        "score_bins": policy.sites.score_bins,
        "method": "noise",
        "noise": record,
        "suppressed": {
            "fairness": {"cells": 0, "rows": [0, 0]},
            "representativeness": {"values": 0},
            "consent": {"reasons": 0},
        },
    }
    return {"epsilon_spent": budget.epsilon_spent, "epsilon_total": budget.epsilon_total, "ledger": dataset}
