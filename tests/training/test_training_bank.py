"""Issue 20, finding 6 carried further: each attempt draws a fresh subset of the course's question
bank, grading covers exactly the drawn questions, and no answer or explanation comes back before a pass
(domain, JSON and CLI)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ethicompass.training import get_course, load_courses, start_attempt, submit_attempt

COURSE = "privacy-security"


def _right(course_id: str, question_ids: list[str]) -> dict[str, list[int]]:
    course = get_course(course_id)
    return {qid: sorted(course.question(qid).correct) for qid in question_ids}


def test_two_attempts_draw_different_questions(store: Any) -> None:
    course = get_course(COURSE)
    first = start_attempt(store, "ann", COURSE)  # random seeds, as the web and the CLI use
    draws = [{q.id for q in first.questions}]
    for _ in range(4):
        draws.append({q.id for q in start_attempt(store, "ann", COURSE).questions})
    assert all(len(d) == course.quiz_length for d in draws)
    assert len({frozenset(d) for d in draws}) > 1  # 5 equal draws of 8 from 24: odds below 1e-23
    assert len(set().union(*draws)) > course.quiz_length  # the attempts see more of the bank than one quiz


@pytest.mark.parametrize("course", load_courses(), ids=lambda c: c.id)
def test_grading_uses_the_drawn_questions_only(store: Any, course: Any) -> None:
    attempt = start_attempt(store, "ann", course.id, seed=11)
    drawn = [q.id for q in attempt.questions]
    undrawn = [q.id for q in course.questions if q.id not in drawn]
    # every undrawn question answered right, every drawn one left blank: nothing to score
    blank = submit_attempt(store, attempt.id, _right(course.id, undrawn))
    assert [r.id for r in blank.results] == drawn and blank.correct == 0 and not blank.passed
    again = start_attempt(store, "bob", course.id, seed=11)
    answers = _right(course.id, [q.id for q in again.questions])
    answers.update({qid: [0, 1, 2] for qid in undrawn})  # answers to questions not drawn are ignored
    result = submit_attempt(store, again.id, answers)
    assert result.passed and result.correct == course.quiz_length


def test_a_failed_attempt_returns_no_answers(store: Any) -> None:
    attempt = start_attempt(store, "ann", COURSE, seed=3)
    result = submit_attempt(store, attempt.id, {})
    data = json.loads(json.dumps(result.to_dict()))
    assert not data["passed"] and len(data["results"]) == get_course(COURSE).quiz_length
    assert all(r["correct_options"] is None and r["explanation"] is None for r in data["results"])


def test_cli_explains_only_after_a_pass(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import typer

    from ethicompass.training import load_courses as courses

    course = get_course(COURSE)
    explanations = [q.explanation for c in courses() for q in c.questions]
    monkeypatch.setattr(typer, "prompt", lambda *a, **k: "1")  # answers every question with option 1
    failed = cli("training", "take", COURSE, "--user", "ann", "--seed", "4")
    assert failed.code == 1 and "not passed" in failed.err
    assert not any(e in failed.out + failed.err for e in explanations)
    as_json = cli("training", "take", COURSE, "--user", "bob", "--seed", "4", "-f", "json")
    assert as_json.code == 1
    assert all(r["explanation"] is None for r in as_json.json()["results"])
    assert course.quiz_length == len(as_json.json()["results"])
