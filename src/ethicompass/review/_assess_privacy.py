"""Privacy: identifiers are handled, the release's re-identification risk is within the policy, notes are redacted."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ethicompass.review._policy import SOURCES
from ethicompass.review._report import Check, Verdict, not_assessed
from ethicompass.study import Role

if TYPE_CHECKING:
    from ethicompass.review._context import ReviewContext

TEXT_SAMPLE = 1000  # notes scored for redaction recall (a systematic sample of larger sets)
_IDENTIFYING_ROLES = (Role.DIRECT_IDENTIFIER, Role.PARTICIPANT_ID)


def _identified_dataset(ctx: ReviewContext) -> str | None:
    for name, spec in ctx.study.datasets.items():
        if spec.columns_with(Role.DIRECT_IDENTIFIER):
            return name
    return None


def _deidentified(ctx: ReviewContext, dataset: str) -> tuple[Any, Any]:
    """Safe Harbor on ``dataset`` with a throwaway key: the review judges the release, it does not make one."""
    from ethicompass.privacy import Key, Policy, TableSchema, deidentify

    cached = ctx.results.get("privacy_release")
    if cached is not None:
        return cached
    result = deidentify(
        ctx.frame(dataset),
        TableSchema.from_dataset(ctx.study.datasets[dataset]),
        policy=Policy.safe_harbor(),
        key=Key.generate(),
    )
    ctx.results["privacy_release"] = (result.to_frame(), result.certificate)
    return ctx.results["privacy_release"]


def _named_release(
    ctx: ReviewContext, dataset: str, identifying: list[str]
) -> tuple[Any, dict[str, str], str]:
    """The release the manifest names, and what became of each identifying column of ``dataset`` in it:
    absent (drop), values unlike the source's (pseudonymise), or values found in the source (keep)."""
    import polars as pl

    name = ctx.study.release
    assert name is not None
    release = ctx.frame(name)
    source = ctx.frame(dataset)
    actions: dict[str, str] = {}
    for column in identifying:
        if column not in release.columns:
            actions[column] = "drop"
            continue
        seen = source[column].cast(pl.String).drop_nulls()
        shared = release[column].cast(pl.String).is_in(seen.implode()).any()
        actions[column] = "keep" if shared else "pseudonymise"
    return release, actions, f"the release {name!r} ({ctx.study.datasets[name].path})"


def assess(ctx: ReviewContext) -> list[Check]:
    """Safe Harbor coverage, k-anonymity and prosecutor risk of the release, and text redaction recall."""
    dataset = _identified_dataset(ctx)
    if dataset is None:
        return [
            not_assessed(
                "privacy.identifiers",
                "Direct identifiers removed or pseudonymised",
                "no dataset in the manifest has a direct_identifier column",
                action="run `ethicompass scan` on each table and record the roles in study.yaml",
            )
        ]
    spec = ctx.study.datasets[dataset]
    identifying = [c for c, s in spec.columns.items() if s.role in _IDENTIFYING_ROLES]
    if ctx.study.release is not None:
        release, actions, judged = _named_release(ctx, dataset, identifying)
    else:
        release, certificate = _deidentified(ctx, dataset)
        actions = {c.column: c.action for c in certificate.columns}
        judged = f"{dataset} after Safe Harbor (the manifest names no release)"
    kept = [c for c in identifying if actions.get(c, "keep") == "keep"]
    checks = [
        Check(
            id="privacy.identifiers",
            title="Direct identifiers removed or pseudonymised",
            verdict="fail" if kept else "pass",
            value=f"{len(identifying) - len(kept)} of {len(identifying)}",
            threshold="all (HIPAA Safe Harbor)" if ctx.policy.privacy.method == "safe-harbor" else "all",
            evidence="; ".join(f"{c}: {actions.get(c, 'keep')}" for c in identifying),
            source=SOURCES["privacy.method"],
            explanation="Names, record numbers, contact details and the like must leave the analysis data or be "
            "replaced by keyed pseudonyms that cannot be reversed without the key.",
            action="mark every identifier in study.yaml and de-identify with `ethicompass deid`",
        )
    ]
    checks.extend(_risk(ctx, release, dataset, judged))
    checks.append(_text(ctx))
    return checks


def _risk(ctx: ReviewContext, release: Any, dataset: str, judged: str) -> list[Check]:
    from ethicompass.privacy import risk

    policy = ctx.policy.privacy
    spec = ctx.study.datasets[dataset]
    qis = [c for c in spec.columns_with(Role.QUASI_IDENTIFIER) if c in release.columns]
    if ctx.study.release is not None:
        own = ctx.study.datasets[ctx.study.release].columns_with(Role.QUASI_IDENTIFIER)
        qis = list(dict.fromkeys([*qis, *(c for c in own if c in release.columns)]))
    if not qis:
        return [
            not_assessed(
                "privacy.k_anonymity",
                "Re-identification risk of the released data",
                "no quasi-identifier column is left in the de-identified data",
                action="mark quasi-identifiers (age, sex, ZIP, ...) in study.yaml",
            )
        ]
    sensitive = next(iter(spec.columns_with(Role.SENSITIVE_VALUE)), None)
    report = risk(
        release,
        quasi_identifiers=qis,
        sensitive=sensitive if sensitive in release.columns else None,
        k_threshold=policy.k,
        risk_threshold=policy.prosecutor_limit(),
    )
    ctx.results["privacy_risk_review"] = report
    k_verdict: Verdict = "pass" if report.k >= policy.k else "fail"
    mean_verdict: Verdict = "pass" if report.prosecutor.mean <= policy.max_average_risk else "fail"
    explanation_k = (
        "k is the size of the smallest group of records that share every quasi-identifier value; an attacker who "
        "knows those values about a participant cannot narrow them down below k records."
    )
    return [
        Check(
            id="privacy.k_anonymity",
            title="Every released record hides among at least k others",
            verdict=k_verdict,
            value=report.k,
            threshold=f"k >= {policy.k}",
            evidence=f"quasi-identifiers {', '.join(qis)} in {judged}: {report.equivalence_classes:,} classes, "
            f"{report.records_below_k:,} of {report.records:,} records ({report.share_below_k:.1%}) in classes "
            f"smaller than {policy.k}, {report.uniques:,} unique",
            source=SOURCES["privacy.k"],
            explanation=explanation_k
            + " Safe Harbor alone does not guarantee it for small or rare populations.",
            action=f"generalise to a risk target: ethicompass anonymize DATA --qi {','.join(qis)} --k {policy.k}",
        ),
        Check(
            id="privacy.average_risk",
            title="Average re-identification risk (prosecutor)",
            verdict=mean_verdict,
            value=round(float(report.prosecutor.mean), 4),
            threshold=policy.max_average_risk,
            evidence=f"maximum risk {report.prosecutor.max:.3f}; {report.prosecutor.share_above_threshold:.1%} of "
            f"records above {policy.prosecutor_limit():.3f}",
            source=SOURCES["privacy.max_average_risk"],
            explanation="The chance that an attacker who knows a participant is in the data picks out their record, "
            "averaged over records (1 divided by the size of each record's class).",
            action="generalise or suppress quasi-identifiers until the average risk is below the threshold",
        ),
    ]


def _notes_with_gold(ctx: ReviewContext) -> tuple[Path, Path] | None:
    """The study's notes and their gold PHI spans: datasets ``notes``/``notes_gold``, or files beside the manifest."""
    study = ctx.study
    if "notes" in study.datasets and "notes_gold" in study.datasets:
        return study.dataset_path("notes"), study.dataset_path("notes_gold")
    notes, gold = study.base_dir / "notes.jsonl", study.base_dir / "notes_gold.jsonl"
    return (notes, gold) if notes.is_file() and gold.is_file() else None


def _text(ctx: ReviewContext) -> Check:
    title = "Identifiers found in clinical notes (redaction recall)"
    cached = ctx.results.get("privacy_text")
    if cached is None:
        paths = _notes_with_gold(ctx)
        if paths is None:
            return not_assessed(
                "privacy.text_redaction",
                title,
                "the study has no notes with gold PHI spans to evaluate the redactor on",
                action="annotate a sample of notes and evaluate with `ethicompass phi eval`",
            )
        from ethicompass.privacy import evaluate_phi, find_phi, load_gold

        documents = load_gold(paths[0], gold=paths[1])
        step = max(1, len(documents) // TEXT_SAMPLE)
        cached = evaluate_phi(documents[::step], finder=find_phi)
        ctx.results["privacy_text"] = cached
    limit = ctx.policy.privacy.min_text_recall
    recall = float(cached.span_recall_full)
    return Check(
        id="privacy.text_redaction",
        title=title,
        verdict="pass" if recall >= limit else "fail",
        value=round(recall, 4),
        threshold=f">= {limit}",
        evidence=f"{cached.gold_spans:,} gold PHI spans in {cached.documents:,} notes; token precision "
        f"{cached.token_precision:.3f}; {cached.phi_free_flagged} of {cached.phi_free_documents} PHI-free notes flagged",
        source=SOURCES["privacy.min_text_recall"],
        explanation="The share of identifiers in the notes that the redactor covers completely; whatever it misses "
        "leaks into the analysis data.",
        action="add recognizers or dictionary entries for the missed types (see `ethicompass phi eval`), or keep "
        "notes out of the release",
    )
