"""Redaction styles, surrogate consistency and date shifting, and properties over any text."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.errors import ConfigurationError, InputError
from ethicompass.privacy import (
    Key,
    Span,
    date_offset_days,
    find_phi,
    find_phi_column,
    find_phi_many,
    redact,
    redact_column,
)
from ethicompass.study import PhiType

KEY = Key(b"k" * 32)
NOTE = (
    "Pt John Smith (MRN: AB-123456) seen at St. Mary's Hospital on March 5th, 2021 and again on 03/07/2021. "
    "Call 555-123-4567 or john.smith@mail.com. Dr. Smith agreed; age 93."
)


def test_tag_style_replaces_each_span_with_its_type() -> None:
    out = redact(NOTE, find_phi(NOTE))
    assert "John" not in out and "AB-123456" not in out and "2021" not in out and "555" not in out
    assert out.startswith("Pt [NAME] (MRN: [MRN]) seen at [LOCATION] on [DATE] and again on [DATE].")


def test_pseudonym_style_is_keyed_and_stable() -> None:
    spans = find_phi(NOTE)
    a = redact(NOTE, spans, style="pseudonym", key=KEY)
    b = redact(NOTE, spans, style="pseudonym", key=KEY)
    c = redact(NOTE, spans, style="pseudonym", key=Key(b"z" * 32))
    assert a == b != c
    assert re.search(r"\[NAME:ps_[0-9a-f]{24}\]", a)
    assert "Smith" not in a


def test_surrogate_is_realistic_and_consistent_within_a_patient() -> None:
    spans = find_phi(NOTE)
    out = redact(NOTE, spans, style="surrogate", key=KEY, participant_id="P0000001")
    assert out == redact(NOTE, spans, style="surrogate", key=KEY, participant_id="P0000001")
    assert "Smith" not in out and "John" not in out and "555-123-4567" not in out
    # the same surname becomes the same fake surname everywhere in the note
    fake = out.split("Pt ", 1)[1].split(" (", 1)[0].split()[-1]
    assert f"Dr. {fake} agreed" in out
    other = redact(NOTE, spans, style="surrogate", key=KEY, participant_id="P0000002")
    assert other != out


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("Seen on March 5th, 2021.", r"Seen on [A-Z][a-z]+ \d+th, \d{4}\."),
        ("Seen on 03/07/2021.", r"Seen on \d{2}/\d{2}/\d{4}\."),
        ("Seen on 2021-03-07.", r"Seen on \d{4}-\d{2}-\d{2}\."),
        ("Seen on 5 March 2021.", r"Seen on \d+ [A-Z][a-z]+ \d{4}\."),
    ],
)
def test_surrogate_dates_move_by_the_participant_offset(text: str, pattern: str) -> None:
    import datetime as dt

    out = redact(text, find_phi(text), style="surrogate", key=KEY, participant_id="P7")
    assert re.fullmatch(pattern, out), out
    offset = date_offset_days("P7", KEY)
    expected = dt.date(2021, 3, 7 if "07" in text or "-07" in text else 5) + dt.timedelta(days=offset)
    assert str(expected.year) in out
    assert str(expected.day) in out


def test_styles_need_what_they_need() -> None:
    spans = find_phi(NOTE)
    with pytest.raises(ConfigurationError):
        redact(NOTE, spans, style="surrogate")
    with pytest.raises(InputError):
        redact(NOTE, spans, style="blackout")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        redact(NOTE, [Span(5, 9, PhiType.NAME, 1.0, "x"), Span(6, 8, PhiType.NAME, 1.0, "x")])


def test_column_forms(constructor: object) -> None:
    frame = constructor(
        {"pid": ["P1", "P2", "P3"], "note": ["Seen by Dr. Adams on 3/4/2021.", "No PHI.", None]}
    )  # type: ignore[operator]
    spans = find_phi_column(frame, column="note")
    assert spans.columns == ["row", "start", "end", "type", "score", "recognizer"]
    assert spans["row"].to_list() == [0, 0]
    out = redact_column(frame, column="note", participant_column="pid", style="surrogate", key=KEY)
    assert isinstance(out, pl.DataFrame)
    assert "Adams" not in out["note"][0] and out["note"][1] == "No PHI." and out["note"][2] is None


def test_find_phi_many_equals_find_phi_one_by_one() -> None:
    texts = [NOTE, "", "nothing here", "Fax: (801) 863-9561\n", "12 Main St\n", NOTE[:40]] * 50
    assert list(find_phi_many(texts)) == [find_phi(t) for t in texts]


_TEXT = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from(list("0123456789/-:,. MrDJanSmith@")),
    max_size=200,
)


@settings(max_examples=40, deadline=None)
@given(_TEXT)
def test_offsets_are_valid_sorted_and_disjoint_on_any_text(text: str) -> None:
    spans = find_phi(text)
    previous_end = 0
    for s in spans:
        assert previous_end <= s.start < s.end <= len(text)
        previous_end = s.end


_PHI_PIECES = st.sampled_from(
    [
        "John Smith",
        "Dr. Emily P.",
        "MRN: 12345678",
        "March 5th, 2021",
        "3/4/2021",
        "555-123-4567",
        "jane@example.com",
        "St. Mary's Hospital",
        "Seattle",
        "123-45-6789",
        "age 95",
        "7675 Dunn Cove",
        "no PHI",
        "BP 120/80",
    ]
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_PHI_PIECES, max_size=8).map(" and ".join), st.sampled_from(["tag", "pseudonym"]))
def test_redacting_redacted_text_finds_nothing_new(text: str, style: str) -> None:
    once = redact(text, find_phi(text), style=style, key=KEY)  # type: ignore[arg-type]
    assert find_phi(once) == []


def test_deidentify_redacts_free_text_columns() -> None:
    from ethicompass.privacy import Policy, TableSchema, deidentify

    frame = pl.DataFrame(
        {"pid": ["P1", "P2"], "note": ["Pt John Smith seen 3/4/2021 at Mercy Hospital.", None]}
    )
    schema = TableSchema.from_dict(
        {"columns": {"pid": {"role": "participant_id"}, "note": {"role": "free_text"}}}
    )
    out = deidentify(frame, schema, policy=Policy.safe_harbor(free_text="redact"), key=KEY).to_frame()
    assert out["note"].to_list() == ["Pt [NAME] seen [DATE] at [LOCATION].", None]
