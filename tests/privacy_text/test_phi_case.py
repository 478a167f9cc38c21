"""Case never hides PHI: a note in upper, lower or title case keeps every span that mixed case finds.

Real ward notes are typed all in capitals or all in lower case; the detector decides on lower-cased text, so a
span found in the mixed-case note must still be covered (every letter or digit of it) in each re-cased copy.
The notes are drawn from hand-written templates in the styles of real notes (no evaluation corpus is used).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethicompass.privacy import find_phi

FIRST = [
    "Maria",
    "Oluwaseun",
    "Nguyen",
    "Dagmar",
    "Priya",
    "Seamus",
    "Lakshmi",
    "Tomasz",
    "Ayodele",
    "Hiroshi",
]
LAST = [
    "Kowalczyk",
    "Okonkwo",
    "Abernathy",
    "Van der Berg",
    "Przybylski",
    "Oyelaran",
    "Halvorsen",
    "Castellanos",
]
PLACES = ["Westmoreland", "Kernsville", "Brightwater", "Oakhaven", "Calder County"]
COMPANIES = ["Zentrix", "Quorvane", "Halvex Biotek", "Marunaka"]
HOLY = ["Apostles", "Innocents", "Trinity", "Oaks"]
TEMPLATES = [
    "{d} found down at home by wife {f}; to {p} Hospital, then here.",
    "D/W Dr. {l} re plan; per {l2}, cont current meds. F/U {d}.",
    "Pt seen by {f} {l}, RN. Daughter {f2} at bedside, updated.",
    "Transferred from {p} on {d}; discussed with {l} and {l2}.",
    "Family meeting with {f} {l} (son), cell # 555-201-3344.",
    "Seen at {p} Medical Center on {d} by Dr. {l}.",
    "Seen at Holy {h} ER on {d}; son owner of {c}; blood cx x 3 {d}.",
    "D/W {i}. {l} re d/c to {p} Nursing Facility; partner works at {c}.",
]


@st.composite
def notes(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(TEMPLATES))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    return template.format(
        d=f"{month}/{day}",
        f=draw(st.sampled_from(FIRST)),
        f2=draw(st.sampled_from(FIRST)),
        l=draw(st.sampled_from(LAST)),
        l2=draw(st.sampled_from(LAST)),
        p=draw(st.sampled_from(PLACES)),
        c=draw(st.sampled_from(COMPANIES)),
        h=draw(st.sampled_from(HOLY)),
        i=draw(st.sampled_from("ABKRTZ")),
    )


def _covered(text: str) -> bytearray:
    cover = bytearray(len(text))
    for span in find_phi(text):
        cover[span.start : span.end] = b"\x01" * (span.end - span.start)
    return cover


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes(), st.sampled_from(["upper", "lower", "title"]))
def test_recasing_never_loses_a_span(note: str, case: str) -> None:
    recased = getattr(note, case)()
    assert len(recased) == len(note)
    mixed, other = _covered(note), _covered(recased)
    for span in find_phi(note):
        missing = [k for k in range(span.start, span.end) if note[k].isalnum() and not other[k]]
        assert not missing, (case, note[span.start : span.end], recased)
    assert any(mixed)
