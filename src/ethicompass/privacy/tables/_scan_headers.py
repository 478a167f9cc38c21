"""Column headers as real exports write them: the header vocabulary of ``scan`` (package data).

``data/headers.csv`` lists, per Safe Harbor type, the header forms of the data models research teams
use (OMOP CDM, PCORnet CDM, i2b2, FHIR flattened, MIMIC-IV, REDCap, Synthea, NAACCR, NHS COSD, CDISC
SDTM, oBDS, DATASUS) and of six languages besides English, with the source of each. A header is
normalised first (accents stripped, camelCase, dots, spaces and hyphens to ``_``, letters apart from
digits), so ``addrAtDxCity``, ``ADDRESS_CITY``, ``address.city`` and ``Patienten_Ort`` all compare as
words; then its core is taken by stripping the prefixes and suffixes exports add (``pat_``,
``patient_``, ``pt_``, ``person_``, ``_nm``, ``_name``, ``_txt``, ``_value``, trailing digits).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

from ethicompass.study import PhiType, Role

__all__ = ["HeaderTerm", "header_core", "header_tokens", "header_vocabulary", "match_header"]

_PREFIXES = frozenset(
    ["pat", "patient", "patients", "pt", "person", "subject", "client", "member", "patienten", "paciente",
     "pacient", "patiente", "paziente", "name", "nm"]
)  # fmt: skip
_SUFFIXES = frozenset(["nm", "name", "txt", "text", "value", "val", "str", "char"])
#: a header ending in one of these is about the thing, not the thing itself (``address_type``, ``person_id``)
_ABOUT = frozenset(
    ["type", "use", "flag", "preferred", "prefix", "suffix", "system", "status", "state", "country",
     "province", "count", "len", "length", "verified", "source"]
)  # fmt: skip
#: ... and for words (names, places, dates) a key or code of another table (``person_address_id``)
_KEYS = frozenset(["id", "ids", "num", "number", "no", "code", "cd", "key"])
_WORD_TYPES = frozenset([PhiType.NAME, PhiType.LOCATION, PhiType.DATE, PhiType.AGE])


@dataclass(frozen=True)
class HeaderTerm:
    """One vocabulary row: the header's words, what it names, and where the form is documented."""

    words: tuple[str, ...]
    phi_type: PhiType | None
    role: Role
    exact: bool
    lang: str
    source: str

    @property
    def term(self) -> str:
        """The words joined by ``_`` (as in the data file)."""
        return "_".join(self.words)


@functools.cache
def header_vocabulary() -> tuple[HeaderTerm, ...]:
    """The shipped header vocabulary, longest terms first (read once per process)."""
    text = resources.files("ethicompass.privacy").joinpath("data", "headers.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    terms = [
        HeaderTerm(
            tuple(row["term"].split("_")),
            PhiType(row["phi_type"]) if row["phi_type"] else None,
            Role(row["role"]),
            row["match"] == "exact",
            row["lang"],
            row["source"],
        )
        for row in csv.DictReader(lines)
    ]
    return tuple(sorted(terms, key=lambda t: -len(t.words)))


def header_tokens(name: str) -> tuple[str, ...]:
    """The words of a header: ``"addrAtDxCity"`` -> ``("addr", "at", "dx", "city")``."""
    text = unicodedata.normalize("NFKD", name.strip().replace("ß", "ss"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", text)
    text = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", "_", text)
    return tuple(t for t in re.split(r"[^a-z0-9]+", text.lower()) if t)


def header_core(words: tuple[str, ...]) -> tuple[str, ...]:
    """``words`` without the prefixes and suffixes exports add (never stripped to nothing)."""
    core = list(words)
    while len(core) > 1 and core[0] in _PREFIXES:
        core.pop(0)
    while len(core) > 1 and (core[-1] in _SUFFIXES or core[-1].isdigit()):
        core.pop()
    return tuple(core)


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(words[i : i + n] == part for i in range(len(words) - n + 1))


@functools.lru_cache(maxsize=4096)
def match_header(name: str) -> HeaderTerm | None:
    """The vocabulary term a header names, if any: exact terms first, then the longest part term."""
    words = header_tokens(name)
    if not words:
        return None
    core = header_core(words)
    vocabulary = header_vocabulary()
    for term in vocabulary:
        if term.exact and term.words in (words, core):
            return term
    if words[-1] in _ABOUT and len(words) > 1:
        return None  # "address_type", "telecom.system": a property of the identifier, not the identifier
    keyed = words[-1] in _KEYS and len(words) > 1
    for term in vocabulary:
        if keyed and term.phi_type in _WORD_TYPES:
            continue  # "person_address_id", "county_code": a key, not the place itself
        if not term.exact and (_contains(words, term.words) or term.words == core):
            return term
    return None
