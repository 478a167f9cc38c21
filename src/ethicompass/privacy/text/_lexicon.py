"""The dictionaries behind the PHI recognizers, read lazily from package data (nothing downloads).

Sources and licences are in ``privacy/data/text/README.md``. Each loader is cached, so the files
are read once per process, on the first call to :func:`ethicompass.privacy.find_phi`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from importlib import resources

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: A single-word city is flagged on its own only from this population up (smaller ones need context).
BIG_CITY = 100_000


def _lines(name: str) -> list[str]:
    text = resources.files("ethicompass.privacy").joinpath("data", "text", name).read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Lexicon:
    """Every dictionary the recognizers use, as sets for O(1) look-ups."""

    first_names: frozenset[str]
    last_names: frozenset[str]
    not_names: frozenset[str]
    medical_heads: frozenset[str]
    cities: dict[str, int]
    state_codes: frozenset[str]
    state_names: frozenset[str]
    facilities: tuple[str, ...]
    street_suffixes: tuple[str, ...]


@functools.cache
def lexicon() -> Lexicon:
    """The shipped dictionaries (read once per process)."""
    cities: dict[str, int] = {}
    for line in _lines("us_cities.tsv"):
        name, _, population = line.partition("\t")
        cities[name] = int(population or 0)
    codes, names = set(), set()
    for line in _lines("us_states.tsv"):
        code, _, name = line.partition("\t")
        codes.add(code)
        names.add(name)
    facilities = sorted(set(_lines("facilities.txt")), key=lambda s: (-len(s), s))
    return Lexicon(
        first_names=frozenset(_lines("first_names.txt")),
        last_names=frozenset(_lines("last_names.txt")),
        not_names=frozenset(_lines("not_names.txt")),
        medical_heads=frozenset(w.lower() for w in _lines("medical_heads.txt")),
        cities=cities,
        state_codes=frozenset(codes),
        state_names=frozenset(names),
        facilities=tuple(facilities),
        street_suffixes=tuple(sorted(set(_lines("street_suffixes.txt")), key=lambda s: (-len(s), s))),
    )
