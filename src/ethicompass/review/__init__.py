"""Ethics review: one policy, one command, one report a committee can read and a pipeline can gate on.

``review(study, policy=Policy.default(), store=..., out_dir=...)`` runs every principle's checks
through the library (consent enforcement first) and writes ``report.json``, ``report.html`` and,
with the ``pdf`` extra, ``report.pdf``; the report is stored in the database (``ReviewStore``) and
its hash goes into the audit log, under a signed checkpoint when a signing key is configured.
Reviewers compare two reviews (``ReviewStore.compare``) and sign off or request changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.review._assess_autonomy import consent_enforcement
    from ethicompass.review._assess_fairness import difference_checks
    from ethicompass.review._assess_monitoring import adverse_event_checks, monitoring_inputs
    from ethicompass.review._context import ReviewContext
    from ethicompass.review._model_card import model_card
    from ethicompass.review._policy import SOURCES, Policy
    from ethicompass.review._render import render_html
    from ethicompass.review._report import Check, PrincipleResult, Report, combine
    from ethicompass.review._run import ASSESSORS, ReviewOutput, assess, review
    from ethicompass.review._store import (
        DECISIONS,
        CheckChange,
        ReviewStore,
        SignOff,
        StoredReview,
        changes_frame,
        compare_reports,
    )
    from ethicompass.store._review_tables import review_reports, review_signoffs

__getattr__, __dir__ = attach(
    __name__,
    {
        "ASSESSORS": "ethicompass.review._run",
        "Check": "ethicompass.review._report",
        "CheckChange": "ethicompass.review._store",
        "DECISIONS": "ethicompass.review._store",
        "Policy": "ethicompass.review._policy",
        "PrincipleResult": "ethicompass.review._report",
        "Report": "ethicompass.review._report",
        "ReviewContext": "ethicompass.review._context",
        "ReviewOutput": "ethicompass.review._run",
        "ReviewStore": "ethicompass.review._store",
        "SOURCES": "ethicompass.review._policy",
        "SignOff": "ethicompass.review._store",
        "StoredReview": "ethicompass.review._store",
        "adverse_event_checks": "ethicompass.review._assess_monitoring",
        "assess": "ethicompass.review._run",
        "changes_frame": "ethicompass.review._store",
        "combine": "ethicompass.review._report",
        "compare_reports": "ethicompass.review._store",
        "consent_enforcement": "ethicompass.review._assess_autonomy",
        "difference_checks": "ethicompass.review._assess_fairness",
        "model_card": "ethicompass.review._model_card",
        "monitoring_inputs": "ethicompass.review._assess_monitoring",
        "render_html": "ethicompass.review._render",
        "review": "ethicompass.review._run",
        "review_reports": "ethicompass.store._review_tables",
        "review_signoffs": "ethicompass.store._review_tables",
    },
)

__all__ = [
    "ASSESSORS",
    "DECISIONS",
    "SOURCES",
    "Check",
    "CheckChange",
    "Policy",
    "PrincipleResult",
    "Report",
    "ReviewContext",
    "ReviewOutput",
    "ReviewStore",
    "SignOff",
    "StoredReview",
    "adverse_event_checks",
    "assess",
    "changes_frame",
    "combine",
    "compare_reports",
    "consent_enforcement",
    "difference_checks",
    "model_card",
    "monitoring_inputs",
    "render_html",
    "review",
    "review_reports",
    "review_signoffs",
]
