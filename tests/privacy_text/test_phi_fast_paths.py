"""Every fast path of the text finder against its plain twin (issue 22: one seam, one equivalence test each).

- Hyperscan on vs off (``recognizers._hs.ENABLED``) for the recall-first word scan (``word_name``, whose eight
  regular expressions are tried only where Hyperscan says they can match), on notes in the styles of real ones:
  upper-case ICU notes, lower-case typed notes, signatures, wards, towns, facility phrases.
- the word scan with candidate starts vs without (``_words._scan``), straight on joined texts;
- batched (``find_phi_many``) vs one by one (``find_phi``);
- the one-edit index for small word sets vs trying every edit (``_vocab._one_edit_from``).

The notes below were written for these tests (no text of any corpus).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethicompass.privacy import find_phi
from ethicompass.privacy.text import _find as text_module
from ethicompass.privacy.text.recognizers import _hs as hs_module
from ethicompass.privacy.text.recognizers import _words as words_module
from ethicompass.privacy.text.recognizers._gate import reversed_loose_pattern
from ethicompass.privacy.text.recognizers._registry import REGISTRY, lower_same_length
from ethicompass.privacy.text.recognizers._vocab import (
    _RELATIONS,
    _one_edit_from,
    _one_edit_plain,
)

pytest.importorskip("hyperscan")

STYLES = [
    "NURSING PROGRESS NOTE 0700-1900; PT ALERT. D/W DR HALVORSEN RE PLAN. WIFE MARGIT IN TO VISIT, "
    "UPDATED BY RN. TRANSFERRED FROM WESTBROOK GENERAL; F/U 8/14 AT QUILLAN HOSPITAL.",
    "pt seen on brackenridge 4, per okonkwo will f/u. spoke with daughter teodora (daughter) cell # on chart. "
    "lives in east thornbury, came from the larkspur ridge hospital via ems. son at bedside.",
    "Respiratory care: pt on vent, suctioned x2. Plan d/w fellow and attending. q. brannigan rrt\n"
    "ROS E. DELACROIX-BYRNE, RRT\nJ. Obuya, RN; met with family, husband Ferenc and niece.",
    "Discharge summary. Dr. Ellen Marchetti; Mrs. Gable called. Followed at Pinecrest Manor, referred to "
    "St. Alder's. Transfer to Hollowmere Assisted Living. Seen at the vascular clinic at Fenwick Memorial.",
    "to mount kessel from lake varnum; at port hedley; @ kingsbridge rehab center; into north ashgrove.",
    "MD AWARE. PT TO CT AT 1400, ON 5 EAST, FROM OR TO PACU, BY AMBULANCE TO RIVERTON MED CTR.",
    "İSTANBUL-born pt; dr. İlkay Yıldız and Ms. Åsa Ångström; per Öztürk; wife Zoë at bedside.",
    "FAMILY HX NONCONTRIB; SON OWNER OF ZENTRIX, DTR WORKS AT HALVEX BIOTEK; d/c to holy apostles; employed at marunaka.",
]
ODD = ["İ", "ß", "é", "’", "\n", "\t", "\x00", "\u00a0", "@", "/", "#", "4", ".", ","]


def _case_variants(texts: list[str]) -> list[str]:
    return [variant for text in texts for variant in (text, text.upper(), text.lower(), text.title())]


def test_the_word_scan_is_covered_by_hyperscan() -> None:
    finders = hs_module.covered_finders(REGISTRY)
    assert finders.get("word_name") == len(words_module.word_regexes())


def test_word_regex_candidates_cover_every_match_start(hyperscan_on: None, edit_note: Any) -> None:
    rng = random.Random(5)
    texts = _case_variants(STYLES) + [edit_note(rng, STYLES, ODD, 10) for _ in range(60)]
    texts = [t for t in texts if "İ" not in t]  # the word scan reads such texts without candidates
    joined = text_module._SEPARATOR.join(texts)
    lowered = lower_same_length(joined)
    assert lowered == joined.lower()
    where = hs_module.candidates(REGISTRY, joined, lowered)
    for k, rx in enumerate(words_module.word_regexes()):
        got = set(where.get(("word_name", -1 - k), []))
        found = [m.start() for m in rx.finditer(lowered)]
        assert found, rx.pattern[:40]
        assert set(found) <= got, rx.pattern[:40]


def test_word_scan_with_candidate_starts_equals_the_full_scan(hyperscan_on: None, edit_note: Any) -> None:
    rng = random.Random(7)
    texts = _case_variants(STYLES) + [edit_note(rng, STYLES, ODD, 10) for _ in range(60)]
    for chunk in (texts[:28], texts[28:], [t for t in texts if "İ" not in t]):
        joined = text_module._SEPARATOR.join(chunk)
        where = hs_module.candidates(REGISTRY, joined, lower_same_length(joined))
        n = len(words_module.word_regexes())
        starts = [where.get(("word_name", -1 - k), []) for k in range(n)]
        assert words_module._scan(joined, starts) == words_module._scan(joined)


def test_hyperscan_equals_plain_on_notes_in_real_styles(both_paths: Any, edit_note: Any) -> None:
    rng = random.Random(13)
    texts = _case_variants(STYLES) + [edit_note(rng, STYLES, ODD, 12) for _ in range(200)]
    fast, plain = both_paths(texts)
    assert fast == plain
    assert fast == [find_phi(text) for text in texts]
    assert any(s.recognizer in ("word_name", "word_place") for spans in fast for s in spans)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32 - 1), size=st.integers(1, 30), noise=st.lists(st.text(max_size=30), max_size=4)
)
def test_hyperscan_equals_plain_on_edited_styled_notes(
    both_paths: Any,
    edit_note: Any,
    seed: int,
    size: int,
    noise: list[str],
) -> None:
    rng = random.Random(seed)
    texts = [edit_note(rng, _case_variants(STYLES), ODD, 12) for _ in range(size)] + noise
    fast, plain = both_paths(texts)
    assert fast == plain


def test_fast_paths_equal_plain_on_the_synthetic_study(both_paths: Any, small_study: Path) -> None:
    lines = (small_study / "notes.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()][:400]
    fast, plain = both_paths(texts)
    assert fast == plain
    assert fast == [find_phi(text) for text in texts]
    assert sum(s.recognizer == "word_name" for spans in fast for s in spans) > 0


def test_an_equal_text_is_scanned_again_not_served_from_the_last_scan() -> None:
    text = "d/w dr halvorsen; wife margit"
    first = list(words_module.find_unknown_names(text))
    copy = "".join(list(text))
    assert copy == text and copy is not text
    words_module._LAST[:] = [(text, [(0, 3, "name", 0.9)])]  # what a stale cache would serve
    assert list(words_module.find_unknown_names(copy)) == first


@pytest.mark.parametrize(
    ("pattern", "multiline", "text", "starts", "absent"),
    [
        (r"(?:^|[^a-z])to x", False, "to x, into x; (to x\nto x", [0, 14, 19], [7, 8]),
        (r"^ab", False, "ab\nab", [0], [3]),
        (r"^ab", True, "ab\nab", [0, 3], []),
    ],
)
def test_a_start_anchor_stays_unless_multiline(
    pattern: str, multiline: bool, text: str, starts: list[int], absent: list[int]
) -> None:
    rx = re.compile(pattern, re.MULTILINE if multiline else 0)
    assert [i for i in range(len(text)) if rx.match(text, i)] == starts
    loose = reversed_loose_pattern(pattern, multiline=multiline)
    assert loose is not None
    database = hs_module._hs.Database(mode=hs_module._hs.HS_MODE_BLOCK)  # type: ignore[union-attr]
    database.compile(expressions=[loose.encode("ascii")], ids=[0], elements=1)
    data = hs_module.one_byte(text)
    found: set[int] = set()
    database.scan(data[::-1], match_event_handler=lambda i, f, to, fl, ctx: found.add(len(data) - to))
    assert set(starts) <= found
    assert not found & set(absent)  # "^" is the start of the text, not after a newline; "into" is no "to"


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(sorted(_RELATIONS)),
    edits=st.lists(
        st.tuples(st.integers(0, 20), st.sampled_from("dis"), st.sampled_from("aeinorstuwz'é-\x00")),
        max_size=3,
    ),
)
def test_one_edit_index_equals_trying_every_edit(base: str, edits: list[tuple[int, str, str]]) -> None:
    word = list(base)
    for at, kind, char in edits:
        i = min(at, len(word))
        if kind == "d" and word:
            del word[min(i, len(word) - 1)]
        elif kind == "i":
            word.insert(i, char)
        elif word:
            word[min(i, len(word) - 1)] = char
    text = "".join(word)
    assert _one_edit_from(text, _RELATIONS) == _one_edit_plain(text, _RELATIONS)


def test_one_edit_index_is_not_used_for_a_set_holding_its_hole_character() -> None:
    known = frozenset({"ab\x00c", "wife"})
    for word in ("ab\x00d", "wif", "wifes", "abc", "ab\x00c"):
        assert _one_edit_from(word, known) == _one_edit_plain(word, known)


def test_a_batch_where_no_word_regex_can_match_still_gets_its_unknown_words(both_paths: Any) -> None:
    texts = ["Live near 12 Quarrington Vale; BP 1/2", "zxqvbert okonkwo halvorsen"]
    joined = text_module._SEPARATOR.join(texts)
    where = hs_module.candidates(REGISTRY, joined, lower_same_length(joined))
    assert not any(where.get(("word_name", -1 - k)) for k in range(len(words_module.word_regexes())))
    fast, plain = both_paths(texts)
    assert fast == plain
    assert any(s.recognizer == "word_name" for spans in fast for s in spans)
