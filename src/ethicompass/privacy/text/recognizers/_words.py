"""Recall first: every word that the vocabularies cannot account for is a PHI candidate.

In running text a word that is not a common English word (SCOWL), a clinical word, abbreviation, unit or drug
(``clinical_terms.txt`` plus medical word endings), or a number, is where names and places hide, whoever wrote
the note and however it is cased. Each such word is a candidate; its evidence decides the score:

========================================  =========  =====
evidence                                  type       score
========================================  =========  =====
a clinician/relative cue before it        NAME       0.8
("dr", "d/w", "per", "wife", "son" ...)
a place cue ("at", "to", "from", "via",   LOCATION   0.65
"transferred to") or a place noun after
("hospital", "hosp", "rehab")
an employer after a work cue              LOCATION   0.65
("works at", "ceo of", "owner of")
a US Census first name or surname         NAME       0.7
a listed surname one edit from a word     NAME       0.45 ("stoll": as likely a typo)
nothing but being unknown                 NAME       0.45 (below the default threshold: ``--threshold 0.4``
                                                     redacts every unknown word, fail closed)
========================================  =========  =====

Short words (three letters or fewer) and words without a vowel read as abbreviations: they are candidates
only with a cue. Everything is decided on the lower-cased text, so upper-, lower- and mixed-case notes give
the same spans. The recognizer names in each span (``word_name``, ``word_place``) say which evidence won.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
from collections.abc import Iterator, Sequence
from importlib import resources

from ethicompass.privacy.text.recognizers import _runs
from ethicompass.privacy.text.recognizers._parts import ANYWHERE as _ANYWHERE
from ethicompass.privacy.text.recognizers._parts import (
    CUE_NAME,
    CUE_PLACE,
    DICTIONARY_NAME,
    UNKNOWN,
    finditer,
    letters_before_digits,
)
from ethicompass.privacy.text.recognizers._parts import LETTER as _L
from ethicompass.privacy.text.recognizers._parts import Starts as _Starts
from ethicompass.privacy.text.recognizers._runs import PARTICLES as _PARTICLES
from ethicompass.privacy.text.recognizers._signed import signature_regexes, signed_names, titled_names
from ethicompass.privacy.text.recognizers._vocab import (
    _COMMON_CAPS,
    _RELATIONS,
    _STOP,
    _clinical,
    _one_edit_from,
    _place_words,
    accounted_for,
    first_names,
    plain_word,
    vocabulary,
)

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "CUE_NAME",
    "CUE_PLACE",
    "DICTIONARY_NAME",
    "UNKNOWN",
    "accounted_for",
    "classify",
    "find_unknown_names",
    "find_unknown_places",
    "first_names",
    "plain_word",
    "vocabulary",
    "word_regexes",
]


#: A word: letters of any script (names keep their diacritics: "đặng", "ülker"), inner apostrophes.
_WORD = re.compile(rf"{_L}(?:{_L}|['’])*{_L}|{_L}")
_VOWEL = re.compile(r"[aeiouy]")
#: Cues right before a word that make it a person (clinician or relative).
_NAME_CUE = re.compile(
    r"(\bdrs?['’]?\.?|\bd/w|\b(?:met|meeting|meet|seen|visit|visited|family) with|\bdiscussed with|\bspoke (?:with|to)|\btalked (?:with|to)|\bper|\bw/|\bby|\bcalled"
    r"|\bpaged?|\bpaging|\bnotified|\bmd|\bnp|\brn|\bpa|\bfellow|\bresident|\battending|\bintern|\bnurse"
    r"|\bdoctor|\bdocter|\bdoc|\bphysician|\bsurgeon|\btherapist|\bpcp|\bcaregiver|\bcaretaker|\bproxies|\bproxys"
    r"|\bcaseworker|\bcase worker|\bcase manager|\bsocial worker|\bcoordinator"
    r"|\bwife|\bhusband|\bspouse|\bpartner|\bmother|\bmom|\bfather|\bdad|\bson|\bdaughter|\bdtr|\bsister"
    r"|\bbrother|\bsis|\bbro|\baunt|\buncle|\bniece|\bnephew|\bcousin|\bgrandson|\bgranddaughter"
    r"|\bfriend|\bneighbor|\bguardian|\bhcp|\bproxy|\bpatient|\bpt|\bname|\bnamed|\bmr|\bmrs|\bms|\bmiss)"
    r"[.:,]?\s*\(?(?:and\s+)?(?:(?:mac|mc|van|von|de|del|della|da|di|le|la|ó|o|bin|ben|al|el|ter|ten|der|den|dos|das|du"
    r"|con|y)\s+){0,3}$"
)
#: Cues that verbs, adjectives and clinical nouns follow as often as names: no evidence for a word one edit
#: from a known word.
_WEAK_NAME_CUE = re.compile(
    r"\b(?:w/|by|called|paged|notified|patient|pt|seen with|met with|visit with|visited with|family with)"
)
#: Cues before a word that make it a place (a hospital, a town, a ward).
_PLACE_CUE = re.compile(
    r"(?:@|\bat|\bto|\bfrom|\bvia|\bin|\binto|\bnear|\blives|\bosh|\btransferred|\btransfer|\badmitted|\bfollowed"
    r"|\breferred|\bsent|\bleave|\bleft)[.:,]?\s*$"
)
_PLACE_AFTER = re.compile(
    r"\s*(?:hospital|hosp|medical|med ctr|clinic|rehab|nursing|center|ctr|er|ed|icu|general|memorial|county"
    r"|healthcare|health|house|manor|hospice|infirmary|va|vamc|lodge)\b"
)
#: Words that read as English in clinical notes but are not in SCOWL's lower-case list (contractions,
#: pronouns' case forms, months and weekdays in lower case): never candidates.
_AFTER = re.compile(r"(?:['’]s)?[ \t]+([a-z]+)")


def _eponym(low: str, end: int) -> bool:
    """Whether the word ending at ``end`` names a disease, sign, score or device ("holter monitor" is not
    listed, but "kernig sign", "x's disease", "y score" are): the word after it is a medical head noun."""
    from ethicompass.privacy.text._lexicon import lexicon

    m = _AFTER.match(low, end)
    return m is not None and m.group(1) in lexicon().medical_heads


def classify(low: str, start: int, end: int) -> tuple[str, float] | None:
    """The evidence for the word ``low[start:end]`` (lower case): ``("name" | "place", score)`` or None."""
    word = low[start:end]
    if accounted_for(word, typos=False):
        return None
    before = low[max(0, start - 24) : start]
    verdict: tuple[str, float] | None
    if _NAME_AFTER.match(low, end):
        return "name", CUE_NAME  # a relation in brackets or a contact number after it ("varnavas cell# ...")
    if _relation_typo(word):
        return None  # a relation or role word misspelt ("wife and neice", "brohter"), listed surname or not
    cue = _NAME_CUE.search(before)
    if cue is not None and not (_WEAK_NAME_CUE.fullmatch(cue.group(1)) and accounted_for(word)):
        # a clinician's or relative's cue makes a name even of a word one edit from a known one ("d/w ashdown");
        # a cue that verbs and nouns follow as often ("pt", "per", "by", "w/") does not make one of a typo
        # ("pt restles", "w/ sedaton")
        verdict = "name", CUE_NAME
    elif accounted_for(word, skeleton=False) and not _runs.strong_place(low, start, end):
        return None  # a typo of a known word ("recieved"), with no cue for a name or a strong one for a place
    elif _PLACE_CUE.search(before) or _PLACE_AFTER.match(low, end):
        verdict = (
            "place",
            CUE_PLACE,
        )  # a town's name can share a long word's skeleton: a place cue outweighs it
    elif accounted_for(word):
        return None  # a long word with a known word's skeleton ("medecatoin"), and no cue
    elif len(word) <= 3 or (word.isascii() and _VOWEL.search(word) is None):
        return None  # an abbreviation, unless a cue says otherwise
    elif _bare(word) in vocabulary()[1]:
        if _bare(word) not in first_names() and _word_typo(_bare(word)):
            # a listed surname that is also one edit from a known word ("stoll"), with no cue: as likely
            # a typo as a name; below the threshold, still redacted at ``--threshold 0.4`` (fail closed)
            return "name", UNKNOWN
        verdict = "name", DICTIONARY_NAME
    else:
        return "name", UNKNOWN
    return None if _eponym(low, end) else verdict


@functools.lru_cache(maxsize=1 << 14)
def _relation_typo(word: str) -> bool:
    """A relation or role word one edit away ("neice", "brohter"), four letters or more."""
    return len(word) >= 4 and _one_edit_from(word, _RELATIONS)


@functools.lru_cache(maxsize=1 << 14)
def _word_typo(word: str) -> bool:
    """One edit from a known word (a listed surname can be: "stoll")."""
    return _one_edit_from(word, vocabulary()[0])


def _bare(word: str) -> str:
    """The word without quotes or a possessive ending."""
    return word.strip("'’").removesuffix("'s").removesuffix("’s")


#: Cues right after a word that make it a person: a relation or role in brackets, a contact number.
_NAME_AFTER = re.compile(
    r"[ \t]*(?:\(|,[ \t]*)(?:son|daughter|wife|husband|mother|father|sister|brother|niece|nephew|friend|"
    r"hcp|proxy|spouse|partner|md|rn|np|pa|resident|fellow|attending|intern|sw|cm)\b"
    r"|[ \t]+(?:cell|home|work|mobile|phone|tel|pager)[ \t]*(?:#|:|no\b|number\b)"
)
#: A run of words right before one of these is a facility's name ("larkspur ridge hospital", "whitfield
#: memorial"), even when its words are English.
_FACILITY_NOUN = re.compile(
    r"(?:hospital|hosp|memorial|medical center|med ctr|campus|assisted living|nursing home|manor"
    r"|health center|healthcare center|rehab center|rehabilitation center|infirmary|sanatorium|nursing center"
    r"|nursing facility)\b"
)
_NOT_FACILITY_NAME_WORDS = (
    "the this that a an our his her their its local outside another other same psychiatric mental rehab "
    "rehabilitation cardiac acute chronic inpatient outpatient private previous prior home nearby new old day night "
    "leave left discharge discharged admit admitted transfer transferred enter entered arrive arrived any each every "
    "one two skilled extended intermediate long short term subacute sub-acute long-term short-term"
)
_GENERIC_FACILITY = frozenset(
    ("community", "general", "state", "county", "university", "va", "veterans", "teaching", "main", "city",
     "regional", "childrens", "children's", "womens", "women's", "memorial", "medical", "district")
)  # fmt: skip
_WORD_BEFORE = re.compile(rf"({_L}(?:{_L}|['’.])*)[ \t]+$")
_NOT_FACILITY_NAME = frozenset(_NOT_FACILITY_NAME_WORDS.split())


def _facility_runs(low: str, at: _Starts = _ANYWHERE) -> Iterator[tuple[int, int, str, float]]:
    """Up to four words before a facility noun, stopping at a function word, a number, punctuation or a
    determiner ("outside hospital" is no name); generic words ("county", "general") join a name but make none."""
    for m in finditer(_FACILITY_NOUN, low, at.get(_FACILITY_NOUN)):
        if m.start() and low[m.start() - 1].isalpha():
            continue
        start = end = m.start()
        words = taken = 0
        pos = end
        while taken < 4:
            w = _WORD_BEFORE.search(low, max(0, pos - 30), pos)
            if w is None:
                break
            word = w.group(1).rstrip(".")
            if word in _STOP or word in _NOT_FACILITY_NAME or _FACILITY_NOUN.fullmatch(word) or len(word) < 2:
                break
            pos = w.start()
            taken += 1
            if word not in _GENERIC_FACILITY:
                words += 1
                start = pos
        if (
            words
        ):  # the facility noun belongs to the name ("larkspur ridge hospital"), as mixed case writes it
            yield start, m.end(), "place", CUE_PLACE


def _promoted(low: str, found: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """Names travel in runs: an unknown word, or a Census first name, right before or after a name with
    real evidence (a cue or a dictionary) joins it ("ada lucinda okonjo", "pennock and zelenko")."""
    strong = sorted((s, e) for s, e, kind, score in found if kind == "name" and score >= DICTIONARY_NAME)
    if not strong:
        return found
    firsts = first_names()
    out = list(found)
    for s, e in strong:
        after = _NEXT_NAME.match(low, e)
        if after is not None:
            word = after.group(1)
            if word not in _STOP and (not accounted_for(word, typos=False) or word in firsts):
                out.append((after.start(1), after.end(1), "name", DICTIONARY_NAME))
        before = _PREVIOUS_NAME.search(low, max(0, s - 24), s)
        if before is not None:
            word = before.group(1)
            if word in _PARTICLES:
                out.append((before.start(1), before.end(1), "name", DICTIONARY_NAME))
                particle = _PREVIOUS_NAME.search(low, max(0, before.start(1) - 12), before.start(1))
                if particle is not None and particle.group(1) in _PARTICLES:
                    out.append((particle.start(1), particle.end(1), "name", DICTIONARY_NAME))
            elif (
                word not in _STOP
                and (not accounted_for(word, typos=False) or word in firsts)
                and not _eponym(low, s)
            ):
                out.append((before.start(1), before.end(1), "name", DICTIONARY_NAME))
    return out


def _initialled(low: str, found: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """An initial (one letter, a full stop, standing alone) right before a name or place with a cue joins it ("d/w
    k. przybylski", "n. attleboro"), and one right after a name ("patient ikaika k., 70 y/o")."""
    out = list(found)
    for start, end, kind, score in found:
        if score < CUE_PLACE:
            continue
        if "." in low[max(0, start - 5) : start] and (m := _INITIAL_BEFORE.search(low, start - 5, start)):
            out.append((m.start(1), m.end(1), kind, score))
        if kind == "name" and "." in low[end : end + 4] and (m := _INITIAL_AFTER.match(low, end)):
            out.append((m.start(1), m.end(1), kind, score))
    return out


_INITIAL_BEFORE = re.compile(rf"(?:^|[^\w.'’])({_L})\.[ \t]+$")
_INITIAL_AFTER = re.compile(rf"[ \t]+({_L})\.(?![\w.])")
_NEXT_NAME = re.compile(
    rf"(?:[ \t]+{_L}\.?)?(?:[ \t]*(?:,|\band\b|&|/)[ \t]*|[ \t]+)({_L}(?:{_L}|['’-])*{_L}|{_L})\b"
)
_PREVIOUS_NAME = re.compile(rf"\b({_L}(?:{_L}|['’-])*{_L}|{_L})(?:[ \t]+{_L}\.?)?[ \t]+$")


#: The last text scanned and its candidates: ``word_name`` and ``word_place`` read the same scan of the same
#: string object (by identity: an equal text scanned again, as a benchmark's repeat does, is scanned again).
_LAST: list[tuple[str, list[tuple[int, int, str, float]]]] = []


def _words(text: str, starts: Sequence[Sequence[int]] | None = None) -> list[tuple[int, int, str, float]]:
    if _LAST and _LAST[0][0] is text:
        return _LAST[0][1]
    found = _scan(text, starts)
    _LAST[:] = [(text, found)]
    return found


def word_regexes() -> tuple[re.Pattern[str], ...]:
    """The regular expressions the word scan iterates over the lower-cased text (``finder_regexes`` of
    ``word_name``: ``recognizers._hs`` finds where each can match, and the scan tries it only there)."""
    return (
        *signature_regexes(),
        _FACILITY_NOUN,
        _facility_phrases(),
        _WARD,
        _STRONG_NAME_CUE,
        _TOWN,
        _EMPLOYER,
    )


def _scan(text: str, starts: Sequence[Sequence[int]] | None = None) -> list[tuple[int, int, str, float]]:
    # "İ" (U+0130) is the one character whose lower case is two characters: read it as "i", so offsets stay
    # (the candidate ``starts`` were found in a lower case that keeps it: they are not used then)
    if "İ" in text:
        low, starts = text.replace("İ", "i").lower(), None
    else:
        low = text.lower()
    at: _Starts = _ANYWHERE if starts is None else dict(zip(word_regexes(), starts, strict=True))
    found = [
        *titled_names(low, at),
        *signed_names(low, at),
        *_facility_runs(low, at),
        *_runs.evidenced_facilities(low),
        *_runs.first_and_initial(low),
        *_cued(low, at),
        *_unknown(low),
    ]
    # a possessive ending is no part of the name or place ("dr okafor's meeting")
    return [
        (start, end - 2 if low.endswith(("'s", "’s"), start, end) and end - start > 3 else end, kind, score)
        for start, end, kind, score in _initialled(
            low, _runs.run_on(low, _runs.common_surname_after(low, _promoted(low, found)))
        )
    ]


#: Strong cues for a person ("d/w rust", "per bell"): a listed name after them is a name even when it is an English
#: word; a town's prefix after a place cue ("from east grace", "to lake martin") makes the next word a place.
_STRONG_NAME_CUE = re.compile(
    rf"(?:d/w|per|discussed with|spoke with|spoke to|paged|wife|husband|spouse|son|daughter|mother|father|sister"
    rf"|brother|niece|nephew|aunt|uncle|grandson|granddaughter|friend|proxy|hcp|nurse|attending|resident|fellow"
    rf"|intern)[ \t]+({_L}+)\b"
)
_TOWN = re.compile(
    rf"((?:west|east|north|south|new|lake|port|mount|mt\.?|fort|ft\.?|saint|st\.?|san|santa|el|la|los|las|glen"
    rf"|point|upper|lower)[ \t]+({_L}+))\b"
)
_TOWN_CUE = re.compile(r"(?:^|[^a-z])(?:from|to|at|in|near|of|lives)[ \t]+$")
#: An employer after a work cue ("works at zentrix", "ceo of quorvane", "owner of halvex"): a company names a
#: place of work, which identifies as a town does. Only a word no vocabulary accounts for is taken ("works at
#: home", "retired from the navy", "business trip" stay words); more such words run on ("works at halvex biotek").
_EMPLOYER = re.compile(
    r"(?<![a-z])(?:works?|worked|working|employed|employee|job|retired|ceo|cfo|coo|president|owner|founder"
    r"|business|company|employer)(?:[ \t]+(?:at|for|by|of|from|is|was))?[:,]?[ \t]+"
    rf"({_L}(?:{_L}|[&'’-])*{_L})(?![a-z])"
)
_EMPLOYER_MORE = re.compile(rf"[ \t]+({_L}(?:{_L}|[&'’-])*{_L})(?![a-z])")


#: A ward or unit: a word no vocabulary accounts for, then a number, after "on", "to" or "from" ("on brackenridge 4"),
#: or with the number glued on and no cue ("pain post procedure. brackenridge3 aware"): a word glued to a floor
#: number is no abbreviation.
_WARD = re.compile(rf"(?:^|[^a-z])(?:on|to|from|onto)[ \t]+({_L}{{4,}})[ \t]*\d{{1,2}}\b")
_WARD_GLUED = re.compile(rf"(?<!\w)({_L}{{5,}}+)\d{{1,2}}(?![\d%])\b")


@functools.cache
def _facility_phrases() -> re.Pattern[str]:
    """``facility_words.txt`` as one pattern: a place cue ("@" is "at"), then one of its phrases (a ``*`` is one
    more word)."""
    text = (
        resources.files("ethicompass.privacy")
        .joinpath("data", "text", "facility_words.txt")
        .read_text("utf-8")
    )
    phrases = sorted(
        (line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")),
        key=len,
        reverse=True,
    )
    body = "|".join(
        re.escape(phrase.removesuffix(" *")).replace(r"\ ", r"[ \t]+")
        + (rf"[ \t]+{_L}+(?:['’]s)?" if phrase.endswith(" *") else "")
        for phrase in phrases
    )
    cue = r"(?:(?:^|[^a-z])(?:at|to|from|into|by|via|in)[ \t]+|@[ \t]*)"
    return re.compile(rf"{cue}((?:the[ \t]+)?(?:{body}))(?![a-z])")


def _facility_words(low: str, at: _Starts = _ANYWHERE) -> Iterator[tuple[int, int, str, float]]:
    phrases = _facility_phrases()
    for m in finditer(phrases, low, at.get(phrases)):
        if len(last := low[m.start(1) : m.end(1)].rsplit(None, 1)[-1]) > 1 and last in _STOP:
            continue  # "st. *" ran on into a function word ("sinus rhythm to st with pacs": sinus tachycardia)
        start = m.start(1) + 4 if low.startswith("the", m.start(1)) else m.start(1)
        yield start, m.end(1), "place", CUE_PLACE


def _cued(low: str, at: _Starts = _ANYWHERE) -> Iterator[tuple[int, int, str, float]]:
    yield from _facility_words(low, at)
    names = vocabulary()[1]
    for m, group in itertools.chain(
        zip(finditer(_WARD, low, at.get(_WARD)), itertools.repeat(1)),
        zip(finditer(_WARD_GLUED, low, letters_before_digits(low)), itertools.repeat(2)),
    ):
        word = m.group(1)
        if group == 2 and word.endswith("x") and accounted_for(word[:-1], typos=False):
            continue  # a count glued on ("cabgx2", "turnedx2": times two)
        if not accounted_for(word, typos=False) or (
            group == 2 and word in names and word not in _COMMON_CAPS and word not in _clinical()
        ):  # glued to a floor number, a listed surname names a ward ("merchant3") as often as a person
            yield m.start(1), m.end(1), "place", CUE_PLACE
    for m in finditer(_STRONG_NAME_CUE, low, at.get(_STRONG_NAME_CUE)):
        word = m.group(1)
        free = m.start() == 0 or not low[m.start() - 1].isalpha()
        if (
            free
            and word in names
            and word not in _STOP
            and word not in _COMMON_CAPS
            and word not in _clinical()
            and not _eponym(low, m.end(1))
        ):
            yield m.start(1), m.end(1), "name", CUE_NAME
    for m in finditer(_EMPLOYER, low, at.get(_EMPLOYER)):
        start, end = m.span(1)
        if m.group(1) in _STOP or accounted_for(m.group(1), typos=False):
            continue
        while (more := _EMPLOYER_MORE.match(low, end)) is not None and not accounted_for(
            more.group(1), typos=False
        ):
            end = more.end(1)
        yield start, end, "place", CUE_PLACE
    for m in finditer(_TOWN, low, at.get(_TOWN)):
        word = m.group(2)
        if (m.start() and low[m.start() - 1].isalpha()) or not _TOWN_CUE.search(
            low, max(0, m.start() - 8), m.start()
        ):
            continue
        if (
            m.group(1).startswith(("upper", "lower"))
            and accounted_for(word)
            and (word not in _place_words() or word in _COMMON_CAPS)
        ):
            continue  # a body part ("rash to lower back"), not a town ("upper darby")
        if word not in _STOP and (
            not accounted_for(word, skeleton=False) or word in names or word in _place_words()
        ):
            yield m.start(1), m.end(1), "place", CUE_PLACE


def _unknown(low: str) -> Iterator[tuple[int, int, str, float]]:
    # words and the text between them, split in C; their offsets by a running sum (no Python match objects)
    parts = (_SPLIT_ASCII if low.isascii() else _SPLIT).split(low)
    unknown = {w for w in set(parts[1::2]) if not accounted_for(w, typos=False)}
    if not unknown:
        return
    offsets = list(itertools.accumulate(map(len, parts), initial=0))
    for i in [i for i, part in enumerate(parts) if part in unknown]:
        start, end = offsets[i], offsets[i + 1]
        # part of a longer token (digits, an e-mail, a dotted abbreviation): other recognizers own it
        glued = (
            (start and (low[start - 1].isdigit() or low[start - 1] in "@_/"))
            or (end < len(low) and low[end] in "@_")
            or (start > 1 and low[start - 1] in "'’" and low[start - 2].isalnum())  # "90's", "pvc's"
        )
        if glued and low[max(0, start - 2) : start] not in ("d/", "w/"):
            continue
        verdict = classify(low, start, end)
        if verdict is not None:
            yield start, end, verdict[0], verdict[1]


_SPLIT = re.compile(f"({_WORD.pattern})")
#: The same split for ASCII text (most notes), twice as fast: letters with inner apostrophes.
_SPLIT_ASCII = re.compile(r"([a-z](?:[a-z']*[a-z])?)")


def find_unknown_names(
    text: str, starts: Sequence[Sequence[int]] | None = None
) -> Iterator[tuple[int, int, float]]:
    """Unknown words whose evidence says person (or nothing but unknown): :data:`REGISTRY` row ``word_name``.

    ``starts``: per regular expression of :func:`word_regexes`, where it can match in ``text`` lower-cased."""
    for start, end, kind, score in _words(text, starts):
        if kind == "name":
            yield start, end, score


def find_unknown_places(text: str) -> Iterator[tuple[int, int, float]]:
    """Unknown words with a place cue: :data:`REGISTRY` row ``word_place``."""
    for start, end, kind, score in _words(text):
        if kind == "place":
            yield start, end, score
