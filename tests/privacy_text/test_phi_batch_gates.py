"""Batch scanning: document gates (loose Rust patterns) and opening-word anchors never change a span."""

from __future__ import annotations

import random
import re
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.privacy import find_phi, find_phi_many
from ethicompass.privacy.text import _find as text_module
from ethicompass.privacy.text._documents import TextDocument
from ethicompass.privacy.text.recognizers import _gate
from ethicompass.privacy.text.recognizers import _recognizer as recognizers_module
from ethicompass.privacy.text.recognizers._gate import anchor_literals, gate_of, loose_pattern
from ethicompass.privacy.text.recognizers._registry import REGISTRY, lower_same_length

# One example per recognizer (as in test_phi_recognizers.py) and a few look-alikes.
EXAMPLES = [
    "Admitted on March 5th, 2021 for chest pain.",
    "Seen Sunday, April 23, 2023 at 10:30 AM.",
    "Surgery on the 5th of March, pain free since. Symptoms since 05-Mar-2021. Note 16MAR2023.",
    "Diagnosed in March 2021; discharged 3/5/21; labs 2023-12-06; seen 9/2/2023 1000h; recheck 6/29.",
    "Seen last Thursday. A 92-year-old woman, aged 101.",
    "Call (555) 123-4567, mobile 5551234567, Fax: 312-555-1234, +1 (312) 555-1234 x12.",
    "Send to jane.e@example.com; portal https://mychart.example.org/p/123 and patientportal.example.com.",
    "From 192.168.1.1 and fe80::1ff:fe23:4567:890a. SSN 123-45-6789, SSN: 123 45 6789.",
    "Social security number 123456789. MRN: #NY-123456. MR# 52792796. Insurance plan #DB-2345678.",
    "Billing account 00012345. License No: CLN-112233. Vehicle VIN 1HGCM82633A004352.",
    "Pacemaker serial PM-4438211. Case ref. code: EM-2554. Specimen XQ-99812. a/claim 123456.",
    "Dr. Emily P. and MR. TAYLOR; John Smith, Sarah P., J. Smith, Mullins, Erik; TOM MOORE.",
    "Contact her brother, Chase. S: pt johnson reports. Seen with Anna.",
    "Lives at 7675 Dunn Cove; zip code 60601; the IL 60601 area; Brooklyn, NY; Elm Street Medical Center.",
    "Admitted to St. Vincent's; Johns Hopkins; moved from Seattle; our Dallas facility; seen at Cedar Crest.",
    "Give 2 mg IV now. BP 120/80. ICD-10 E11.9. Parkinson's disease. St. John's wort. Take 3/4 tablet.",
]
ODD = ["\u00a0", "\u2028", "\x1c", "\u0663", "\u00b2", "’", "İ", "ß", "_", "\t", "\n", "é", "Ⅻ", "\x00"]


def _corpus(edit_note: Any, seed: int, size: int) -> list[str]:
    """Examples cut, spliced and salted with odd characters (non-ASCII digits and spaces among them)."""
    rng = random.Random(seed)
    return list(EXAMPLES) + [edit_note(rng, EXAMPLES, ODD, 10) for _ in range(size - len(EXAMPLES))]


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        (r"\d{3}-\d{2}-\d{4}(?![\d-])", ["123-45-6789", "١٢٣-45-6789"], ["123-456789"]),
        (r"(?P<sep>[/-])x(?P=sep)", ["/x/", "-x-"], ["/x"]),
        (r"(?<![\d-])a++b\b", ["aab"], ["b"]),
        (r"[^\s<>]{2}!", ["ab!", "\x00\x01!"], ["!"]),
        (r"\s\w", ["\x1ca", "\u2028é", " ²"], ["aa"]),
    ],
)
def test_loose_pattern_matches_at_least_what_re_matches(
    pattern: str, matches: list[str], misses: list[str]
) -> None:
    loose = loose_pattern(pattern)
    assert loose is not None
    found = pl.Series(matches + misses, dtype=pl.String).str.contains(loose).to_list()
    assert found == [True] * len(matches) + [False] * len(misses), (loose, found)
    assert all(found[i] for i, text in enumerate(matches) if re.search(pattern, text))


def test_patterns_that_match_nothing_or_use_flags_get_no_gate() -> None:
    assert loose_pattern(r"(?:a)?") is None
    assert loose_pattern(r"(?i)abc") is None
    assert loose_pattern(r"(?i:abc)d") is None


def test_every_registry_pattern_has_a_gate() -> None:
    missing = [r.name for r in REGISTRY if r.finder is None and any(g is None for g, _ in gate_of(r))]
    assert missing == []


def test_gates_let_through_every_text_a_pattern_finds_something_in(edit_note: Any) -> None:
    texts = _corpus(edit_note, 0, 200)
    lowered = [lower_same_length(t) for t in texts]
    text_module._GATE_SKIPS.clear()
    gates = text_module._gates(list(REGISTRY), texts, lowered)
    text_module._GATE_SKIPS.clear()
    for recognizer, parts in zip(REGISTRY, gates, strict=True):
        for part, chosen in enumerate(parts):
            if chosen is None:
                continue
            found = [
                i
                for i, (t, low) in enumerate(zip(texts, lowered, strict=True))
                if recognizer.scan(part, t, low)
            ]
            assert set(found) <= set(chosen), (recognizer.name, part, sorted(set(found) - set(chosen))[:3])


@pytest.mark.parametrize(
    ("pattern", "anchors"),
    [
        (r"(?:mrn|mr\s?#|chart(?:\s+no)?)\s*(?P<phi>\d+)", ("mrn", "mr", "chart")),
        (r"(?P<phi>(?:Dr|Mrs?)\.?\s+[A-Z][a-z]+)", ("Dr", "Mr")),
        (r"zip\s*\d{5}", None),  # a plain literal prefix: ``re`` already searches it fast
        (r"(?:a|[bc])x", None),  # one alternative opens with a class
        (r"(?:ab)?cd", None),
    ],
)
def test_anchor_literals(pattern: str, anchors: tuple[str, ...] | None) -> None:
    assert anchor_literals(pattern) == anchors


_PIECES = st.sampled_from(
    [*EXAMPLES, *ODD, " pt ", "named ", "#", "a/c 12345", "s/n AB-12345", "Mr.", "MISS "]
)


@settings(max_examples=25, deadline=None)
@given(st.lists(_PIECES, max_size=6).map("".join))
def test_jumping_between_opening_words_finds_what_searching_finds(text: str) -> None:
    lowered = lower_same_length(text)
    anchored = [[r.scan(k, text, lowered) for k in range(r.parts)] for r in REGISTRY]
    original = recognizers_module._anchors
    recognizers_module._anchors = lambda pattern: None  # type: ignore[assignment]
    try:
        searched = [[r.scan(k, text, lowered) for k in range(r.parts)] for r in REGISTRY]
    finally:
        recognizers_module._anchors = original
    assert anchored == searched


def test_find_phi_many_equals_find_phi_over_many_small_batches(
    monkeypatch: pytest.MonkeyPatch, edit_note: Any
) -> None:
    texts = _corpus(edit_note, 1, 250)
    monkeypatch.setattr(text_module, "_BLOCK", 2_000)  # ~35 batches: gates switch off and back on
    text_module._GATE_SKIPS.clear()
    assert list(find_phi_many(texts)) == [find_phi(t) for t in texts]
    text_module._GATE_SKIPS.clear()


def test_find_phi_many_equals_find_phi_below_the_gate_size() -> None:
    texts = ["Fax: 312-555-1234", "312-555-1234 no trigger word", "SSN 123-45-6789", ""]
    assert len(texts) < text_module._GATE_MIN
    assert list(find_phi_many(texts)) == [find_phi(t) for t in texts]
    assert list(find_phi_many(texts, types=["FAX"])) == [find_phi(t, types=["FAX"]) for t in texts]


def test_cli_stream_pairs_each_document_with_its_own_spans(
    monkeypatch: pytest.MonkeyPatch, edit_note: Any
) -> None:
    from ethicompass.cli.privacy_text import _with_spans

    texts = _corpus(edit_note, 2, 120)
    monkeypatch.setattr(text_module, "_BLOCK", 2_000)
    docs = (TextDocument(i, t) for i, t in enumerate(texts))
    pairs = list(_with_spans(docs, 0.5))
    assert [d.id for d, _ in pairs] == list(range(len(texts)))
    assert [spans for _, spans in pairs] == [find_phi(t) for t in texts]


@pytest.mark.parametrize("enabled", [True, False])
def test_find_phi_many_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    import gc

    texts = ["Seen by Dr. Sarah Jones on 03/14/2021, MRN 00123456."] * 3
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        spans = list(find_phi_many(texts))
        assert gc.isenabled() is enabled
        assert spans == [find_phi(t) for t in texts] and spans[0]
    finally:
        gc.enable() if was else gc.disable()


def test_a_pattern_the_rust_engine_refuses_has_no_gate() -> None:
    # too large for the Rust engine: no gate, so every document is scanned (the safe answer)
    assert loose_pattern("(?:[a-z]{1000}){1000}") is None


def test_a_fault_in_the_gate_translator_surfaces(monkeypatch: pytest.MonkeyPatch) -> None:
    # a translator bug that yields a non-pattern used to be swallowed as "no gate"
    monkeypatch.setattr(_gate, "_seq", lambda data, groups: object())
    with pytest.raises(TypeError):
        loose_pattern("abc")
