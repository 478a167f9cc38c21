"""Course content as package data: ``training/courses/*.yaml``, validated with pydantic."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ethicompass.errors import ManifestError, NotFoundError

DEFAULT_PASS_MARK = 0.8
DEFAULT_VALIDITY_DAYS = 3 * 365


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Frozen):
    """One answer option of a question; ``correct`` marks a right answer."""

    text: str = Field(min_length=1)
    correct: bool = False


class Question(_Frozen):
    """A quiz question: single or multiple answer, with the explanation shown after submission."""

    id: str = Field(min_length=1, pattern=r"^[a-z0-9-]+$")
    text: str = Field(min_length=1)
    kind: Literal["single", "multiple"] = "single"
    options: tuple[Option, ...] = Field(min_length=2)
    explanation: str = Field(min_length=1)

    @model_validator(mode="after")
    def _answers(self) -> Question:
        right = sum(o.correct for o in self.options)
        if right < 1:
            raise ValueError(f"question {self.id} has no correct option")
        if self.kind == "single" and right != 1:
            raise ValueError(f"single-answer question {self.id} has {right} correct options")
        return self

    @property
    def correct(self) -> frozenset[int]:
        """Indices (in file order) of the correct options."""
        return frozenset(i for i, o in enumerate(self.options) if o.correct)


class Case(_Frozen):
    """A worked clinical-research case."""

    title: str
    text: str


#: Each quiz draws its questions from a bank at least this many times its size (issue 20): a pass
#: cannot come from remembering one attempt's questions.
BANK_FACTOR = 3


class Course(_Frozen):
    """A training module: objectives, text, a worked case, sources and a quiz bank.

    Each attempt draws :attr:`quiz_length` questions afresh from the bank (``quiz_size``; the whole
    bank where it is not set). Shipped courses keep a bank of at least :data:`BANK_FACTOR` times the
    quiz (a test enforces it).
    """

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    title: str
    order: int = 0
    validity_days: int = Field(DEFAULT_VALIDITY_DAYS, ge=1)
    pass_mark: float = Field(DEFAULT_PASS_MARK, gt=0, le=1)
    quiz_size: int | None = Field(None, ge=1)
    objectives: tuple[str, ...] = Field(min_length=1)
    text: str
    case: Case
    sources: tuple[str, ...] = Field(min_length=1)
    questions: tuple[Question, ...] = Field(min_length=10)

    @model_validator(mode="after")
    def _unique(self) -> Course:
        ids = [q.id for q in self.questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"question ids repeat: {', '.join(dupes)}")
        if self.quiz_size is not None and self.quiz_size > len(self.questions):
            raise ValueError("quiz_size is larger than the question bank")
        return self

    @property
    def quiz_length(self) -> int:
        """How many questions one attempt draws from the bank."""
        return self.quiz_size or len(self.questions)

    @property
    def paragraphs(self) -> list[str]:
        """The text split into paragraphs (blank-line separated)."""
        return [" ".join(p.split()) for p in self.text.split("\n\n") if p.strip()]

    @property
    def case_paragraphs(self) -> list[str]:
        """The worked case split into paragraphs."""
        return [" ".join(p.split()) for p in self.case.text.split("\n\n") if p.strip()]

    def question(self, question_id: str) -> Question:
        """The question with this id."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise NotFoundError(f"course {self.id} has no question {question_id!r}", hint="check the question id")

    def to_dict(self) -> dict[str, Any]:
        """Summary as JSON-ready data: id, title, question count, validity and pass mark."""
        return {
            "id": self.id,
            "title": self.title,
            "questions": len(self.questions),
            "validity_days": self.validity_days,
            "pass_mark": self.pass_mark,
        }


def parse_course(data: Any, *, where: str) -> Course:
    """Validate one course's data; ``where`` names the file in the error."""
    try:
        return Course.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise ManifestError(
            f"{where}: {loc or 'course'}: {first['msg']}", hint="fix the course file and run again"
        ) from exc


@lru_cache(maxsize=1)
def _load() -> tuple[Course, ...]:
    folder = resources.files("ethicompass.training") / "courses"
    found: list[Course] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            course = parse_course(yaml.safe_load(entry.read_text(encoding="utf-8")), where=entry.name)
            if f"{course.id}.yaml" != entry.name:
                raise ManifestError(f"{entry.name}: id {course.id!r} does not match the file name")
            found.append(course)
    return tuple(sorted(found, key=lambda c: (c.order, c.id)))


def load_courses() -> list[Course]:
    """Every course shipped with ethicompass, in teaching order."""
    return list(_load())


def get_course(course_id: str, /) -> Course:
    """The course with this id (:class:`NotFoundError` naming the known ids otherwise)."""
    for course in _load():
        if course.id == course_id:
            return course
    known = ", ".join(c.id for c in _load())
    raise NotFoundError(f"no course {course_id!r}", hint=f"known courses: {known}")


def course_ids() -> list[str]:
    """The ids of every course, in teaching order."""
    return [c.id for c in _load()]
