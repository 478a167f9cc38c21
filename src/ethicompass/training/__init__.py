"""Training: AI-ethics courses for clinical research staff, certificates that expire, and access tied to them.

Courses are package data (``training/courses/*.yaml``); :func:`start_attempt` / :func:`submit_attempt`
run a quiz in a seeded random order and certify a pass; :func:`import_certificates` records external
completions (e.g. CITI) with who verified them; :func:`check_access` refuses staff in gated roles
without current certificates, and :func:`staff_gaps` lists every gap for the ethics review.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.training._certificates import Verification, revoke_certificate, verify_certificate
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
    from ethicompass.training._imports import ImportResult, import_certificates, record_certificate
    from ethicompass.training._records import (
        Attempt,
        AttemptResult,
        Certificate,
        PresentedQuestion,
        QuestionResult,
        certificates,
        get_attempt,
        get_certificate,
        start_attempt,
        submit_attempt,
    )

__getattr__, __dir__ = attach(
    __name__,
    {
        "Attempt": "ethicompass.training._records",
        "AttemptResult": "ethicompass.training._records",
        "Certificate": "ethicompass.training._records",
        "Course": "ethicompass.training._courses",
        "CourseState": "ethicompass.training._gate",
        "GATED_ROLES": "ethicompass.training._gate",
        "ImportResult": "ethicompass.training._imports",
        "Option": "ethicompass.training._courses",
        "PresentedQuestion": "ethicompass.training._records",
        "Question": "ethicompass.training._courses",
        "QuestionResult": "ethicompass.training._records",
        "StaffGaps": "ethicompass.training._gate",
        "certificates": "ethicompass.training._records",
        "check_access": "ethicompass.training._gate",
        "course_states": "ethicompass.training._gate",
        "expiring": "ethicompass.training._gate",
        "get_attempt": "ethicompass.training._records",
        "get_certificate": "ethicompass.training._records",
        "get_course": "ethicompass.training._courses",
        "import_certificates": "ethicompass.training._imports",
        "load_courses": "ethicompass.training._courses",
        "record_certificate": "ethicompass.training._imports",
        "require_training": "ethicompass.training._dependency",
        "staff_gaps": "ethicompass.training._gate",
        "start_attempt": "ethicompass.training._records",
        "submit_attempt": "ethicompass.training._records",
        "training_matrix": "ethicompass.training._gate",
        "Verification": "ethicompass.training._certificates",
        "revoke_certificate": "ethicompass.training._certificates",
        "verify_certificate": "ethicompass.training._certificates",
    },
)

__all__ = [
    "GATED_ROLES",
    "Attempt",
    "AttemptResult",
    "Certificate",
    "Course",
    "CourseState",
    "ImportResult",
    "Option",
    "PresentedQuestion",
    "Question",
    "QuestionResult",
    "StaffGaps",
    "Verification",
    "certificates",
    "check_access",
    "course_states",
    "expiring",
    "get_attempt",
    "get_certificate",
    "get_course",
    "import_certificates",
    "load_courses",
    "record_certificate",
    "require_training",
    "revoke_certificate",
    "staff_gaps",
    "start_attempt",
    "submit_attempt",
    "training_matrix",
    "verify_certificate",
]
