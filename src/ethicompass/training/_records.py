"""Records over the store: quiz attempts (seeded random order), scores, certificates, CSV imports."""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa

from ethicompass._time import iso, to_utc, utc_now
from ethicompass.errors import ConflictError, InputError, NotFoundError
from ethicompass.store import Store
from ethicompass.store._training_tables import training_attempts, training_certificates
from ethicompass.store._training_tables import training_certificate_ids as _ids_table
from ethicompass.training._certificates import record_identity_in
from ethicompass.training._courses import get_course
from ethicompass.transparency import AuditLog

_EPS = 1e-9
#: After two failed attempts in a row at a course, the next one opens this much later (time to read).
COOL_DOWN = timedelta(minutes=30)


def as_date(value: date | datetime | str | None, /, *, field_name: str = "date") -> date:
    """A date from a date, datetime or ISO string (None: today, UTC)."""
    if value is None:
        return utc_now().date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise InputError(f"{field_name} {value!r} is not an ISO date", hint="write it as YYYY-MM-DD") from exc


def _user_name(user: Any) -> str:
    name = user if isinstance(user, str) else getattr(user, "name", None)
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InputError("the user name is empty or longer than 200 characters", hint="pass a user name")
    return name.strip()


@dataclass(frozen=True)
class PresentedQuestion:
    """A question as shown in one attempt: options in that attempt's order, as (index, text)."""

    id: str
    text: str
    kind: str
    options: tuple[tuple[int, str], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: id, text, kind and options (index and text)."""
        return {
            "id": self.id,
            "text": self.text,
            "kind": self.kind,
            "options": [{"index": i, "text": t} for i, t in self.options],
        }


@dataclass(frozen=True)
class Attempt:
    """One started quiz attempt: its questions in their random order."""

    id: int
    user: str
    course_id: str
    seed: int
    questions: tuple[PresentedQuestion, ...]
    submitted: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready attempt."""
        return {
            "id": self.id,
            "user": self.user,
            "course_id": self.course_id,
            "seed": self.seed,
            "submitted": self.submitted,
            "questions": [q.to_dict() for q in self.questions],
        }


@dataclass(frozen=True)
class Certificate:
    """A training certificate: earned here (``source="quiz"``) or imported (with who verified it), with
    the unguessable ``verification_id`` and the ``holder_name`` printed on it (see ``_certificates``)."""

    id: int
    user: str
    course_id: str
    issued_on: date
    expires_on: date
    source: str
    provider: str | None = None
    reference: str | None = None
    verified_by: str | None = None
    attempt_id: int | None = None
    verification_id: str | None = None
    holder_name: str | None = None
    revoked_at: str | None = None

    def current(self, at: date | datetime | str | None = None) -> bool:
        """True when valid on ``at`` (the expiry day itself is still valid) and not revoked."""
        return self.revoked_at is None and self.issued_on <= as_date(at) <= self.expires_on

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready certificate."""
        return {
            "id": self.id,
            "user": self.user,
            "course_id": self.course_id,
            "issued_on": self.issued_on.isoformat(),
            "expires_on": self.expires_on.isoformat(),
            "source": self.source,
            "provider": self.provider,
            "reference": self.reference,
            "verified_by": self.verified_by,
            "attempt_id": self.attempt_id,
            "verification_id": self.verification_id,
            "holder_name": self.holder_name,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True)
class QuestionResult:
    """How one question was answered, with the right answer and the explanation (both None, withheld,
    when the attempt did not pass: the answers are explained only after a pass)."""

    id: str
    text: str
    chosen: tuple[int, ...]
    correct_options: tuple[int, ...] | None  # None: withheld, the attempt did not pass
    correct: bool
    explanation: str | None  # None: withheld, the attempt did not pass

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result of one question."""
        return {
            "id": self.id,
            "chosen": list(self.chosen),
            "correct_options": None if self.correct_options is None else list(self.correct_options),
            "correct": self.correct,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class AttemptResult:
    """A submitted attempt: score, pass mark, per-question results and the certificate if passed."""

    attempt_id: int
    user: str
    course_id: str
    score: float
    pass_mark: float
    passed: bool
    results: tuple[QuestionResult, ...]
    certificate: Certificate | None

    @property
    def correct(self) -> int:
        """Number of questions answered correctly."""
        return sum(r.correct for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result."""
        return {
            "attempt_id": self.attempt_id,
            "user": self.user,
            "course_id": self.course_id,
            "score": self.score,
            "correct": self.correct,
            "questions": len(self.results),
            "pass_mark": self.pass_mark,
            "passed": self.passed,
            "results": [r.to_dict() for r in self.results],
            "certificate": self.certificate.to_dict() if self.certificate else None,
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per question: id, correct."""
        return pl.DataFrame(
            {"question": [r.id for r in self.results], "correct": [r.correct for r in self.results]}
        )


def _layout(course_id: str, seed: int) -> list[list[Any]]:
    course = get_course(course_id)
    rng = random.Random(seed)
    chosen = rng.sample(range(len(course.questions)), course.quiz_length)  # a fresh draw from the bank
    return [
        [
            course.questions[i].id,
            rng.sample(range(len(course.questions[i].options)), len(course.questions[i].options)),
        ]
        for i in chosen
    ]


def _present(course_id: str, layout: list[list[Any]]) -> tuple[PresentedQuestion, ...]:
    course = get_course(course_id)
    out = []
    for qid, order in layout:
        q = course.question(qid)
        out.append(PresentedQuestion(q.id, q.text, q.kind, tuple((i, q.options[i].text) for i in order)))
    return tuple(out)


def audit_certificates_in(conn: sa.Connection, store: Store, ids: Iterable[int], /, **entry: Any) -> None:
    """Audit certificates written in ``conn``'s transaction, binding their content hashes (and those of
    their ``training_certificate_ids`` rows) to the entry.

    The entry commits with the certificates or not at all, and ``audit verify`` then finds a
    certificate edited, deleted or inserted behind the log's back.
    """
    from ethicompass.transparency import bind_ids

    ids = list(ids)
    hashes, bound = bind_ids(conn, training_certificates, ids)
    id_hashes, id_bound = bind_ids(conn, _ids_table, ids)  # verification ids, holder names, revocations
    entry["hashes"] = dict(entry.get("hashes") or {}) | hashes | id_hashes
    entry["params"] = dict(entry.get("params") or {}) | bound | id_bound
    AuditLog(store).append_in(conn, **entry)


def start_attempt(
    store: Store, user: Any, course_id: str, /, *, seed: int | None = None, at: datetime | None = None
) -> Attempt:
    """Start a quiz attempt: questions and options in an order drawn from ``seed`` (random if None).

    After two failed attempts in a row at the course, a new one is refused (:class:`ConflictError`)
    until :data:`COOL_DOWN` after the last: the quiz cannot be passed by retaking it quickly.
    """
    name = _user_name(user)
    get_course(course_id)
    _check_cool_down(store, name, course_id, at or utc_now())
    seed = secrets.randbits(31) if seed is None else int(seed)
    layout = _layout(course_id, seed)
    with store.begin() as conn:
        key = conn.execute(
            training_attempts.insert().values(
                user_name=name,
                course_id=course_id,
                seed=seed,
                layout=json.dumps(layout),
                started_at=iso(at or utc_now()),
            )
        ).inserted_primary_key
        assert key is not None
        attempt_id = int(key[0])
        AuditLog(store).append_in(  # the attempt and its entry commit together, or neither does
            conn,
            action="training.attempt.start",
            object_type="training_attempt",
            object_id=f"{course_id}/{attempt_id}",
            actor=name,
            role="staff",
            params={"course": course_id, "seed": seed},
        )
    return Attempt(attempt_id, name, course_id, seed, _present(course_id, layout))


def _check_cool_down(store: Store, name: str, course_id: str, now: datetime) -> None:
    c = training_attempts.c
    query = (
        sa.select(c.passed, c.submitted_at)
        .where(c.user_name == name, c.course_id == course_id, c.submitted_at.is_not(None))
        .order_by(c.submitted_at.desc(), c.id.desc())
        .limit(2)
    )
    with store.connect() as conn:
        last = conn.execute(query).all()
    if len(last) == 2 and not last[0].passed and not last[1].passed:
        opens = to_utc(last[0].submitted_at) + COOL_DOWN
        if now < opens:
            raise ConflictError(
                f"two attempts at {course_id} in a row did not pass: the next one opens at "
                f"{opens.strftime('%H:%M')} UTC",
                hint="read the module again before the next attempt",
            )


def get_attempt(store: Store, attempt_id: int, /) -> Attempt:
    """A stored attempt, with its questions in their order."""
    with store.connect() as conn:
        row = conn.execute(sa.select(training_attempts).where(training_attempts.c.id == attempt_id)).first()
    if row is None:
        raise NotFoundError(f"no training attempt {attempt_id}", hint="start one with start_attempt")
    layout = json.loads(row.layout)
    return Attempt(
        int(row.id),
        row.user_name,
        row.course_id,
        int(row.seed),
        _present(row.course_id, layout),
        submitted=row.submitted_at is not None,
    )


def _issue(
    store: Store,
    *,
    user: str,
    course_id: str,
    issued_on: date,
    expires_on: date,
    source: str,
    attempt_id: int | None = None,
    provider: str | None = None,
    reference: str | None = None,
    verified_by: str | None = None,
    conn: sa.Connection,
) -> Certificate:
    key = conn.execute(
        training_certificates.insert().values(
            user_name=user,
            course_id=course_id,
            issued_on=issued_on.isoformat(),
            expires_on=expires_on.isoformat(),
            source=source,
            attempt_id=attempt_id,
            provider=provider,
            reference=reference,
            verified_by=verified_by,
            recorded_at=iso(utc_now()),
        )
    ).inserted_primary_key
    assert key is not None
    vid, holder = record_identity_in(conn, int(key[0]), user)
    return Certificate(
        int(key[0]),
        user,
        course_id,
        issued_on,
        expires_on,
        source,
        provider,
        reference,
        verified_by,
        attempt_id,
        vid,
        holder,
    )


def submit_attempt(
    store: Store, attempt_id: int, answers: Mapping[str, Iterable[int]], /, *, at: datetime | None = None
) -> AttemptResult:
    """Score an attempt (a question is right when exactly its correct options are chosen); certify a pass.

    ``answers`` maps question id to the chosen option indices (as given by the attempt). Only the
    questions drawn for this attempt are scored; answers to any other question are ignored, and
    unanswered ones count as wrong. The right answers and explanations come back only with a pass. A pass (score >= the course's pass mark) issues a certificate valid for
    the course's ``validity_days``.
    """
    attempt = get_attempt(store, attempt_id)
    if attempt.submitted:
        raise ConflictError(
            f"training attempt {attempt_id} was already submitted", hint="start a new attempt"
        )
    course = get_course(attempt.course_id)
    results = []
    for shown in attempt.questions:
        q = course.question(shown.id)
        try:
            chosen = tuple(sorted({int(i) for i in answers.get(shown.id, ())}))
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"answer to {shown.id} is not a list of option numbers", hint="send indices"
            ) from exc
        if any(i < 0 or i >= len(q.options) for i in chosen):
            raise InputError(f"answer to {shown.id} names an option that does not exist", hint="send indices")
        right = tuple(sorted(q.correct))
        results.append(QuestionResult(q.id, q.text, chosen, right, set(chosen) == q.correct, q.explanation))
    score = sum(r.correct for r in results) / len(results)
    passed = score + _EPS >= course.pass_mark
    if not passed:  # no right answers or explanations before a pass: a blank attempt teaches nothing
        results = [QuestionResult(r.id, r.text, r.chosen, None, r.correct, None) for r in results]
    when = at or utc_now()
    certificate = None
    with store.begin() as conn:
        done = conn.execute(
            training_attempts.update()
            .where(training_attempts.c.id == attempt_id, training_attempts.c.submitted_at.is_(None))
            .values(
                submitted_at=iso(when),
                answers=json.dumps({r.id: list(r.chosen) for r in results}),
                score=score,
                passed=passed,
            )
        )
        if done.rowcount != 1:
            raise ConflictError(
                f"training attempt {attempt_id} was already submitted", hint="start a new attempt"
            )
        AuditLog(store).append_in(
            conn,
            action="training.attempt.submit",
            object_type="training_attempt",
            object_id=f"{course.id}/{attempt_id}",
            actor=attempt.user,
            role="staff",
            params={"score": round(score, 4), "passed": passed, "pass_mark": course.pass_mark},
        )
        if passed:
            issued = when.date()
            certificate = _issue(
                store,
                user=attempt.user,
                course_id=course.id,
                issued_on=issued,
                expires_on=issued + timedelta(days=course.validity_days),
                source="quiz",
                attempt_id=attempt_id,
                conn=conn,
            )
            # in the same transaction: a certificate is never issued without its audit entry
            audit_certificates_in(
                conn,
                store,
                [certificate.id],
                action="training.certificate.issue",
                object_type="training_certificate",
                object_id=f"{course.id}/{certificate.id}",
                actor=attempt.user,
                role="staff",
                params={"expires_on": certificate.expires_on.isoformat(), "source": "quiz"},
            )
    return AttemptResult(
        attempt_id, attempt.user, course.id, score, course.pass_mark, passed, tuple(results), certificate
    )


def _cert(row: Any) -> Certificate:
    return Certificate(
        int(row.id),
        row.user_name,
        row.course_id,
        date.fromisoformat(row.issued_on),
        date.fromisoformat(row.expires_on),
        row.source,
        row.provider,
        row.reference,
        row.verified_by,
        int(row.attempt_id) if row.attempt_id is not None else None,
        row.verification_id,
        row.holder_name,
        row.revoked_at,
    )


_IDS = _ids_table.c
_WITH_IDS = sa.select(
    training_certificates, _IDS.verification_id, _IDS.holder_name, _IDS.revoked_at
).outerjoin(_ids_table, _IDS.certificate_id == training_certificates.c.id)


def certificates(
    store: Store, /, *, user: Any = None, course_id: str | None = None, include_revoked: bool = False
) -> list[Certificate]:
    """Stored certificates (optionally for one user and/or course), oldest first; revoked ones only
    with ``include_revoked`` (so the gate never counts them)."""
    query = _WITH_IDS.order_by(training_certificates.c.id)
    if not include_revoked:
        query = query.where(_IDS.revoked_at.is_(None))
    if user is not None:
        query = query.where(training_certificates.c.user_name == _user_name(user))
    if course_id is not None:
        query = query.where(training_certificates.c.course_id == course_id)
    with store.connect() as conn:
        return [_cert(r) for r in conn.execute(query)]


def get_certificate(store: Store, certificate_id: int, /) -> Certificate:
    """One certificate by id."""
    with store.connect() as conn:
        row = conn.execute(_WITH_IDS.where(training_certificates.c.id == certificate_id)).first()
    if row is None:
        raise NotFoundError(
            f"no certificate {certificate_id}", hint="list them with `ethicompass training status`"
        )
    return _cert(row)
