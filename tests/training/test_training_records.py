"""Attempts, scoring, certificates, CSV import and the gate, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ethicompass.errors import ConflictError, DataFileError, ForbiddenError
from ethicompass.server import add_user
from ethicompass.training import (
    certificates,
    check_access,
    expiring,
    get_course,
    import_certificates,
    staff_gaps,
    start_attempt,
    submit_attempt,
    training_matrix,
)
from ethicompass.transparency import AuditLog

COURSE = "bias-fairness"
ALL = [
    "privacy-security",
    "transparency-accountability",
    "bias-fairness",
    "autonomy-consent",
    "beneficence-nonmaleficence",
    "using-ethicompass",
]


def _answers(attempt: Any, *, wrong: int = 0) -> dict[str, list[int]]:
    course = get_course(attempt.course_id)
    out: dict[str, list[int]] = {}
    for n, shown in enumerate(attempt.questions):
        right = sorted(course.question(shown.id).correct)
        if n < wrong:
            others = [i for i, _ in shown.options if i not in right]
            out[shown.id] = others[:1]
        else:
            out[shown.id] = right
    return out


def _actions(store: Any) -> list[str]:
    return [e.action for e in AuditLog(store).entries()]


def test_order_is_seeded_and_random(store: Any) -> None:
    a = start_attempt(store, "ann", COURSE, seed=1)
    b = start_attempt(store, "ann", COURSE, seed=1)
    c = start_attempt(store, "ann", COURSE, seed=2)
    assert [q.id for q in a.questions] == [q.id for q in b.questions]
    assert [q.options for q in a.questions] == [q.options for q in b.questions]
    assert [q.id for q in a.questions] != [q.id for q in c.questions]
    course = get_course(COURSE)
    assert len(a.questions) == course.quiz_length < len(course.questions)
    assert {q.id for q in a.questions} <= {q.id for q in course.questions}


@pytest.mark.parametrize(("wrong", "passed"), [(0, True), (1, True), (2, False), (8, False)])
def test_score_pass_mark_and_certificate(store: Any, wrong: int, passed: bool) -> None:
    at = datetime(2026, 3, 1, 10, tzinfo=UTC)
    attempt = start_attempt(store, "ann", COURSE, seed=5)
    result = submit_attempt(store, attempt.id, _answers(attempt, wrong=wrong), at=at)
    assert len(result.results) == 8  # the quiz, not the bank
    assert result.correct == 8 - wrong
    assert result.score == pytest.approx((8 - wrong) / 8)
    assert result.passed is passed
    # answers are explained only after a pass (issue 20, finding 6)
    assert all(bool(r.explanation) is passed and bool(r.correct_options) is passed for r in result.results)
    if passed:
        assert result.certificate is not None
        assert result.certificate.issued_on == date(2026, 3, 1)
        assert result.certificate.expires_on == date(2029, 2, 28)  # 1,095 days
        assert "training.certificate.issue" in _actions(store)
    else:
        assert result.certificate is None
        assert certificates(store, user="ann") == []
    assert "training.attempt.submit" in _actions(store)
    with pytest.raises(ConflictError):
        submit_attempt(store, attempt.id, {})


def test_multiple_answer_needs_exactly_the_right_set(store: Any) -> None:
    attempt = start_attempt(store, "ann", COURSE, seed=3)
    answers = _answers(attempt)
    multi = next(q for q in attempt.questions if q.kind == "multiple")
    answers[multi.id] = answers[multi.id][:1]
    result = submit_attempt(store, attempt.id, answers)
    assert [r.id for r in result.results if not r.correct] == [multi.id]


def _csv(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "citi.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_import_records_verifier_and_audit(store: Any, tmp_path: Path) -> None:
    p = _csv(
        tmp_path,
        "user,course_id,completed,expires,verified_by,provider\n"
        "bob,privacy-security,2025-01-10,2028-01-10,quality@site,CITI\n"
        "bob,autonomy-consent,2024-05-01,,,CITI\n",
    )
    result = import_certificates(store, p, verified_by="irb-office")
    assert result.imported == 2
    got = {c.course_id: c for c in certificates(store, user="bob")}
    assert got["privacy-security"].verified_by == "quality@site"
    assert got["autonomy-consent"].verified_by == "irb-office"
    assert got["autonomy-consent"].expires_on == date(2027, 5, 1)
    assert got["privacy-security"].provider == "CITI"
    assert "training.certificate.import" in _actions(store)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("user,completed\nbob,2025-01-01\n", "missing column"),
        ("user,course_id,completed\nbob,privacy-security,2025-01-01\n", "nobody verified"),
        ("user,course_id,completed,verified_by\nbob,privacy-security,yesterday,x\n", "not an ISO date"),
        (
            "user,course_id,completed,expires,verified_by\nbob,privacy-security,2025-01-01,2024-01-01,x\n",
            "before",
        ),
    ],
)
def test_bad_import_is_refused_whole(store: Any, tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(Exception, match=message) as info:
        import_certificates(store, _csv(tmp_path, text))
    assert isinstance(info.value, DataFileError | Exception)
    assert certificates(store) == []


def _certify(store: Any, user: str, *, completed: str, courses: list[str], tmp_path: Path) -> None:
    rows = "".join(f"{user},{c},{completed},,lead\n" for c in courses)
    import_certificates(store, _csv(tmp_path, "user,course_id,completed,expires,verified_by\n" + rows))


# (role, completed, check date, required, refused?, text in the message)
GATE = [
    ("data_manager", "2025-01-01", "2026-06-01", None, False, None),
    ("data_manager", "2022-01-01", "2026-06-01", None, True, "expired on 2024-12-31"),
    ("investigator", "2022-01-01", "2024-12-31", None, False, None),
    ("investigator", "2022-01-01", "2025-01-01", None, True, "expired on 2024-12-31"),
    ("reviewer", "2022-01-01", "2026-06-01", None, False, None),
    ("admin", None, "2026-06-01", None, False, None),
    (
        "data_manager",
        None,
        "2026-06-01",
        ["bias-fairness"],
        True,
        "bias-fairness (Bias and fairness) never completed",
    ),
    ("investigator", "2025-01-01", "2024-06-01", ["bias-fairness"], True, "never completed"),
]


@pytest.mark.parametrize(("role", "completed", "on", "required", "refused", "text"), GATE)
def test_gate_across_roles_and_dates(
    store: Any,
    tmp_path: Path,
    role: str,
    completed: str | None,
    on: str,
    required: Any,
    refused: bool,
    text: Any,
) -> None:
    if completed:
        _certify(store, "cara", completed=completed, courses=ALL, tmp_path=tmp_path)
    if refused:
        with pytest.raises(ForbiddenError) as info:
            check_access(store, "cara", role=role, required=required, at=on)
        assert text in str(info.value)
        assert role in str(info.value)
    else:
        check_access(store, "cara", role=role, required=required, at=on)


def test_staff_gaps_matrix_and_reminder(store: Any, tmp_path: Path) -> None:
    add_user(store, "dora", role="data_manager")
    add_user(store, "evan", role="investigator")
    add_user(store, "rita", role="reviewer")
    _certify(store, "dora", completed="2024-03-01", courses=ALL, tmp_path=tmp_path)
    _certify(store, "evan", completed="2022-01-01", courses=ALL[:2], tmp_path=tmp_path)
    gaps = staff_gaps(store, roles=["data_manager", "investigator"], at="2026-06-01")
    assert gaps.staff == 2
    assert {p.user for p in gaps.problems} == {"evan"}
    assert len(gaps.problems) == 6
    assert any("expired on 2024-12-31" in p.describe() for p in gaps.problems)
    assert any("never completed" in p.describe() for p in gaps.problems)
    assert gaps.to_frame().height == 6
    soon = expiring(store, within_days=60, at="2027-01-15")
    assert {(s.user, s.course_id) for s in soon} == {("dora", c) for c in ALL}
    assert expiring(store, within_days=60, at="2026-06-01") == []
    matrix = training_matrix(store, at="2026-06-01")
    assert [name for name, _, _ in matrix] == ["dora", "evan", "rita"]
    assert staff_gaps(store, roles=["data_manager"], required=["bias-fairness"], at="2026-06-01").ok


def test_cool_down_after_two_failures_in_a_row(store: Any) -> None:
    from ethicompass.training._records import COOL_DOWN

    t0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
    for minutes in (0, 5):
        attempt = start_attempt(store, "ann", COURSE, seed=minutes, at=t0)
        submit_attempt(store, attempt.id, _answers(attempt, wrong=11), at=t0 + timedelta(minutes=minutes))
    with pytest.raises(ConflictError, match="opens at 10:35 UTC"):
        start_attempt(store, "ann", COURSE, at=t0 + timedelta(minutes=20))
    start_attempt(store, "bob", COURSE, at=t0 + timedelta(minutes=20))  # someone else is not held back
    later = t0 + timedelta(minutes=5) + COOL_DOWN
    attempt = start_attempt(store, "ann", COURSE, at=later)
    assert submit_attempt(store, attempt.id, _answers(attempt), at=later).passed
