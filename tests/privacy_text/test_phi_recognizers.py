"""Every recognizer, driven by tables: what it must find (with the exact span), and what it must not."""

from __future__ import annotations

import pytest

from ethicompass.privacy import Span, find_phi, redact
from ethicompass.privacy.text.recognizers._registry import REGISTRY, recognizer_names
from ethicompass.study import PhiType

# (recognizer, text, the exact PHI value it must find, type)
POSITIVES: list[tuple[str, str, str, PhiType]] = [
    ("date_month_day", "Admitted on March 5th, 2021 for chest pain.", "March 5th, 2021", PhiType.DATE),
    (
        "date_month_day",
        "Seen Sunday, April 23, 2023 at 10:30 AM.",
        "Sunday, April 23, 2023 at 10:30 AM",
        PhiType.DATE,
    ),
    ("date_day_month", "Surgery on the 5th of March, pain free since.", "5th of March", PhiType.DATE),
    ("date_day_month", "Symptoms since 05-Mar-2021.", "05-Mar-2021", PhiType.DATE),
    ("date_day_month", "Progress note, 16MAR2023.", "16MAR2023", PhiType.DATE),
    ("date_month_year", "Diagnosed in March 2021 by her GP.", "March 2021", PhiType.DATE),
    ("date_numeric", "Discharged 3/5/21 in good condition.", "3/5/21", PhiType.DATE),
    ("date_numeric", "Labs drawn 2023-12-06 and reviewed.", "2023-12-06", PhiType.DATE),
    ("date_numeric", "Seen on 9/2/2023 1000h in clinic.", "9/2/2023 1000h", PhiType.DATE),
    ("date_short", "Recheck labs on 6/29.", "6/29", PhiType.DATE),
    ("date_relative", "Seen in clinic last Thursday for review.", "last Thursday", PhiType.DATE),
    ("date_glued_month_year", "PMH: HTN, S/P HIP FX6/94, CABG.", "6/94", PhiType.DATE),
    ("age_over_89", "A 92-year-old woman with syncope.", "92-year-old", PhiType.AGE),
    ("age_over_89", "Frail, aged 101, lives alone.", "101", PhiType.AGE),
    ("phone_us", "Call her at (555) 123-4567 today.", "(555) 123-4567", PhiType.PHONE),
    ("phone_digits", "Mobile 5551234567 after 5 pm.", "5551234567", PhiType.PHONE),
    ("fax", "Fax: 312-555-1234 attn records.", "312-555-1234", PhiType.FAX),
    ("email", "Send to jane.e@example.com please.", "jane.e@example.com", PhiType.EMAIL),
    ("url", "Portal at https://mychart.example.org/p/123.", "https://mychart.example.org/p/123", PhiType.URL),
    ("url_domain", "Results on patientportal.example.com today.", "patientportal.example.com", PhiType.URL),
    ("ipv4", "Logged in from 192.168.1.1 overnight.", "192.168.1.1", PhiType.IP),
    ("ipv6", "Device at fe80::1ff:fe23:4567:890a online.", "fe80::1ff:fe23:4567:890a", PhiType.IP),
    ("ssn_dashed", "SSN 123-45-6789 on file.", "123-45-6789", PhiType.SSN),
    ("ssn_spaced", "Her SSN: 123 45 6789 was given.", "123 45 6789", PhiType.SSN),
    ("ssn_keyed", "Social security number 123456789 verified.", "123456789", PhiType.SSN),
    ("mrn_keyed", "Jane (MRN: #NY-123456) seen.", "#NY-123456", PhiType.MRN),
    ("mrn_keyed", "ADMISSION NOTE, MR# 52792796 admitted.", "52792796", PhiType.MRN),
    ("health_plan_keyed", "Insurance plan #DB-2345678 active.", "#DB-2345678", PhiType.HEALTH_PLAN),
    ("account_keyed", "Billing account 00012345 overdue.", "00012345", PhiType.ACCOUNT),
    ("license_keyed", "License No: CLN-112233 expires.", "CLN-112233", PhiType.LICENSE),
    ("vehicle_keyed", "Vehicle VIN 1HGCM82633A004352 towed.", "1HGCM82633A004352", PhiType.VEHICLE),
    ("device_keyed", "Pacemaker serial PM-4438211 checked.", "PM-4438211", PhiType.DEVICE),
    ("id_keyed", "Case reviewed, ref. code: EM-2554.", "EM-2554", PhiType.ID),
    ("id_shape", "Specimen labelled XQ-99812 arrived.", "XQ-99812", PhiType.ID),
    ("name_title", "Discussed with Dr. Emily P. today.", "Emily P.", PhiType.NAME),
    ("name_title", "ADMISSION NOTE, MR. TAYLOR, admitted.", "TAYLOR", PhiType.NAME),
    ("name_first_last", "Follow-up for John Smith next week.", "John Smith", PhiType.NAME),
    ("name_first_last", "A 50-year-old woman, Sarah P., with GERD.", "Sarah P.", PhiType.NAME),
    ("name_initial_last", "Reviewed by J. Smith overnight.", "J. Smith", PhiType.NAME),
    ("name_last_comma_first", "Patient: Mullins, Erik  seen.", "Mullins, Erik", PhiType.NAME),
    ("name_all_caps", "PATIENT: TOM MOORE, DOB on file.", "TOM MOORE", PhiType.NAME),
    ("name_context", "Contact her brother, Chase, for consent.", "Chase", PhiType.NAME),
    ("name_context_lower", "S: pt johnson reports feeling better.", "johnson", PhiType.NAME),
    ("name_first_alone", "Seen with Anna, who is anxious.", "Anna", PhiType.NAME),
    ("street_address", "Lives at 7675 Dunn Cove with her son.", "7675 Dunn Cove", PhiType.LOCATION),
    ("zip_keyed", "Mailing zip code 60601 confirmed.", "60601", PhiType.ZIP),
    ("zip_after_state", "Moved to the IL 60601 area recently.", "60601", PhiType.ZIP),
    ("city_state", "She lives in Brooklyn, NY with family.", "Brooklyn, NY", PhiType.LOCATION),
    (
        "facility_suffix",
        "Transferred to Elm Street Medical Center overnight.",
        "Elm Street Medical Center",
        PhiType.LOCATION,
    ),
    ("facility_saint", "Admitted to St. Vincent's yesterday.", "St. Vincent's", PhiType.LOCATION),
    ("facility_known", "Second opinion at Johns Hopkins soon.", "Johns Hopkins", PhiType.LOCATION),
    ("city", "Recently moved here from Seattle for work.", "Seattle", PhiType.LOCATION),
    ("city_cued", "PT LIVES IN FALL RIVER WITH HIS WIFE.", "FALL RIVER", PhiType.LOCATION),
    ("city_facility", "Case reviewed at our Dallas facility today.", "Dallas facility", PhiType.LOCATION),
    ("location_context", "Last seen at Cedar Crest for rehab.", "Cedar Crest", PhiType.LOCATION),
    ("date_month_day_bare", "3/14 FOUND DOWN AT HOME BY SON; TO EW.", "3/14", PhiType.DATE),
    ("date_month_year_bare", "PMH: MI 8/87, CABG.", "8/87", PhiType.DATE),
    ("date_after_count", "BLOOD CX X 3 11/4 NO GROWTH; REPEAT IF FEBRILE.", "11/4", PhiType.DATE),
    ("pager_keyed", "Questions: Pager #41235, time 3pm.", "41235", PhiType.PHONE),
    ("phone_slashed", "His son (617/555/0142) is the proxy.", "617/555/0142", PhiType.PHONE),
    ("word_name", "D/W KOWALCZYK RE PLAN; FAMILY AWARE.", "KOWALCZYK", PhiType.NAME),
    ("word_name", "Eduardo Nwachukwu (son) cell 555.", "Eduardo Nwachukwu", PhiType.NAME),
    ("word_place", "screened by larkspur ridge hospital today.", "larkspur ridge", PhiType.LOCATION),
    ("word_name", "plan reviewed per okonkwo, cont current tx.", "okonkwo", PhiType.NAME),
    ("word_name", "wife teodora at bedside, updated on plan.", "teodora", PhiType.NAME),
    ("word_name", "pt seen by dr fairweather this am.", "fairweather", PhiType.NAME),
    ("word_name", "tolerating psv overnight.\nq. brannigan rrt", "q. brannigan", PhiType.NAME),
    ("word_name", "Family meeting with Oyelaran and team.", "Oyelaran", PhiType.NAME),
    ("word_place", "TRANSFERRED FROM WESTMORELAND FOR CATH.", "WESTMORELAND", PhiType.LOCATION),
    ("word_place", "transferred to good samaritan rehab today.", "good samaritan", PhiType.LOCATION),
    ("word_place", "PT MOVED TO BRACKENRIDGE 4 OVERNIGHT.", "BRACKENRIDGE", PhiType.LOCATION),
    ("word_place", "Social: has a bed @ St Wendeline, rescreen monday.", "St Wendeline", PhiType.LOCATION),
    ("word_name", "devoted daughter. Ysolde Varnavas cell# 555-0100.", "Varnavas", PhiType.NAME),
    ("word_name", "IV NURSE HONORIA OKAFOR CALLED BACK.", "OKAFOR", PhiType.NAME),
    ("date_ordinal", "cultures drawn on the 11th, still pending.", "11th", PhiType.DATE),
    ("date_month_day", "seen in clinic on jul 22 by cards.", "jul 22", PhiType.DATE),
    ("date_month_year", "turp done in nov. 2016 elsewhere.", "nov. 2016", PhiType.DATE),
]

# Look-alikes that are not PHI under Safe Harbor: nothing may be flagged in these texts.
NEGATIVES: list[str] = [
    "A 45-year-old man, age 45, presents with cough.",
    "Give 2 mg IV now, then 500 mg PO daily.",
    "BP 120/80, HR 72, RR 16, SpO2 98%.",
    "Type 2 diabetes, ICD-10 E11.9, HbA1c 7.2%.",
    "Parkinson disease and Parkinson's disease with tremor.",
    "History of Graves disease, Wilson disease and Hodgkin lymphoma.",
    "Takes Allegra 180 mg daily and Lyrica at night.",
    "Started Warfarin; Coumadin clinic to follow INR.",
    "Diagnosed in 2015; relapsed in 2019.",
    "Take 3/4 tablet twice a day for 3 days.",
    "High Framingham risk score and a positive Babinski sign.",
    "Referred to Mental Health and Public Health services.",
    "Admitted to the ICU for 5 days, then the ward.",
    "Potassium 3.8 mmol/L, creatinine 1.2 mg/dL, ALT 41 U/L.",
    "Follow the KDIGO guidelines from 2019.",
    "Recheck in 2 weeks; will call with results.",
    "St. John's wort interacts with many drugs.",
    "PAIN 5/10 AT REST; MURMUR 2/6 SEM; PS 10/5 WITH PEEP.",
    "BOLUS GIVEN, FOLEY DRAINING, NEURO INTACT, FOUND ON FLOOR.",
    "pt recieved lasix, famly at bedside, aggitation improved.",
    "Murphy's sign negative, Kernig sign absent, Holter monitor on.",
    "1/2 NS AT 75CC/HR; D/W TEAM RE PLAN.",
    "WEANED TO 10/5 OVERNIGHT; SETTINGS 12/5/40%, A/C 700X10, OOB FOR 1 1/2 HRS.",
    "ID: TEMP MAX 100-100.4, PA # 34-40/24-30, BC 4/4 BOTTLES.",
    "SOCIAL: WIFE AND NEICE IN TO VISIT; PER HUSBAND PT WAS WELL.",
    "NEURO: PERRLA, MAE, NARD. PASSY-MUIR VALVE ON; HIGH 90'S ON 2L NP.",
    "vent changes as per flow; see care vue; mr d/t mvr, lvef <20%.",
    # a typo after a cue that verbs follow ("pt", "w/", "by"); a verb after a relation or "per"
    "pt restles overnight, w/ sedaton held; seen by nuerology.",
    "daughter left early, husband states he is tired, nephew given an update; per plan, per house officer.",
    # ICU abbreviations of sites and units after a place cue
    "PICC IN SVC; NBP VIA RLA CUFF; ART LINE IN LUA; A&O TO TPP; TRANSFERRED FROM OSH.",
    # long typos that keep a word's consonants; a listed surname that is one edit from a word, with no cue
    "insulin titrated, tollerence good, medecatoin given.",
    "loose stoll x2; abdomen soft.",
    # a body part after "upper"/"lower", sinus tachycardia after "st", a verb before "hospital"
    "rash noted to lower back; sinus rhythm to st with rare pacs; she asked to leave hospital.",
    "Started pentamidine and droperidol; response to bronchodilators.",
    # a count glued to a word ("times four"), a ventilator setting glued to its mode
    "PMH: CABGX2; PT TURNEDX2; PEEP5/50 ON PSV.",
]


def _values(text: str, spans: list[Span]) -> list[str]:
    return [text[s.start : s.end] for s in spans]


@pytest.mark.parametrize(
    ("name", "text", "value", "phi_type"), POSITIVES, ids=[f"{p[0]}-{i}" for i, p in enumerate(POSITIVES)]
)
def test_recognizer_finds_its_example(name: str, text: str, value: str, phi_type: PhiType) -> None:
    recognizer = next(r for r in REGISTRY if r.name == name)
    assert recognizer.phi_type == phi_type
    found = [text[a:b] for a, b, _ in recognizer.find(text)]
    assert any(value in f or f in value for f in found), found
    spans = find_phi(text)
    covered = "".join(text[s.start : s.end] for s in spans)
    assert value in covered or any(value in v for v in _values(text, spans)), _values(text, spans)


def test_every_recognizer_has_an_example() -> None:
    assert set(recognizer_names()) == {p[0] for p in POSITIVES}
    assert len(recognizer_names()) == len(set(recognizer_names()))


@pytest.mark.parametrize("text", NEGATIVES)
def test_look_alikes_are_not_phi(text: str) -> None:
    assert _values(text, find_phi(text)) == []


@pytest.mark.parametrize(
    "text",
    ["Feb 30, 2021 was typed", "on 13/45/2020 nothing", "IP 999.1.1.1 invalid"],
)
def test_validators_reject_impossible_values(text: str) -> None:
    assert not [s for s in find_phi(text) if s.type in (PhiType.DATE, PhiType.IP)]


def test_spans_explain_themselves() -> None:
    text = "Pt John Smith, MRN 1234567, seen 3/4/2021 at Mercy Hospital, Dallas."
    spans = find_phi(text)
    assert [s.type for s in spans] == [PhiType.NAME, PhiType.MRN, PhiType.DATE, PhiType.LOCATION]
    assert _values(text, spans)[-1] == "Mercy Hospital, Dallas"
    for s in spans:
        d = s.to_dict()
        assert set(d) == {"start", "end", "type", "score", "recognizer"}
        assert 0.0 < d["score"] <= 1.0


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Seen by Dr. Okonkwo-Baird today.", ["Okonkwo-Baird"]),
        ("D/W DR. HALVORSEN AND MRS. ABERNATHY.", ["HALVORSEN", "ABERNATHY"]),
        ("spoke with dr. ellen marchetti and mr quist.", ["ellen marchetti", "quist"]),
    ],
)
def test_titles_are_evidence_not_part_of_the_name(text: str, names: list[str]) -> None:
    """Safe Harbor's identifier is the name: the span holds it, and the redacted text keeps the title."""
    spans = [s for s in find_phi(text) if s.type == PhiType.NAME]
    assert _values(text, spans) == names
    out = redact(text, spans)
    assert not any(name in out for name in names)
    assert out.lower().count("dr") >= 1


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # "drs'" is a title too; a listed surname that is one edit from a word is a name after a cue
        ("Family present. Drs' Kessel and Wendel pronounced.", ["Kessel", "Wendel"]),
        # a name run: the surname after a cued first name, even when it starts like "and" ("tamu pandit")
        ("plan to wean. daughter tamu pandit at bedside.", ["tamu pandit"]),
    ],
)
def test_cued_names_keep_their_run(text: str, names: list[str]) -> None:
    spans = [s for s in find_phi(text) if s.type == PhiType.NAME]
    covered = " ".join(_values(text, spans))
    assert all(name in covered or all(part in covered for part in name.split()) for name in names), covered


def test_a_ward_glued_to_its_floor_number_is_a_place() -> None:
    text = "CP POST PROCEDURE. HALLORANWAY3 AWARE; BACK TO HALLORANWAY 3 TODAY."
    spans = find_phi(text)
    assert _values(text, spans) == ["HALLORANWAY", "HALLORANWAY"]
    assert {s.type for s in spans} == {PhiType.LOCATION}


def test_threshold_and_types_filter() -> None:
    text = "Seen with Anna on 3/4/2021."
    assert [s.type for s in find_phi(text, types=["DATE"])] == [PhiType.DATE]
    assert all(s.score >= 0.8 for s in find_phi(text, threshold=0.8))


def test_optional_spacy_backend_adds_candidates_through_the_registry() -> None:
    spacy = pytest.importorskip("spacy")
    from ethicompass.errors import ConfigurationError
    from ethicompass.privacy import REGISTRY, spacy_recognizers

    nlp = spacy.blank("en")  # a pipeline made here: no model is downloaded
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "Zorblat"}, {"label": "GPE", "pattern": "Quuxville"}])
    text = "Zorblat called about Quuxville."
    assert find_phi(text) == []
    spans = find_phi(text, recognizers=(*REGISTRY, *spacy_recognizers(nlp)))
    assert [(text[s.start : s.end], s.type, s.recognizer) for s in spans] == [
        ("Zorblat", PhiType.NAME, "spacy_name"),
        ("Quuxville", PhiType.LOCATION, "spacy_location"),
    ]
    with pytest.raises(ConfigurationError, match="never downloads"):
        spacy_recognizers("en_core_web_sm_not_installed")
