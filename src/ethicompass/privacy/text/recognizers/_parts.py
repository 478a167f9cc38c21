"""Regular-expression fragments, validators and finders used by the recognizer registry: ages, contact details,
network addresses and keyed identifiers (dates live in ``_dates``, names in ``_names``, places in ``_places``)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import phonenumbers

# ---------------------------------------------------------------- ages, contacts, network
AGE = (
    r"(?P<phi>(?:9\d|1[01]\d)(?:\s*-?\s*(?:years?|yrs?|y\.\s?o\.?|y/o|yo)(?![a-z])(?:[\s-]*old)?))",
    r"(?:age|aged|ages)\s*:?\s*(?P<phi>9\d|1[01]\d)\b",
)
_EXT = r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\d-])"
PHONE = (
    r"\(\d{3}\)\s?\d{3}[\s.-]\d{4}" + _EXT,
    r"\d{3}(?<![\d-]...)[\s.-]\d{3}[\s.-]\d{4}" + _EXT,
    r"\+?1[\s.-]?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}" + _EXT,
)
EMAIL = r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
IPV4 = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])"
TLD_TRIGGERS = (".com", ".org", ".net", ".edu", ".gov", ".io", ".us", ".info", ".health", ".biz")
URL = (r"(?:https?://|www\.)[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]",)
_TLD = re.compile(r"\.(?:com|org|net|edu|gov|io|us|info|health|biz)(?![a-z0-9-])")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_PATH_END = re.compile(r"(?:/[^\s<>\"')\]]*[^\s<>\"')\].,;:!?])?")


#: ``str.translate`` table for an ASCII-only lower case (keeps the length; see ``lower_same_length``).
ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def ascii_lower(text: str) -> str:
    """``text.translate(ASCII_LOWER)``: A-Z lower-cased, every other character kept, ten times faster on a text
    past ASCII (UTF-8 writes every character past ASCII in bytes of 0x80 and up, which ``bytes.lower`` leaves)."""
    if text.isascii():
        return text.lower()
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def find_domains(text: str) -> Iterator[tuple[int, int, float]]:
    """Bare host names ("mychart.example.org/login"): from each known top-level domain, back over the host."""
    # ASCII-only lower case (host names and TLDs are ASCII): the same for a text alone and for the text
    # inside a batch of others, whatever those others hold
    lowered = ascii_lower(text)
    for m in _TLD.finditer(lowered):
        start = m.start()
        while start > 0 and lowered[start - 1] in _HOST_CHARS:
            start -= 1
        while start < m.start() and lowered[start] in ".-":
            start += 1
        if start == m.start() or (start > 0 and lowered[start - 1] in "@/"):
            continue
        end = _PATH_END.match(lowered, m.end())
        yield start, end.end() if end else m.end(), 0.7


IPV6 = r"[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])"


def possible_phone(text: str, m: re.Match[str]) -> bool:
    """A possible US number by length and shape (``phonenumbers.is_possible_number``)."""
    digits = sum(map(str.isdigit, m.group(0)))
    if digits == 10 or (digits == 11 and m.group(0).lstrip("+( ").startswith("1")):
        return True  # what is_possible_number answers for a US number of this length, without parsing
    try:
        number = phonenumbers.parse(m.group(0), "US")
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))


def valid_ip(text: str, m: re.Match[str]) -> bool:
    """A well-formed IPv4 (octets <= 255) or IPv6 address."""
    value = m.group(0)
    if ":" in value and value.count(":") < 2:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- keyed identifiers
MRN_WORDS = (
    r"mrn|mr\s?#|medical\s+records?(?:\s+(?:number|no|#))?|record\s+(?:number|no|#)|chart(?:\s+(?:number|no|#))?"
    r"|hospital\s+(?:number|no|#)|patient\s+(?:id|identifier|number|no|#)|pt\s+id|unit\s+number"
)
PLAN_WORDS = (
    r"insurance|insured|insurer|policy|health\s+plan|plan|member(?:ship)?|subscriber|medicare|medicaid"
    r"|beneficiary|group\s+(?:number|no|#)|payer|coverage|hicn|mbi"
)
MRN_TRIGGERS = ("mrn", "mr", "record", "chart", "hospital", "patient", "pt", "unit")
PLAN_TRIGGERS = (
    "insur",
    "policy",
    "plan",
    "member",
    "subscriber",
    "medica",
    "beneficiary",
    "group",
    "payer",
    "coverage",
    "hicn",
    "mbi",
)
ACCOUNT_WORDS = r"account|acct|billing|invoice|claim"  # not "a/c": in notes it is assist-control ventilation
LICENSE_WORDS = r"licen[sc]e|lic|dea|npi|certificate|cert|registration"
VEHICLE_WORDS = r"vin|licen[sc]e\s+plate|plate|vehicle"
DEVICE_WORDS = r"serial|s/n|sn|device|implant|pacemaker|defibrillator|udi|lot|model"
ID_WORDS = (
    r"id|identifier|ref|reference|code|case|accession|specimen|sample|study|subject|encounter|visit|ticket"
    r"|confirmation|no\.|number|#"
)
_ID_TOKEN = r"(?P<phi>#?(?=[a-z]{0,6}-?\d)[a-z0-9]+(?:[-/][a-z0-9]+)*)"
ID_SHAPE = (r"(?P<phi>[A-Z][A-Z]{0,3}-?\d{5,}|[A-Z][A-Z]{1,3}-\d{4,}[A-Z]?)(?![\w-])",)


_FRACTION = re.compile(r"\d{1,3}/\d{1,3}")


def keyed(words: str) -> str:
    """A pattern (for lower-cased text) for an id-like token after one of ``words``, a few words apart."""
    return rf"(?:{words})(?![a-z0-9])(?:[\s:#=.,()-]|[a-z]{{1,10}}\b){{0,8}}?{_ID_TOKEN}"


#: Measurements, not identifiers: small numbers joined by "-" or "/" ("102-102.4", "34-40/24-30", "70-80s").
_MEASURE = re.compile(r"\d{1,3}(?:\.\d+)?(?:[-/]\d{1,3}(?:\.\d+)?)+s?")


def id_shape(text: str, m: re.Match[str]) -> bool:
    """At least 3 digits and 4 characters; an all-digit token needs 5 digits (so years stay)."""
    token = m.group("phi").lstrip("#")
    if _FRACTION.fullmatch(token):
        return False
    digits = sum(map(str.isdigit, token))
    if token.isdigit():
        return len(token) >= 5
    return digits >= 3 and len(token) >= 4


def loose_id_shape(text: str, m: re.Match[str]) -> bool:
    """:func:`id_shape`, minus measurements, for cue words that notes also use for other things ("ID:" heads the
    infectious-disease section, "pa #" a pulmonary artery pressure, "sn" a sinus rhythm)."""
    return not _MEASURE.fullmatch(m.group("phi").lstrip("#")) and id_shape(text, m)


#: Scores of the word scan's evidence (see ``recognizers._words``): a cue before or after the word, a listed
#: name with no cue, an unknown word.
CUE_NAME = 0.8
CUE_PLACE = 0.65
DICTIONARY_NAME = 0.7
UNKNOWN = 0.45
#: A letter of any script (names keep their diacritics: "đặng", "ülker").
LETTER = r"[^\W\d_]"
#: Where each regular expression can match (``recognizers._hs``); empty: try everywhere.
Starts = Mapping[re.Pattern[str], Sequence[int]]
ANYWHERE: Starts = {}


def finditer(rx: re.Pattern[str], text: str, starts: Sequence[int] | None = None) -> Iterator[re.Match[str]]:
    """``rx.finditer(text)``; given ``starts`` (sorted, every position where ``rx`` can match, from
    ``recognizers._hs``), the same matches, trying ``rx`` only there. ``rx`` never matches empty."""
    if starts is None:
        yield from rx.finditer(text)
        return
    pos = 0
    match = rx.match
    for at in starts:
        if at < pos:
            continue
        m = match(text, at)
        if m is not None:
            yield m
            pos = m.end()


_ASCII_LETTER = np.zeros(128, dtype=bool)
_ASCII_LETTER[np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8)] = True


def letters_before_digits(text: str) -> list[int] | None:
    """Where each run of letters (``[^\\W\\d_]``) that a digit (``\\d``) follows begins ("brackenridge3",
    "q4h"), sorted: every place a pattern that starts at a word's first letter and reads letters up to a digit
    can match, for :func:`finditer`. A few vectorised passes over the text instead of ``re`` trying every
    position (a tenth of the time over a megabyte); characters past ASCII are classed one by one, as ``re``
    classes them (a letter is alphanumeric and no decimal digit). None (try everywhere) for a text mostly
    past ASCII, where that would cost more than ``re``."""
    ascii_only = text.isascii()
    if ascii_only:
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:
        codes = np.frombuffer(
            text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        )  # lone surrogates too
    letter = _ASCII_LETTER[codes & 0x7F] & (codes < 0x80)
    digit = (codes >= 0x30) & (codes <= 0x39)
    if not ascii_only:
        others = np.flatnonzero(codes >= 0x80)
        if len(others) * 16 > len(codes):
            return None
        for at in others.tolist():
            ch = text[at]
            letter[at] = ch.isalnum() and not ch.isdecimal()
            digit[at] = ch.isdecimal()
    ends = np.flatnonzero(letter[:-1] & digit[1:])  # the last letter of each such run
    if not len(ends):
        return []
    firsts = np.flatnonzero(letter & ~np.concatenate(([False], letter[:-1])))  # every run's first letter
    return firsts[np.searchsorted(firsts, ends, side="right") - 1].tolist()  # type: ignore[no-any-return]
