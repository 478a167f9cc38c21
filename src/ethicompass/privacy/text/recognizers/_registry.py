"""The PHI recognizer registry: each recognizer is data plus one check, declared in one table.

A :class:`Recognizer` is a PHI type, regular expressions (a named group ``phi`` marks the span when the
match holds more), context words that raise the score (or are required), words that veto a match, and an
optional validator (calendar validity, an octet range, ``phonenumbers``, a dictionary look-up). A few
dictionary recognizers use a ``finder`` instead of patterns. Adding a recognizer is one row of
:data:`REGISTRY`; the fragments and validators it uses live in ``_dates``, ``_names``, ``_parts`` and ``_places``.
"""

from __future__ import annotations

import logging

from ethicompass.privacy.text.recognizers import _dates as d
from ethicompass.privacy.text.recognizers import _names as n
from ethicompass.privacy.text.recognizers import _parts as p
from ethicompass.privacy.text.recognizers import _places as places
from ethicompass.privacy.text.recognizers import _words as words
from ethicompass.privacy.text.recognizers._recognizer import Recognizer, lower_same_length
from ethicompass.study import PhiType

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["REGISTRY", "Recognizer", "lower_same_length", "recognizer_names"]

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
        d.DATE_MONTH_DAY,
        triggers=d.MONTH_TRIGGERS,
        validator=d.valid_date,
    ),
    _R(
        "date_day_month",
        PhiType.DATE,
        0.85,
        d.DATE_DAY_MONTH,
        triggers=d.MONTH_TRIGGERS,
        validator=d.valid_date,
    ),
    _R("date_month_year", PhiType.DATE, 0.8, d.DATE_MONTH_YEAR, triggers=d.MONTH_TRIGGERS),
    _R("date_numeric", PhiType.DATE, 0.85, d.DATE_NUMERIC, triggers=("/", "-", "."), validator=d.valid_date),
    _R(
        "date_short",
        PhiType.DATE,
        0.6,
        d.DATE_SHORT,
        triggers=("/",),
        context=d.DATE_CONTEXT,
        context_required=True,
        exclude=d.DATE_BARE_EXCLUDE,
        window=14,
        validator=d.valid_date,
    ),
    _R(
        "date_month_day_bare",
        PhiType.DATE,
        0.55,
        d.DATE_BARE,
        lower=True,
        triggers=("/",),
        exclude=d.DATE_BARE_EXCLUDE,
        window=20,
        validator=d.valid_date,
    ),
    _R(
        "date_after_count",
        PhiType.DATE,
        0.55,
        d.DATE_AFTER_COUNT,
        lower=True,
        triggers=("/",),
        validator=d.valid_date,
    ),
    _R(
        "date_month_year_bare",
        PhiType.DATE,
        0.55,
        d.DATE_BARE_MONTH_YEAR,
        lower=True,
        triggers=("/",),
        exclude=d.DATE_BARE_EXCLUDE,
        window=12,
    ),
    _R(
        "date_glued_month_year",
        PhiType.DATE,
        0.55,
        d.DATE_GLUED_MONTH_YEAR,
        lower=True,
        triggers=("/",),
        exclude=d.DATE_BARE_EXCLUDE,
        window=12,
    ),
    _R("date_ordinal", PhiType.DATE, 0.6, d.DATE_ORDINAL, lower=True, triggers=("the",)),
    _R(
        "date_relative",
        PhiType.DATE,
        0.6,
        d.DATE_RELATIVE,
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
        triggers=("acc", "acct", "billing", "invoice", "claim"),
        validator=p.loose_id_shape,
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
        validator=p.loose_id_shape,
    ),
    _R(
        "id_keyed",
        PhiType.ID,
        0.7,
        (p.keyed(p.ID_WORDS),),
        lower=True,
        validator=p.loose_id_shape,
        exclude=("icd", "icd-9", "icd-10", "cpt", "loinc", "snomed", "hcpcs", "ndc", "drg", "rxnorm"),
        window=25,
    ),
    _R("id_shape", PhiType.ID, 0.5, p.ID_SHAPE),
    # --- names ---
    _R("name_title", PhiType.NAME, 0.95, n.NAME_TITLE, triggers=n.TITLE_TRIGGERS, validator=n.titled_name),
    _R("name_first_last", PhiType.NAME, 0.85, (n.NAME_FIRST_LAST,), validator=n.first_last, overlapping=True),
    _R(
        "name_initial_last",
        PhiType.NAME,
        0.75,
        (n.NAME_INITIAL_LAST,),
        triggers=(".",),
        validator=n.initial_last,
    ),
    _R(
        "name_last_comma_first",
        PhiType.NAME,
        0.8,
        (n.NAME_LAST_FIRST,),
        triggers=(",",),
        validator=n.last_comma_first,
    ),
    _R("name_all_caps", PhiType.NAME, 0.8, (n.NAME_ALL_CAPS,), validator=n.all_caps_name),
    _R("name_context", PhiType.NAME, 0.7, (n.NAME_CONTEXT,), lower=True, validator=n.context_name),
    _R(
        "name_context_lower",
        PhiType.NAME,
        0.6,
        (n.NAME_CONTEXT_LOWER,),
        lower=True,
        triggers=("pt", "patient", "named"),
        validator=n.lower_name,
    ),
    _R(
        "name_first_alone",
        PhiType.NAME,
        0.5,
        finder=n.find_first_alone,
        finder_regexes=n.first_alone_regexes,
    ),
    # --- recall first: words no vocabulary accounts for, scored by their cues (recognizers/_words.py) ---
    _R(
        "word_name",
        PhiType.NAME,
        words.CUE_NAME,
        finder=words.find_unknown_names,
        finder_regexes=words.word_regexes,
        finder_regexes_required=False,  # unknown words need no regex
        lower=True,  # its regexes read the lower-cased text (``recognizers._hs``)
    ),
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
        "city_cued",
        PhiType.LOCATION,
        0.65,
        finder=places.find_cued_cities,
        finder_regexes=places.cued_city_regexes,
        lower=True,  # its regex reads the lower-cased text (``recognizers._hs``)
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
