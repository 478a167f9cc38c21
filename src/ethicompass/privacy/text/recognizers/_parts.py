"""Regular-expression fragments, validators and dictionary finders used by the recognizer registry."""

from __future__ import annotations

import calendar
import functools
import ipaddress
import re
from collections.abc import Iterator, Sequence

import phonenumbers

from ethicompass.privacy.text._lexicon import lexicon
from ethicompass.privacy.text.recognizers import _words

# ---------------------------------------------------------------- dates
_MONTHS = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_MONTHS_UP = r"JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?|SEPT?(?:EMBER)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?"
MONTH = rf"(?P<mn>{_MONTHS}|{_MONTHS_UP})\.?"
_MONTH_FULL = "January|February|March|April|May|June|July|August|September|October|November|December"
_WEEKDAY_FULL = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_WEEKDAY = r"(?:(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?|(?:" + _WEEKDAY_FULL + r")),?\s+"
DAY = r"(?P<d>[12]\d|3[01]|0[1-9]|[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?P<y>(?:19|20)\d{2}|'\d{2})"
TIME = (
    r"(?:,?\s+(?:at\s+)?(?:(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*[AaPp]\.?[Mm]\.?)?"
    r"|(?:[01]\d|2[0-3])[0-5]\d\s?(?:h|hrs|hours)\b))?"
)
_NOT_DOSE = (
    r"(?!\s?(?:mg|mcg|ml|mL|g|kg|units?|tabs?|tablets?|caps?|capsules?|pills?|doses?|puffs?|drops?|%|x\b"
    r"|of\b|strength))"
)

DATE_MONTH_DAY = (
    rf"{MONTH}\s+{DAY}(?![\d:]){_NOT_DOSE}(?:,?\s+{YEAR})?(?!\d){TIME}",
    rf"(?:{_WEEKDAY_FULL}|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?,?\s+{MONTH}\s+{DAY}(?![\d:])"
    rf"(?:,?\s+{YEAR})?(?!\d){TIME}",
)
DATE_DAY_MONTH = (
    rf"{DAY}(?:\s+of)?\s+{MONTH}(?:,?\s+{YEAR})?(?!\d){TIME}",
    rf"(?P<d>[12]\d|3[01]|0[1-9]|[1-9])-{MONTH}-(?P<y>(?:19|20)?\d{{2}})(?!\d){TIME}",
    rf"(?P<d>[12]\d|3[01]|0[1-9])(?P<mn>{_MONTHS_UP}|{_MONTHS})(?P<y>(?:19|20)\d{{2}})(?!\d){TIME}",
)
DATE_MONTH_YEAR = (rf"{MONTH},?\s+(?:of\s+)?(?P<y>(?:19|20)\d{{2}})(?!\d)",)
DATE_NUMERIC = (
    r"(?P<m>1[0-2]|0[1-9]|[1-9])(?P<sep>[/-])(?P<d>[12]\d|3[01]|0[1-9]|[1-9])(?P=sep)"
    r"(?P<y>(?:19|20)\d{2}|\d{2})(?![\d/-])" + TIME,
    r"(?P<d>1[3-9]|2\d|3[01])(?<![\d/.-]..)(?P<sep>[/.-])(?P<m>1[0-2]|0[1-9]|[1-9])(?P=sep)(?P<y>(?:19|20)\d{2})"
    r"(?![\d/-])(?!\.\d)" + TIME,
    r"(?P<m>1[0-2]|0[1-9]|[1-9])\.(?P<d>[12]\d|3[01]|0[1-9]|[1-9])\.(?P<y>(?:19|20)\d{2})(?!\d)(?!\.\d)"
    + TIME,
    r"(?P<y>(?:19|20)\d{2})(?P<sep>[/-])(?P<m>0[1-9]|1[0-2])(?P=sep)(?P<d>0[1-9]|[12]\d|3[01])"
    r"(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?Z?)?(?![\d/-])" + TIME,
)
DATE_SHORT = (r"(?P<m>1[0-2]|0[1-9]|[1-9])/(?P<d>\d{1,2})(?![\d/-])(?!\.\d)" + _NOT_DOSE + TIME,)
#: A month/day with no year and no cue ("7/22 found by husband"), as ICU notes write every date: recall first,
#: minus fractions, doses, scales and ratios (``DATE_BARE_EXCLUDE`` before it, ``_NOT_DOSE`` after it).
DATE_BARE = (
    r"(?<![/.:\-])(?P<m>1[0-2]|0[1-9]|[1-9])/(?P<d>[12]\d|3[01]|0[1-9]|[1-9])(?![\d/-])(?!\.\d)(?!\s*(?:hr|h|ns|nss|strength|normal)\b)"
    + _NOT_DOSE
    + TIME,
)
#: A month and a two-digit year ("mi 8/87", "fx 5/97"): no day or ratio reads so (days stop at 31).
DATE_BARE_MONTH_YEAR = (
    r"(?<![/.:\-\d])(?P<m>1[0-2]|0[1-9]|[1-9])/(?P<y2>[4-9]\d)(?![\d/-])(?!\.\d)(?!\s*(?:hr|h)\b)"
    + _NOT_DOSE,
)
DATE_BARE_EXCLUDE = (
    "pain",
    "strength",
    "murmur",
    "sem",
    "grade",
    "motor",
    "power",
    "scale",
    "score",
    "gcs",
    "rass",
    "ratio",
    "i:e",
    "ie",
    "x",
    "bp",
    "b/p",
    "dose",
    "doses",
    "sbp",
    "ps",
    "psv",
    "peep",
    "cpap",
    "bipap",
    "imv",
    "rales",
    "crackles",
    "rhonchi",
    "ronchi",
    "wheezes",
    "flowby",
    "bases",
    "lungs",
)
DATE_RELATIVE = (rf"(?:last|this|next|past)\s+(?:{_MONTH_FULL.lower()}|{_WEEKDAY_FULL.lower()})\b",)
DATE_CONTEXT = (
    "on",
    "since",
    "dated",
    "date",
    "until",
    "from",
    "seen",
    "admitted",
    "discharged",
    "dob",
    "visit",
    "note",
    "by",
    "before",
    "after",
)
MONTH_TRIGGERS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

_MONTH_NUMBER = {name[:3].lower(): i for i, name in enumerate(calendar.month_name) if name}


def valid_date(text: str, m: re.Match[str]) -> bool:
    """Calendar validity: the day exists in the month (29 February only in a leap year when given)."""
    groups = m.groupdict()
    month = groups.get("m")
    month_no = int(month) if month else _MONTH_NUMBER.get((groups.get("mn") or "")[:3].lower(), 0)
    day = groups.get("d")
    if not month_no or not day:
        return True
    day_no = int(day)
    year = groups.get("y") or ""
    year_no = int(year) if year.isdigit() and len(year) == 4 else 2000
    return 1 <= month_no <= 12 and 1 <= day_no <= calendar.monthrange(year_no, month_no)[1]


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
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
IPV4 = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])"
TLD_TRIGGERS = (".com", ".org", ".net", ".edu", ".gov", ".io", ".us", ".info", ".health", ".biz")
URL = (r"(?:https?://|www\.)[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]",)
_TLD = re.compile(r"\.(?:com|org|net|edu|gov|io|us|info|health|biz)(?![a-z0-9-])")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_PATH_END = re.compile(r"(?:/[^\s<>\"')\]]*[^\s<>\"')\].,;:!?])?")


#: ``str.translate`` table for an ASCII-only lower case (keeps the length; see ``lower_same_length``).
ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def find_domains(text: str) -> Iterator[tuple[int, int, float]]:
    """Bare host names ("mychart.example.org/login"): from each known top-level domain, back over the host."""
    # ASCII-only lower case (host names and TLDs are ASCII): the same for a text alone and for the text
    # inside a batch of others, whatever those others hold
    lowered = text.lower() if text.isascii() else text.translate(ASCII_LOWER)
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
ACCOUNT_WORDS = r"account|acct|a/c|billing|invoice|claim"
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


def id_shape(text: str, m: re.Match[str]) -> bool:
    """At least 3 digits and 4 characters; an all-digit token needs 5 digits (so years stay)."""
    token = m.group("phi").lstrip("#")
    if _FRACTION.fullmatch(token):
        return False
    digits = sum(map(str.isdigit, token))
    if token.isdigit():
        return len(token) >= 5
    return digits >= 3 and len(token) >= 4


# ---------------------------------------------------------------- names
_CAP = r"[A-Z][a-z]+(?:['’][A-Z][a-z]+|-[A-Z][a-z]+)?"
_INITIAL = r"[A-Z]\."
_NOT_FACILITY = r"(?!(?:Hospital|Clinic|Medical|Center|Health|Institute)\b)"
TITLE_TRIGGERS = ("dr", "mr", "ms", "mx", "prof", "miss")
NAME_TITLE = (
    rf"(?P<phi>(?:Dr|Mr|Mrs|Ms|Mx|Prof|Miss)\.?[ \t]+(?:{_CAP}|{_INITIAL})"
    rf"(?:[ \t]+{_NOT_FACILITY}(?:{_INITIAL}|{_CAP})){{0,2}})",
    r"(?P<phi>(?:DR|MR|MRS|MS|MX|PROF|MISS)\.?[ \t]+(?:[A-Z]\.[ \t]?)?[A-Z][A-Z]+(?:[-'’][A-Z]+)?)\b",
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
