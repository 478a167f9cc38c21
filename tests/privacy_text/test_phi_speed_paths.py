"""The shortcuts that make ``phi redact`` fast give exactly what the plain code gives.

The JSONL writer of ``phi find`` / ``phi redact`` against ``json.dumps`` of the same record; the letter-run starts
that let the word scan try its glued-ward pattern only where it can match, against ``re.finditer``; the ASCII-only
lower case of a text past ASCII against ``str.translate``; the skeleton map of the typo check against the plain
loop it replaced; and a verb's start-up on a database already at its heads, which reads no migration through
Alembic and loads no PyArrow.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.cli.privacy_text import _jsonl_record
from ethicompass.privacy import Span, find_phi_many
from ethicompass.privacy.text.recognizers import _vocab, _words
from ethicompass.privacy.text.recognizers._parts import (
    ASCII_LOWER,
    ascii_lower,
    finditer,
    letters_before_digits,
)
from ethicompass.study import PhiType


def _dumps(doc_id: Any, text: str | None, spans: list[Span]) -> str:
    record: dict[str, Any] = {"id": doc_id}
    if text is not None:
        record["text"] = text
    record["spans"] = [s.to_dict() for s in spans]
    return json.dumps(record, ensure_ascii=False) + "\n"


NOTES = [
    "Pt John Smith seen 03/07/2021 at St. Mary's Hospital; call 555-123-4567.",
    "",
    "no phi here at all",
    'quotes " and \\ backslashes, tabs\tand\nnewlines, ü, 日本, emoji \U0001f600, \u2028 and \x00',
    "WIFE MARY AT BEDSIDE. D/W DR HEALEY RE PLAN. 7/22 FOUND BY HUSBAND.",
]


@pytest.mark.parametrize("doc_id", [0, 17, "note-1", 'ü"x', "", True])
@pytest.mark.parametrize("with_text", [True, False])
def test_jsonl_record_is_json_dumps(doc_id: Any, with_text: bool) -> None:
    for text, spans in zip(NOTES, find_phi_many(NOTES), strict=True):
        body = text if with_text else None
        assert _jsonl_record(doc_id, body, spans) == _dumps(doc_id, body, spans)


def test_jsonl_record_keeps_an_integer_score_apart_from_a_float_one() -> None:
    """The tail of a span is cached by (type, score, recognizer): 1 and 1.0 (0.0 and -0.0) are equal keys that JSON
    writes apart."""
    for score in (1.0, 1, 1.0, 0.8, 0.80004, 0.5, 1, 0.0, -0.0, 0.0):
        spans = [Span(0, 3, PhiType.NAME, score, "word_name")]
        assert _jsonl_record(1, "abc", spans) == _dumps(1, "abc", spans)


spans_strategy = st.lists(
    st.builds(
        Span,
        st.integers(0, 10**9),
        st.integers(0, 10**9),
        st.sampled_from(list(PhiType)),
        st.floats(0, 1),
        st.sampled_from(["word_name", "date_numeric", "name_title", "x\u00e9"]),
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(
    doc_id=st.one_of(st.integers(-(2**70), 2**70), st.text()),
    text=st.one_of(st.none(), st.text()),
    spans=spans_strategy,
)
def test_jsonl_record_is_json_dumps_for_any_record(doc_id: Any, text: str | None, spans: list[Span]) -> None:
    assert _jsonl_record(doc_id, text, spans) == _dumps(doc_id, text, spans)


#: Letters and digits of several scripts, and the characters ``re`` classes apart: ``_`` (a word character, no
#: letter), "²" (alphanumeric, no decimal digit: a letter for ``[^\W\d_]``), "٣" (a decimal digit), "İ", and a lone
#: surrogate (JSON input can hold one).
ALPHABET = "abcdexyzABQ0123456789_ -.,%\n\t'é߲٣İ日\ud800"
PATTERNS = [
    _words._WARD_GLUED,
    re.compile(r"(?<!\w)([^\W\d_]{5,}+)\d{1,2}(?![\d%])\b"),
    re.compile(r"([^\W\d_]+)\d"),
]


@pytest.mark.parametrize("rx", PATTERNS, ids=lambda rx: rx.pattern[:24])
@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=60))
def test_letters_before_digits_hold_every_match(rx: re.Pattern[str], text: str) -> None:
    starts = letters_before_digits(text)
    expected = [m.span() for m in rx.finditer(text)]
    assert [m.span() for m in finditer(rx, text, starts)] == expected
    if starts is not None:
        assert starts == sorted(set(starts))


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("on brackenridge3 aware", [3]),
        ("q4h and x2, cabgx2", [0, 8, 12]),
        ("no digits here", []),
        ("12345 67", []),
        ("", []),
        ("a" * 40 + "日本語" * 200, None),  # mostly past ASCII: ``re`` is asked everywhere
        ("ab\ud800cdefg12 and more plain words", [3]),  # a lone surrogate (from JSON input) is no letter
    ],
)
def test_letters_before_digits_table(text: str, starts: list[int] | None) -> None:
    assert letters_before_digits(text) == starts


def test_word_scan_over_real_note_styles_is_unchanged_by_the_starts() -> None:
    """The glued-ward pattern over notes in every style finds what a full ``re`` search finds."""
    text = "\n\x00\n".join(
        [
            "pain post procedure. brackenridge3 aware. q4h meds, cabgx2 in 2019.",
            "PT TO MERCHANT3 AT 1400; TURNEDX2. BP 120/80",
            "seen on wilmot 5 by rn. ülkerhaus12 and đặngward7 noted.",
        ]
    ).lower()
    rx = _words._WARD_GLUED
    assert [m.span() for m in finditer(rx, text, letters_before_digits(text))] == [
        m.span() for m in rx.finditer(text)
    ]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_ascii_lower_is_translate(text: str) -> None:
    """Every character (lone surrogates, "İ", "ẞ", ASCII) as ``translate(ASCII_LOWER)`` leaves or lowers it."""
    assert ascii_lower(text) == text.translate(ASCII_LOWER)


@pytest.mark.parametrize(
    "text", ["", "ABC xyz", "ÜBER Straße İSTANBUL", "A\ud800B", "MIXED É and é", "日本 ABC"]
)
def test_ascii_lower_table(text: str) -> None:
    assert ascii_lower(text) == text.translate(ASCII_LOWER)


def _plain_skeleton(word: str) -> str:
    """The skeleton as first written: the first two letters, the consonants after them with doubled ones once,
    a bar, the last letter."""
    out = [word[1]]
    for c in word[2:]:
        if c not in "aeiouy" and c != out[-1]:
            out.append(c)
    return word[0] + "".join(out) + "|" + word[-1]


@settings(max_examples=300, deadline=None)
@given(word=st.text(alphabet="abcdeilmnorstuyzé", min_size=2, max_size=16))
def test_skeleton_is_the_plain_one(word: str) -> None:
    assert _vocab._skeleton(word) == _plain_skeleton(word)


def test_skeleton_map_is_the_plain_one() -> None:
    """The skeleton map built for speed at start-up: the span of lengths of every known word with each skeleton."""
    plain: dict[str, tuple[int, int]] = {}
    for w in _vocab.vocabulary()[0]:
        if len(w) >= _vocab._SKELETON_MIN - 2 and w.isalpha():
            k = _plain_skeleton(w)
            lo, hi = plain.get(k, (len(w), len(w)))
            plain[k] = (min(lo, len(w)), max(hi, len(w)))
    assert _vocab._skeletons() == plain


@pytest.mark.parametrize("verb", ["find", "redact"])
def test_an_unpaired_surrogate_escape_is_bad_input(
    cli: Callable[..., Any], tmp_path: Path, verb: str
) -> None:
    """JSON can spell half a surrogate pair ("\\ud800"), which is no character: exit 2 naming the file and the line
    (it was a traceback), and nothing written."""
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"text": "fine"}\n{"text": "Seen by Dr Okafor \\ud800 on 7/22."}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = cli("phi", verb, notes, "--out", out)
    assert r.code == 2, (r.out, r.err)
    err = r.err.replace("\n", "")
    assert "notes.jsonl line 2" in err and "surrogate" in err and "Okafor" not in err
    assert not out.exists()


def test_phi_eval_refuses_an_unpaired_surrogate_escape_in_the_notes(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    """``phi eval`` reads the notes as ``phi find`` does: half a surrogate pair is exit 2 naming the file and line."""
    notes, gold = tmp_path / "notes.jsonl", tmp_path / "gold.jsonl"
    notes.write_text('{"note_id": "a", "text": "Seen by Dr Okafor \\ud800 on 7/22."}\n', encoding="utf-8")
    gold.write_text('{"note_id": "a", "start": 11, "end": 17, "type": "NAME"}\n', encoding="utf-8")
    r = cli("phi", "eval", notes, "--gold", gold)
    assert r.code == 2, (r.out, r.err)
    err = r.err.replace("\n", "")
    assert "notes.jsonl line 1" in err and "surrogate" in err and "Okafor" not in err


_PROBE = """
import sys
from ethicompass.cli import run
code = run(sys.argv[1:])
print(code, " ".join(m for m in ("alembic", "pyarrow") if m in sys.modules))
"""


@pytest.mark.slow
def test_redact_on_a_current_database_loads_neither_alembic_nor_pyarrow(tmp_path: Path) -> None:
    """``phi redact`` pays for what it uses: a database at its heads is checked without Alembic (and the Mako
    and Pygments it imports), and no Spark path's PyArrow is loaded; a new database is still migrated."""
    notes = tmp_path / "notes.jsonl"
    notes.write_text(json.dumps({"text": NOTES[0]}) + "\n", encoding="utf-8")
    env = {**os.environ, "ETHICOMPASS_DATABASE_URL": f"sqlite:///{tmp_path / 'state.db'}"}
    argv = [sys.executable, "-c", _PROBE, "phi", "redact", str(notes), "--out"]
    first = subprocess.run(
        [*argv, str(tmp_path / "a.jsonl")], env=env, capture_output=True, text=True, check=True
    )
    assert first.stdout.split()[0] == "0" and "alembic" in first.stdout  # a new database: migrated
    second = subprocess.run(
        [*argv, str(tmp_path / "b.jsonl")], env=env, capture_output=True, text=True, check=True
    )
    assert second.stdout.strip() == "0", second.stdout
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
