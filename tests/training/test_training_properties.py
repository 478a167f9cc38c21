"""Invariants of the seeded quiz layout and of scoring (Hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.training import load_courses
from ethicompass.training._records import _layout

COURSES = [c.id for c in load_courses()]


@settings(max_examples=40, deadline=None)
@given(course_id=st.sampled_from(COURSES), seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_layout_is_a_seeded_draw_from_the_bank(course_id: str, seed: int) -> None:
    from ethicompass.training import get_course

    course = get_course(course_id)
    layout = _layout(course_id, seed)
    assert layout == _layout(course_id, seed)
    drawn = [qid for qid, _ in layout]
    assert len(drawn) == len(set(drawn)) == course.quiz_length  # a draw from the bank, no repeats
    assert set(drawn) <= {q.id for q in course.questions}
    for qid, order in layout:
        assert sorted(order) == list(range(len(course.question(qid).options)))
