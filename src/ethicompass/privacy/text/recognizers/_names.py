"""Name patterns, their validators and the lone-first-name finder, used by the recognizer registry."""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterator, Sequence

from ethicompass.privacy.text._lexicon import lexicon
from ethicompass.privacy.text.recognizers import _words

# ---------------------------------------------------------------- names
_CAP = r"[A-Z][a-z]+(?:['’][A-Z][a-z]+|-[A-Z][a-z]+)?"
_INITIAL = r"[A-Z]\."
_NOT_FACILITY = r"(?!(?:Hospital|Clinic|Medical|Center|Health|Institute)\b)"
TITLE_TRIGGERS = ("dr", "mr", "ms", "mx", "prof", "miss")
#: A title is evidence, not the identifier (HIPAA Safe Harbor names the name): the span starts after it, and the
#: redacted text keeps it ("Dr. [NAME]").
NAME_TITLE = (
    rf"(?:Dr|Mr|Mrs|Ms|Mx|Prof|Miss)\.?[ \t]+(?P<phi>(?:{_CAP}|{_INITIAL})"
    rf"(?:[ \t]+{_NOT_FACILITY}(?:{_INITIAL}|{_CAP})){{0,2}})",
    r"(?:DR|MR|MRS|MS|MX|PROF|MISS)\.?[ \t]+(?P<phi>(?:[A-Z]\.[ \t]?)?[A-Z][A-Z]+(?:[-'’][A-Z]+)?)\b",
)
NAME_FIRST_LAST = rf"(?P<phi>(?P<first>[A-Z][a-z]+)(?:[ \t]+{_INITIAL})?[ \t]+(?P<last>{_CAP}|{_INITIAL}))"
NAME_INITIAL_LAST = rf"(?P<phi>{_INITIAL}[ \t]?(?:{_INITIAL}[ \t]?)?(?P<last>{_CAP}))"
NAME_LAST_FIRST = r"(?P<phi>(?P<last>[A-Z][a-z]+|[A-Z]{2,}),[ \t]*(?P<first>[A-Z][a-z]+|[A-Z]{2,}))\b"
NAME_ALL_CAPS = r"(?P<phi>(?P<first>[A-Z][A-Z]+)(?:[ \t]+[A-Z]\.?)?[ \t]+(?P<last>[A-Z]{2,}))\b"
_LCAP = r"[a-z]+(?:['’][a-z]+|-[a-z]+)?"
NAME_CONTEXT = (
    r"(?:patient|pt|named|name[ \t]+is|name|called|known[ \t]+as|mother|father|wife|husband|son|daughter"
    r"|sister|brother|spouse|partner|caregiver|guardian|seen[ \t]+by|referred[ \t]+by|signed[ \t]+by|dictated[ \t]+by"
    rf"|attending|cc)\b[:,]?[ \t]+(?P<phi>{_LCAP}(?:[ \t]+(?:[a-z]\.|{_LCAP})){{0,2}})"
)
NAME_CONTEXT_LOWER = r"(?:pt|patient|named)[:,]?[ \t]+(?P<phi>(?P<first>[a-z]+)(?:[ \t]+(?P<last>[a-z]+))?)\b"

_TITLES = frozenset({"Dr", "Mr", "Mrs", "Ms", "Mx", "Prof", "Miss"})
_CALENDAR_WORDS = frozenset(calendar.month_name[1:]) | frozenset(calendar.day_name)
_NEXT_WORD = re.compile(r"(?:['’]s)?\s+([A-Za-z]+)")


def _eponym_after(text: str, end: int) -> bool:
    """True when the word after ``end`` (past a possessive) is a medical head noun ("Parkinson disease")."""
    m = _NEXT_WORD.match(text, end)
    return bool(m and m.group(1).lower() in lexicon().medical_heads)


def _is_word(token: str) -> bool:
    lex = lexicon()
    return token in lex.not_names or token.lower() in lex.medical_heads or token.isupper()


def titled_name(text: str, m: re.Match[str]) -> bool:
    """A titled name, unless the surname is an eponym ("Dr. Parkinson's disease" is not a person)."""
    return not _eponym_after(text, m.end("phi"))


def first_last(text: str, m: re.Match[str]) -> bool | tuple[int, int]:
    """First name in the dictionary, or a dictionary surname after a non-word; never an eponym."""
    lex = lexicon()
    first, last = m.group("first"), m.group("last")
    if _eponym_after(text, m.end("phi")):
        return False
    if first in lex.not_names:
        if first in _CALENDAR_WORDS or first.lower() in lex.medical_heads:
            return False
        return last in lex.last_names or last.endswith(".")
    if not last.endswith(".") and _is_word(last):
        after = text[m.end("phi") : m.end("phi") + 2].strip()
        if not (first in lex.first_names and last in lex.last_names and not after[:1].isdigit()):
            return False
    if first in lex.first_names:
        return True
    if last in lex.last_names and _words.plain_word(first.lower()):
        return m.span(
            "last"
        )  # "Daughter Nguyen": a capitalised English word before a surname is no first name
    return (
        last in lex.last_names
        and first.lower() not in lex.medical_heads
        and first not in _TITLES
        and first not in _NOT_CITY_LEAD
    )


def initial_last(text: str, m: re.Match[str]) -> bool:
    """An initial and a dictionary surname ("J. Smith")."""
    last = m.group("last")
    return last in lexicon().last_names and not _eponym_after(text, m.end("phi"))


def last_comma_first(text: str, m: re.Match[str]) -> bool:
    """ "Smith, John": dictionary surname, comma, dictionary first name."""
    lex = lexicon()
    return m.group("last").title() in lex.last_names and m.group("first").title() in lex.first_names


def all_caps_name(text: str, m: re.Match[str]) -> bool:
    """ "JOHN SMITH": both words in the dictionaries."""
    lex = lexicon()
    return m.group("first").title() in lex.first_names and m.group("last").title() in lex.last_names


_TOKEN = re.compile(r"\S+")
_STRONG_NAME_CONTEXT = re.compile(
    r"named|name|called|known|mother|father|wife|husband|son|daughter|sister|brother|spouse|partner|guardian"
)
_FACILITY_WORDS = frozenset({"Hospital", "Clinic", "Medical", "Center", "Health", "Institute"})


def _capitalised_prefix(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The leading run of capitalised words (or initials) in ``text[start:end]``, as a span."""
    last = None
    for tok in _TOKEN.finditer(text, start, end):
        word = tok.group(0)
        if not word[0].isupper() or word.rstrip(".,") in _FACILITY_WORDS:
            break
        if _words.plain_word(word.strip(".,;:()").lower()):
            break  # an English or clinical word that is no listed name: capitals alone (upper-case notes) prove nothing
        last = tok.end()
    return None if last is None else (start, last)


def context_name(text: str, m: re.Match[str]) -> bool | tuple[int, int]:
    """Capitalised words after "patient", "named", "son" ...: a name unless the first is a common word."""
    span = _capitalised_prefix(text, *m.span("phi"))
    if span is None:
        return False
    first = text[span[0] : span[1]].split()[0]
    if first.rstrip(".") in _TITLES or _eponym_after(text, span[1]) or first in _CALENDAR_WORDS:
        return False
    if _is_word(first) and not _STRONG_NAME_CONTEXT.search(m.group(0), 0, m.start("phi") - m.start()):
        return False
    return span


_COMMON_LOWER = frozenset(
    [
        "is",
        "was",
        "has",
        "had",
        "will",
        "may",
        "can",
        "did",
        "does",
        "reports",
        "denies",
        "states",
        "says",
        "feels",
        "felt",
        "tolerating",
        "resting",
        "seen",
        "noted",
        "well",
        "long",
        "little",
        "best",
        "day",
        "short",
        "small",
        "love",
        "hope",
        "will",
        "may",
        "mark",
        "bill",
        "art",
        "joy",
        "in",
        "on",
        "at",
        "to",
        "of",
        "and",
        "or",
        "with",
        "without",
        "not",
        "no",
        "also",
        "still",
        "now",
    ]
)


def lower_name(text: str, m: re.Match[str]) -> bool | tuple[int, int]:
    """ "pt john smith": lower-case dictionary first name (and surname) after "pt" or "patient"."""
    lex = lexicon()
    if not text[m.start("phi")].islower():
        return False
    first = m.group("first").title()
    if first.lower() in _COMMON_LOWER or first in _CALENDAR_WORDS:
        return False
    if first not in lex.first_names and first not in lex.last_names:
        return False
    last = m.group("last")
    if last and last.title() in lex.last_names:
        return m.span("phi")
    return m.span("first")


def first_alone(text: str, m: re.Match[str]) -> bool:
    """A dictionary first name on its own, unless it is also a common word or an eponym."""
    word = m.group(0)
    lex = lexicon()
    if word not in lex.first_names or word in lex.not_names or _eponym_after(text, m.end()):
        return False
    return text[max(0, m.start() - 4) : m.start()] not in ("St. ", "Mt. ")


_CAP_WORD = re.compile(r"[A-Z][a-z]{2,}\b")


@functools.cache
def first_alone_regexes() -> tuple[re.Pattern[str], ...]:
    """Any dictionary first name: every span :func:`find_first_alone` yields starts with a match of it."""
    names = sorted((n for n in lexicon().first_names if _CAP_WORD.fullmatch(n)), key=lambda n: (-len(n), n))
    return (re.compile("|".join(map(re.escape, names))),)


def find_first_alone(
    text: str, starts: Sequence[Sequence[int]] | None = None
) -> Iterator[tuple[int, int, float]]:
    """Capitalised words (3+ letters) that :func:`first_alone` accepts, at the start of a word.

    A finder rather than a pattern row because it is the densest pattern of all (every capitalised
    word): ``finditer`` plus a set look-up before the validator is several times cheaper, and gives the
    same spans (no match can start inside another, whose letters after the first are lower case).
    ``starts``: (sorted) every position where a first name starts (:func:`first_alone_regexes`), which
    holds every match of ``_CAP_WORD`` whose word is a first name: only those are tried.
    """
    names = lexicon().first_names
    if starts is None:
        found: Iterator[re.Match[str] | None] = _CAP_WORD.finditer(text)
    else:
        found = map(functools.partial(_CAP_WORD.match, text), starts[0])
    for m in found:
        if m is None:
            continue
        if m.group(0) in names:
            at = m.start()
            if (at == 0 or not text[at - 1].isalnum()) and first_alone(text, m):
                yield at, m.end(), 0.5


_NOT_CITY_LEAD = frozenset(
    {"Dear", "Patient", "Contact", "Address", "Home", "Lives", "In", "At", "From", "To"}
)
