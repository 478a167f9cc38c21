"""Names and places run on over the words after them that no vocabulary accounts for: "transfer back to pitea
hausjarvi", "admitted from la coruna nejdek", "house staff jia mander aware" once "jia" is a name. One piece of
evidence (a cue, a title, a dictionary) for the first word is evidence for an unbroken run of unknown words after it:
multi-word towns ("sroda wielkopolska", "neustadt am rubenberge") and full names ("kolade eigenwillig") are written
that way, and a run of two unknown words right after a cued name or place is rarely two misspellings."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from ethicompass.privacy.text.recognizers._parts import CUE_PLACE, DICTIONARY_NAME, LETTER
from ethicompass.privacy.text.recognizers._vocab import _STOP, accounted_for, first_names, vocabulary

__all__ = [
    "PARTICLES",
    "common_surname_after",
    "evidenced_facilities",
    "first_and_initial",
    "run_on",
    "strong_place",
]

#: The next word, after spaces only (a full stop, comma or line break ends the run); hyphens and apostrophes inside.
_NEXT = re.compile(rf"[ \t]+({LETTER}(?:{LETTER}|['’-])*)(?![\w'’-])")
#: The word right before, after spaces only.
_BEFORE = re.compile(rf"(?<![\w'’-])({LETTER}(?:{LETTER}|['’-])*)[ \t]+$")
#: Particles of surnames: they join the name they stand before ("o ceirin", "van der pol", "mac maolain").
PARTICLES = frozenset(
    ("mac", "mc", "van", "von", "de", "del", "della", "der", "den", "da", "di", "le", "la", "o", "ó", "bin", "ben",
     "al", "el", "ter", "ten", "dos", "das", "du", "con", "y")
)  # fmt: skip
#: How many words a run may take after the one with the evidence.
_MOST = 3


def run_on(low: str, found: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """``found`` and, after each candidate with evidence (scored at least :data:`CUE_PLACE`), up to three following
    words that no vocabulary accounts for (typos of known words included), or particles with such a word after them,
    with the same kind and score; before a name, the particles right before it ("o", "van der")."""
    out = list(found)
    for start, end, kind, score in found:
        if score < CUE_PLACE:
            continue
        taken = 0
        while taken < _MOST and (m := _NEXT.match(low, end)) is not None:
            first = m.start(1)
            if (
                m.group(1) in PARTICLES
                and (nxt := _NEXT.match(low, m.end(1))) is not None
                and _unknown(nxt.group(1))
            ):
                m = nxt  # the particle and the word after it
            elif not _unknown(m.group(1)):
                break
            out.append((first, m.end(1), kind, score))
            end = m.end(1)
            taken += 1
        while kind == "name" and (b := _BEFORE.search(low, max(0, start - 12), start)) is not None:
            if b.group(1) not in PARTICLES:
                break
            out.append((b.start(1), b.end(1), kind, score))
            start = b.start(1)
    return out


def _unknown(word: str) -> bool:
    return len(word) > 2 and word not in _STOP and not accounted_for(word)


#: Place cues strong enough to make a place of a word one edit from an English one ("transferred from malmo",
#: "@ soest", "jammu rehab"); "to", "at" and "in" alone are not: misspellings follow them as often.
_STRONG_BEFORE = re.compile(
    r"(?:transferred|transfer|admitted|lives|living|residing|resides|resident of|native of|osh|@)[ \t]*"
    r"(?:from|to|in|at)?[.:,]?[ \t]*$"
)
#: A plain place cue: enough for a listed US town ("seen in fresno", though "fresno" is one edit from "fresco").
_PLAIN_BEFORE = re.compile(r"(?:^|[^a-z])(?:in|at|to|from|near)[ \t]+$")
_STRONG_AFTER = re.compile(
    r"[ \t]*(?:hospital|hosp|clinic|rehab|nursing home|hospice|infirmary|memorial|vamc)\b"
)


def strong_place(low: str, start: int, end: int) -> bool:
    """Whether the word ``low[start:end]`` has a strong place cue before it or a facility noun after it, or is a
    listed US town after a plain place cue."""
    return bool(
        _STRONG_BEFORE.search(low, max(0, start - 24), start)
        or _STRONG_AFTER.match(low, end)
        or (low[start:end] in _towns() and _PLAIN_BEFORE.search(low, max(0, start - 8), start))
    )


#: Nouns that end a facility's name but, unlike "hospital", also follow plain words ("pain clinic", "front office"):
#: they make a place only of a run with evidence in it.
_SUFFIX_NOUN = re.compile(
    r"(?<![a-z])(?:clinic|institute|center|centre|office|facility|medical group|health system)\b"
)
_RUN_WORD = re.compile(rf"({LETTER}(?:{LETTER}|['’.&-])*)[ \t]+$")


def evidenced_facilities(low: str) -> Iterator[tuple[int, int, str, float]]:
    """A facility's name in any case ("CLEVELAND CLINIC", "houston heart institute", "dallas facility"): up to
    three words before one of these nouns, of which one is a US town, a listed name that is no English word, or a
    word no vocabulary accounts for; the noun belongs to the name, as the capitalised-run finder has it in mixed case."""
    towns = _towns()
    known, names = vocabulary()
    for m in _SUFFIX_NOUN.finditer(low):
        start, pos, evidence = m.start(), m.start(), False
        for _ in range(3):
            w = _RUN_WORD.search(low, max(0, pos - 30), pos)
            if w is None or w.group(1).rstrip(".") in _STOP or w.group(1) in ("our", "the", "a", "an"):
                break
            word = w.group(1).rstrip(".")
            evidence = (
                evidence or word in towns or (word in names and word not in known) or not accounted_for(word)
            )
            start = pos = w.start(1)
        if evidence:
            yield start, m.end(), "place", CUE_PLACE


@functools.cache
def _towns() -> frozenset[str]:
    """The shipped US town names of one word, four letters or more, lower case ("cleveland", not "long" of "Long
    Beach")."""
    from ethicompass.privacy.text._lexicon import lexicon

    return frozenset(name.lower() for name in lexicon().cities if " " not in name and len(name) > 3)


#: An initial with its full stop after a space, then a comma, a bracket or a word ("john d., 70", "maria l. with"):
#: where a first name may stand before it. Looked for first, as it is rare, then the word before it is read.
_INITIAL_DOT = re.compile(rf"[ \t]+({LETTER})\.(?=[ \t]*[,;:)]|[ \t]+{LETTER})")
_WORD_BEFORE = re.compile(rf"(?<![\w'’-])({LETTER}{{2,}})$")


def first_and_initial(low: str) -> Iterator[tuple[int, int, str, float]]:
    """A Census first name before an initial ("john d.", "peter g.,"): both are the name, in any case, though "john"
    and "maria" are English words."""
    firsts = first_names()
    for m in _INITIAL_DOT.finditer(low):
        w = _WORD_BEFORE.search(low, max(0, m.start() - 30), m.start())
        if w is not None and w.group(1) in firsts:
            yield w.start(1), m.end(1), "name", DICTIONARY_NAME


def common_surname_after(
    low: str, found: list[tuple[int, int, str, float]]
) -> list[tuple[int, int, str, float]]:
    """``found`` and, after a first name with evidence (a cue or a dictionary), one of the 1,000 most common US
    surnames even when it is an English word ("timmy smith", "sarah doe", "alice brown")."""
    common = _common_surnames()
    firsts = first_names()
    out = list(found)
    for start, end, kind, score in found:
        if kind != "name" or score < DICTIONARY_NAME or low[start:end] not in firsts:
            continue
        m = _NEXT.match(low, end)
        if m is not None and m.group(1) in common and m.group(1) not in _STOP:
            out.append((m.start(1), m.end(1), kind, score))
    return out


@functools.cache
def _common_surnames() -> frozenset[str]:
    """The 1,000 most common US surnames of ``last_names.txt``, lower case."""
    from ethicompass.privacy.text._lexicon import lexicon

    return frozenset(n.lower() for n in lexicon().last_names)
