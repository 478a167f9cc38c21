"""Rules for names and places no vocabulary lists (``recognizers._runs`` and the cues beside it): a cued name or
place runs on over the unknown words after it, surname particles join the name, a credential signs a name, more
cues mark a person, a strong place cue makes a place of a town one edit from an English word, and a facility's
name, a first name with an initial or a common surname, a listed health system and an ordinal date are found in
any case.

Every name and place here is made up for the test or drawn from name lists of many countries; no evaluation corpus
is used. Each rule has phrases of clinical routine near the same cues on which it must not fire.
"""

from __future__ import annotations

import pytest

from ethicompass.privacy import find_phi
from ethicompass.study import PhiType

from .conftest import BothPaths

# (note, the PHI values that must be covered, the type of the span that covers each)
GOLD: list[tuple[str, list[str], PhiType]] = [
    # a cued place runs on over the unknown words after it (towns of two or more words, two places side by side)
    (
        "bed available, transfer back to kvidinge hausjarvi tomorrow.",
        ["kvidinge hausjarvi"],
        PhiType.LOCATION,
    ),
    ("ADMITTED FROM SRODA WIELKOPOLSKA FOR CATH.", ["SRODA WIELKOPOLSKA"], PhiType.LOCATION),
    ("Pt slated to go to Oskarshamn Kvidinge today.", ["Oskarshamn Kvidinge"], PhiType.LOCATION),
    # a cued name runs on, particles included, before and after it
    ("d/w kowalczyk przybylska re plan.", ["kowalczyk przybylska"], PhiType.NAME),
    ("his wife, Briere O Ceirin (cell) confirms the story.", ["Briere O Ceirin"], PhiType.NAME),
    ("MET WITH BROTHER O MEACHAIR AT BEDSIDE.", ["O MEACHAIR"], PhiType.NAME),
    ("Per Dr. van der Pol, continue the drip.", ["van der Pol"], PhiType.NAME),
    ("Per Dr. de Leis pt has stayed on the same meds.", ["de Leis"], PhiType.NAME),
    # a credential after a name at the end of a line signs it
    ("Placed on servo vent (same settings).\nYogi Blaha CRT\n", ["Yogi Blaha"], PhiType.NAME),
    ("Speech eval done.\nAnneli Kuusisto SLP\n", ["Anneli Kuusisto"], PhiType.NAME),
    # more cues for a person: a doctor (misspelt too), a caregiver, a page, a case worker, a relation in brackets
    ("her primary psych docter Duong phoned.", ["Duong"], PhiType.NAME),
    ("PT RECOGNIZED HIS CAREGIVER, HASSANI.", ["HASSANI"], PhiType.NAME),
    ("for questions ask to page Okonkwo.", ["Okonkwo"], PhiType.NAME),
    ("MET W/ CASEWORKER DVORAKOVA AT 2PM.", ["DVORAKOVA"], PhiType.NAME),
    ("pt's mother and daughter (Adaeze Oyelaran) called.", ["Adaeze Oyelaran"], PhiType.NAME),
    # a facility's name in any case: a town, a listed name or an unknown word before a facility noun
    ("Follow-up at the Cleveland Clinic next month.", ["Cleveland Clinic"], PhiType.LOCATION),
    ("appointment at houston heart institute in may.", ["houston heart institute"], PhiType.LOCATION),
    ("PRESENTED TO OUR TUCSON FACILITY ON ARRIVAL.", ["TUCSON FACILITY"], PhiType.LOCATION),
    # a first name before an initial, and a common surname after a first name, in any case
    ("Treatment options for a 52-year-old male, Tom P., who had an MI.", ["Tom P"], PhiType.NAME),
    ("records of patient maria l., with her medical record number", ["maria l"], PhiType.NAME),
    ("Albuterol in a 10-year-old patient, Timmy Smith, who was treated here.", ["Timmy Smith"], PhiType.NAME),
    # a listed health system in any case, unless its name is English words only
    ("TREATED AT JOHNS HOPKINS LAST YEAR.", ["JOHNS HOPKINS"], PhiType.LOCATION),
    ("knee replacement at cedars-sinai in march.", ["cedars-sinai"], PhiType.LOCATION),
    # an ordinal date in capitals ("MARCH 5TH, 2021")
    ("Admitted on March 5th, 2021 with chest pain.", ["March 5th, 2021"], PhiType.DATE),
    # a listed US town after a plain place cue, though one edit from an English word ("fresno", "fresco")
    ("70-year-old man, frank g., residing in fresno, on dialysis.", ["fresno"], PhiType.LOCATION),
    # a strong place cue outweighs a town's likeness to an English word
    ("TRANSFERRED FROM MALMO FOR CATH.", ["MALMO"], PhiType.LOCATION),
    ("pt screened by soest rehab, awaiting bed.", ["soest"], PhiType.LOCATION),
]

# Routine phrases near the same cues: none of these rules may fire on them.
ROUTINE: list[str] = [
    "transfer to floor when stable, family aware.",
    "PT TRANSFERRED FROM OR TO PACU IN STABLE CONDITION.",
    "d/w team re plan; doctor aware of the labs.",
    "Doctor notified, caregiver at bedside, will page the team if worse.",
    "CASE MANAGER AND SOCIAL WORKER FOLLOWING.",
    "daughter (at bedside) updated by phone.",
    "PMICU NURSING PROGRESS NOTE",
    "to go to rehab vs home with services.",
    "pt went to sleeep after meds; pain in back.",
    "Encouarge family to allow pt to rest.",
    "Seen in the pain clinic; front office to call.",
    "CABG site clean, red center, wet to dry dressing.",
    "Discharged to the cancer center infusion office.",
    "PT IN A. FIB, RATE 110S.",
    "chop the pills; tenet of care is comfort.",
    "may b. discharged tomorrow if stable.",
]


@pytest.mark.parametrize(("text", "values", "phi_type"), GOLD, ids=[g[0][:30] for g in GOLD])
@pytest.mark.parametrize("case", ["as written", "upper", "lower"])
def test_unseen_rules_find_their_gold(text: str, values: list[str], phi_type: PhiType, case: str) -> None:
    recased = text if case == "as written" else getattr(text, case)()
    spans = find_phi(recased)
    for value in values:  # every letter of the value covered (as ``phi eval`` scores), by spans of the type
        start = text.index(value)
        letters = [k for k in range(start, start + len(value)) if text[k].isalnum()]
        covering = [s for s in spans if s.start < start + len(value) and start < s.end]
        assert all(any(s.start <= k < s.end for s in covering) for k in letters), (
            case,
            value,
            [(recased[s.start : s.end], s.recognizer) for s in spans],
        )
        assert {s.type for s in covering} == {phi_type}


@pytest.mark.parametrize("text", ROUTINE)
def test_unseen_rules_leave_routine_phrases_alone(text: str) -> None:
    assert [(text[s.start : s.end], s.recognizer) for s in find_phi(text)] == []


def test_unseen_rules_agree_on_both_paths(both_paths: BothPaths) -> None:
    texts = [text for text, _, _ in GOLD] + ROUTINE
    fast, plain = both_paths(texts)
    assert fast == plain
