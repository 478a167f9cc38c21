"""Hyperscan candidate starts (``recognizers._hs``): the spans are exactly those of the plain ``re`` scan."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethicompass.privacy import find_phi, find_phi_many
from ethicompass.privacy.text import _find as text_module
from ethicompass.privacy.text.recognizers import _hs as hs_module
from ethicompass.privacy.text.recognizers._gate import reversed_loose_pattern
from ethicompass.privacy.text.recognizers._names import find_first_alone, first_alone_regexes
from ethicompass.privacy.text.recognizers._parts import finditer
from ethicompass.privacy.text.recognizers._recognizer import _prepared
from ethicompass.privacy.text.recognizers._registry import REGISTRY, lower_same_length

pytest.importorskip("hyperscan")

EXAMPLES = [
    "Admitted on March 5th, 2021 for chest pain. Seen Sunday, April 23, 2023 at 10:30 AM.",
    "Surgery on the 5th of March. Symptoms since 05-Mar-2021. Note 16MAR2023. Diagnosed in March 2021.",
    "Discharged 3/5/21; labs 2023-12-06; seen 9/2/2023 1000h; recheck 6/29. 14.03.2022 and 3.14.2022.",
    "Seen last Thursday. A 92-year-old woman, aged 101.",
    "Call (555) 123-4567, mobile 5551234567, Fax: 312-555-1234, +1 (312) 555-1234 x12.",
    "Send to jane.e@example.com; portal https://mychart.example.org/p/123 and patientportal.example.com.",
    "From 192.168.1.1 and fe80::1ff:fe23:4567:890a. SSN 123-45-6789, SSN: 123 45 6789.",
    "Social security number 123456789. MRN: #NY-123456. MR# 52792796. Insurance plan #DB-2345678.",
    "Billing account 00012345. License No: CLN-112233. Vehicle VIN 1HGCM82633A004352.",
    "Pacemaker serial PM-4438211. Case ref. code: EM-2554. Specimen XQ-99812. a/claim 123456. AB-12345.",
    "Dr. Emily P. and MR. TAYLOR; John Smith, Sarah P., J. Smith, Mullins, Erik; TOM MOORE.",
    "Contact her brother, Chase. S: pt johnson reports. Seen with Anna. Patient Mary O’Brien-Lee.",
    "Lives at 7675 Dunn Cove; zip code 60601; the IL 60601 area; Brooklyn, NY; Elm Street Medical Center.",
    "Admitted to St. Vincent's; Johns Hopkins; moved from Seattle; our Dallas facility; seen at Cedar Crest.",
    "Give 2 mg IV now. BP 120/80. ICD-10 E11.9. Parkinson's disease. St. John's wort. Take 3/4 tablet.",
]
ODD = [
    "\u00a0",
    "\u2028",
    "\x1c",
    "\u0663",
    "\u00b2",
    "’",
    "İ",
    "ß",
    "_",
    "\t",
    "\n",
    "é",
    "Ⅻ",
    "\x00",
    "\u212a",
]


def test_every_registry_pattern_gets_a_reversed_loose_pattern() -> None:
    covered = hs_module.covered(REGISTRY)
    for recognizer in REGISTRY:
        for part in range(len(recognizer.patterns)):
            assert (recognizer.name, part) in covered, recognizer.name


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"\d{3}-\d{2}-\d{4}(?![\d-])", "x 123-45-6789 and ١٢٣-45-6789 and 123-45-67890"),
        (r"(?P<sep>[/-])x(?P=sep)", "a/x/ b-x- c/x-"),
        (r"(?<![\d-])a++b\b", "aab -ab 1ab ab"),
        (r"[^\s<>’]{2}!", "ab! é’! ’’! <a!"),
        (r"\s\w", "\x1ca \u2028é ² aa"),
        (r"[a-\u2019]x", "bx ’x éx"),
        (r"[^a-\u2019]x", "bx ’x éx Ax"),
    ],
)
def test_reversed_loose_pattern_ends_wherever_re_starts(pattern: str, text: str) -> None:
    rx = re.compile(pattern)
    expected = [i for i in range(len(text)) if rx.match(text, i)]
    assert expected
    database = hs_module._hs.Database(mode=hs_module._hs.HS_MODE_BLOCK)  # type: ignore[union-attr]
    loose = reversed_loose_pattern(pattern)
    assert loose is not None
    database.compile(expressions=[loose.encode("ascii")], ids=[0], elements=1)
    data = hs_module.one_byte(text)
    assert len(data) == len(text)
    starts: set[int] = set()
    database.scan(data[::-1], match_event_handler=lambda i, f, to, fl, ctx: starts.add(len(data) - to))
    assert set(expected) <= starts


def test_candidates_cover_every_match_start(hyperscan_on: None, edit_note: Any) -> None:
    rng = random.Random(3)
    texts = list(EXAMPLES) + [edit_note(rng, EXAMPLES, ODD, 12) for _ in range(80)]
    joined = text_module._SEPARATOR.join(texts)
    lowered = lower_same_length(joined)
    where = hs_module.candidates(REGISTRY, joined, lowered)
    for recognizer in REGISTRY:
        if recognizer.finder is not None:
            continue
        haystack = lowered if recognizer.lower else joined
        for part, rx in enumerate(_prepared(recognizer)[1]):
            got = set(where.get((recognizer.name, part), []))
            for m in rx.finditer(haystack):
                at = m.start()
                if at == 0 or not haystack[at - 1].isalnum():
                    assert at in got, (recognizer.name, part, at)


def test_hyperscan_batches_equal_plain_batches(both_paths: Any, edit_note: Any) -> None:
    rng = random.Random(11)
    texts = list(EXAMPLES) + [edit_note(rng, EXAMPLES, ODD, 12) for _ in range(300)] + ["", " ", "\n\x00\n"]
    fast, plain = both_paths(texts)
    assert fast == plain
    assert fast == [find_phi(text) for text in texts]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32 - 1), size=st.integers(1, 40), noise=st.lists(st.text(max_size=30), max_size=5)
)
def test_hyperscan_equals_plain_on_edited_notes(
    both_paths: Any,
    edit_note: Any,
    seed: int,
    size: int,
    noise: list[str],
) -> None:
    rng = random.Random(seed)
    texts = [edit_note(rng, EXAMPLES, ODD, 12) for _ in range(size)] + noise
    fast, plain = both_paths(texts)
    assert fast == plain


def test_hyperscan_equals_plain_on_the_synthetic_study(both_paths: Any, small_study: Path) -> None:
    lines = (small_study / "notes.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    assert len(texts) > 100
    fast, plain = both_paths(texts)
    assert fast == plain
    assert sum(len(spans) for spans in fast) > 0


def test_without_hyperscan_the_plain_path_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hs_module, "_hs", None)
    monkeypatch.setattr(text_module, "_HS_MIN_CHARS", 0)
    assert not hs_module.available()
    texts = list(EXAMPLES) * 3
    assert list(find_phi_many(texts)) == [find_phi(text) for text in texts]


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"\d{1,6}\s+(?:[A-Z][a-z]+\.?\s+){1,3}(?:St|Ave)\b", "12 Main St and 3 4 Elm Ave, 7 Oak Main Ave"),
        (r"[A-Z](?<![A-Za-z][A-Z])[a-z]+(?:[ -][A-Z][a-z]+){0,3}", "New York-Ann Arbor ABc Dallas Texas"),
        (r"aa|a", "aaaa a aaa"),
    ],
)
def test_finditer_from_candidate_starts_equals_finditer(pattern: str, text: str) -> None:
    rx = re.compile(pattern)
    every = list(range(len(text)))
    expected = [m.span() for m in rx.finditer(text)]
    assert [m.span() for m in finditer(rx, text, every)] == expected
    starts = sorted({i for i in every if rx.match(text, i)})
    assert [m.span() for m in finditer(rx, text, starts)] == expected


def test_first_names_cover_every_first_name_span() -> None:
    text = "Anna met Annabel and JoAnna; Joe's Joey (Tyler) Dillon-Lynn"
    starts = sorted({m.start() for m in first_alone_regexes()[0].finditer(text)} | {1, 2, 3})
    assert list(find_first_alone(text, [starts])) == list(find_first_alone(text))


@pytest.mark.parametrize(
    "text",
    [
        "Discharged 3/5/\xa021Billing aSocial security numbeccount 0001234; labs 20231-06; seen9/2/2023 1000h; "
        "rechecD. Emily P.k 6/29. 14.0Admitted on March 5th, 20213.\x002022and 3.142022.",
        "x1a2b3",  # every candidate right after a letter or digit
        "",
    ],
)
def test_hyperscan_single_odd_texts(both_paths: Any, text: str) -> None:
    fast, plain = both_paths([text])
    assert fast == plain == [find_phi(text)]
