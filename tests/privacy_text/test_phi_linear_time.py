"""Text built to be slow stays linear: no recognizer re-reads a run of characters from every position inside it.

The times themselves are measured in ``benchmarks/phi_adversarial.py``; here the mechanisms are held: every
pattern part starts only where no letter or digit comes before (as the scan requires of a match anyway), the
one-edit typo check answers a word longer than any known word without trying its edits, and the e-mail pattern
starts only at the start of an address-like run. Each is checked to give the same matches as before.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.privacy import find_phi
from ethicompass.privacy.text.recognizers import _vocab
from ethicompass.privacy.text.recognizers._parts import EMAIL
from ethicompass.privacy.text.recognizers._recognizer import _prepared
from ethicompass.privacy.text.recognizers._registry import REGISTRY

#: The e-mail pattern before it was anchored (the scan took its leftmost match not right after a letter or digit).
_OLD_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")


def _leftmost_free(rx: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Matches as the scan took them: leftmost, not right after a letter or digit, non-overlapping."""
    out, pos = [], 0
    while (m := rx.search(text, pos)) is not None:
        if m.start() and text[m.start() - 1].isalnum():
            pos = m.start() + 1
            continue
        out.append(m.span())
        pos = max(m.end(), m.start() + 1)
    return out


def test_every_pattern_part_starts_only_after_no_letter_or_digit() -> None:
    for recognizer in REGISTRY:
        if recognizer.finder is not None:
            continue
        for rx in _prepared(recognizer)[1]:
            assert "(?<![^\\W_])" in rx.pattern[:40], recognizer.name


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aZ1.-_%+@ x", max_size=60))
def test_the_anchored_email_pattern_finds_what_the_old_one_found(text: str) -> None:
    new = _prepared(next(r for r in REGISTRY if r.name == "email"))[1][0]
    assert _leftmost_free(new, text) == _leftmost_free(_OLD_EMAIL, text)
    assert EMAIL.startswith("(?<!")


def test_a_word_longer_than_any_known_one_is_no_typo_and_tries_no_edit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    known, _ = _vocab.vocabulary()
    monkeypatch.setattr(_vocab, "_one_edit_plain", lambda *_: pytest.fail("tried the edits of a long word"))
    assert not _vocab._one_edit_from("q" * (_vocab._longest(known) + 2), known)
    monkeypatch.undo()
    assert _vocab._one_edit_from("recieved", known)  # a typo of a known word still is one


@pytest.mark.parametrize("blob", ["A" * 3000, "a" * 3000, "1-" * 1500, "." * 3000, "Dr. " * 700])
def test_runs_of_one_character_find_nothing_and_stay_text(blob: str) -> None:
    note = f"Seen by Dr. Okafor on 3/14. {blob} Call 555-201-3344."
    found = {note[s.start : s.end] for s in find_phi(note)}
    assert {"Okafor", "3/14", "555-201-3344"} <= found
