"""``federate(files, policy=..., store=..., out_dir=...)``: one ethics review of many sites from their counts.

The review is the pooled review's (:func:`ethicompass.review.review`, same assessors, same report),
fed with the merged counts instead of rows: the fairness audit of the summed cells, decision
curve, calibration and harm from the count table, representativeness from the summed attribute
counts, consent enforcement from the summed enforcement counts. Privacy is judged on the site files
(no identified row reaches the coordinator). What only a multi-site study has is added: the site as
a fairness attribute, Cochran's Q and I² of each headline metric between sites, which sites drive a
disparity (leave one site out), and the provenance of every file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from ethicompass.sites._format import SiteFile, canonical
from ethicompass.sites._heterogeneity import cochran_q, from_interval
from ethicompass.sites._marginal import (
    benefit_table,
    marginal_summary,
    suppressed_share,
    too_suppressed,
    withheld_check,
)
from ethicompass.sites._merge import MergedSites, merge_sites
from ethicompass.sites._noise_merge import clamp_merged, widen_for_noise

__all__ = ["HEADLINE_METRICS", "federate", "federated_results", "multi_site_checks"]

#: the headline metrics compared between sites
HEADLINE_METRICS = ("tpr", "fpr", "auroc")


def _site_attribute(study: Any) -> str:
    taken = set(study.predictions.groups) | {study.predictions.site}
    return "site" if "site" not in taken else "federation_site"


def _study(merged: MergedSites, base_dir: Path) -> Any:
    from ethicompass.study import Study

    return Study.from_dict(merged.files[0].body["manifest"]["content"], base_dir=base_dir)


def _representativeness(merged: MergedSites, study: Any) -> Any:
    from ethicompass.fairness import RepresentativenessReport, representativeness

    bodies = [f.body for f in merged.files]
    if any(b.get("representativeness") is None for b in bodies):
        return None
    reference = pl.DataFrame(
        bodies[0]["reference_population"], schema=["attribute", "value", "population_share"], orient="row"
    )
    totals: dict[str, dict[str, int]] = {}
    for b in bodies:
        for attribute, values in b["representativeness"].items():
            for value, n in values.items():
                totals.setdefault(attribute, {})[value] = totals.setdefault(attribute, {}).get(value, 0) + n
    attributes = sorted(totals)
    m = max(1, int(reference.filter(pl.col("attribute").is_in(attributes)).height))
    rows: list[Any] = []
    tests: list[Any] = []
    for attribute in attributes:
        values = sorted(totals[attribute])
        cohort = pl.DataFrame({attribute: values, "_n": [totals[attribute][v] for v in values]})
        cohort = cohort.select(pl.col(attribute).repeat_by(pl.col("_n")).explode())
        cohort = cohort.with_columns(pl.col(attribute).replace("(missing)", None))
        part = representativeness(cohort, reference, attributes=[attribute], ci=1 - 0.05 / m)
        rows += part.rows
        tests += part.tests
    return RepresentativenessReport(tuple(rows), tuple(tests), 1 - 0.05 / m)


def _enforcement(merged: MergedSites, purpose: str) -> Any:
    from ethicompass.consent import EnforcementRecord

    found = [f.body.get("consent") for f in merged.files]
    if any(c is None for c in found):
        return None
    consents: list[dict[str, Any]] = [c for c in found if c is not None]
    dropped: dict[str, int] = {}
    for c in consents:
        for reason, n in c["rows_dropped"].items():
            dropped[reason] = dropped.get(reason, 0) + n
    kept = sum(c["rows_kept"] or 0 for c in consents)
    # a site that withheld rows_in (its drops were too few to show) counts what it did publish
    rows_in = sum(
        c["rows_in"] if c["rows_in"] is not None else (c["rows_kept"] or 0) + sum(c["rows_dropped"].values())
        for c in consents
    )
    # (None under the noise method: a digest of every decision is not differentially private)
    states = hashlib.sha256(canonical(sorted(str(c["status_hash"]) for c in consents))).hexdigest()
    return EnforcementRecord(
        purpose=purpose,
        at=max(f.body["created_at"] for f in merged.files),
        rows_in=rows_in,
        rows_kept=kept,
        rows_dropped=dropped,
        status_hash=f"sha256:{states}",
    )


def federated_results(
    merged: MergedSites, study: Any, policy: Any, *, judge_counts: bool = True
) -> dict[str, Any]:
    """What the review's assessors read instead of rows: the audit, counts, representativeness, consent.

    The fairness audit reads the merged overall, attribute and joint tables (``fairness.audit_marginals``),
    the benefit estimates the overall table and each subgroup's attribute table; a group any site withheld
    cells of is left out of both (:mod:`ethicompass.sites._marginal`). With ``judge_counts`` False (the
    sites' overall tables lost more than the policy allows), the fairness audit and the benefit counts are
    left out: the review does not judge them.
    """
    from ethicompass.fairness import audit_marginals

    p = study.predictions
    results: dict[str, Any] = {}
    noisy = policy.sites.method == "noise"
    if noisy:  # the margins of the sites' signed noisy grids, clamped once merged (idempotent)
        merged, _ = clamp_merged(merged)
    if judge_counts:
        audit_groups = list(policy.fairness.groups or p.groups)
        marginal = marginal_summary(merged.summary, audit_groups)
        if marginal.overall.bin_width is None and marginal.overall.counts["_score"].n_unique() > 10_000:
            marginal = marginal.rebinned(1_000)  # as `fairness.audit` bins the pooled rows' scores
        results["fairness_review"] = audit_marginals(
            marginal, min_group_size=policy.fairness.min_group_size, n_boot=500
        )
        if noisy:  # the sites' noise, added to the TPR and FPR intervals
            results["fairness_review"] = widen_for_noise(
                results["fairness_review"], merged.summary, merged.files
            )
        cal_groups = [*p.groups, *([p.site] if p.site and p.site not in p.groups else [])]
        results["benefit_counts"] = benefit_table(merged.summary, model=p.model_name, groups=cal_groups)
    rep = _representativeness(merged, study)
    if rep is not None:
        results["representativeness"] = rep
    record = _enforcement(merged, policy.consent.purpose)
    if record is not None:
        results["consent"] = {"enforcement": record, "kept": None}
    from ethicompass.sites._safety import merged_safety

    safety = merged_safety(merged.files, policy, study)
    if safety is not None:
        results["safety_monitoring"] = safety
    results["multi_site"] = True
    results["unresolved_by_site"] = {f.site: int(f.body["unresolved_decisions"]) for f in merged.files}
    return results


def _site_audit(merged: MergedSites, attribute: str, policy: Any) -> Any:
    """The site as a fairness attribute: each site's overall table as one group (a site whose overall table
    lost cells is left out)."""
    from ethicompass.fairness import MarginalSummary, Summary, audit_marginals

    parts = []
    for name, s in sorted(merged.summaries.items()):
        if any(not w.attributes for w in s.withheld):
            continue
        counts = s.overall.counts.with_columns(pl.lit(name).alias(attribute))
        parts.append(counts.select(attribute, *[c for c in counts.columns if c != attribute]))
    first = merged.summary.overall
    if not parts:  # every site's overall table lost cells: no site is judged
        empty = first.counts.clear().with_columns(pl.lit(None, dtype=pl.String).alias(attribute))
        parts = [empty.select(attribute, *first.counts.columns)]
    combined = pl.concat(parts).sort([attribute, "_label", "_pred", "_score"])
    by_site = Summary(
        combined, (attribute,), first.threshold, first.bin_width, True, first.label, first.score, None
    )
    return audit_marginals(
        MarginalSummary(merged.summary.overall, (by_site,)),
        min_group_size=policy.fairness.min_group_size,
        n_boot=200,
        intersections=False,
    )


def multi_site_checks(
    merged: MergedSites, study: Any, policy: Any, main_report: Any, main_checks: list[Any]
) -> tuple[list[Any], dict[str, Any]]:
    """The fairness checks only a multi-site study has, and the JSON detail behind them."""
    from ethicompass.review import SOURCES, Check

    attribute = _site_attribute(study)
    by_site = _site_audit(merged, attribute, policy)
    from ethicompass.review import difference_checks

    checks = list(difference_checks(by_site, policy.fairness))
    detail: dict[str, Any] = {"site_attribute": attribute, "heterogeneity": [], "drivers": []}
    limit = policy.sites.max_heterogeneity_i2
    for metric in HEADLINE_METRICS:
        sites, ys, ses = [], [], []
        for g in by_site.groups:
            est = g.metrics.get(metric)
            y, se = from_interval(est.value if est else None, est.ci if est else None)
            sites.append(str(dict(g.group)[attribute]))
            ys.append(y)
            ses.append(se)
        het = cochran_q(metric, sites, ys, ses)
        if het is None:
            continue
        detail["heterogeneity"].append(het.to_dict())
        high = het.i2 > limit and het.p_value < 0.05
        checks.append(
            Check(
                id=f"fairness.site_heterogeneity.{metric}",
                title=f"Sites agree on {metric.upper()} (between-site heterogeneity)",
                verdict="warn" if high else "pass",
                value=round(het.i2, 3),
                threshold=f"I² at most {limit:g} (or Cochran's Q not significant)",
                evidence=f"Q = {het.q:.2f} on {het.df} df (p = {het.p_value:.3g}), I² = {100 * het.i2:.0f}%; "
                + ", ".join(f"{s} {y:.3f}" for s, y in zip(het.sites, het.estimates, strict=True)),
                source=SOURCES["sites.max_heterogeneity_i2"],
                explanation="Cochran's Q tests whether the sites' estimates differ by more than chance (inverse-variance "
                "weights, each standard error read from the site's 95% interval); I² is the share of the variation "
                "between sites that is not chance. A high I² means one pooled number hides sites where the model "
                "behaves differently.",
                action="look at the sites that differ (case mix, data capture, local practice) before deploying at them",
            )
        )
    checks.append(_drivers(merged, policy, main_report, main_checks, detail))
    return checks, detail


def _drivers(merged: MergedSites, policy: Any, report: Any, checks: list[Any], detail: dict[str, Any]) -> Any:
    """For each disparity check that does not pass: the headline difference without each site in turn."""
    from ethicompass.fairness import audit_marginals
    from ethicompass.review import SOURCES, Check

    flagged = [c for c in checks if c.id.endswith(_differences(report)) and c.verdict != "pass" and c.groups]
    lines: list[str] = []
    if flagged and len(merged.sites) > 1:
        groups = tuple(report.attributes)
        for site in merged.sites:
            rest = audit_marginals(
                marginal_summary(merged.without(site), list(groups)),
                min_group_size=policy.fairness.min_group_size,
                n_boot=0,
                intersections=False,
            )
            for check in flagged:
                metric = check.id.split(".")[1].removesuffix("_difference")
                head = check.groups[0]
                for d in rest.disparities:
                    label = ", ".join(f"{k}={v}" for k, v in dict(d.group or {}).items())
                    if d.metric == metric and label == head and d.difference.value is not None:
                        change = float(d.difference.value) - float(check.value)
                        detail["drivers"].append(
                            {
                                "check": check.id,
                                "group": head,
                                "without_site": site,
                                "difference": float(d.difference.value),
                                "change": change,
                            }
                        )
        by_check: dict[str, list[dict[str, Any]]] = {}
        for row in detail["drivers"]:
            by_check.setdefault(row["check"], []).append(row)
        for check_id, rows in by_check.items():
            top = max(rows, key=lambda r: abs(r["change"]))
            lines.append(
                f"{check_id} ({top['group']}): without {top['without_site']} the difference moves by "
                f"{top['change']:+.3f} to {top['difference']:.3f}"
            )
    return Check(
        id="fairness.site_drivers",
        title="Which sites drive a disparity",
        verdict="pass",
        value=len(lines),
        threshold="informative",
        evidence="; ".join(lines) or "no disparity check fails or warns",
        source=SOURCES["fairness.max_tpr_difference"],
        explanation="Each failing or warning disparity is recomputed with each site left out in turn; the site whose "
        "absence moves the difference most is the one that drives it.",
        action="review the data and the model's use at the driving site",
    )


def _differences(report: Any) -> tuple[str, ...]:
    """The id endings of the disparity checks of ``report``'s attributes (``_difference.ATTRIBUTE``)."""
    return tuple(f"_difference.{a}" for a in report.attributes)


def _privacy_assessor(merged: MergedSites) -> Any:
    from ethicompass.review import SOURCES, Check

    def assess(ctx: Any) -> list[Any]:
        lines, suppressed, pinned = [], 0, 0
        for f in merged.files:
            d = f.body["disclosure"]
            fair = d["suppressed"]["fairness"]
            pinned += int(fair.get("determined_by_totals", 0))
            other = d["suppressed"]["representativeness"]["values"] + d["suppressed"]["consent"]["reasons"]
            suppressed += fair["cells"] + other
            values = sum(len(t["withheld"]) for t in fair["tables"] if t["kind"] == "attribute")
            combos = sum(len(t["withheld"]) for t in fair["tables"] if t["kind"] == "joint")
            lines.append(
                f"{f.site}: minimum cell {d['min_cell_size']}, {f.body['certificate']['cells_published']:,} cells "
                f"published, {fair['cells']} suppressed ({values} attribute value(s) and {combos} group "
                f"combination(s) withheld; overall table: between {fair['rows'][0]} and {fair['rows'][1]} rows)"
                + (f", {other} other counts suppressed" if other else "")
                + (
                    f", {fair['determined_by_totals']} suppressed cell(s) a reader holding the group totals could compute"
                    if fair.get("determined_by_totals")
                    else ""
                )
            )
        minimum = ctx.policy.sites.min_cell_size
        return [
            Check(
                id="privacy.site_disclosure",
                title="Only non-disclosive counts left each site",
                verdict="pass" if minimum >= 5 and not suppressed and not pinned else "warn",
                value=f"{len(merged.files)} sites, {suppressed} counts suppressed",
                threshold=f"every published count at least {minimum}; each file certified and signed",
                evidence="; ".join(lines)
                + (
                    "; estimates exclude the suppressed cells, whose rows lie within the bounds stated"
                    if suppressed
                    else ""
                )
                + ("; disclosure control is OFF (minimum cell 1)" if minimum < 2 else ""),
                source=SOURCES["sites.min_cell_size"],
                explanation="No patient row reached the coordinator: each site sent counts, none below the minimum cell "
                "size (complementary suppression keeps a suppressed cell from being recovered from a margin), each "
                "checked for identifiers and signed with the site's key. Identifier handling and re-identification "
                "risk of each site's own releases are judged at the site.",
                action="if too much is suppressed, coarsen the policy's sites.score_bins or pool small sites",
            )
        ]

    return assess


def _transparency_assessor(merged: MergedSites) -> Any:
    from ethicompass.review import SOURCES, Check

    def assess(ctx: Any) -> list[Any]:
        from ethicompass.review import ASSESSORS

        base = ASSESSORS["transparency"]

        rows = [
            f"{f.site}: checkpoint of {f.body['checkpoint']['tree_size']} entries, root "
            f"{f.body['checkpoint']['root_hash'][:16]}…, key {f.key_id[:16]}"
            for f in merged.files
        ]
        return [
            *base(ctx),
            Check(
                id="transparency.site_provenance",
                title="Every site's counts are signed and tied to its audit log",
                verdict="pass",
                value=f"{len(merged.files)} sites",
                threshold="each file's signature and its audit checkpoint verify under one site key",
                evidence="; ".join(rows),
                source=SOURCES["transparency.audit_log"],
                explanation="Each site signed its file with its audit signing key and enclosed a signed checkpoint of its "
                "audit log, which records the summary's hash; the site can prove the file came from its log.",
            ),
        ]

    return assess


def federate(
    files: Sequence[SiteFile],
    /,
    *,
    policy: Any,
    store: Any,
    out_dir: Path,
    pdf: bool = False,
    actor: str | None = None,
    signing_key: Path | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Verify and merge the site files, write the review (report.json/html) and ``sites.json``.

    The review is stored in ``store``'s review store with its multi-site detail (table ``site_reviews``),
    so the reviewer's pages show it as a multi-site review whether it ran on the server or the command
    line. Returns the :class:`ethicompass.review.ReviewOutput` and the multi-site detail.
    """
    import json

    from ethicompass.frames import atomic_write_text
    from ethicompass.review import review
    from ethicompass.sites._noise_check import noise_checks, require_one_method

    require_one_method(files, policy=policy)  # every site suppression, or every site noise (sites._noise)
    merged = merge_sites(files, policy=policy)
    noisy = policy.sites.method == "noise"
    clamped = 0
    if noisy:  # the margins of the sites' signed noisy grids, added, then clamped at zero once
        merged, clamped = clamp_merged(merged)
    from ethicompass.transparency import AuditLog, default_actor

    # the inputs the review is about to judge, each file by the hash of its signed body
    AuditLog(store).append(
        action="site.federate",
        object_type="study",
        object_id=str(merged.files[0].body["study"]),
        actor=actor or default_actor(),
        role="reviewer",
        hashes={
            f"site:{f.site}": "sha256:" + hashlib.sha256(f.signed_bytes).hexdigest() for f in merged.files
        },
        params={"sites": len(merged.files), "policy": policy.name, "policy_version": policy.version},
    )
    out_dir = Path(out_dir)
    study = _study(merged, out_dir)
    share = suppressed_share(merged)
    limit = policy.sites.max_suppressed_share
    blocked = share > limit
    results = federated_results(merged, study, policy, judge_counts=not blocked)
    detail: dict[str, Any] = {
        "suppressed_share": share,
        "method": policy.sites.method,
        "withheld": [
            {"site": w.site, "group": w.label, "cells": w.cells, "rows": list(w.rows)}
            for w in merged.summary.withheld
        ],
    }
    from ethicompass.review import ASSESSORS

    fairness_assess = ASSESSORS["fairness"]

    p = study.predictions
    cal_groups = [*p.groups, *([p.site] if p.site and p.site not in p.groups else [])]

    def beneficence(ctx: Any) -> list[Any]:
        if not blocked:
            note = withheld_check(
                "beneficence", merged.summary, cal_groups, "calibration and harm counts", intersections=False
            )
            return [*ASSESSORS["beneficence"](ctx), *([note] if note is not None else [])]
        from ethicompass.review import adverse_event_checks  # counts of their own, not the fairness cells

        return [too_suppressed("beneficence", share, limit), *adverse_event_checks(ctx)]

    def fairness(ctx: Any) -> list[Any]:
        if blocked:
            return [too_suppressed("fairness", share, limit)]
        checks = fairness_assess(ctx)
        extra, found = multi_site_checks(merged, study, policy, results["fairness_review"], checks)
        detail.update(found)
        audit_groups = list(policy.fairness.groups or p.groups)
        note = withheld_check("fairness", merged.summary, audit_groups, "fairness counts")
        if noisy:  # the counts carry noise: said plainly, beside the intervals that leave it out
            attributes = results["fairness_review"].attributes
            extra.append(noise_checks(merged.files, policy=policy, attributes=attributes, clamped=clamped)[1])
        return [*checks, *extra, *([note] if note is not None else [])]

    def privacy(ctx: Any) -> list[Any]:
        if noisy:
            return [noise_checks(merged.files, policy=policy, attributes=())[0]]
        return _privacy_assessor(merged)(ctx)

    output = review(
        study,
        policy=policy,
        store=store,
        out_dir=out_dir,
        results=results,
        pdf=pdf,
        actor=actor,
        signing_key=signing_key,
        assessors={
            "privacy": privacy,
            "transparency": _transparency_assessor(merged),
            "fairness": fairness,
            "beneficence": beneficence,
        },
    )
    detail["provenance"] = [
        {
            "site": f.site,
            "file": Path(f.source).name,
            "created_at": f.body["created_at"],
            "key_id": f.key_id,
            "checkpoint": {k: f.body["checkpoint"][k] for k in ("tree_size", "root_hash", "time")},
            "certificate": f.body["certificate"]["body_hash"],
            "rows": int(merged.summaries[f.site].n),
        }
        for f in merged.files
    ]
    # the reviewer's pages show it as multi-site, run from the command line as from the server
    if output.review_id is not None:
        from ethicompass.sites._records import record_site_review

        record_site_review(store, int(output.review_id), str(merged.files[0].body["study"]), detail)
    atomic_write_text(out_dir / "sites.json", json.dumps(detail, indent=2) + "\n")
    return output, detail
