"""Content without a dictionary hit: person names and places recognised by shape, gazetteer and company.

A value is *name-shaped* when it is one to four proper-noun words in any script: each word starts with a
capital (or is in a script without case), holds letters with at most an inner apostrophe, hyphen or
dot, and may carry the digits a generator appends (``Jacinto644``) or be an initial (``J.``); name
particles (``van``, ``de``, ``da``, ...) and a ``LAST, FIRST`` comma are allowed. Whether a column of
such values holds places is decided by the GeoNames gazetteer the text recognizers ship (US places of
15,000 people or more, and the states), and by the words of facility names (hospital, clinic,
Klinikum, ziekenhuis, ...). What stays name-shaped but unexplained is a name if the table has another
name column (company), else ``review``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

__all__ = ["facility_share", "name_shaped", "place_share", "proper_noun_share"]

_PARTICLES = frozenset(
    ["van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "du", "la", "le", "y", "e",
     "bin", "ibn", "al", "el", "ten", "ter", "zu", "st", "mc"]
)  # fmt: skip
_WORD = re.compile(r"^[^\W\d_]+(?:['’\-.][^\W\d_]+)*\.?\d{0,4}$")
_INITIAL = re.compile(r"^[^\W\d_]\.?$")
_FACILITY = re.compile(
    r"\b(hospital|medical cent(er|re)|clinic|health ?care|health cent(er|re)|infirmary|sanatorium|"
    r"h[oô]pital|clinique|chu|klinikum|klinik|krankenhaus|ziekenhuis|ospedale|policlinico|"
    r"hospital universitario|centro de sa[uú]de|centro de salud|usf|ucsp)\b",
    re.IGNORECASE,
)


def _word_ok(word: str) -> bool:
    if word.lower() in _PARTICLES:
        return True
    if not _WORD.match(word) and not _INITIAL.match(word):
        return False
    first = word[0]
    return first.isupper() or not first.islower()  # a capital, or a script without case


def name_shaped(value: str) -> bool:
    """Whether ``value`` looks like a proper noun: a person's name or a place (see the module doc)."""
    words = [w for w in re.split(r"[\s,]+", value.strip()) if w]
    if not 1 <= len(words) <= 4 or not all(_word_ok(w) for w in words):
        return False
    return any(len(w.rstrip(".0123456789")) >= 2 and w.lower() not in _PARTICLES for w in words)


def proper_noun_share(values: Sequence[str]) -> float:
    """Share of ``values`` that are name-shaped."""
    return sum(1 for v in values if name_shaped(v)) / len(values) if values else 0.0


@functools.cache
def _gazetteer() -> frozenset[str]:
    from ethicompass.privacy.text._lexicon import lexicon

    lex = lexicon()
    return frozenset(c.lower() for c in lex.cities) | frozenset(s.lower() for s in lex.state_names)


_DIVISION = re.compile(
    r"\b(county|parish|borough|township|kreis|landkreis|provincia|comarca|departement|gemeente|comune)$",
    re.IGNORECASE,
)


def _place(value: str) -> bool:
    places = _gazetteer()
    head = re.split(r"\s{2,}|,", value.strip())[0].strip().lower()
    return head in places or value.strip().lower() in places or bool(_DIVISION.search(value.strip()))


def place_share(values: Sequence[str]) -> float:
    """Share of ``values`` that are (or start with) a place of the gazetteer."""
    return sum(1 for v in values if _place(v)) / len(values) if values else 0.0


def facility_share(values: Sequence[str]) -> float:
    """Share of ``values`` that name a hospital, clinic or other care facility."""
    return sum(1 for v in values if _FACILITY.search(v)) / len(values) if values else 0.0
