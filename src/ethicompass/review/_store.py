"""Stored reviews: every report in the database, comparisons between two, and reviewers' sign-offs."""

from __future__ import annotations

import builtins
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa

from ethicompass.errors import ConflictError, InputError, NotFoundError
from ethicompass.store import Store
from ethicompass.store._review_tables import review_reports, review_signoffs

Decision = Literal["sign_off", "request_changes"]
#: A reviewer's decisions on a stored review, with the words the pages show for each.
DECISIONS: dict[str, str] = {"sign_off": "Signed off", "request_changes": "Changes requested"}
MAX_COMMENT = 5000
_COLUMNS = tuple(c for c in review_reports.c if c.name not in ("report_json", "report_html"))


@dataclass(frozen=True)
class StoredReview:
    """One review as stored: its verdict, hashes, and the latest reviewer decision (if any)."""

    id: int
    study: str
    generated_at: str
    verdict: str
    policy_name: str
    policy_version: str
    report_hash: str
    html_hash: str
    pdf_hash: str | None
    actor: str
    recorded_at: str
    status: str = "awaiting review"

    def to_dict(self) -> dict[str, Any]:
        """The review's metadata as JSON (the report itself via :meth:`ReviewStore.report`)."""
        return {
            "id": self.id,
            "study": self.study,
            "generated_at": self.generated_at,
            "verdict": self.verdict,
            "policy": {"name": self.policy_name, "version": self.policy_version},
            "report_hash": self.report_hash,
            "html_hash": self.html_hash,
            "pdf_hash": self.pdf_hash,
            "actor": self.actor,
            "recorded_at": self.recorded_at,
            "status": self.status,
        }


@dataclass(frozen=True)
class SignOff:
    """A reviewer's decision on a review, with their comment."""

    id: int
    review_id: int
    decision: str
    comment: str
    reviewer: str
    role: str
    recorded_at: str

    def to_dict(self) -> dict[str, Any]:
        """The sign-off as JSON."""
        return {
            "id": self.id,
            "review_id": self.review_id,
            "decision": self.decision,
            "comment": self.comment,
            "reviewer": self.reviewer,
            "role": self.role,
            "recorded_at": self.recorded_at,
        }


@dataclass(frozen=True)
class CheckChange:
    """One check whose verdict or value differs between two reviews (absent on one side: ``None``)."""

    principle: str
    id: str
    title: str
    before_verdict: str | None
    after_verdict: str | None
    before_value: Any
    after_value: Any

    @property
    def verdict_changed(self) -> bool:
        """Whether the verdict (not only the value) changed."""
        return self.before_verdict != self.after_verdict

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON."""
        return {
            "principle": self.principle,
            "id": self.id,
            "title": self.title,
            "before": {"verdict": self.before_verdict, "value": self.before_value},
            "after": {"verdict": self.after_verdict, "value": self.after_value},
            "verdict_changed": self.verdict_changed,
        }


def compare_reports(before: dict[str, Any], after: dict[str, Any], /) -> list[CheckChange]:
    """Checks whose verdict or value changed between two ``report.json`` documents (principle order)."""

    def index(report: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
        return {
            check["id"]: (principle, check)
            for principle, body in report.get("principles", {}).items()
            for check in body.get("checks", [])
        }

    a, b = index(before), index(after)
    order = list(a) + [k for k in b if k not in a]
    changes: list[CheckChange] = []
    for check_id in order:
        pa, ca = a.get(check_id, (None, None))
        pb, cb = b.get(check_id, (None, None))
        va = ca.get("verdict") if ca else None
        vb = cb.get("verdict") if cb else None
        xa = ca.get("value") if ca else None
        xb = cb.get("value") if cb else None
        if ca is not None and cb is not None and va == vb and xa == xb:
            continue
        changes.append(
            CheckChange(
                principle=str(pa or pb),
                id=check_id,
                title=str((ca or cb or {}).get("title", check_id)),
                before_verdict=va,
                after_verdict=vb,
                before_value=xa,
                after_value=xb,
            )
        )
    return changes


def changes_frame(changes: list[CheckChange], /) -> pl.DataFrame:
    """The changes as a Polars frame (values as text)."""
    return pl.DataFrame(
        {
            "principle": [c.principle for c in changes],
            "id": [c.id for c in changes],
            "before_verdict": [c.before_verdict for c in changes],
            "after_verdict": [c.after_verdict for c in changes],
            "before_value": [json.dumps(c.before_value, default=str) for c in changes],
            "after_value": [json.dumps(c.after_value, default=str) for c in changes],
        },
        schema={k: pl.String for k in ("principle", "id", "before_verdict", "after_verdict")}
        | {"before_value": pl.String, "after_value": pl.String},
    )


class ReviewStore:
    """Reviews and sign-offs in the state database."""

    def __init__(self, store: Store, /) -> None:
        self.store = store

    def insert(
        self,
        conn: sa.Connection,
        /,
        *,
        report: dict[str, Any],
        html: str,
        hashes: dict[str, str],
        actor: str,
        recorded_at: str,
    ) -> int:
        """Store a review inside the caller's transaction; return its id."""
        policy = report.get("policy") or {}
        result = conn.execute(
            review_reports.insert().values(
                study=report["study"],
                generated_at=report["generated_at"],
                verdict=report["verdict"],
                policy_name=str(policy.get("name", "")),
                policy_version=str(policy.get("version", "")),
                report_json=json.dumps(report, default=str),
                report_html=html,
                report_hash=hashes["report.json"],
                html_hash=hashes["report.html"],
                pdf_hash=hashes.get("report.pdf"),
                actor=actor,
                recorded_at=recorded_at,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def _status(self, conn: sa.Connection, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = conn.execute(
            sa.select(review_signoffs.c.review_id, review_signoffs.c.decision)
            .where(review_signoffs.c.review_id.in_(ids))
            .order_by(review_signoffs.c.id)
        ).all()
        return {int(r.review_id): DECISIONS.get(r.decision, r.decision) for r in rows}

    @staticmethod
    def _row(row: Any, status: str) -> StoredReview:
        return StoredReview(
            id=int(row.id),
            study=row.study,
            generated_at=row.generated_at,
            verdict=row.verdict,
            policy_name=row.policy_name,
            policy_version=row.policy_version,
            report_hash=row.report_hash,
            html_hash=row.html_hash,
            pdf_hash=row.pdf_hash,
            actor=row.actor,
            recorded_at=row.recorded_at,
            status=status,
        )

    def list(self, *, study: str | None = None) -> list[StoredReview]:
        """Every stored review, newest first (optionally of one study)."""
        query = sa.select(*_COLUMNS).order_by(review_reports.c.id.desc())
        if study is not None:
            query = query.where(review_reports.c.study == study)
        with self.store.connect() as conn:
            rows = conn.execute(query).all()
            status = self._status(conn, [int(r.id) for r in rows])
        return [self._row(r, status.get(int(r.id), "awaiting review")) for r in rows]

    def get(self, review_id: int, /) -> StoredReview:
        """One stored review (``NotFoundError`` if there is none)."""
        with self.store.connect() as conn:
            row = conn.execute(sa.select(*_COLUMNS).where(review_reports.c.id == review_id)).first()
            if row is None:
                raise NotFoundError(
                    f"review {review_id} does not exist", hint="pick one from the list of reviews"
                )
            status = self._status(conn, [review_id])
        return self._row(row, status.get(review_id, "awaiting review"))

    def _column(self, review_id: int, column: str) -> str:
        with self.store.connect() as conn:
            value = conn.execute(
                sa.select(review_reports.c[column]).where(review_reports.c.id == review_id)
            ).scalar_one_or_none()
        if value is None:
            raise NotFoundError(
                f"review {review_id} does not exist", hint="pick one from the list of reviews"
            )
        return str(value)

    def report(self, review_id: int, /) -> dict[str, Any]:
        """The stored ``report.json`` of a review."""
        return json.loads(self._column(review_id, "report_json"))  # type: ignore[no-any-return]

    def html(self, review_id: int, /) -> str:
        """The stored ``report.html`` of a review (its hash is in the audit log)."""
        return self._column(review_id, "report_html")

    def compare(self, before: int, after: int, /) -> builtins.list[CheckChange]:
        """Checks whose verdict or value changed between two reviews of the same study."""
        a, b = self.get(before), self.get(after)
        if a.study != b.study:
            raise ConflictError(
                f"reviews {before} and {after} are of different studies",
                hint="compare two reviews of the same study",
            )
        return compare_reports(self.report(before), self.report(after))

    def sign_off(
        self, review_id: int, /, *, decision: str, comment: str, reviewer: str, role: str
    ) -> SignOff:
        """Record a reviewer's decision and comment, with an audit entry (the comment's hash, not its text)."""
        from ethicompass._time import now_iso
        from ethicompass.transparency import AuditLog, bind_ids

        if decision not in DECISIONS:
            raise InputError(
                f"decision must be one of {', '.join(DECISIONS)}", hint="sign off, or request changes"
            )
        comment = comment.strip()
        if len(comment) > MAX_COMMENT:
            raise InputError(
                f"the comment is longer than {MAX_COMMENT} characters",
                hint="shorten it, or attach a document",
            )
        if decision == "request_changes" and not comment:
            raise InputError("say which changes are needed", hint="write a comment for the study team")
        stored = self.get(review_id)
        if decision == "sign_off" and stored.verdict == "fail" and not comment:
            raise InputError(
                f"review {review_id} failed under the policy: signing it off needs a written justification",
                hint="say in the comment why the study may go ahead despite the failed checks",
            )
        now = now_iso()
        with self.store.begin() as conn:
            result = conn.execute(
                review_signoffs.insert().values(
                    review_id=review_id,
                    decision=decision,
                    comment=comment,
                    reviewer=reviewer,
                    role=role,
                    recorded_at=now,
                )
            )
            signoff_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            bound_hashes, bound = bind_ids(conn, review_signoffs, [signoff_id])
            AuditLog(self.store).append_in(
                conn,
                action=f"review.{decision}",
                object_type="review",
                object_id=str(review_id),
                actor=reviewer,
                role=role,
                hashes={
                    "report.json": stored.report_hash,
                    "comment": "sha256:" + hashlib.sha256(comment.encode("utf-8")).hexdigest(),
                }
                | bound_hashes,
                params={"study": stored.study, "verdict": stored.verdict, "signoff": signoff_id} | bound,
            )
        return SignOff(signoff_id, review_id, decision, comment, reviewer, role, now)

    def sign_offs(self, review_id: int, /) -> builtins.list[SignOff]:
        """Every decision recorded on a review, oldest first."""
        with self.store.connect() as conn:
            rows = conn.execute(
                sa.select(review_signoffs)
                .where(review_signoffs.c.review_id == review_id)
                .order_by(review_signoffs.c.id)
            ).all()
        return [
            SignOff(int(r.id), int(r.review_id), r.decision, r.comment, r.reviewer, r.role, r.recorded_at)
            for r in rows
        ]
