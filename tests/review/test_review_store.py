"""Stored reviews: each review in the database, compare two of one study, sign off with an audit entry."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest

from ethicompass.errors import ConflictError, InputError, NotFoundError
from ethicompass.review import Check, Policy, PrincipleResult, Report, ReviewStore, compare_reports, review
from ethicompass.review._report import Verdict
from ethicompass.study import Study
from ethicompass.transparency import AuditLog


def _base() -> dict[str, Any]:
    return {
        "study": "s",
        "principles": {
            "privacy": {
                "verdict": "pass",
                "checks": [{"id": "privacy.k", "title": "k", "verdict": "pass", "value": 5}],
            },
            "fairness": {
                "verdict": "warn",
                "checks": [
                    {"id": "fairness.tpr", "title": "TPR", "verdict": "warn", "value": 0.12},
                    {"id": "fairness.fpr", "title": "FPR", "verdict": "pass", "value": 0.01},
                ],
            },
        },
    }


def _edit(path: tuple[str, int], key: str, value: Any) -> dict[str, Any]:
    after = copy.deepcopy(_base())
    after["principles"][path[0]]["checks"][path[1]][key] = value
    return after


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (_base(), []),
        (_edit(("privacy", 0), "value", 3), [("privacy.k", "pass", "pass", 5, 3)]),
        (_edit(("fairness", 0), "verdict", "fail"), [("fairness.tpr", "warn", "fail", 0.12, 0.12)]),
        (_edit(("fairness", 1), "title", "renamed"), []),
    ],
)
def test_compare_reports(after: dict[str, Any], expected: list[tuple[Any, ...]]) -> None:
    changes = compare_reports(_base(), after)
    got = [(c.id, c.before_verdict, c.after_verdict, c.before_value, c.after_value) for c in changes]
    assert got == expected
    for change in changes:
        assert change.to_dict()["verdict_changed"] == (change.before_verdict != change.after_verdict)


def test_compare_added_and_removed_checks() -> None:
    after = copy.deepcopy(_base())
    removed = after["principles"]["fairness"]["checks"].pop(1)
    after["principles"]["privacy"]["checks"].append(
        {"id": "privacy.new", "title": "n", "verdict": "fail", "value": 1}
    )
    changes = {c.id: c for c in compare_reports(_base(), after)}
    assert set(changes) == {removed["id"], "privacy.new"}
    assert changes[removed["id"]].after_verdict is None
    assert changes["privacy.new"].before_verdict is None and changes["privacy.new"].principle == "privacy"


def _canned(verdict: Verdict, value: int) -> Any:
    def assess(study: Any, /, **_: Any) -> Report:
        check = Check(id="privacy.k", title="k-anonymity", verdict=verdict, value=value, threshold=5)
        return Report(
            study.name,
            {"name": "p", "version": "1"},
            "2026-01-01T00:00:00Z",
            {"privacy": PrincipleResult("privacy", (check,))},
        )

    return assess


def _review(
    store: Any, study: Path, out: Path, monkeypatch: pytest.MonkeyPatch, verdict: Verdict, value: int
) -> Any:
    monkeypatch.setattr("ethicompass.review._run.assess", _canned(verdict, value))
    return review(
        Study.from_file(study / "study.yaml"),
        policy=Policy.default(),
        store=store,
        out_dir=out,
        pdf=False,
        actor="tester",
    )


def test_reviews_are_stored_compared_and_signed_off(
    store: Any, small_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _review(store, small_study, tmp_path / "a", monkeypatch, "fail", 2)
    second = _review(store, small_study, tmp_path / "b", monkeypatch, "pass", 6)
    reviews = ReviewStore(store)
    listed = reviews.list()
    assert [r.id for r in listed] == [second.review_id, first.review_id]
    assert listed[1].verdict == "fail" and listed[0].verdict == "pass"
    assert listed[0].status == "awaiting review"
    assert reviews.get(first.review_id).report_hash == first.report_hash
    assert reviews.html(first.review_id) == first.html_path.read_text(encoding="utf-8")
    assert reviews.report(second.review_id)["verdict"] == "pass"
    entry = AuditLog(store).entries(action="review.report")[0]
    assert entry.params["review_id"] == first.review_id

    changes = reviews.compare(first.review_id, second.review_id)
    assert [(c.id, c.before_verdict, c.after_verdict, c.before_value, c.after_value) for c in changes] == [
        ("privacy.k", "fail", "pass", 2, 6)
    ]

    with pytest.raises(InputError):
        reviews.sign_off(
            first.review_id, decision="request_changes", comment="  ", reviewer="user:1", role="reviewer"
        )
    with pytest.raises(InputError):
        reviews.sign_off(
            first.review_id, decision="approve-ish", comment="", reviewer="user:1", role="reviewer"
        )
    with pytest.raises(NotFoundError):
        reviews.sign_off(999, decision="sign_off", comment="", reviewer="user:1", role="reviewer")
    comment = "Please raise k to 5 before release."
    signoff = reviews.sign_off(
        first.review_id, decision="request_changes", comment=comment, reviewer="user:1", role="reviewer"
    )
    assert reviews.get(first.review_id).status == "Changes requested"
    assert [s.comment for s in reviews.sign_offs(first.review_id)] == [comment]
    audit = AuditLog(store).entries(action="review.request_changes")
    assert len(audit) == 1
    assert audit[0].object_id == str(first.review_id)
    assert audit[0].hashes["comment"] == "sha256:" + hashlib.sha256(comment.encode()).hexdigest()
    assert audit[0].hashes["report.json"] == first.report_hash
    assert comment not in str(audit[0].to_dict())
    assert audit[0].params["signoff"] == signoff.id
    reviews.sign_off(second.review_id, decision="sign_off", comment="", reviewer="user:1", role="reviewer")
    assert reviews.get(second.review_id).status == "Signed off"
    assert AuditLog(store).verify().ok


def test_compare_needs_the_same_study(
    store: Any, small_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _review(store, small_study, tmp_path / "a", monkeypatch, "pass", 5)
    from ethicompass.store._review_tables import review_reports

    with store.begin() as conn:
        conn.execute(
            review_reports.update().where(review_reports.c.id == first.review_id).values(study="other")
        )
    second = _review(store, small_study, tmp_path / "b", monkeypatch, "pass", 5)
    with pytest.raises(ConflictError):
        ReviewStore(store).compare(first.review_id, second.review_id)
    with pytest.raises(NotFoundError):
        ReviewStore(store).html(12345)


def test_failed_audit_writes_no_files(
    store: Any, small_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ethicompass.errors import AuditError

    def boom(*_: Any, **__: Any) -> Any:
        raise AuditError("disk full", hint="free space")

    monkeypatch.setattr(AuditLog, "append_in", boom)
    with pytest.raises(AuditError):
        _review(store, small_study, tmp_path / "o", monkeypatch, "pass", 5)
    assert not (tmp_path / "o" / "report.json").exists()
    assert ReviewStore(store).list() == []
