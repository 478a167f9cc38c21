"""Training: AI-ethics courses for clinical research staff, certificates that expire, and access tied to them.

Courses are package data (``training/courses/*.yaml``); :func:`start_attempt` / :func:`submit_attempt`
run a quiz in a seeded random order and certify a pass; :func:`import_certificates` records external
completions (e.g. CITI) with who verified them; :func:`check_access` refuses staff in gated roles
without current certificates, and :func:`staff_gaps` lists every gap for the ethics review.
"""

from __future__ import annotations

from ethicompass.training._courses import Course, Option, Question, get_course, load_courses
from ethicompass.training._dependency import require_training
from ethicompass.training._gate import (
    GATED_ROLES,
    CourseState,
    StaffGaps,
    check_access,
    course_states,
    expiring,
    staff_gaps,
    training_matrix,
)
from ethicompass.training._records import (
    Attempt,
    AttemptResult,
    Certificate,
    ImportResult,
    PresentedQuestion,
    QuestionResult,
    certificates,
    get_attempt,
    get_certificate,
    import_certificates,
    record_certificate,
    start_attempt,
    submit_attempt,
)

__all__ = [
    "Attempt",
    "AttemptResult",
    "Certificate",
    "certificates",
    "check_access",
    "Course",
    "course_states",
    "CourseState",
    "expiring",
    "GATED_ROLES",
    "get_attempt",
    "get_certificate",
    "get_course",
    "import_certificates",
    "ImportResult",
    "load_courses",
    "Option",
    "PresentedQuestion",
    "Question",
    "QuestionResult",
    "record_certificate",
    "require_training",
    "staff_gaps",
    "StaffGaps",
    "start_attempt",
    "submit_attempt",
    "training_matrix",
]
