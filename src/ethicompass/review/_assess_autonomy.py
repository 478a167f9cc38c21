"""Autonomy: consent is enforced for the AI purpose, and every withdrawal has a decision per artefact."""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING

from ethicompass.review._figures import consent_flow_svg
from ethicompass.review._policy import SOURCES
from ethicompass.review._report import Check, Verdict, not_assessed

if TYPE_CHECKING:
    from ethicompass.consent import EnforcementRecord
    from ethicompass.review._context import ReviewContext


def enforcement(ctx: ReviewContext) -> EnforcementRecord:
    """The enforcement record for the policy's purpose on the predictions (computed once per review)."""
    cached = ctx.results.get("consent", {})
    if "kept" in cached and cached["enforcement"].purpose == ctx.policy.consent.purpose:
        return cached["enforcement"]
    from ethicompass.consent import Registry, enforce, read_consents_csv
    from ethicompass.store import Store

    study = ctx.study
    assert study.predictions is not None and study.consent is not None and study.consent.dataset
    with ExitStack() as private:
        registry = Registry(ctx.store)
        if registry.status_table(ctx.policy.consent.purpose).height == 0:
            # The state database holds no consent for this purpose: judge on the study's consent file,
            # in a private in-memory registry (disposed after), so the review changes nothing in the
            # user's state.
            registry = Registry(private.enter_context(Store("sqlite://").open()))
            registry.import_records(
                read_consents_csv(study.dataset_path(study.consent.dataset), recorded_by="review"),
                unknown="register",  # a private registry of the study's own file: its ids are its participants
            )
        kept, record = enforce(
            ctx.frame(study.predictions.dataset),
            purpose=ctx.policy.consent.purpose,
            participant_column="participant_id",
            registry=registry,
        )
    ctx.results.setdefault("consent", {})["enforcement"] = record
    ctx.results["consent"]["kept"] = kept
    return record


def consent_enforcement(ctx: ReviewContext) -> EnforcementRecord:
    """Enforce the policy's consent purpose on the predictions, as a review does; the kept rows are in
    ``ctx.results["consent"]["kept"]`` afterwards (a site summary counts only those)."""
    return enforcement(ctx)


def assess(ctx: ReviewContext) -> list[Check]:
    """Consent enforcement first; then unresolved withdrawal decisions."""
    study, policy = ctx.study, ctx.policy.consent
    checks: list[Check] = []
    if study.consent is None or not study.consent.dataset or study.predictions is None:
        checks.append(
            not_assessed(
                "autonomy.enforced",
                f"Consent for '{policy.purpose}' enforced on the model's data",
                "the manifest names no consent dataset or no predictions",
                action="add 'consent: {dataset: ..., purpose: ...}' and 'predictions' to study.yaml",
            )
        )
    else:
        record = enforcement(ctx)
        dropped = record.rows_dropped
        reasons = ", ".join(f"{n:,} {r}" for r, n in sorted(dropped.items())) or "none"
        checks.append(
            Check(
                id="autonomy.enforced",
                title=f"Consent for '{policy.purpose}' enforced on the model's data",
                verdict="pass",
                value={"rows_in": record.rows_in, "rows_kept": record.rows_kept},  # type: ignore[attr-defined]
                threshold="only participants who permit the purpose",
                evidence=f"rows excluded by reason: {reasons}; consent state {record.status_hash[:19]}",  # type: ignore[attr-defined]
                source=SOURCES["consent.max_unresolved"],
                explanation="Every later check in this review uses only the rows of participants whose consent "
                "permits this purpose at the time of the review.",
                figures=(consent_flow_svg(record.rows_in, record.rows_kept, dropped),),  # type: ignore[attr-defined]
            )
        )
    # A multi-site review counts the open decisions each site reported (no artefact names leave a site).
    reported = ctx.results.get("unresolved_by_site")
    if reported is not None:
        n_open = sum(reported.values())
        evidence = (
            "; ".join(f"{site}: {n}" for site, n in sorted(reported.items()) if n) or "no open decisions"
        )
    else:
        from ethicompass.consent import unresolved_decisions

        open_ = unresolved_decisions(ctx.store)
        n_open = len(open_)
        evidence = ", ".join(sorted({d.artefact_id for d in open_})) or "no open decisions"
    verdict: Verdict = "pass" if n_open <= policy.max_unresolved else "fail"
    checks.append(
        Check(
            id="autonomy.withdrawals_resolved",
            title="Every withdrawal has a decision for each derived dataset and model",
            verdict=verdict,
            value=n_open,
            threshold=f"at most {policy.max_unresolved} open",
            evidence=evidence,
            source=SOURCES["consent.max_unresolved"],
            explanation="When a participant withdraws, each dataset and model built from their data needs a "
            "recorded decision: exclude from future use, retain under a named legal basis, retrain, or erase.",
            action="record a decision per artefact: ethicompass consent decisions, then ethicompass consent decide DECISION_ID --action ... --legal-basis ...",
        )
    )
    return checks
