"""How PHI is really written in notes: date formats, name variants, identifiers, look-alikes.

``Writer`` holds one note under construction and knows the ways each kind of PHI appears;
the note templates in ``_notes`` call it. Python's ``random.Random`` with an integer seed drives
the choices, which is deterministic across runs and platforms.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from itertools import accumulate
from typing import NamedTuple, TypeVar

from ethicompass.synth import _pools as P

T = TypeVar("T")

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RELATIONS = (
    ("wife", "F"),
    ("husband", "M"),
    ("daughter", "F"),
    ("son", "M"),
    ("sister", "F"),
    ("brother", "M"),
)
# eponyms (and eponym-like terms) with the words that usually surround them
EPONYMS = (
    ("history of ", "Parkinson disease", ""),
    ("history of ", "Crohn's disease", ""),
    ("history of ", "Graves disease", ""),
    ("known ", "Addison disease", ""),
    ("resolving ", "Bell's palsy", ""),
    ("history of ", "Hodgkin lymphoma", " in remission"),
    ("", "Foley catheter", " removed"),
    ("", "Holter monitor", " placed"),
    ("", "Doppler ultrasound", " of the legs negative"),
    ("", "Murphy's sign", " negative"),
    ("", "Glasgow Coma Scale", " 15"),
)
DRUG_SURNAMES = ("Allegra",)
DRUG_DOSES = (
    "metformin 500 mg", "lisinopril 10 mg", "atorvastatin 40 mg", "aspirin 81 mg", "furosemide 20 mg",
    "insulin glargine 22 units", "apixaban 5 mg", "metoprolol 25 mg",
)  # fmt: skip
DOSES = (*DRUG_DOSES, "2 mg", "0.5 mg", "lorazepam 0.5 mg IV")
OTHER_HOSPITALS = (
    "Northside Community Hospital", "Bayview Regional Medical Center", "Saint Luke's Hospital",
    "County General Hospital", "Mount Hope Memorial Hospital", "Cedar Valley Medical Center",
)  # fmt: skip


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def format_date(d: dt.date, style: int, r: random.Random) -> str:
    """One of 15 real-world date formats (some with times); no locale is involved."""
    month, mon = MONTHS[d.month - 1], MONTHS[d.month - 1][:3]
    hh, mm = rr(r, 0, 24), ch(r, (0, 5, 10, 15, 20, 30, 40, 45, 50))
    if style == 0:
        return f"{month} {_ordinal(d.day)}, {d.year}"
    if style == 1:
        return f"{d.month}/{d.day}/{d.year % 100:02d}"
    if style == 2:
        return f"{d.day:02d}-{mon}-{d.year}"
    if style == 3:
        return d.isoformat()
    if style == 4:
        return f"{_ordinal(d.day)} of {month}"
    if style == 5:
        return f"{d.month:02d}/{d.day:02d}/{d.year}"
    if style == 6:
        return f"{mon} {d.day}, {d.year}"
    if style == 7:
        return f"{d.day} {month} {d.year}"
    if style == 8:
        return f"{month} {d.day}"
    if style == 9:
        return f"{d.month}/{d.day}"
    if style == 10:
        return f"{d.day:02d}{mon.upper()}{d.year}"
    if style == 11:
        return f"{WEEKDAYS[d.weekday()]}, {month} {d.day}, {d.year}"
    if style == 12:
        return f"{d.isoformat()} {hh:02d}:{mm:02d}"
    if style == 13:
        h12 = hh % 12 or 12
        return f"{d.month:02d}/{d.day:02d}/{d.year} at {h12}:{mm:02d} {'AM' if hh < 12 else 'PM'}"
    return f"{d.month}/{d.day}/{d.year} {hh:02d}{mm:02d}h"


DATE_STYLES = 15


class Person(NamedTuple):
    """What the notes need to know about one participant."""

    participant_id: str
    first: str
    last: str
    female: bool
    age: int
    mrn: str
    phone: str
    email: str
    street: str
    city: str
    state: str
    zip: str
    ssn: str
    plan: str
    birth: dt.date
    hospital: str
    diagnosis: str
    diagnosis_code: str


def rr(r: random.Random, a: int, b: int | None = None) -> int:
    """``rr(r, a, b)`` through ``r.random()``: several times faster, equally deterministic."""
    return int(r.random() * a) if b is None else a + int(r.random() * (b - a))


def ch(r: random.Random, seq: Sequence[T]) -> T:
    return seq[int(r.random() * len(seq))]


Span = tuple[int, int, str, str]


class _Note:
    """Accumulates text pieces; PHI and negative controls remember which piece they are.

    Offsets are computed once at the end from the pieces' lengths, so adding text is a bare
    ``list.append``.
    """

    __slots__ = ("marks", "parts", "t")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.marks: list[tuple[int, str, bool]] = []
        self.t = self.parts.append

    def phi(self, value: str, kind: str) -> None:
        self.marks.append((len(self.parts), kind, True))
        self.parts.append(value)

    def neg(self, value: str, kind: str) -> None:
        self.marks.append((len(self.parts), kind, False))
        self.parts.append(value)

    def finish(self) -> tuple[str, list[Span], list[Span]]:
        parts = self.parts
        ends = list(accumulate(map(len, parts)))
        gold: list[Span] = []
        negatives: list[Span] = []
        for i, kind, is_phi in self.marks:
            (gold if is_phi else negatives).append((ends[i] - len(parts[i]), ends[i], kind, parts[i]))
        return "".join(parts), gold, negatives


class Writer:
    """Template helpers shared by every note type: the ways PHI is really written."""

    def __init__(
        self, r: random.Random, pools: P.Pools, person: Person, day: dt.date, note_type: str
    ) -> None:
        self.r, self.pools, self.p, self.day, self.n = r, pools, person, day, _Note()
        self.note_type = note_type

    def name(self, *, formal: bool = True) -> None:
        p, r, n = self.p, self.r, self.n
        style = rr(r, 7 if formal else 6)
        if style == 0:
            n.t(ch(r, ("Ms. ", "Mrs. ")) if p.female else "Mr. ")
            n.phi(p.last, "NAME")
        elif style == 1:
            n.phi(f"{p.first} {p.last}", "NAME")
        elif style == 2:
            n.phi(f"{p.first[0]}. {p.last}", "NAME")
        elif style == 3:
            n.phi(f"{p.first} {p.last[0]}.", "NAME")
        elif style == 4:
            n.phi(f"{p.last.upper()}, {p.first.upper()}", "NAME")
        elif style == 5:
            n.phi(f"{p.first.upper()} {p.last.upper()}", "NAME")
        else:
            n.t("MS. " if p.female else "MR. ")
            n.phi(p.last.upper(), "NAME")

    def pt(self) -> None:
        """The patient mentioned in lower case after "pt", as hurried notes do."""
        self.n.t(ch(self.r, ("pt ", "Pt ")))
        self.n.phi(self.p.last.lower(), "NAME")

    def clinician(self) -> None:
        r, n, pools = self.r, self.n, self.pools
        first = str(pools.clinician_first[rr(r, len(pools.clinician_first))])
        last = str(pools.clinician_last[rr(r, len(pools.clinician_last))])
        style = rr(r, 3)
        if style == 0:
            n.t("Dr. ")
            n.phi(last, "NAME")
        elif style == 1:
            n.t("Dr. ")
            n.phi(f"{first} {last}", "NAME")
        else:
            n.phi(f"{first} {last}", "NAME")
            n.t(", MD")

    def relative(self) -> None:
        r, n, p = self.r, self.n, self.p
        relation, sex = ch(r, RELATIONS)
        pool = self.pools.first_female if sex == "F" else self.pools.first_male
        first = str(pool[rr(r, len(pool))])
        last = p.last if r.random() < 0.7 else str(self.pools.last[rr(r, len(self.pools.last))])
        n.t(f"{ch(r, ('her' if p.female else 'his', 'the patient' + chr(39) + 's'))} {relation}, ")
        n.phi(f"{first} {last}" if r.random() < 0.6 else first, "NAME")

    def date(self, d: dt.date) -> None:
        style = rr(self.r, DATE_STYLES)
        if style == 4:
            self.n.t("the ")
        self.n.phi(format_date(d, style, self.r), "DATE")

    def days_before(self, k: int) -> dt.date:
        return self.day - dt.timedelta(days=k)

    def age(self) -> None:
        n, a = self.n, self.p.age
        if a > 89:
            n.phi(str(a), "AGE")
            n.t("-year-old" if self.r.random() < 0.7 else " y/o")
        else:
            n.neg(f"{a}-year-old", "age_under_90")

    def mrn(self) -> None:
        self.n.t(ch(self.r, ("MRN: ", "MRN #", "medical record number ", "MR# ")))
        self.n.phi(self.p.mrn, "MRN")

    def phone(self, *, own: bool = True) -> None:
        """The patient's phone (``own``) or a relative's, in one of three common layouts."""
        r = self.r
        number = self.p.phone if own else f"({ch(r, P.AREA_CODES)}) {rr(r, 201, 1000)}-{rr(r, 10000):04d}"
        digits = "".join(c for c in number if c.isdigit())
        style = rr(r, 3)
        text = (
            number
            if style == 0
            else f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
            if style == 1
            else f"{digits[:3]}.{digits[3:6]}.{digits[6:]}"
        )
        self.n.phi(text, "PHONE")

    def address(self) -> None:
        n, p = self.n, self.p
        n.phi(p.street, "LOCATION")
        n.t(", ")
        n.phi(p.city, "LOCATION")
        n.t(f", {p.state} ")
        n.phi(p.zip, "ZIP")

    def hospital(self) -> None:
        self.n.phi(self.p.hospital, "LOCATION")

    def other_hospital(self) -> None:
        self.n.phi(ch(self.r, OTHER_HOSPITALS), "LOCATION")

    def random_id(self, prefix: str, digits: int) -> str:
        return f"{prefix}{int(self.r.random() * 10**digits):0{digits}d}"

    def negative(self, kind: int | None = None) -> None:
        """One PHI look-alike (``kind`` picks which; by default a random one)."""
        r, n = self.r, self.n
        if kind is None:
            kind = rr(r, 10)
        if kind == 0:
            n.neg(ch(r, DOSES), "dose")
        elif kind == 1:
            n.t("BP ")
            n.neg(f"{rr(r, 100, 170)}/{rr(r, 55, 100)}", "blood_pressure")
        elif kind == 2:
            test, unit, mean, sd, low, dec = ch(r, P.LAB_TESTS)
            space = "" if unit == "%" else " "
            n.neg(f"{test} {max(low, r.gauss(mean, sd)):.{dec}f}{space}{unit}", "lab_value")
        elif kind == 3:
            n.t("diagnosed in ")
            n.neg(str(rr(r, 1995, 2020)), "bare_year")
        elif kind == 4:
            n.t("ICD-10 ")
            n.neg(ch(r, P.DIAGNOSES)[0], "icd10")
        elif kind == 5:
            before, term, after = ch(r, EPONYMS)
            n.t(before)
            n.neg(term, "eponym")
            n.t(after)
        elif kind == 6:
            n.t("takes ")
            n.neg(ch(r, DRUG_SURNAMES), "drug_surname")
            n.t(" 180 mg daily")
        elif kind == 7:
            n.t("age ")
            n.neg(str(rr(r, 18, 89)), "age_under_90")
        elif kind == 8:
            n.t("take ")
            n.neg(ch(r, ("1/2", "3/4", "1/4")), "fraction")
            n.t(" tablet")
        else:
            n.t("pain ")
            n.neg(f"{rr(r, 1, 10)}/10", "pain_score")
