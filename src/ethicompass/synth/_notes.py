"""Clinical notes with PHI placed where it really occurs, a gold file of its spans, and look-alikes.

A note is built piece by piece from one of seven templates (admission, progress, discharge,
referral, nursing, and two in the styles of real ward notes: an upper-case ICU nursing note with
semicolons, abbreviations, month/day dates, hospital abbreviations and names without titles, and a
lower-case typed note): plain text, PHI (recorded in the gold file with its exact offsets) and
negative controls (PHI look-alikes such as doses, "BP 120/80", ICD-10 codes and eponyms, recorded
in ``notes_negatives.jsonl`` and never in the gold file). About a tenth of the notes hold no PHI.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from ethicompass.synth import _pools as P
from ethicompass.synth._writer import DRUG_DOSES, OTHER_HOSPITALS, RELATIONS, Person, Writer, ch, rr

MAX_NOTES = 50_000
NO_PHI_SHARE = 0.10


def _admission(w: Writer) -> None:
    n, r, p = w.n, w.r, w.p
    n.t("ADMISSION NOTE\n")
    w.name()
    n.t(", ")
    w.mrn()
    n.t(ch(r, ("\nAdmitted to ", "\nAdmission to ", "\nPatient admitted to ")))
    w.hospital()
    n.t(" on ")
    w.date(w.days_before(rr(r, 0, 3)))
    if r.random() < 0.2:
        n.t(", transferred from ")
        w.other_hospital()
    n.t(".\nHPI: ")
    w.age()
    n.t(f" {'woman' if p.female else 'man'} with {p.diagnosis}, ")
    w.negative()
    n.t(ch(r, (". Presented after ", ". Came in because ", ". Admitted after ")))
    w.pt()
    n.t(
        ch(
            r,
            (
                " noticed worsening symptoms since ",
                " reported dyspnea since ",
                " had poor oral intake since ",
            ),
        )
    )
    w.date(w.days_before(rr(r, 3, 20)))
    n.t(". Vitals: ")
    w.negative(1)
    n.t(f", HR {rr(r, 55, 120)}, SpO2 {rr(r, 90, 100)}%; ")
    w.negative(2)
    n.t(".\nContact: ")
    w.relative()
    n.t(" at ")
    w.phone(own=False)
    n.t(".\nHome address: ")
    w.address()
    n.t(".\nInsurance: ")
    n.phi(p.plan, "HEALTH_PLAN")
    n.t("; SSN ")
    n.phi(p.ssn, "SSN")
    if r.random() < 0.3:
        n.t(". Identity verified with driver's license ")
        n.phi(f"{p.state[0]}{int(r.random() * 10**8):08d}", "LICENSE")
    n.t(".\nAttending: ")
    w.clinician()
    n.t(".\n")


def _progress(w: Writer) -> None:
    n, r = w.n, w.r
    n.t("Progress note, ")
    w.date(w.day)
    n.t("\nS: ")
    w.pt()
    n.t(
        ch(
            r,
            (" reports feeling better, tolerating diet. ", " c/o fatigue, no chest pain. ", " slept well. "),
        )
    )
    w.negative()
    n.t(".\nO: ")
    w.negative()
    n.t(", ")
    w.negative()
    n.t(".\nA/P: continue ")
    n.neg(ch(r, DRUG_DOSES), "dose")
    n.t("; recheck labs on ")
    w.date(w.day + dt.timedelta(days=rr(r, 2, 10)))
    n.t(". Discussed with ")
    w.clinician()
    n.t(".\n")


def _discharge(w: Writer) -> None:
    n, r, p = w.n, w.r, w.p
    n.t("DISCHARGE SUMMARY\nPatient: ")
    w.name()
    n.t("   ")
    w.mrn()
    n.t("\nAdmission date: ")
    w.date(w.days_before(rr(r, 2, 9)))
    n.t("   Discharge date: ")
    w.date(w.day)
    n.t(f"\nDiagnosis: {p.diagnosis} (")
    n.neg(p.diagnosis_code, "icd10")
    n.t(").\nHospital course: ")
    w.age()
    n.t(" patient treated at ")
    w.hospital()
    n.t(". ")
    w.negative()
    if r.random() < 0.5:
        n.t(". Device: insulin pump S/N ")
        n.phi(w.random_id("IP", 8), "DEVICE")
    else:
        n.t(". No implanted devices")
    n.t(".\nFollow-up with ")
    w.clinician()
    n.t(" on ")
    w.date(w.day + dt.timedelta(days=rr(r, 7, 30)))
    n.t(". Patient portal: ")
    site = p.hospital.lower().replace("st. ", "saint").replace("'", "").split()[0]
    n.phi(f"https://mychart.{site}health.org/patient/{w.random_id('', 7)}", "URL")
    if r.random() < 0.3:
        n.t("\nLast portal login from ")
        n.phi(f"{rr(r, 11, 223)}.{rr(r, 256)}.{rr(r, 256)}.{rr(r, 1, 255)}", "IP")
    n.t("\nBilling account ")
    n.phi(w.random_id("ACC", 9), "ACCOUNT")
    n.t(".\n")


def _referral(w: Writer) -> None:
    n, r, p = w.n, w.r, w.p
    n.t("Dear ")
    w.clinician()
    n.t(",\n\nThank you for seeing ")
    w.name()
    n.t(" (DOB ")
    w.date(p.birth)
    n.t(") whom I saw at ")
    w.hospital()
    n.t(" on ")
    w.date(w.day)
    n.t(f". {'She' if p.female else 'He'} has {p.diagnosis}; recent findings: ")
    w.negative()
    n.t(". Current medication: ")
    n.neg(ch(r, DRUG_DOSES), "dose")
    n.t(". Please contact the patient at ")
    w.phone()
    n.t(" or ")
    n.phi(p.email, "EMAIL")
    n.t(", or write to ")
    w.address()
    n.t(".\n\nYours sincerely,\n")
    w.clinician()
    n.t("\nFax: ")
    n.phi(f"({ch(r, P.AREA_CODES)}) {rr(r, 201, 1000)}-{rr(r, 10000):04d}", "FAX")
    n.t("\n")


def _nursing(w: Writer) -> None:
    n, r = w.n, w.r
    n.t("Nursing note ")
    w.date(w.day)
    n.t(". ")
    w.pt()
    n.t(" resting comfortably, ")
    w.negative()
    n.t(". ")
    w.negative()
    n.t(". ")
    w.name(formal=False)
    n.t(" asked about discharge; ")
    w.relative()
    n.t(" visited and can be reached at ")
    w.phone(own=False)
    if r.random() < 0.4:
        n.t(". Pacemaker serial ")
        n.phi(f"PM-{rr(r, 10000, 99999)}-{ch(r, 'ABCDEFGHJK')}{ch(r, 'QRSTUVWXYZ')}", "DEVICE")
        n.t(" checked. ")
    else:
        n.t(ch(r, (". Skin intact. ", ". Ambulating with assistance. ", ". Fall precautions in place. ")))
    w.negative()
    n.t(".\n")


def _no_phi(w: Writer) -> None:
    n, r = w.n, w.r
    n.t(ch(r, ("Nursing note. ", "Shift summary. ")) if w.note_type == "nursing" else "Progress note. ")
    n.t("Pt resting comfortably, no acute distress. ")
    for _ in range(rr(r, 2, 5)):
        w.negative()
        n.t(". ")
    n.t("Continue current plan; reassess in the morning.\n")


def build_note(
    r: random.Random, pools: P.Pools, person: Person, day: dt.date, note_type: str, *, no_phi: bool
) -> tuple[str, list[tuple[int, int, str, str]], list[tuple[int, int, str, str]]]:
    """One note's text, gold PHI spans and negative-control spans."""
    w = Writer(r, pools, person, day, note_type)
    (_no_phi if no_phi else TEMPLATES[note_type])(w)
    return w.n.finish()


def note_records(
    r: random.Random, pools: P.Pools, people: list[Person], days: list[dt.date], types: list[str]
) -> tuple[dict[str, list[Any]], dict[str, list[Any]], dict[str, list[Any]], int]:
    """Notes, gold spans and negatives as columns (in note order); and the count of notes with no PHI."""
    rows: list[tuple[str, str, str, str, str]] = []
    gold: list[tuple[str, int, int, str, str]] = []
    negatives: list[tuple[str, int, int, str, str]] = []
    empty = 0
    for i, (person, day, note_type) in enumerate(zip(people, days, types, strict=True)):
        note_id = f"N{i + 1:07d}"
        no_phi = r.random() < NO_PHI_SHARE
        if no_phi:
            note_type = "nursing" if r.random() < 0.6 else "progress"
        text, spans, negs = build_note(r, pools, person, day, note_type, no_phi=no_phi)
        empty += not spans
        rows.append((note_id, person.participant_id, note_type, day.isoformat(), text))
        gold.extend([(note_id, *span) for span in spans])
        negatives.extend([(note_id, *span) for span in negs])
    return (
        _columns(("note_id", "participant_id", "note_type", "note_date", "text"), rows),
        _columns(("note_id", "start", "end", "type", "value"), gold),
        _columns(("note_id", "start", "end", "kind", "value"), negatives),
        empty,
    )


def _columns(names: tuple[str, ...], rows: list[Any]) -> dict[str, list[Any]]:
    if not rows:
        return {name: [] for name in names}
    return {name: list(col) for name, col in zip(names, zip(*rows, strict=True), strict=True)}


# ------------------------------------------------------------------ notes in the styles of real ones
#: Ward words that ICU notes use around the PHI (abbreviations, semicolons, no titles).
_ICU_SYSTEMS = (
    "NEURO: A&OX3, MAE, PERRL",
    "CV: NSR 70S-80S, NO ECTOPY, K 3.9 REPLETED",
    "RESP: LS CLEAR, SATS 96% ON 2L NC",
    "GI: ABD SOFT, +BS, TOL TF AT GOAL",
    "GU: FOLEY DRAINING CLEAR YELLOW URINE 40-60CC/HR",
    "ID: AFEBRILE, ON VANCO/ZOSYN",
    "SKIN: INTACT, TURNED Q2H",
    "ENDO: FS 120-150, COVERED PER SS",
    # what real notes hold that is no PHI: typos, counts glued on, body parts and rhythms after "to"
    "GI: LOOSE STOLL X2, MEDECATOIN GIVEN, TOLLERENCE OF TF GOOD",
    "SKIN: RASH TO LOWER BACK, DUODERM INTACT",
    "CV: SINUS RHYTHM TO ST WITH RARE PACS, HX CABGX2",
)
_ICU_EVENTS = (
    "FOUND DOWN AT HOME BY",
    "BROUGHT TO EW BY",
    "FELL AT HOME, SEEN BY",
)


def _initials(name: str) -> str:
    """A hospital's abbreviation, as staff write it ("Northside Community Hospital" -> "NCH")."""
    return "".join(w[0] for w in name.replace("St.", "Saint").split() if w[0].isalpha()).upper()


def _world(w: Writer) -> tuple[str, str]:
    pools, r = w.pools, w.r
    first = pools.world_first[rr(r, len(pools.world_first))]
    return str(first), str(pools.world_last[rr(r, len(pools.world_last))])


def _town(w: Writer) -> str:
    return str(w.pools.cities[rr(w.r, len(w.pools.cities))])


def _ward(w: Writer) -> str:
    """A ward named after a person, as hospitals name them: a surname of six letters or more, upper case."""
    while True:
        _, last = _world(w)
        if len(last) >= 6 and last.isascii() and last.isalpha():
            return last.upper()


def _month_day(w: Writer, days: int) -> str:
    d = w.day - dt.timedelta(days=days)
    return f"{d.month}/{d.day}"


def _icu_nursing(w: Writer) -> None:
    """An ICU nursing note in upper case: semicolons, abbreviations, month/day dates without a year, the
    transferring hospital by its abbreviation and its town, clinicians and relatives without titles."""
    n, r, p = w.n, w.r, w.p
    other = ch(r, OTHER_HOSPITALS)
    town = _town(w).upper()
    n.t(ch(r, ("NPN 7P-7A\n", "NURSING PROGRESS NOTE 7A-7P\n", "CCU NPN\n")))
    n.t("O: ")
    n.neg(f"{p.age} YO", "age_under_90")
    n.t(" " + ("F" if p.female else "M") + " ADMITTED IN TRANSFER FROM ")
    n.phi(_initials(other), "LOCATION")
    n.t(" IN ")
    n.phi(town, "LOCATION")
    n.t("; ")
    n.phi(_month_day(w, rr(r, 2, 6)), "DATE")
    n.t(f" {ch(r, _ICU_EVENTS)} ")
    relation, _ = ch(r, RELATIONS)
    first, _ = _world(w)
    n.t(f"{relation.upper()}")
    n.t(" ")
    n.phi(first.upper(), "NAME")
    n.t("; ")
    n.phi(_month_day(w, 1), "DATE")
    n.t(" TO ")
    n.phi(_initials(p.hospital), "LOCATION")
    n.t(" FOR FURTHER EVAL.\nPMH: HTN, S/P FX")
    # a month and two-digit year glued to the abbreviation before it, a ward glued to its floor number
    n.phi(f"{rr(r, 1, 13)}/{rr(r, 40, 100)}", "DATE")
    n.t(". ")
    n.phi(_ward(w), "LOCATION")
    n.t(f"{rr(r, 2, 9)} AWARE OF TRANSFER.\n")
    for system in r.sample(_ICU_SYSTEMS, 3):
        n.t(system + "; ")
    n.t("\nSOCIAL: ")
    n.t(ch(r, ("WIFE ", "HUSBAND ", "DAUGHTER ", "SON ", "SISTER ")))
    kin_first, _ = _world(w)
    n.phi(kin_first.upper(), "NAME")
    n.t(" IN TO VISIT, UPDATED; D/W ")
    _, doc = _world(w)
    n.phi(doc.upper(), "NAME")
    n.t(" RE PLAN; PER ")
    _, fellow = _world(w)
    n.phi(fellow.upper(), "NAME")
    n.t(", CONT ")
    n.neg(ch(r, DRUG_DOSES).upper(), "dose")
    n.t("; F/U ")
    n.phi(_month_day(w, -rr(r, 1, 5)), "DATE")
    n.t(".\nA: ")
    w.negative(1)
    n.t("; P: CONT CURRENT PLAN.\n")
    nurse_first, nurse_last = _world(w)
    n.phi(f"{nurse_first[0]}. {nurse_last}".upper(), "NAME")
    n.t(", RN\n")


def _typed(w: Writer) -> None:
    """A lower-case typed note: surnames after "d/w", "per" and "dr" in lower case, relatives by first name."""
    n, r, p = w.n, w.r, w.p
    n.t("pt ")
    n.phi(p.last.lower(), "NAME")
    n.t(" is a ")
    n.neg(f"{p.age} yo", "age_under_90")
    n.t(" " + ("f" if p.female else "m") + " who is followed at ")
    n.phi(_initials(p.hospital).lower(), "LOCATION")
    n.t(" by dr ")
    _, doc = _world(w)
    n.phi(doc.lower(), "NAME")
    n.t(". arrived via amb from ")
    n.phi(_town(w).lower(), "LOCATION")
    n.t(" on ")
    n.phi(_month_day(w, rr(r, 1, 4)), "DATE")
    n.t(". ")
    n.neg(ch(r, DRUG_DOSES).lower(), "dose")
    n.t(" given. d/w ")
    _, fellow = _world(w)
    n.phi(fellow.lower(), "NAME")
    n.t(", plan to wean. ")
    relation, _ = ch(r, RELATIONS)
    kin, kin_last = _world(w)
    n.t(f"{relation} ")
    if r.random() < 0.5:
        n.phi(kin.lower(), "NAME")
    else:
        n.phi(f"{kin} {kin_last}".lower(), "NAME")
    n.t(" at bedside, updated per ")
    _, attending = _world(w)
    n.phi(attending.lower(), "NAME")
    n.t(". f/u ")
    n.phi(_month_day(w, -rr(r, 1, 7)), "DATE")
    n.t(" with ")
    w.negative(1)
    n.t(".\n")


TEMPLATES = {
    "admission": _admission,
    "progress": _progress,
    "discharge": _discharge,
    "referral": _referral,
    "nursing": _nursing,
    "icu_nursing": _icu_nursing,
    "typed": _typed,
}
