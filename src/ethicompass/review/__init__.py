"""Ethics review: one policy, one command, one report a committee can read and a pipeline can gate on.

``review(study, policy=Policy.default(), store=..., out_dir=...)`` runs every principle's checks
through the library (consent enforcement first) and writes ``report.json``, ``report.html`` and,
with the ``pdf`` extra, ``report.pdf``; the report's hash goes into the audit log.
"""

from __future__ import annotations

from ethicompass.review._policy import SOURCES, Policy
from ethicompass.review._render import render_html
from ethicompass.review._report import Check, PrincipleResult, Report, combine
from ethicompass.review._run import ReviewContext, ReviewOutput, assess, review

__all__ = [
    "SOURCES",
    "Check",
    "Policy",
    "PrincipleResult",
    "Report",
    "ReviewContext",
    "ReviewOutput",
    "assess",
    "combine",
    "render_html",
    "review",
]
