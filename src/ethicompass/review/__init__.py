"""Ethics review: one policy, one command, one report a committee can read and a pipeline can gate on.

``review(study, policy=Policy.default(), store=..., out_dir=...)`` runs every principle's checks
through the library (consent enforcement first) and writes ``report.json``, ``report.html`` and,
with the ``pdf`` extra, ``report.pdf``; the report is stored in the database (``ReviewStore``) and
its hash goes into the audit log, under a signed checkpoint when a signing key is configured.
Reviewers compare two reviews (``ReviewStore.compare``) and sign off or request changes.
"""

from __future__ import annotations

from ethicompass.review._policy import SOURCES, Policy
from ethicompass.review._render import render_html
from ethicompass.review._report import Check, PrincipleResult, Report, combine
from ethicompass.review._run import ReviewContext, ReviewOutput, assess, review
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

__all__ = [
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
    "assess",
    "changes_frame",
    "combine",
    "compare_reports",
    "render_html",
    "review",
    "review_reports",
    "review_signoffs",
]
