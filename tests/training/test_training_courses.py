"""Every shipped course file is valid: unique ids, >= 10 questions, a right answer and an explanation each."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from ethicompass.errors import ManifestError
from ethicompass.training import load_courses
from ethicompass.training._courses import Course, parse_course

FILES = sorted(
    e.name
    for e in (resources.files("ethicompass.training") / "courses").iterdir()
    if e.name.endswith(".yaml")
)
EXPECTED = {
    "privacy-security",
    "transparency-accountability",
    "bias-fairness",
    "autonomy-consent",
    "beneficence-nonmaleficence",
    "using-ethicompass",
}


def _raw(name: str) -> dict:
    return yaml.safe_load((resources.files("ethicompass.training") / "courses" / name).read_text("utf-8"))


def test_six_modules_one_per_principle() -> None:
    courses = load_courses()
    assert {c.id for c in courses} == EXPECTED
    assert len({c.title for c in courses}) == len(courses)


@pytest.mark.parametrize("name", FILES)
def test_course_file_is_valid(name: str) -> None:
    course = Course.model_validate(_raw(name))
    assert f"{course.id}.yaml" == name
    assert len(course.questions) >= 10
    assert len({q.id for q in course.questions}) == len(course.questions)
    assert course.objectives and course.sources and course.case.text.strip()
    kinds = {q.kind for q in course.questions}
    assert kinds == {"single", "multiple"}
    for q in course.questions:
        assert q.correct, q.id
        assert q.explanation.strip(), q.id
        assert len({o.text for o in q.options}) == len(q.options), q.id
        if q.kind == "single":
            assert len(q.correct) == 1


def test_question_ids_unique_across_courses() -> None:
    ids = [q.id for c in load_courses() for q in c.questions]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["questions"][0].__setitem__("options", [{"text": "a"}, {"text": "b"}]) or d,
            "no correct",
        ),
        (lambda d: d.__setitem__("questions", d["questions"][:9]) or d, "questions"),
        (lambda d: d["questions"][1].__setitem__("id", d["questions"][0]["id"]) or d, "repeat"),
        (lambda d: d["questions"][0].pop("explanation") and d, "explanation"),
    ],
)
def test_invalid_course_is_refused(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    data = _raw("bias-fairness.yaml")
    data["questions"][0]["options"] = [{"text": "a"}, {"text": "b", "correct": True}]
    data["questions"][0]["kind"] = "single"
    with pytest.raises(ManifestError, match=message):
        parse_course(mutate(data), where="broken.yaml")


@pytest.mark.parametrize(
    "citation",
    [
        "45 CFR 164.514",
        "Art. 7",
        "Art. 9",
        "Art. 17",
        "Art. 89",
        "Art. 4",
        "Art. 10",
        "Art. 12",
        "Art. 13",
        "Art. 14",
        "ICH E6(R3)",
        "Declaration of Helsinki",
        "Belmont Report",
        "Software as a Medical Device",
        "CHAI",
        "WHO",
    ],
)
def test_named_sources_are_cited(citation: str) -> None:
    assert any(citation in s for c in load_courses() for s in c.sources)


@pytest.mark.parametrize("course", load_courses(), ids=lambda c: c.id)
def test_every_bank_is_at_least_three_quizzes(course: Course) -> None:
    """Issue 20: each attempt draws from a bank at least three times the quiz, so a pass cannot come
    from remembering one attempt's questions."""
    from ethicompass.training._courses import BANK_FACTOR

    assert course.quiz_size is not None, "set quiz_size: without it every attempt shows the whole bank"
    assert len(course.questions) >= BANK_FACTOR * course.quiz_length, (
        f"{course.id}: a bank of {len(course.questions)} for a quiz of {course.quiz_length}"
    )
    # the bank is about the module: every question has at least three options to choose from
    assert all(len(q.options) >= 3 for q in course.questions)
