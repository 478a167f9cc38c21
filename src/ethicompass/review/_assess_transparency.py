"""Transparency: the audit log verifies, and the model card is complete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass.review._policy import SOURCES
from ethicompass.review._report import Check, not_assessed

if TYPE_CHECKING:
    from ethicompass.review._context import ReviewContext


def assess(ctx: ReviewContext) -> list[Check]:
    """Verify the whole audit log; check the model card's human-written fields."""
    from ethicompass.transparency import verify_log

    result = verify_log(ctx.store)
    checks = [
        Check(
            id="transparency.audit_log",
            title="The audit log is intact",
            verdict="pass" if result.ok else "fail",
            value=f"{result.tree_size:,} entries",
            threshold="every entry and checkpoint verifies",
            evidence=f"root {result.root_hash[:23]}…; {len(result.checkpoints)} checkpoint(s)"
            + (f"; first bad entry {result.first_bad_seq}: {result.problem}" if not result.ok else ""),
            source=SOURCES["transparency.audit_log"],
            explanation="Every operation on the data is recorded in an append-only log whose entries are leaves of "
            "a Merkle tree; any change, deletion or reordering of an entry breaks verification. It proves no "
            "rewriting only against a checkpoint held by someone outside.",
            action="investigate the first bad entry; restore the log from a verified backup",
        )
    ]
    checks.append(_model_card(ctx))
    return checks


def _model_card(ctx: ReviewContext) -> Check:
    title = "The model card is complete"
    from ethicompass.review._model_card import model_card
    from ethicompass.transparency import ModelCard  # a broken transparency package stops the review here

    if ctx.results.get("multi_site"):
        return not_assessed(
            "transparency.model_card",
            title,
            "a multi-site review holds counts, not the datasets a model card describes",
            action="build the model card where the training data are: ethicompass modelcard build",
        )
    card: ModelCard = model_card(ctx.study, results=ctx.results)
    missing = list(card.missing)
    return Check(
        id="transparency.model_card",
        title=title,
        verdict="pass" if not missing else "warn",
        value=f"{len(missing)} field(s) missing",
        threshold="every field filled" if ctx.policy.transparency.model_card_complete else "informative",
        evidence="missing: " + ", ".join(missing) if missing else "all fields filled, each naming its source",
        source=SOURCES["transparency.model_card"],
        explanation="A model card tells deployers what the model is for, on what data it was built, how it "
        "performs by group and where it must not be used. Fields only a person can write are never invented.",
        action="write the missing fields in the study's model-card section and rebuild: ethicompass modelcard build",
    )
