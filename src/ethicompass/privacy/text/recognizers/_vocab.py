"""The vocabularies behind the recall-first word check: what a word in a note can be accounted for by.

English (SCOWL), clinical terms, abbreviations, units and drugs (``clinical_terms.txt``, ``drug_names.txt.gz``),
their inflections, medical prefixes and suffixes, and one-edit typos of them; and, apart, the US Census first names
and surnames, which a word's endings never explain away. Read once per process (``importlib.resources``).
"""

from __future__ import annotations

import functools
import gzip
from importlib import resources

_ALSO_KNOWN_WORDS = (
    "i im ive id ill january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday "
    "sunday mon tue tues wed thu thur thurs fri sat sun am pm english spanish american african caucasian "
    "hispanic latino asian christian catholic jewish muslim dr drs mr mrs ms md mds np nps rn rns pa rrt "
    "lpn cna sw pt pts ot slp cm fellow attending resident intern ceo cfo coo cto"
)
_ALSO_KNOWN = frozenset(_ALSO_KNOWN_WORDS.split())
_SUFFIXES = (
    "itis", "emia", "aemia", "osis", "ectomy", "otomy", "ostomy", "plasty", "scopy", "graphy", "pathy",
    "algia", "uria", "penia", "megaly", "plegia", "paresis", "rrhea", "rrhage", "cardia", "pnea", "pnoea",
    "lysis", "lytic", "ectasis", "ptysis", "emesis", "mycin", "cillin", "olol", "pril", "sartan", "statin",
    "azole", "zepam", "zolam", "oxacin", "cycline", "prazole", "tidine", "parin", "semide", "thiazide",
    "profen", "triptan", "dronate", "gliptin", "glitazone", "dipine", "lukast", "setron", "curonium",
    "caine", "barbital", "phylline", "terol", "tropium", "asone", "olone", "ozide", "amide", "ase",
    "ectomies", "ostomies", "otic", "otomies", "ology", "ologist", "ologists", "ization", "izations",
    "ized", "izing",
)  # fmt: skip
_PREFIXES = (
    "hyper", "hypo", "non", "un", "re", "pre", "post", "anti", "intra", "inter", "sub", "trans", "peri",
    "over", "under", "micro", "macro", "brady", "tachy", "dys", "endo", "extra", "hemi", "semi", "poly",
    "pseudo", "neuro", "cardio", "gastro", "hemo", "pneumo", "retro", "bi", "tri", "mis", "multi",
)  # fmt: skip
_ENDINGS = ("'s", "’s", "s", "es", "ed", "d", "ing", "ly", "er", "ers", "ness", "ment", "ally")


def _gz_words(name: str) -> frozenset[str]:
    raw = resources.files("ethicompass.privacy").joinpath("data", "text", name).read_bytes()
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


@functools.cache
def vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """(words that account for themselves, US Census first names and surnames), read once per process."""
    text = resources.files("ethicompass.privacy").joinpath("data", "text", "clinical_terms.txt")
    clinical = {
        w
        for line in text.read_text("utf-8").splitlines()
        if not line.startswith("#")
        for w in line.lower().split()
    }
    from ethicompass.privacy.text._lexicon import lexicon

    lex = lexicon()
    # states are not PHI under Safe Harbor; brand names and calendar words listed as "not names" are words
    shipped = {w.lower() for name in lex.state_names | lex.not_names for w in name.split()}
    known = _gz_words("english_words.txt.gz") | clinical | _ALSO_KNOWN | shipped
    names = _gz_words("census_surnames.txt.gz") | _gz_words("census_first_names.txt.gz")
    return frozenset(known), names - clinical


@functools.lru_cache(maxsize=1 << 16)
def accounted_for(word: str, *, typos: bool = True, skeleton: bool = True) -> bool:
    """Whether a lower-case word is English, clinical, or formed from one (endings, prefixes, medical suffixes),
    or (``typos``) one edit from one, or (``typos`` and ``skeleton``) a long word with a known word's skeleton."""
    known, names = vocabulary()
    if word in known:
        return True
    if word.endswith(("'s", "’s")):
        return accounted_for(word[:-2]) if len(word) > 3 else True
    if "'" in word or "’" in word:  # a contraction ("con't", "rec'd"): its letters, less the apostrophe
        return accounted_for(word.replace("'", "").replace("’", ""))
    if word in names:
        return False  # a listed name is never explained away by its endings ("jennings", "masters")
    if len(word) >= 7 and word.endswith(_SUFFIXES):
        return True
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            if (
                stem in known
                or stem + "e" in known
                or (len(stem) > 3 and stem[-1] == stem[-2] and stem[:-1] in known)
            ):
                return True
    for prefix in _PREFIXES:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 4 and accounted_for(rest.lstrip("-")):
            return True
    if "-" in word:
        return all(accounted_for(part) for part in word.split("-") if part)
    return typos and len(word) >= 5 and (_one_edit_from(word, known) or (skeleton and _same_skeleton(word)))


_VOWELS = frozenset("aeiouy")
#: Typos that keep a long word's consonants and mangle its vowels or doubled letters ("medecatoin",
#: "tollerence"): long words only, where a name or a town rarely shares an English word's skeleton.
_SKELETON_MIN = 8


def _skeleton(word: str) -> str:
    """The first two letters, then the consonants, doubled letters once, then the last letter
    ("incontinence" -> "inctnc|e"): a typo keeps how a word starts and ends."""
    last = kept = word[1]
    for c in word[2:]:
        if c != last and c not in _VOWELS:
            kept += c
            last = c
    return word[0] + kept + "|" + word[-1]


@functools.cache
def _skeletons() -> dict[str, tuple[int, int]]:
    """Skeleton -> (shortest, longest) known word of at least ``_SKELETON_MIN - 2`` letters that has it.

    Built at every start-up from the whole vocabulary (about 0.3 s), so written for speed: most skeletons have
    one word, and a longer or shorter word only widens the span it has."""
    out: dict[str, tuple[int, int]] = {}
    for w in vocabulary()[0]:
        n = len(w)
        if n >= _SKELETON_MIN - 2 and w.isalpha():
            k = _skeleton(w)
            span = out.get(k)
            if span is None:
                out[k] = (n, n)
            elif n < span[0]:
                out[k] = (n, span[1])
            elif n > span[1]:
                out[k] = (span[0], n)
    return out


def _same_skeleton(word: str) -> bool:
    """Whether a long word has the skeleton of a known word within one letter of its length."""
    if len(word) < _SKELETON_MIN or not word.isalpha():
        return False
    span = _skeletons().get(_skeleton(word))
    return span is not None and span[0] - 1 <= len(word) <= span[1] + 1


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_edit_from(word: str, known: frozenset[str]) -> bool:
    """Whether one deletion, transposition, substitution or insertion makes ``word`` a known word: a typo
    ("recieved", "neice"), not a name (listed names never get here).

    A small set (the relation words) is looked up in an index of its own one-edit neighbourhood, built once:
    a few look-ups per letter of the word instead of 54 (the same answer as :func:`_one_edit_plain`).

    A word two letters longer than the longest known word is one edit from none: it is answered at once (trying
    every edit of a 20,000-letter "word", a pasted blob, took minutes and gigabytes)."""
    if len(word) > _longest(known) + 1:
        return False
    if len(known) <= _INDEXED:
        index = _edit_index(known)
        if index is not None:
            return _one_edit_indexed(word, known, *index)
    return _one_edit_plain(word, known)


_LONGEST: dict[int, tuple[frozenset[str], int]] = {}


def _longest(known: frozenset[str]) -> int:
    """The length of the longest word in ``known`` (worked out once per set)."""
    hit = _LONGEST.get(id(known))
    if hit is None or hit[0] is not known:
        hit = (known, max(map(len, known), default=0))
        _LONGEST[id(known)] = hit
    return hit[1]


def _one_edit_plain(word: str, known: frozenset[str]) -> bool:
    """:func:`_one_edit_from` by trying every edit of ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    for left, right in splits:
        if right and left + right[1:] in known:
            return True
        if len(right) > 1 and left + right[1] + right[0] + right[2:] in known:
            return True
        for c in _LETTERS:
            if (right and left + c + right[1:] in known) or left + c + right in known:
                return True
    return False


#: Sets up to this size get a one-edit index (:func:`_edit_index`); larger ones are searched edit by edit.
_INDEXED = 4096
_HOLE = "\x00"
_EDIT_INDEXES: dict[int, tuple[frozenset[str], tuple[frozenset[str], frozenset[str]] | None]] = {}


def _edit_index(known: frozenset[str]) -> tuple[frozenset[str], frozenset[str]] | None:
    """For a small ``known``: every known word with one of its letters a ``_HOLE`` (a substitution of ``word``
    hits one), and every known word less one of its letters (an insertion into ``word`` makes one). None when a
    known word holds the ``_HOLE`` character itself."""
    hit = _EDIT_INDEXES.get(id(known))
    if hit is None or hit[0] is not known:
        index = None
        if not any(_HOLE in k for k in known):
            holed = frozenset(
                k[:i] + _HOLE + k[i + 1 :] for k in known for i in range(len(k)) if k[i] in _LETTERS
            )
            shorter = frozenset(k[:i] + k[i + 1 :] for k in known for i in range(len(k)) if k[i] in _LETTERS)
            index = holed, shorter
        hit = (known, index)
        _EDIT_INDEXES[id(known)] = hit
    return hit[1]


def _one_edit_indexed(
    word: str, known: frozenset[str], holed: frozenset[str], shorter: frozenset[str]
) -> bool:
    """:func:`_one_edit_from` with the index of a small ``known`` (:func:`_edit_index`)."""
    if word in shorter:  # a letter inserted somewhere
        return True
    n = len(word)
    for i in range(n):
        left, rest = word[:i], word[i + 1 :]
        if left + rest in known:  # one character deleted
            return True
        if i < n - 1 and left + word[i + 1] + word[i] + word[i + 2 :] in known:  # two swapped
            return True
        if left + _HOLE + rest in holed:  # one character replaced by a letter
            return True
    return False


def plain_word(word: str) -> bool:
    """A lower-case word that the vocabularies account for and that is no listed name or place word: it
    cannot start or continue a name or place on its capitals alone (upper-case notes capitalise everything)."""
    if word in _STOP or word in _COMMON_CAPS:
        return True
    return bool(word) and accounted_for(word) and word not in vocabulary()[1] and word not in _place_words()


#: Words that upper-case notes put after a relation or "from" and that happen to be listed surnames or words of
#: town names ("HUSBAND HAS GOOD", "FROM LAST NIGHT"): plain words all the same.
_COMMON_CAPS = frozenset(
    ("has", "good", "most", "last", "night", "side", "blood", "bile", "ward", "floor", "other", "friends", "all",
     "some", "both", "more", "less", "very", "well", "much", "many", "few", "new", "old", "home", "back",
     # verbs, adverbs and nouns that follow a relation or "per" in notes ("daughter left", "husband states",
     # "per plan", "nephew given an update", "per house officer"), listed surnames all the same
     "given", "left", "went", "came", "states", "stated", "still", "during", "will", "may", "said", "says",
     "plan", "page", "house", "staff", "wait", "report", "order", "orders", "call", "calls", "visit", "visits",
     "again", "today", "early", "late", "here", "there", "away", "out", "down", "up", "over", "now", "just")
)  # fmt: skip


@functools.cache
def _place_words() -> frozenset[str]:
    from ethicompass.privacy.text._lexicon import lexicon

    return frozenset(w.lower() for name in lexicon().cities for w in name.split())


@functools.cache
def first_names() -> frozenset[str]:
    """The US Census first names (lower case): an English word among them ("maria", "rose") can be a name after a
    relation or beside a surname; an English surname ("flow", "staff") cannot on that evidence alone."""
    return _gz_words("census_first_names.txt.gz") - _clinical() - _STOP


@functools.cache
def _clinical() -> frozenset[str]:
    text = resources.files("ethicompass.privacy").joinpath("data", "text", "clinical_terms.txt")
    return frozenset(
        w
        for line in text.read_text("utf-8").splitlines()
        if not line.startswith("#")
        for w in line.lower().split()
    )


#: Words that end a name's run (a title or credential never makes them names): function words and the
#: words notes put after a clinician ("dr aware", "md notified").
_STOP_WORDS = (
    "a an the and or but of to in on at by for from with without per as is was are were be been has had have "
    "will would can could may might should shall do did does not no yes this that these those it its he she "
    "his her him they them their we us our you your i me my aware notified paged called here there today "
    "tonight tomorrow yesterday now then also who which what when where why how team service office note "
    "notes order orders made said says spoke ok okay in re via"
)
#: Relation and role words: cues for a name, and never names themselves, however misspelt.
_RELATIONS = frozenset(
    ("wife", "husband", "spouse", "partner", "mother", "father", "son", "daughter", "sister", "brother", "aunt",
     "uncle", "niece", "nieces", "nephew", "nephews", "cousin", "grandson", "granddaughter", "grandmother",
     "grandfather", "friend", "neighbor", "neighbour", "guardian", "proxy", "daughters", "sons", "sisters",
     "brothers", "fiance", "fiancee", "family", "patient", "resident", "attending", "nurse", "doctor", "fellow",
     "intern", "physician", "surgeon", "therapist", "social", "worker", "chaplain", "case", "manager")
)  # fmt: skip
_STOP = frozenset(_STOP_WORDS.split()) | _RELATIONS
