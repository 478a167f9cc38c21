"""The check of a noisy site file (``site check``, and again at every merge) and the coordinator's checks
of the noise method: one method for every site, and the report's statement of the noise (:mod:`._noise`;
the merge of noisy grids is :mod:`._noise_merge`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ethicompass.errors import InputError
from ethicompass.sites._format import NOISY_GRID
from ethicompass.sites._noise import (
    MECHANISM_COUNT,
    MECHANISM_SUM,
    NOISE_VERSION,
    OTHER,
    SUMS,
    rep_domains,
    sum_sensitivity,
)

__all__ = ["check_noise", "noise_checks", "noise_sd", "require_one_method"]


def _positive(value: Any) -> float | None:
    """``value`` as a float when it is a finite positive number (not a bool), else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
        return float(value)
    return None


def _check_table(t: Any, bins: int, problems: list[str]) -> tuple[tuple[Any, Any], float]:
    if not isinstance(t, dict):
        problems.append("a noise record entry is not an object")
        return ("?", "?"), 0.0
    key = (t.get("table"), t.get("column"))
    name = f"{key[0]}.{key[1]}"
    eps, sensitivity, scale = (_positive(t.get(k)) for k in ("epsilon", "sensitivity", "scale"))
    if eps is None or sensitivity is None or scale is None:
        problems.append(f"noise on {name}: epsilon, sensitivity and scale must be positive numbers")
        return key, 0.0
    is_sum = key[0] == "fairness" and key[1] in SUMS
    if t.get("mechanism") != (MECHANISM_SUM if is_sum else MECHANISM_COUNT):
        problems.append(f"noise on {name}: mechanism {t.get('mechanism')!r} is not the method's")
    expected = sum_sensitivity(str(key[1]), bins) if is_sum else 1.0
    if abs(sensitivity - expected) > 1e-12 * max(1.0, expected):
        problems.append(f"noise on {name}: sensitivity {sensitivity!r} is not the table's ({expected!r})")
    if abs(sensitivity / scale - eps) > 1e-6 * eps:
        problems.append(
            f"noise on {name}: scale {scale:g} does not give epsilon {eps:g} (it gives {sensitivity / scale:g})"
        )
    return key, eps


def _check_cells(body: dict[str, Any], record: dict[str, Any], bins: int, problems: list[str]) -> None:
    """Fairness keys on the recorded grid (each once), representativeness and consent on their public lists."""
    from ethicompass.consent import DROP_REASONS

    fair = body.get("fairness") or {}
    groups = list(fair.get("groups", []))
    categories = record.get("categories")
    if not isinstance(categories, dict) or set(categories) != set(groups):
        problems.append("the noise record's categories do not name the file's group columns")
        return
    tables: list[Any] = fair["tables"] if isinstance(fair.get("tables"), list) else []
    grid_tables = [t for t in tables if isinstance(t, dict) and t.get("kind") == NOISY_GRID]
    rows = (grid_tables[0].get("rows") if grid_tables else None) or []
    if not isinstance(rows, list):
        problems.append("fairness: the noisy grid's rows are not a list")
        return
    width = len(groups) + 4  # the keys: groups, label, prediction, score
    keys = {tuple(r[:width]) for r in rows if isinstance(r, list)}
    if len(keys) != len(rows):
        problems.append("fairness cells: a cell key appears twice (the grid holds each cell once)")
    allowed = [set(map(str, categories[g])) for g in groups]
    off = sum(1 for r in keys if any(r[j] not in allowed[j] for j in range(len(groups))))
    if off:
        problems.append(f"fairness cells: {off} cell(s) hold a group value outside the recorded categories")
    grid = math.prod(len(categories[g]) for g in groups) * 4 * bins
    if len(rows) > grid:
        problems.append(f"fairness cells: {len(rows):,} cells, more than the grid's {grid:,}")
    domains = rep_domains(body)
    for attribute, values in (body.get("representativeness") or {}).items():
        if not set(values) <= set(domains.get(attribute, [OTHER])):
            problems.append(f"representativeness {attribute}: a value outside the reference population's")
    consent = body.get("consent")
    if consent is not None:
        if consent.get("status_hash") is not None:
            problems.append("consent: a status hash is not released under the noise method")
        if not set(consent.get("rows_dropped") or {}) <= set(DROP_REASONS):
            problems.append("consent: a drop reason outside the public list")
    safety = body.get("safety")
    if safety is not None and "withheld_all" not in safety:
        problems.append("safety counts are released without noise")


def check_noise(body: dict[str, Any], /) -> list[str]:
    """Problems of a noisy body's record: each table's mechanism, sensitivity and scale against its epsilon,
    every count table recorded once, the epsilons summing to the spend and at most the file's epsilon, and
    every released cell on the public grid. (Counts are judged whole numbers by the caller.)"""
    d = body.get("disclosure") or {}
    record = d.get("noise")
    if not isinstance(record, dict) or record.get("version") != NOISE_VERSION:
        return ["the noise record is missing or of an unknown version"]
    bins = record.get("score_bins")
    if not isinstance(bins, int) or isinstance(bins, bool) or bins < 2 or bins != d.get("score_bins"):
        return ["the noise record's score bins are missing or differ from the file's"]
    problems: list[str] = []
    tables = record.get("tables")
    if not isinstance(tables, list):
        return ["the noise record lists no tables"]
    expected = {("fairness", c) for c in ("_n", *SUMS)}
    expected |= {("representativeness", a) for a in body.get("representativeness") or {}}
    expected |= {("consent", "rows")} if body.get("consent") is not None else set()
    seen: list[tuple[Any, Any]] = []
    total = 0.0
    for t in tables:
        key, eps = _check_table(t, bins, problems)
        seen.append(key)
        total += eps
    if len(set(seen)) != len(seen) or set(seen) != expected:
        problems.append("the noise record does not name each count table of the file exactly once")
    spent, budget = _positive(record.get("epsilon_spent")), _positive(record.get("epsilon_file"))
    if spent is None or budget is None:
        problems.append("the noise record states no epsilon spent or file epsilon")
    else:
        if abs(total - spent) > 1e-9 * max(1.0, spent):
            problems.append(f"the tables' epsilons sum to {total:g}, not the {spent:g} recorded as spent")
        if total > budget * (1 + 1e-9):
            problems.append(f"the tables' epsilons sum to {total:g}, over the file's epsilon {budget:g}")
    _check_cells(body, record, bins, problems)
    return problems


# ----------------------------------------------------------------------------- the coordinator
def require_one_method(files: Sequence[Any], /, *, policy: Any) -> None:
    """Refuse a federation whose files do not all use the policy's method (and, for noise, its epsilon)."""
    want = policy.sites.method
    for f in files:
        d = f.body.get("disclosure") or {}
        method = "noise" if d.get("method") == "noise" else "suppression"
        if method != want:
            raise InputError(
                f"site {f.site!r} ({f.source}): disclosure method {method!r}, but the policy's is {want!r} "
                "(every site must use the same); nothing was merged",
                hint="have every site summarise again with the coordinator's policy file",
            )
        if want == "noise" and (d.get("noise") or {}).get("epsilon_file") != policy.sites.epsilon:
            raise InputError(
                f"site {f.site!r} ({f.source}): its noise record is not for the policy's epsilon "
                f"{policy.sites.epsilon:g}; nothing was merged",
                hint="have every site summarise again with the coordinator's policy file",
            )


def noise_sd(scale: float) -> float:
    """The standard deviation of discrete Laplace noise of ``scale`` (OpenDP's parameterisation)."""
    a = math.exp(-1.0 / scale)
    return math.sqrt(2 * a) / (1 - a)


def noise_checks(
    files: Sequence[Any], /, *, policy: Any, attributes: Sequence[str], clamped: int = 0
) -> tuple[Any, Any]:
    """The privacy check of a noisy federation and the statement, among the fairness checks, of the noise its
    counts carry (the intervals shown do not include it)."""
    from ethicompass.review import SOURCES, Check

    lines, sds = [], []
    grid = 0
    for f in files:
        rec = f.body["disclosure"]["noise"]
        n_rec = next(t for t in rec["tables"] if t["table"] == "fairness" and t["column"] == "_n")
        sds.append(noise_sd(n_rec["scale"]))
        grid = int(rec["post_processing"]["fairness"]["grid_cells"])
        lines.append(
            f"{f.site}: epsilon {rec['epsilon_spent']:g} over {len(rec['tables'])} tables; cell counts "
            f"{MECHANISM_COUNT} of scale {n_rec['scale']:.3g} (sd {sds[-1]:.3g})"
        )
    eps = policy.sites.epsilon
    privacy = Check(
        id="privacy.site_disclosure",
        title="Only differentially private counts left each site",
        verdict="pass",
        value=f"{len(files)} sites, epsilon {eps:g} each",
        threshold=f"each file at most {eps:g}-differentially private (one patient), debited in the site's ledger",
        evidence="; ".join(lines),
        source=SOURCES["sites.epsilon"],
        explanation="No patient row reached the coordinator: each site released every count on a public grid with "
        "OpenDP's Laplace noise, its epsilon split over the tables (sequential composition) and debited from the "
        "site's privacy budget. Whatever the coordinator computes from a file changes by at most a factor of "
        f"e^{eps:g} whether or not any one patient's row was in it. No cell is suppressed.",
        action="to learn less about each patient, lower sites.epsilon (more noise)",
    )
    merged_sd = math.sqrt(sum(s * s for s in sds))
    per_value = "; ".join(
        f"a value of {a} sums about {grid // max(1, len(policy.sites.categories.get(a, [1]))):,} cells per site "
        f"(noise sd about {merged_sd * math.sqrt(grid / max(1, len(policy.sites.categories.get(a, [1])))):.3g} rows)"
        for a in attributes
    )
    statement = Check(
        id="fairness.site_noise",
        title="The merged counts carry the sites' differential-privacy noise",
        verdict="warn",
        value=round(merged_sd, 3),
        threshold="stated: TPR and FPR intervals widened for the noise; the other intervals do not include it",
        evidence=f"every cell count of every site carries {MECHANISM_COUNT} noise (sd per site {', '.join(f'{s:.3g}' for s in sds)}); "
        f"a merged grid cell carries sd {merged_sd:.3g}; the tables judged are sums of grid cells; {per_value}. "
        f"{clamped} cells of the merged tables with a noisy count below zero were left out (clamped at zero), "
        "which biases empty cells upward. The TPR and FPR intervals (each group's and each difference's, the "
        "Holm-adjusted ones the verdicts read included) are widened for this noise (its variance added, delta "
        "method); the other intervals (AUROC, Brier, calibration, net benefit, representativeness, between-site "
        "heterogeneity) and the "
        "p-values are computed from the noisy counts as if they were exact and do NOT include this noise; the "
        "estimates are not those of a pooled analysis of the rows.",
        source=SOURCES["sites.epsilon"],
        explanation="Under the noise method each site adds random noise to its counts before they leave; the "
        "coordinator's metrics are computed from the noisy sums, so they differ from the pooled rows' by an "
        "error of about the stated size, on top of the sampling error the intervals show.",
        action="read differences smaller than the noise as unresolved; a larger sites.epsilon or a coarser grid "
        "(fewer score bins or group columns) lowers the noise",
    )
    return privacy, statement
