"""Recognizer parts for places: streets, ZIP codes, cities, hospitals and clinics."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence

from ethicompass.privacy.text._lexicon import BIG_CITY, lexicon
from ethicompass.privacy.text.recognizers._names import (
    _FACILITY_WORDS,
    _NOT_CITY_LEAD,
    _TITLES,
    _capitalised_prefix,
    _eponym_after,
)
from ethicompass.privacy.text.recognizers._parts import finditer
from ethicompass.privacy.text.recognizers._vocab import accounted_for

# ---------------------------------------------------------------- places
STATE_CODES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC"
    "|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
_STREET_ABBREVIATIONS = (
    "St",
    "Ave",
    "Rd",
    "Blvd",
    "Dr",
    "Ln",
    "Ct",
    "Pl",
    "Pkwy",
    "Hwy",
    "Ter",
    "Cir",
    "Sq",
    "Trl",
    "Cv",
    "Xing",
)


@functools.cache
def street_regex() -> re.Pattern[str]:
    """The street-address pattern (built from the shipped USPS suffix list on first use)."""
    types = "|".join(re.escape(t) for t in (*lexicon().street_suffixes, *_STREET_ABBREVIATIONS))
    return re.compile(
        rf"\d{{1,6}}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\.?\s+|\d+(?:st|nd|rd|th)\s+){{1,3}}(?:{types})\b\.?"
        r"(?:,?\s+(?:Apt|Suite|Ste|Unit|#)\.?\s*[A-Za-z0-9-]+)?"
    )


def street_regexes() -> tuple[re.Pattern[str], ...]:
    """The regular expression :func:`find_streets` iterates."""
    return (street_regex(),)


def find_streets(
    text: str, starts: Sequence[Sequence[int]] | None = None
) -> Iterator[tuple[int, int, float]]:
    """Street addresses: a house number, up to three words and a USPS street suffix ("7675 Dunn Cove").

    ``starts``: where :func:`street_regex` can match (``recognizers._parts.finditer``).
    """
    for m in finditer(street_regex(), text, starts[0] if starts is not None else None):
        if m.start() == 0 or not text[m.start() - 1].isalnum():
            yield m.start(), m.end(), 0.9


CITY_STATE = (
    rf"(?P<phi>(?P<city>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){{0,2}}),\s*(?:{STATE_CODES}|"
    r"Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho"
    r"|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota"
    r"|Mississippi|Missouri|Montana|Nebraska|Nevada|New\s+Hampshire|New\s+Jersey|New\s+Mexico|New\s+York"
    r"|North\s+Carolina|North\s+Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode\s+Island|South\s+Carolina"
    r"|South\s+Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West\s+Virginia|Wisconsin|Wyoming)"
    r"(?:\s+\d{5}(?:-\d{4})?)?)\b"
)
_FAC_SUFFIX = (
    r"Hospital|Hosp\b\.?|Medical\s+Center|Medical\s+Centre|Med\s+Center|Med\s+Ctr|Medical\s+Group|Health\s+System"
    r"|Health\s+Center|Healthcare|Health|Clinic|Infirmary|Nursing\s+Home|Nursing\s+Facility|Cancer\s+Center"
    r"|Cancer\s+Institute|Heart\s+Institute|Rehabilitation\s+Center|Rehab\s+Center|Hospice|Surgery\s+Center"
    r"|Surgical\s+Center|Care\s+Center|Urgent\s+Care|Presbyterian|Memorial|Sanatorium"
)
_FAC_WORD = r"(?:(?:St|Mt|Ste)\.\s?[A-Z][a-z]+(?:['’]s)?|[A-Z][A-Za-z'’-]*|&)"
FACILITY = (
    rf"(?P<phi>(?P<lead>{_FAC_WORD})(?:\s+(?:(?:of|the|and|&)\s+)?{_FAC_WORD}){{0,3}}\s+(?:{_FAC_SUFFIX})\b"
    r"(?:\s+(?:of\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)?)"
)
FACILITY_SAINT = r"(?:(?:St|Mt|Ste)\.\s?|(?:Saint|Mount)\s+)[A-Z][a-z]++(?!(?:['’]s)?\s+[Ww]ort)(?:['’]s)?+"
CITY_FACILITY = (
    r"(?P<phi>(?P<city>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\s+"
    r"(?:facility|clinic|office|hospital|campus|center|site|branch|location))\b"
)
PLACE_NOUNS = ("facility", "clinic", "office", "hospital", "campus", "center", "site", "branch", "location")
FACILITY_TRIGGERS = (
    "hosp",
    "medical",
    "med ",
    "health",
    "clinic",
    "infirmary",
    "nursing",
    "cancer",
    "institute",
    "rehab",
    "hospice",
    "surg",
    "care",
    "presbyterian",
    "memorial",
    "sanatorium",
)
LOCATION_CONTEXT = (
    r"(?:lives\s+in|living\s+in|resides\s+in|residing\s+in|from|moved\s+to|born\s+in|located\s+in"
    r"|seen\s+at|admitted\s+to|admitted\s+at|transferred\s+to|transferred\s+from|presented\s+to|presented\s+at"
    r"|treated\s+at|evaluated\s+at|followed\s+at|discharged\s+from|checked\s+in\s+at|attended|visited"
    r"|appointment\s+at|travel(?:l?ed)?\s+to)\b\s+(?:the\s+)?"
    r"(?P<phi>[a-z][a-z'’.&-]*(?:\s+[a-z][a-z'’&-]*){0,3})"
)
_NOT_HEALTH = frozenset(
    {
        "Mental",
        "Public",
        "Behavioral",
        "Behavioural",
        "Global",
        "Women's",
        "Occupational",
        "Environmental",
        "Oral",
        "Sexual",
        "Reproductive",
        "Population",
        "Digital",
        "Home",
        "World",
        "Primary",
        "Community",
        "Maternal",
        "Child",
        "Veterans",
        "Men's",
        "Family",
        "Internal",
        "General's",
        "Preventive",
        "Rural",
        "Urban",
        "Student",
        "Employee",
        "Bone",
        "Heart",
        "Brain",
        "Skin",
        "Eye",
        "Lung",
        "Liver",
        "Kidney",
    }
)
_NOT_CITY = frozenset(
    {
        "Mobile",
        "Orange",
        "Surprise",
        "Independence",
        "Enterprise",
        "Paradise",
        "Spring",
        "Buffalo",
        "Centennial",
        "Columbia",
        "Aurora",
        "Providence",
        "Normal",
        "Temple",
        "Victoria",
        "Hope",
        "Liberty",
        "Union",
        "Commerce",
        "Industry",
        "Plantation",
        "Asian",
        "American",
        "Beverly",
        "Gilbert",
        "Miramar",
        "Sandy",
        "Lakewood",
        "Pearl",
        "Florence",
        "Jordan",
        "Murray",
        "Hospital",
        "Clinic",
        "Center",
        "Medical",
        "General",
    }
)
_UNITS = frozenset({"ICU", "ER", "ED", "CCU", "OR", "PACU", "NICU", "PICU", "MICU", "SICU", "ICN", "L&D"})


def facility(text: str, m: re.Match[str]) -> bool:
    """ "X Hospital", "X Medical Center", "X Clinic": not "Mental Health", not "the ICU Clinic"."""
    lead = m.group("lead")
    words = m.group("phi").split()
    if lead in _FACILITY_WORDS or lead in _UNITS or lead.lower() in lexicon().medical_heads:
        return False
    if "Health" in words:
        before = words[words.index("Health") - 1] if words.index("Health") else ""
        return before not in _NOT_HEALTH and before not in ("and", "&", "of")
    return True


_WORD = re.compile(r"[A-Za-z]+")
_WORD_BEFORE = re.compile(r"([A-Z][a-z]+\.?)[ \t]+$")


def city_state(text: str, m: re.Match[str]) -> bool | tuple[int, int]:
    """ "City, ST": the city is not a common word, nor a surname with a credential ("Rogers, MD")."""
    start = m.start("city")
    words = list(_WORD.finditer(m.group("city")))
    while words and words[0].group(0) in _NOT_CITY_LEAD:
        words.pop(0)
    if not words:
        return False
    start += words[0].start()
    city = text[start : m.end("city")]
    lex = lexicon()
    if city in _NOT_CITY or (words[0].group(0) in lex.first_names and city not in lex.cities):
        return False
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    if before and (before.group(1) in lex.first_names or before.group(1).rstrip(".") in _TITLES):
        return False
    return start, m.end("phi")


def city_facility(text: str, m: re.Match[str]) -> bool:
    """ "our Seattle office", "the Dallas facility": the first words are a known city."""
    city = m.group("city")
    return city in lexicon().cities and city not in _NOT_CITY


def context_place(text: str, m: re.Match[str]) -> bool | tuple[int, int]:
    """A capitalised place after "seen at", "lives in" ...: not a title, unit, month or common word."""
    span = _capitalised_prefix(text, *m.span("phi"))
    if span is None:
        return False
    first = text[span[0] : span[1]].split()[0].rstrip(".,")
    lex = lexicon()
    if first in _TITLES or first in _UNITS or first in lex.not_names or first.lower() in lex.medical_heads:
        return False
    if first in lex.first_names and first not in lex.cities:
        return False
    if _eponym_after(text, span[1]):
        return False
    return span


@functools.cache
def _any_case_facilities() -> tuple[str, ...]:
    """The listed facilities found in any case ("JOHNS HOPKINS", "cedars-sinai"): those with a word no English
    vocabulary accounts for. Names of English words only ("Mercy Hospital", "Tenet", "CHOP") keep their case."""
    return tuple(
        name
        for name in lexicon().facilities
        if not all(accounted_for(w) for w in re.findall(r"[a-z]+", name.lower()))
    )


@functools.cache
def _known_facility_regexes() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The names kept in their case, read in the text as written; the names found in any case, lower case, read in
    the text lower-cased (an ``(?i:...)`` group over the text took ten times as long); the suffix after either."""
    any_case = set(_any_case_facilities())
    written = "|".join(re.escape(name) for name in lexicon().facilities if name not in any_case)
    folded = "|".join(re.escape(name.lower()) for name in lexicon().facilities if name in any_case)
    return (
        re.compile(rf"(?:{written})(?![\w])"),
        re.compile(rf"(?:{folded})(?![\w])"),
        re.compile(rf"\s+(?:{_FAC_SUFFIX})(?![\w])"),
    )


@functools.cache
def facility_names() -> tuple[str, ...]:
    """The names one of which a text must contain for :func:`find_known_facilities` to find anything (those found
    in any case also in capitals and in lower case)."""
    folded = _any_case_facilities()
    return (*lexicon().facilities, *(n.upper() for n in folded), *(n.lower() for n in folded))


@functools.cache
def city_names() -> tuple[str, ...]:
    """The names one of which a text must contain for :func:`find_cities` to find anything."""
    return tuple(lexicon().cities)


def find_known_facilities(text: str) -> Iterator[tuple[int, int, float]]:
    """Well-known hospitals and health systems from ``facilities.txt``, with a facility noun after them."""
    written, folded, suffix = _known_facility_regexes()
    low = text.lower()
    for rx, haystack in ((written, text), (folded, low if len(low) == len(text) else text)):
        for m in rx.finditer(haystack):
            if m.start() == 0 or not text[m.start() - 1].isalnum():
                after = suffix.match(text, m.end())
                yield m.start(), after.end() if after else m.end(), 0.85


_CAP_RUN = re.compile(r"[A-Z](?<![A-Za-z][A-Z])[a-z]+(?:[ -][A-Z][a-z]+){0,3}")
_BEFORE_PLACE = re.compile(r"(?i)\b(?:in|from|at|near|to|of)\s+$")


@functools.cache
def _city_first_words() -> frozenset[str]:
    """The first word of every city name (a run of capitalised words can only hold a city there)."""
    return frozenset(m.group(0) for name in lexicon().cities if (m := _WORD.match(name)))


def find_cities(text: str) -> Iterator[tuple[int, int, float]]:
    """US cities from GeoNames: multi-word or big ones on their own, small ones after "in", "from" ..."""
    cities = lexicon().cities
    firsts = _city_first_words()
    for run in _CAP_RUN.finditer(text):
        if firsts.isdisjoint(_WORD.findall(run.group(0))):
            continue  # no city name starts with any of its words
        words = [(w.start(), w.end()) for w in _WORD.finditer(run.group(0))]
        base, i = run.start(), 0
        while i < len(words):
            if run.group(0)[words[i][0] : words[i][1]] not in firsts:
                i += 1
                continue
            for j in range(min(len(words), i + 3), i, -1):
                start, end = base + words[i][0], base + words[j - 1][1]
                name = text[start:end]
                population = cities.get(name)
                if population is None or name in _NOT_CITY or _eponym_after(text, end):
                    continue
                if j - i > 1 or population >= BIG_CITY:
                    yield start, end, 0.75
                elif _BEFORE_PLACE.search(text, max(0, start - 6), start):
                    yield start, end, 0.6
                else:
                    continue
                i = j - 1
                break
            i += 1


#: Cues that say where a person lives or comes from; after them a one-word town that is also an English word
#: ("lives in reading", "moved from concord") is a place. After a plain place cue only a town of two or three
#: words is ("from fall river", "TO BATON ROUGE"), as no phrase of clinical routine reads like one.
_RESIDENCE = (
    r"(?:lives|lived|living|resides|resided|residing|moved|moving|relocated|native|resident|grew[ \t]+up)"
    r"[ \t]+(?:in|to|from|of|at|near)"
)
_TOWN_NAME = re.compile(r"[A-Za-z]+(?:[ -][A-Za-z]+)*")


@functools.cache
def _cued_town_names() -> tuple[frozenset[str], frozenset[str]]:
    """(GeoNames town names of two or three words, of one English word), lower case, words split by spaces."""
    multi, single = set(), set()
    for name in lexicon().cities:
        words = name.lower().replace("-", " ").split()
        if not _TOWN_NAME.fullmatch(name) or name in _NOT_CITY or len(words) > 3:
            continue
        if len(words) > 1:
            multi.add(" ".join(words))
        elif accounted_for(words[0], typos=False):
            single.add(words[0])
    return frozenset(multi), frozenset(single)


@functools.cache
def cued_city_regex() -> re.Pattern[str]:
    """The pattern of :func:`find_cued_cities` over the lower-cased text: a cue, then the first word of a town
    name of two or three words (or, after a residence cue, a one-word town that is an English word);
    :func:`find_cued_cities` reads the words after it and checks the name (built from the shipped town list on first
    use). The pattern ends at the first word, so that Hyperscan, which reads it backwards, starts from a literal."""
    multi, single = _cued_town_names()
    firsts = sorted({name.split()[0] for name in multi}, key=lambda w: (-len(w), w))
    singles = sorted(single, key=lambda w: (-len(w), w))
    return re.compile(
        rf"(?<![a-z])(?:(?P<res>{_RESIDENCE})[ \t]+(?P<one>{'|'.join(singles)})(?![a-z])|(?:from|to|in|at|near)"
        rf"[ \t]+(?P<phi>{'|'.join(firsts)})(?=[ \t-]))"
    )


@functools.cache
def _cued_city_any_case() -> re.Pattern[str]:
    """:func:`cued_city_regex` for the text as written (Hyperscan finds its starts in the lower-cased text, which
    has the same offsets): no lower-cased copy of a batch is made."""
    return re.compile(cued_city_regex().pattern, re.IGNORECASE)


def cued_city_regexes() -> tuple[re.Pattern[str], ...]:
    """The regular expression :func:`find_cued_cities` iterates (over the lower-cased text)."""
    return (cued_city_regex(),)


def find_cued_cities(
    text: str, starts: Sequence[Sequence[int]] | None = None
) -> Iterator[tuple[int, int, float]]:
    """Towns after a place cue in any case: the capitalised-run finder (:func:`find_cities`) misses them in
    all-capital and lower-case notes, and the word check accounts for town names made of English words.

    ``starts``: where :func:`cued_city_regex` can match in ``text`` lower-cased (``recognizers._parts.finditer``).
    """
    multi = _cued_town_names()[0]
    for m in finditer(_cued_city_any_case(), text, starts[0] if starts is not None else None):
        if m.group("one") is not None:
            yield m.start("one"), m.end("one"), 0.65
            continue
        rest = _TOWN_REST.match(text, m.end("phi"))
        if rest is None:
            continue
        two = f"{m.group('phi')} {rest.group(1)}".lower()
        if rest.group(2) is not None and f"{two} {rest.group(2).lower()}" in multi:
            yield m.start("phi"), rest.end(2), 0.65
        elif two in multi:
            yield m.start("phi"), rest.end(1), 0.65


#: The second and third words of a town's name after its first (spaces or hyphens between, no more letters after).
_TOWN_REST = re.compile(r"[ \t-]+([A-Za-z]+)(?![A-Za-z])(?:[ \t-]+([A-Za-z]+)(?![A-Za-z]))?")
