"""Rules for PHI as real ward notes write it: facility names of ordinary words, employers, initials, and dates
after a count. Each rule has gold spans (invented names and places of many origins, in upper, lower and mixed
case, with the abbreviations of real notes) and phrases of clinical routine on which it must not fire.

No evaluation corpus is used: every name, place and company here is made up for the test.
"""

from __future__ import annotations

import pytest

from ethicompass.privacy import find_phi
from ethicompass.study import PhiType

from .conftest import BothPaths

# (note, the PHI values that must be covered, the type of the span that covers each)
GOLD: list[tuple[str, list[str], PhiType]] = [
    # a religious name ("holy *", "sacred *") after a place cue, whatever words follow it
    ("EMS BROUGHT PT FROM HOLY APOSTLES ER; NO OLD RECORDS.", ["HOLY APOSTLES"], PhiType.LOCATION),
    ("if bed avail will d/c to holy innocents tmrw.\nneuro: intact", ["holy innocents"], PhiType.LOCATION),
    ("Family asks about a bed at Sacred Oaks; SW following.", ["Sacred Oaks"], PhiType.LOCATION),
    ("CASE MGR FAXED REFERRAL TO SACRED LOTUS REHAB.", ["SACRED LOTUS"], PhiType.LOCATION),
    # an employer after a work cue: a word no vocabulary accounts for, and the unknown words after it
    ("SOCIAL: LIVES W/ PARTNER, OWNER OF ZENTRIX, NO ETOH.", ["ZENTRIX"], PhiType.LOCATION),
    ("son is ceo of quorvane, flying in tonight.", ["quorvane"], PhiType.LOCATION),
    ("Pt works at Halvex Biotek as an engineer.", ["Halvex Biotek"], PhiType.LOCATION),
    ("wife employed at marunaka, will visit after work.", ["marunaka"], PhiType.LOCATION),
    ("RETIRED FROM NWOSU-IDOWU & SONS LAST YEAR.", ["NWOSU-IDOWU"], PhiType.LOCATION),
    # an initial joins the name or place it stands before
    ("VNA CALLED: R. OYELARAN NURSING SERVICES AWARE.", ["R", "OYELARAN"], PhiType.LOCATION),
    ("d/w k. przybylski re plan, family aware.", ["k", "przybylski"], PhiType.NAME),
    ("Spoke with T. Nakashima about the goals of care.", ["T", "Nakashima"], PhiType.NAME),
    ("Reviewed with patient Ikaika K. at noon; plan agreed.", ["Ikaika", "K"], PhiType.NAME),
    ("d/w halvorsen t. re plan, agrees.", ["halvorsen", "t"], PhiType.NAME),
    # a month/day right after a count ("x 2" = twice)
    ("UA/UCX SENT X 2 6/30, BOTH NEG.", ["6/30"], PhiType.DATE),
    ("blood cx x2 11/4 ngtd.", ["11/4"], PhiType.DATE),
    ("Cultures sent x 3 3/9, pending.", ["3/9"], PhiType.DATE),
    # a facility noun after a name of any words ("infirmary", "sanatorium", "nursing center", "nursing facility")
    ("ADMITTED FROM OAKHAVEN NURSING FACILITY WITH UTI.", ["OAKHAVEN"], PhiType.LOCATION),
    ("came from pinecrest nursing center by ambulance.", ["pinecrest"], PhiType.LOCATION),
    ("Seen at Aldermoor Infirmary last spring.", ["Aldermoor"], PhiType.LOCATION),
    # an unknown word before a care-home or veterans' noun ("house", "manor", "hospice", "va")
    ("d/c to zephyrine house when stable.", ["zephyrine"], PhiType.LOCATION),
    ("TRANSFERRED FROM MARWOOD VA FOR CATH.", ["MARWOOD"], PhiType.LOCATION),
    ("Family chose Tullamore Hospice for comfort care.", ["Tullamore"], PhiType.LOCATION),
    # a town of two or three words after a place cue, or of one English word after a residence cue, in any case
    # (GeoNames towns; the capitalised-run finder sees them only in mixed case)
    ("PT LIVES IN FALL RIVER WITH HIS WIFE.", ["FALL RIVER"], PhiType.LOCATION),
    ("transferred from baton rouge for cath.", ["baton rouge"], PhiType.LOCATION),
    ("daughter recently moved to concord, calls daily.", ["concord"], PhiType.LOCATION),
    ("TO WINSTON-SALEM BY AMBULANCE.", ["WINSTON-SALEM"], PhiType.LOCATION),
]

# Phrases of clinical routine near the same cues: none of the new rules may fire on them.
ROUTINE: list[str] = [
    "BOLUS GIVEN, PT FOUND ON FLOOR, FLOOR NURSE AWARE.",
    "per house officer, hold home meds tonight.",
    "pt works at home; works for the city.",
    "HUSBAND RETIRED FROM TEACHING. BUSINESS TRIP NEXT WEEK.",
    "husband retired from the navy, employed by the state.",
    "good job with IS, company at bedside.",
    "plan d/c to rehab vs skilled nursing facility.",
    "TO PULMONARY REHAB AFTER D/C; HOME HOSPICE DISCUSSED.",
    "Discharged to a long term nursing facility near family.",
    "in the house, open house next door.",
    "NS AT 75 X 2 1/2 HRS; WEANED X2 10/5 PEEP.",
    "turned x 2 q2h; wt 70 kg.",
    "MEET W/ TEAM RE PLAN; E. COLI IN URINE, S. AUREUS IN SPUTUM.",
    "PT A. FIB ON ARRIVAL; VIT. K GIVEN; PLAN D. C. FOLEY.",
    "Holy day observed by family; sacred space for prayer requested.",
    "from reading the chart, pt moved to chair; to high flow; in grand rounds; at long last.",
]


@pytest.mark.parametrize(("text", "values", "phi_type"), GOLD, ids=[g[0][:30] for g in GOLD])
def test_real_note_rules_find_their_gold(text: str, values: list[str], phi_type: PhiType) -> None:
    spans = find_phi(text)
    for value in values:
        start = text.index(value)
        covering = [s for s in spans if s.start <= start and start + len(value) <= s.end]
        assert covering, (value, [(text[s.start : s.end], s.recognizer) for s in spans])
        assert covering[0].type is phi_type


@pytest.mark.parametrize(("text", "values", "phi_type"), GOLD, ids=[g[0][:30] for g in GOLD])
@pytest.mark.parametrize("case", ["upper", "lower"])
def test_real_note_rules_hold_in_any_case(text: str, values: list[str], phi_type: PhiType, case: str) -> None:
    recased = getattr(text, case)()
    spans = find_phi(recased)
    for value in values:
        start = text.index(value)
        assert any(s.start <= start and start + len(value) <= s.end for s in spans), (case, value)


@pytest.mark.parametrize("text", ROUTINE)
def test_real_note_rules_leave_routine_phrases_alone(text: str) -> None:
    assert [(text[s.start : s.end], s.recognizer) for s in find_phi(text)] == []


def test_real_note_rules_agree_on_both_paths(both_paths: BothPaths) -> None:
    texts = [text for text, _, _ in GOLD] + ROUTINE
    fast, plain = both_paths(texts)
    assert fast == plain
