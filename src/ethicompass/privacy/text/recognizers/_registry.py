"""The PHI recognizer registry: each recognizer is data plus one check, declared in one table.

A :class:`Recognizer` is a PHI type, regular expressions (a named group ``phi`` marks the span when the
match holds more), context words that raise the score (or are required), words that veto a match, and an
optional validator (calendar validity, an octet range, ``phonenumbers``, a dictionary look-up). A few
dictionary recognizers use a ``finder`` instead of patterns. Adding a recognizer is one row of
:data:`REGISTRY`; the fragments and validators it uses live in ``_parts.py``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ethicompass.privacy.text.recognizers import _parts as p
from ethicompass.privacy.text.recognizers import _places as places
from ethicompass.privacy.text.recognizers import _words as words
from ethicompass.privacy.text.recognizers._gate import jump_words as _anchors
from ethicompass.privacy.text.recognizers._gate import word_starts as _word_starts
from ethicompass.study import PhiType

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: A validator sees the text and the match; it returns False to reject, True to keep the ``phi`` span,
#: or a ``(start, end)`` pair to keep a trimmed span.
Validator = Callable[[str, re.Match[str]], bool | tuple[int, int]]
#: A finder yields ``(start, end, score)`` candidates straight from the text (dictionary recognizers).
Finder = Callable[[str], Iterator[tuple[int, int, float]]]
#: Strings (literal words, or regular expressions) one of which must occur in a text for a finder to yield.
GateStrings = Callable[[], tuple[str, ...]]

_CONTEXT_BOOST = 0.15


@dataclass(frozen=True)
class Recognizer:
    """One way of finding one PHI type: patterns, context, an optional validator (or a finder).

    ``gate_literals`` / ``gate_patterns`` tell a finder's necessary condition (a name it looks up must
    occur verbatim; its regular expression must match), so batches skip documents it cannot match;
    pattern recognizers derive theirs from ``patterns`` (``recognizers._gate``).
    """

    name: str
    phi_type: PhiType
    score: float
    patterns: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    context_required: bool = False
    exclude: tuple[str, ...] = ()
    window: int = 40
    lower: bool = False
    triggers: tuple[str, ...] = ()
    validator: Validator | None = None
    finder: Finder | None = None
    gate_literals: GateStrings | None = None
    gate_patterns: GateStrings | None = None
    finder_regexes: Callable[[], tuple[re.Pattern[str], ...]] | None = None
    overlapping: bool = False
    description: str = ""

    def find(self, text: str, lowered: str | None = None) -> Iterator[tuple[int, int, float]]:
        """Yield ``(start, end, score)`` for every accepted candidate in ``text``.

        ``lowered`` is ``text`` in lower case with the same length (see :func:`lower_same_length`);
        recognizers with ``lower=True`` search it, and ``triggers`` are looked up in it.
        """
        if lowered is None:
            lowered = lower_same_length(text)
        if self.triggers and not any(t in lowered for t in self.triggers):
            return
        for part in range(self.parts):
            yield from self.scan(part, text, lowered)

    @property
    def parts(self) -> int:
        """How many separate scans :meth:`scan` offers: one per pattern (a finder is one)."""
        return 1 if self.finder is not None else len(self.patterns)

    def scan(
        self, part: int, text: str, lowered: str, where: Sequence[Any] | None = None
    ) -> list[tuple[int, int, float]]:
        """The accepted candidates of pattern number ``part`` (or of the finder), ignoring ``triggers``.

        :meth:`find` is ``scan`` over every part once the triggers hold; batch scanning calls it per
        part on just the texts that part's gate lets through. ``where``, when given, holds (sorted) every
        position where the pattern can match and no letter or digit comes right before
        (``recognizers._hs``): the pattern is tried only there, with the same result. A finder with
        ``finder_regexes`` takes instead, per regex, every position where it can match.
        """
        if self.finder is not None:
            if where is not None:  # one list of starts per ``finder_regexes`` (see ``recognizers._hs``)
                return list(self.finder(text, where))  # type: ignore[call-arg]
            return list(self.finder(text))
        _, compiled, context_rx, exclude_rx = _prepared(self)
        rx = compiled[part]
        search = rx.search
        haystack = lowered if self.lower else text
        has_phi = "phi" in rx.groupindex
        validator, overlapping, window = self.validator, self.overlapping, self.window
        plain = context_rx is None and exclude_rx is None
        out: list[tuple[int, int, float]] = []
        pos, n = 0, len(text)
        anchors = _anchors(self.patterns[part]) if where is None else None
        starts = iter(where) if where is not None else None
        if anchors is not None:
            starts = iter(_word_starts(haystack, anchors))
        while pos <= n:
            if starts is None:
                m = search(haystack, pos)
                if m is None:
                    break
                at = m.start()
                if at > 0 and haystack[at - 1].isalnum():
                    pos = at + 1
                    continue
            else:  # try the pattern only where one of its opening words starts a word
                at = next(starts, -1)
                if at < 0:
                    break
                if at < pos:
                    continue
                m = rx.match(haystack, at)
                if m is None:
                    continue
            start, end = m.span("phi") if has_phi else m.span()
            if validator is not None:
                verdict = validator(text, m)
                if verdict is False or start == end:
                    pos = at + 1
                    continue
                if isinstance(verdict, tuple):
                    start, end = verdict
            elif start == end:
                pos = at + 1
                continue
            pos = at + 1 if overlapping else max(m.end(), at + 1)
            if start >= end:
                continue
            if plain:
                out.append((start, end, self.score))
                continue
            score = self.score
            before = text[max(0, start - window) : start]
            if exclude_rx is not None and exclude_rx.search(before):
                continue
            if context_rx is not None:
                if context_rx.search(before):
                    score = min(1.0, score + _CONTEXT_BOOST)
                elif self.context_required:
                    continue
            out.append((start, end, score))
        return out


def lower_same_length(text: str) -> str:
    """``text.lower()``, or an ASCII-only lower case where full lower-casing would change the length."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return text.translate(p.ASCII_LOWER)


_Prepared = tuple[Recognizer, tuple[re.Pattern[str], ...], re.Pattern[str] | None, re.Pattern[str] | None]
_PREPARED: dict[int, _Prepared] = {}


def _words(items: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile(r"(?i)\b(?:" + "|".join(items) + r")\b") if items else None


def _prepared(recognizer: Recognizer) -> _Prepared:
    """The compiled patterns and context regexes of ``recognizer`` (compiled on first use)."""
    hit = _PREPARED.get(id(recognizer))
    if hit is None or hit[0] is not recognizer:
        compiled = tuple(re.compile(pattern) for pattern in recognizer.patterns)
        hit = (recognizer, compiled, _words(recognizer.context), _words(recognizer.exclude))
        _PREPARED[id(recognizer)] = hit
    return hit


_PHONE_CONTEXT = ("phone", "tel", "telephone", "cell", "mobile", "call", "contact", "pager", "ph", "reach")
_SSN_CONTEXT = ("ssn", "social security", "ss#")
_R = Recognizer

#: Every recognizer ethicompass runs, in one table (CONTRIBUTING.md, section 6: recognizers and rules).
#: ``score`` is the prior that a match is PHI; context words within ``window`` characters before it add 0.15 (or are required).
REGISTRY: tuple[Recognizer, ...] = (
    # --- dates: all elements except the year; never bare years, never durations ---
    _R(
        "date_month_day",
        PhiType.DATE,
        0.9,
        p.DATE_MONTH_DAY,
        triggers=p.MONTH_TRIGGERS,
        validator=p.valid_date,
    ),
    _R(
        "date_day_month",
        PhiType.DATE,
        0.85,
        p.DATE_DAY_MONTH,
        triggers=p.MONTH_TRIGGERS,
        validator=p.valid_date,
    ),
    _R("date_month_year", PhiType.DATE, 0.8, p.DATE_MONTH_YEAR, triggers=p.MONTH_TRIGGERS),
    _R("date_numeric", PhiType.DATE, 0.85, p.DATE_NUMERIC, triggers=("/", "-", "."), validator=p.valid_date),
    _R(
        "date_short",
        PhiType.DATE,
        0.6,
        p.DATE_SHORT,
        triggers=("/",),
        context=p.DATE_CONTEXT,
        context_required=True,
        exclude=p.DATE_BARE_EXCLUDE,
        window=14,
        validator=p.valid_date,
    ),
    _R(
        "date_month_day_bare",
        PhiType.DATE,
        0.55,
        p.DATE_BARE,
        lower=True,
        triggers=("/",),
        exclude=p.DATE_BARE_EXCLUDE,
        window=12,
        validator=p.valid_date,
    ),
    _R(
        "date_month_year_bare",
        PhiType.DATE,
        0.55,
        p.DATE_BARE_MONTH_YEAR,
        lower=True,
        triggers=("/",),
        exclude=p.DATE_BARE_EXCLUDE,
        window=12,
    ),
    _R(
        "date_relative",
        PhiType.DATE,
        0.6,
        p.DATE_RELATIVE,
        lower=True,
        triggers=("last", "this", "next", "past"),
    ),
    # --- ages over 89 ---
    _R("age_over_89", PhiType.AGE, 0.9, p.AGE, lower=True, triggers=("9", "10", "11")),
    # --- contact details and network identifiers ---
    _R("phone_us", PhiType.PHONE, 0.7, p.PHONE, context=_PHONE_CONTEXT, validator=p.possible_phone),
    _R(
        "phone_digits",
        PhiType.PHONE,
        0.6,
        (r"\d{10}(?!\d)",),
        context=_PHONE_CONTEXT,
        context_required=True,
        window=25,
        validator=p.possible_phone,
    ),
    _R(
        "pager_keyed",
        PhiType.PHONE,
        0.85,
        (r"(?:pager|beeper|pg|bpr)\s*(?:no\.?|number)?\s*[:#]?\s*#?\s*(?P<phi>\d{4,7})(?![\d/.-])",),
        lower=True,
        triggers=("pager", "beeper", "pg", "bpr"),
    ),
    _R(
        "phone_slashed",
        PhiType.PHONE,
        0.7,
        (r"\(?\d{3}\)?/\d{3}/\d{4}(?![\d/])",),
        triggers=("/",),
        validator=p.possible_phone,
    ),
    _R(
        "fax",
        PhiType.FAX,
        0.8,
        p.PHONE,
        triggers=("fax", "facsimile", "fx"),
        context=("fax", "facsimile", "fx"),
        context_required=True,
        window=25,
        validator=p.possible_phone,
    ),
    _R("email", PhiType.EMAIL, 0.95, (p.EMAIL,), triggers=("@",)),
    _R("url", PhiType.URL, 0.9, p.URL, lower=True, triggers=("http", "www.")),
    _R("url_domain", PhiType.URL, 0.7, finder=p.find_domains, triggers=p.TLD_TRIGGERS),
    _R("ipv4", PhiType.IP, 0.85, (p.IPV4,), triggers=(".",), validator=p.valid_ip),
    _R("ipv6", PhiType.IP, 0.85, (p.IPV6,), triggers=("::", ":0", ":f", ":a"), validator=p.valid_ip),
    # --- numbers with a meaning ---
    _R(
        "ssn_dashed",
        PhiType.SSN,
        0.85,
        (r"\d{3}-\d{2}-\d{4}(?![\d-])",),
        triggers=("-",),
        context=_SSN_CONTEXT,
    ),
    _R("ssn_spaced", PhiType.SSN, 0.6, (r"\d{3} \d{2} \d{4}(?![\d-])",), context=_SSN_CONTEXT),
    _R(
        "ssn_keyed",
        PhiType.SSN,
        0.95,
        (p.keyed(r"ssn|ss\s?#|social\s+security"),),
        lower=True,
        triggers=("ss", "social"),
        validator=p.id_shape,
    ),
    _R(
        "mrn_keyed",
        PhiType.MRN,
        0.9,
        (p.keyed(p.MRN_WORDS),),
        lower=True,
        triggers=p.MRN_TRIGGERS,
        validator=p.id_shape,
    ),
    _R(
        "health_plan_keyed",
        PhiType.HEALTH_PLAN,
        0.85,
        (p.keyed(p.PLAN_WORDS),),
        lower=True,
        triggers=p.PLAN_TRIGGERS,
        validator=p.id_shape,
    ),
    _R(
        "account_keyed",
        PhiType.ACCOUNT,
        0.85,
        (p.keyed(p.ACCOUNT_WORDS),),
        lower=True,
        triggers=("acc", "acct", "a/c", "billing", "invoice", "claim"),
        validator=p.id_shape,
    ),
    _R(
        "license_keyed",
        PhiType.LICENSE,
        0.85,
        (p.keyed(p.LICENSE_WORDS),),
        lower=True,
        triggers=("lic", "dea", "npi", "cert", "registration"),
        validator=p.id_shape,
    ),
    _R(
        "vehicle_keyed",
        PhiType.VEHICLE,
        0.9,
        (p.keyed(p.VEHICLE_WORDS),),
        lower=True,
        triggers=("vin", "plate", "vehicle"),
        validator=p.id_shape,
    ),
    _R(
        "device_keyed",
        PhiType.DEVICE,
        0.85,
        (p.keyed(p.DEVICE_WORDS),),
        lower=True,
        triggers=(
            "serial",
            "s/n",
            "sn",
            "device",
            "implant",
            "pacemaker",
            "defibrillator",
            "udi",
            "lot",
            "model",
        ),
        validator=p.id_shape,
    ),
    _R(
        "id_keyed",
        PhiType.ID,
        0.7,
        (p.keyed(p.ID_WORDS),),
        lower=True,
        validator=p.id_shape,
        exclude=("icd", "icd-9", "icd-10", "cpt", "loinc", "snomed", "hcpcs", "ndc", "drg", "rxnorm"),
        window=25,
    ),
    _R("id_shape", PhiType.ID, 0.5, p.ID_SHAPE),
    # --- names ---
    _R("name_title", PhiType.NAME, 0.95, p.NAME_TITLE, triggers=p.TITLE_TRIGGERS, validator=p.titled_name),
    _R("name_first_last", PhiType.NAME, 0.85, (p.NAME_FIRST_LAST,), validator=p.first_last, overlapping=True),
    _R(
        "name_initial_last",
        PhiType.NAME,
        0.75,
        (p.NAME_INITIAL_LAST,),
        triggers=(".",),
        validator=p.initial_last,
    ),
    _R(
        "name_last_comma_first",
        PhiType.NAME,
        0.8,
        (p.NAME_LAST_FIRST,),
        triggers=(",",),
        validator=p.last_comma_first,
    ),
    _R("name_all_caps", PhiType.NAME, 0.8, (p.NAME_ALL_CAPS,), validator=p.all_caps_name),
    _R("name_context", PhiType.NAME, 0.7, (p.NAME_CONTEXT,), lower=True, validator=p.context_name),
    _R(
        "name_context_lower",
        PhiType.NAME,
        0.6,
        (p.NAME_CONTEXT_LOWER,),
        lower=True,
        triggers=("pt", "patient", "named"),
        validator=p.lower_name,
    ),
    _R(
        "name_first_alone",
        PhiType.NAME,
        0.5,
        finder=p.find_first_alone,
        finder_regexes=p.first_alone_regexes,
    ),
    # --- recall first: words no vocabulary accounts for, scored by their cues (recognizers/_words.py) ---
    _R("word_name", PhiType.NAME, words.CUE_NAME, finder=words.find_unknown_names),
    _R("word_place", PhiType.LOCATION, words.CUE_PLACE, finder=words.find_unknown_places),
    # --- locations: addresses, ZIP codes, cities, hospitals and clinics ---
    _R(
        "street_address",
        PhiType.LOCATION,
        0.9,
        finder=places.find_streets,
        finder_regexes=places.street_regexes,
        gate_patterns=lambda: (places.street_regex().pattern,),
    ),
    _R(
        "zip_keyed",
        PhiType.ZIP,
        0.9,
        (r"zip(?:\s*code)?\b\W{0,3}(?P<phi>\d{5}(?:-\d{4})?)\b",),
        lower=True,
        triggers=("zip",),
    ),
    _R(
        "zip_after_state",
        PhiType.ZIP,
        0.85,
        (rf"(?:{places.STATE_CODES})\s+(?P<phi>\d{{5}}(?:-\d{{4}})?)\b",),
    ),
    _R(
        "city_state",
        PhiType.LOCATION,
        0.85,
        (places.CITY_STATE,),
        triggers=(",",),
        validator=places.city_state,
    ),
    _R(
        "facility_suffix",
        PhiType.LOCATION,
        0.8,
        (places.FACILITY,),
        triggers=places.FACILITY_TRIGGERS,
        validator=places.facility,
    ),
    _R(
        "facility_saint",
        PhiType.LOCATION,
        0.7,
        (places.FACILITY_SAINT,),
        triggers=("st.", "mt.", "ste.", "saint", "mount"),
    ),
    _R(
        "facility_known",
        PhiType.LOCATION,
        0.85,
        finder=places.find_known_facilities,
        gate_literals=places.facility_names,
    ),
    _R(
        "city",
        PhiType.LOCATION,
        0.75,
        finder=places.find_cities,
        gate_literals=places.city_names,
    ),
    _R(
        "city_facility",
        PhiType.LOCATION,
        0.75,
        (places.CITY_FACILITY,),
        triggers=places.PLACE_NOUNS,
        validator=places.city_facility,
    ),
    _R(
        "location_context",
        PhiType.LOCATION,
        0.55,
        (places.LOCATION_CONTEXT,),
        lower=True,
        validator=places.context_place,
    ),
)


def recognizer_names() -> list[str]:
    """The names of every registered recognizer, in registry order."""
    return [r.name for r in REGISTRY]
