"""``review(study, ...)``: run every assessor through the library, write the report, log its hash."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ethicompass.frames import atomic_write_text, sha256_file
from ethicompass.review import (
    _assess_autonomy,
    _assess_beneficence,
    _assess_fairness,
    _assess_monitoring,
    _assess_privacy,
    _assess_training,
    _assess_transparency,
)
from ethicompass.review._context import Assessor, ReviewContext
from ethicompass.review._policy import Policy
from ethicompass.review._render import pdf_available, render_html, render_pdf
from ethicompass.review._report import PRINCIPLES, Check, PrincipleResult, Report
from ethicompass.store import Store
from ethicompass.study import Study


def _beneficence(ctx: ReviewContext) -> list[Check]:
    """Net benefit, calibration and harm of the model; adverse-event monitoring when the policy plans looks."""
    return [*_assess_beneficence.assess(ctx), *_assess_monitoring.adverse_event_checks(ctx)]


#: principle -> its assessor, run in this order (consent enforcement first). Imported explicitly: an
#: assessor that cannot be imported is an error, never a principle quietly reported as not assessed.
ASSESSORS: dict[str, Assessor] = {
    "autonomy": _assess_autonomy.assess,
    "privacy": _assess_privacy.assess,
    "fairness": _assess_fairness.assess,
    "beneficence": _beneficence,
    "transparency": _assess_transparency.assess,
    "training": _assess_training.assess,
}


def assess(
    study: Study,
    /,
    *,
    policy: Policy,
    store: Store,
    results: dict[str, Any] | None = None,
    assessors: dict[str, Assessor] | None = None,
) -> Report:
    """Judge a study against a policy: every principle, through the library, into one :class:`Report`.

    ``assessors`` replaces the assessors of some principles (a multi-site review judges privacy and
    transparency on the site files, see :mod:`ethicompass.sites`); the others run as usual.
    """
    ctx = ReviewContext(study=study, policy=policy, store=store, results=dict(results or {}))
    principles: dict[str, PrincipleResult] = {}
    for principle, assessor in (ASSESSORS | dict(assessors or {})).items():
        principles[principle] = PrincipleResult(principle, tuple(assessor(ctx)))
    ordered = {name: principles[name] for name in PRINCIPLES if name in principles}
    generated = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Report(
        study=study.name,
        policy=policy.to_dict(),
        generated_at=generated,
        principles=ordered,
        study_info=study_info(study),
    )


def study_info(study: Study) -> dict[str, Any]:
    """What the report's header states about the study and the artefacts it judges."""
    m = study.metadata
    p = study.predictions
    release = study.release
    return {
        "principal_investigator": m.principal_investigator,
        "protocol_number": m.protocol_number,
        "protocol_version": m.protocol_version,
        "sponsor": m.sponsor,
        "manifest_version": study.version,
        "release_judged": f"{release} ({study.datasets[release].path})"
        if release
        else "none named: a Safe Harbor pass over the identified data",
        "predictions": f"{p.model_name}: {p.dataset}.{p.score}" if p else None,
        "decision_threshold": p.threshold if p else None,
        "consent_purpose": study.consent.purpose if study.consent else None,
    }


@dataclass(frozen=True)
class ReviewOutput:
    """The files a review wrote and the report they hold."""

    report: Report
    json_path: Path
    html_path: Path
    pdf_path: Path | None
    report_hash: str
    seconds: float
    checkpoint: dict[str, Any] | None = None
    review_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Where the report is, and its verdict."""
        return {
            "verdict": self.report.verdict,
            "json": str(self.json_path),
            "html": str(self.html_path),
            "pdf": str(self.pdf_path) if self.pdf_path else None,
            "report_hash": self.report_hash,
            "seconds": round(self.seconds, 2),
            "signed_checkpoint": self.checkpoint,
            "review_id": self.review_id,
        }


def review(
    study: Study,
    /,
    *,
    policy: Policy,
    store: Store,
    out_dir: Path,
    results: dict[str, Any] | None = None,
    pdf: bool = True,
    actor: str | None = None,
    signing_key: Path | None = None,
    assessors: dict[str, Assessor] | None = None,
) -> ReviewOutput:
    """Assess ``study``, write report.json, report.html (and report.pdf), and log the report's hash.

    When a signing key is configured (``signing_key``, else ``$ETHICOMPASS_SIGNING_KEY``), a signed
    checkpoint over the log, which now holds the report's hash, is written right after.
    ``assessors`` replaces some principles' assessors, as in :func:`assess`.
    """
    import hashlib
    import json

    from ethicompass._time import now_iso
    from ethicompass.review._store import ReviewStore
    from ethicompass.transparency import AuditLog, default_actor

    started = time.perf_counter()
    report = assess(study, policy=policy, store=store, results=results, assessors=assessors)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "report.json", out_dir / "report.html"
    html = render_html(report)
    data = report.to_dict()
    json_text = json.dumps(data, indent=2, default=str) + "\n"

    def digest(text: str) -> str:
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()

    report_hash = digest(json_text)
    hashes = {"report.json": report_hash, "report.html": digest(html)}
    pdf_path: Path | None = None
    pdf_tmp = out_dir / ".report.pdf.partial"
    if pdf and pdf_available():
        render_pdf(html, pdf_tmp)
        hashes["report.pdf"] = sha256_file(pdf_tmp)
    who = actor or default_actor()
    # The stored review and its audit entry commit together; the files are written only after.
    try:
        with store.begin() as conn:
            review_id = ReviewStore(store).insert(
                conn, report=data, html=html, hashes=hashes, actor=who, recorded_at=now_iso()
            )
            AuditLog(store).append_in(
                conn,
                action="review.report",
                object_type="study",
                object_id=study.name,
                actor=who,
                role="reviewer",
                hashes=hashes,
                params={
                    "verdict": report.verdict,
                    "policy": policy.name,
                    "policy_version": policy.version,
                    "review_id": review_id,
                },
            )
    except BaseException:
        pdf_tmp.unlink(missing_ok=True)
        raise
    atomic_write_text(json_path, json_text)
    atomic_write_text(html_path, html)
    if "report.pdf" in hashes:
        pdf_path = out_dir / "report.pdf"
        pdf_tmp.replace(pdf_path)
    checkpoint = _sign(store, signing_key)
    return ReviewOutput(
        report,
        json_path,
        html_path,
        pdf_path,
        report_hash,
        time.perf_counter() - started,
        checkpoint,
        review_id,
    )


def _sign(store: Store, key_file: Path | None) -> dict[str, Any] | None:
    """Sign a checkpoint over the log (now holding the report hash) when a signing key is configured.

    A configured key that cannot be read is an error (the operator asked for a signature); no key
    at all means no checkpoint.
    """
    import os

    from ethicompass.transparency import KEY_ENV, load_signing_key, write_checkpoint

    if key_file is None and not os.environ.get(KEY_ENV):
        return None
    checkpoint = write_checkpoint(store, load_signing_key(key_file))
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash.hex(),
        "key_id": checkpoint.key_id,
        "time": checkpoint.time,
    }
