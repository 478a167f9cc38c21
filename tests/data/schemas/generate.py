"""Write the schema corpus: tables with the headers of documented data models, synthetic rows, and truth.

Run from the repository root: ``python tests/data/schemas/generate.py``. It is deterministic (one seed per
table, Faker seeded per instance), so running it again rewrites the same bytes for the same Faker version.
Each table ``T`` gets ``T.csv`` (160 synthetic rows, no real person) and ``T.truth.csv`` (one line per
column: ``column,identifier,phi_type``: whether the column identifies a person under HIPAA Safe Harbor,
and which of the 18 types it is). The sources of the headers are in README.md.

Rows are shaped the way those systems write them: Synthea's digits after names ("Jacinto644"), upper-case
registry exports, "LAST, FIRST" name columns, checkbox columns of REDCap (``race___1``), names from many
locales and scripts (not only the US lists the scanner ships), places that are in no US gazetteer.
"""

from __future__ import annotations

import csv
import random
import string
import uuid
from collections.abc import Callable
from pathlib import Path

from faker import Faker

HERE = Path(__file__).resolve().parent
ROWS = 160

Gen = Callable[[random.Random], object]
# a column: (header, generator, truth) where truth is "" (not an identifier) or a Safe Harbor type
Col = tuple[str, Gen, str]

_FAKERS: dict[str, Faker] = {}


def faker(locale: str) -> Faker:
    if locale not in _FAKERS:
        f = Faker(locale)
        f.seed_instance(sum(map(ord, locale)))
        _FAKERS[locale] = f
    return _FAKERS[locale]


US_MIX = ("en_US", "en_US", "en_US", "es_MX", "hi_IN", "vi_VN", "en_GB", "it_IT", "zh_CN")


def mixed(rng: random.Random, locales: tuple[str, ...] = US_MIX) -> Faker:
    return faker(rng.choice(locales))


def first(locales: tuple[str, ...] = US_MIX, *, upper: bool = False, digits: bool = False) -> Gen:
    def g(rng: random.Random) -> str:
        v = str(mixed(rng, locales).first_name())
        v = v + str(rng.randint(1, 999)) if digits else v
        return v.upper() if upper else v

    return g


def last(locales: tuple[str, ...] = US_MIX, *, upper: bool = False, digits: bool = False) -> Gen:
    def g(rng: random.Random) -> str:
        v = str(mixed(rng, locales).last_name())
        v = v + str(rng.randint(1, 999)) if digits else v
        return v.upper() if upper else v

    return g


def sometimes(gen: Gen, share: float) -> Gen:
    return lambda rng: gen(rng) if rng.random() < share else ""


def choice(*values: object) -> Gen:
    return lambda rng: rng.choice(values)


def ints(low: int, high: int) -> Gen:
    return lambda rng: rng.randint(low, high)


def floats(low: float, high: float, places: int = 1) -> Gen:
    return lambda rng: round(rng.uniform(low, high), places)


def serial(start: int, step: int = 1) -> Gen:
    counter = iter(range(start, start + step * 10 * ROWS, step))
    return lambda rng: next(counter)


def code(pattern: str) -> Gen:
    """``#`` a digit, ``@`` an upper-case letter, ``?`` a hex digit; anything else as is."""

    def g(rng: random.Random) -> str:
        out = []
        for ch in pattern:
            if ch == "#":
                out.append(rng.choice(string.digits))
            elif ch == "@":
                out.append(rng.choice(string.ascii_uppercase))
            elif ch == "?":
                out.append(rng.choice("0123456789abcdef"))
            else:
                out.append(ch)
        return "".join(out)

    return g


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def date(fmt: str = "%Y-%m-%d", start: int = 1925, end: int = 2020) -> Gen:
    def g(rng: random.Random) -> str:
        import datetime as dt

        day = dt.date(start, 1, 1) + dt.timedelta(days=rng.randint(0, (end - start) * 365))
        stamp = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)))
        return stamp.strftime(fmt)

    return g


def city(locales: tuple[str, ...] = ("en_US",)) -> Gen:
    return lambda rng: mixed(rng, locales).city()


def street(locales: tuple[str, ...] = ("en_US",)) -> Gen:
    return lambda rng: mixed(rng, locales).street_address().replace("\n", " ")


def phone(locales: tuple[str, ...] = ("en_US",)) -> Gen:
    return lambda rng: mixed(rng, locales).phone_number()


def email(rng: random.Random) -> str:
    return faker("en_US").email()


def postcode(locale: str) -> Gen:
    return lambda rng: faker(locale).postcode()


US_CITIES = (
    "Boston",
    "Worcester",
    "Springfield",
    "Cambridge",
    "Lowell",
    "Brockton",
    "Quincy",
    "Lynn",
    "Framingham",
    "Waltham",
    "Newton",
    "Somerville",
    "Haverhill",
    "Malden",
    "Medford",
    "Taunton",
    "Chicopee",
    "Revere",
    "Peabody",
    "Methuen",
    "Barnstable",
    "Pittsfield",
    "Attleboro",
    "Arlington",
    "Salem",
    "Westfield",
    "Leominster",
    "Fitchburg",
    "Beverly",
    "Holyoke",
    "Marlborough",
    "Woburn",
    "Chelsea",
    "Braintree",
    "Shrewsbury",
    "Dartmouth",
    "Chelmsford",
    "Andover",
    "Natick",
    "Randolph",
    "Watertown",
    "Franklin",
    "Needham",
    "Wellesley",
    "Dracut",
    "Tewksbury",
    "Norwood",
    "Milford",
    "Agawam",
    "Amherst",
)
MA_COUNTIES = (
    "Barnstable County",
    "Berkshire County",
    "Bristol County",
    "Dukes County",
    "Essex County",
    "Franklin County",
    "Hampden County",
    "Hampshire County",
    "Middlesex County",
    "Nantucket County",
    "Norfolk County",
    "Plymouth County",
    "Suffolk County",
    "Worcester County",
)
STATES = ("MA", "NH", "RI", "CT", "NY", "VT", "ME")
STATE_NAMES = ("Massachusetts", "New Hampshire", "Rhode Island", "Connecticut", "New York", "Vermont")
ICD10 = (
    "E11.9",
    "I10",
    "J44.9",
    "N18.3",
    "C50.911",
    "C34.90",
    "F32.9",
    "I25.10",
    "E78.5",
    "J45.909",
    "K21.9",
    "M54.5",
    "G47.33",
    "I48.91",
    "N39.0",
    "E66.9",
    "C61",
    "C18.9",
    "I50.9",
    "J18.9",
    "Z00.00",
    "R07.9",
)
CONDITIONS = (
    "Hypertension",
    "Type 2 diabetes mellitus",
    "Asthma",
    "Chronic kidney disease stage 3",
    "Atrial fibrillation",
    "Heart failure",
    "Pneumonia",
    "Breast cancer",
    "Prostate cancer",
    "Depression",
    "Obesity",
    "Osteoarthritis of knee",
    "Migraine",
    "COPD",
    "Anemia",
)
HOSPITALS = (
    "Massachusetts General Hospital",
    "Brigham and Women's Hospital",
    "Beth Israel Deaconess Medical Center",
    "Boston Medical Center",
    "Tufts Medical Center",
    "Lahey Hospital & Medical Center",
    "Baystate Medical Center",
    "UMass Memorial Medical Center",
    "Newton-Wellesley Hospital",
    "South Shore Hospital",
    "Lowell General Hospital",
    "Cape Cod Hospital",
    "Berkshire Medical Center",
    "Holy Family Hospital",
    "Saint Vincent Hospital",
    "Mount Auburn Hospital",
    "Salem Hospital",
    "MetroWest Medical Center",
    "Milford Regional Medical Center",
    "Cooley Dickinson Hospital",
    "Falmouth Hospital",
    "Winchester Hospital",
    "Emerson Hospital",
    "Signature Healthcare Brockton Hospital",
    "Sturdy Memorial Hospital",
    "Anna Jaques Hospital",
    "Heywood Hospital",
    "Harrington Hospital",
    "Morton Hospital",
    "Good Samaritan Medical Center",
)
SPECIALTIES = (
    "Internal Medicine",
    "Family Medicine",
    "Cardiology",
    "Oncology",
    "Pediatrics",
    "General Surgery",
    "Psychiatry",
    "Nephrology",
    "Endocrinology",
    "Emergency Medicine",
    "Neurology",
    "Dermatology",
)


def _synthea_birthplace(rng: random.Random) -> str:
    return f"{rng.choice(US_CITIES)}  {rng.choice(STATE_NAMES)}  US"


def _synthea_address(rng: random.Random) -> str:
    f = faker("en_US")
    unit = f" Unit {rng.randint(1, 99)}" if rng.random() < 0.3 else ""
    return f"{rng.randint(100, 999)} {f.last_name()} {rng.choice(['Way', 'Street', 'Ramp', 'Gate', 'Mill', 'Rue'])}{unit}"


def _maiden(rng: random.Random) -> str:
    return last(digits=True)(rng) if rng.random() < 0.35 else ""


# ---------------------------------------------------------------------------------------------- tables
TABLES: dict[str, list[Col]] = {}

TABLES["omop_person"] = [
    ("person_id", serial(1001), "ID"),
    ("gender_concept_id", choice(8507, 8532), ""),
    ("year_of_birth", ints(1925, 2015), ""),
    ("month_of_birth", ints(1, 12), "DATE"),
    ("day_of_birth", ints(1, 28), "DATE"),
    ("birth_datetime", date("%Y-%m-%d %H:%M:%S"), "DATE"),
    ("race_concept_id", choice(8527, 8516, 8515, 8657, 0), ""),
    ("ethnicity_concept_id", choice(38003563, 38003564), ""),
    ("location_id", ints(1, 180), ""),
    ("provider_id", ints(1, 60), ""),
    ("care_site_id", ints(1, 30), ""),
    ("person_source_value", code("MRN########"), "MRN"),
    ("gender_source_value", choice("M", "F"), ""),
    ("gender_source_concept_id", choice(0), ""),
    ("race_source_value", choice("white", "black", "asian", "other"), ""),
    ("race_source_concept_id", choice(0), ""),
    ("ethnicity_source_value", choice("hispanic", "nonhispanic"), ""),
    ("ethnicity_source_concept_id", choice(0), ""),
]
TABLES["omop_location"] = [
    ("location_id", serial(1), ""),
    ("address_1", street(), "LOCATION"),
    ("address_2", sometimes(code("Apt ###"), 0.3), "LOCATION"),
    ("city", choice(*US_CITIES), "LOCATION"),
    ("state", choice(*STATES), ""),
    ("zip", code("0####"), "ZIP"),
    ("county", choice(*MA_COUNTIES), "LOCATION"),
    ("location_source_value", code("LOC-#######"), "LOCATION"),
    ("country_concept_id", choice(42046186), ""),
    ("country_source_value", choice("US"), ""),
    ("latitude", floats(41.2, 42.9, 6), "LOCATION"),
    ("longitude", floats(-73.5, -69.9, 6), "LOCATION"),
]
TABLES["omop_provider"] = [
    ("provider_id", serial(1), ""),
    ("provider_name", lambda rng: f"{faker('en_US').first_name()} {last()(rng)}", "NAME"),
    ("npi", code("1#########"), "LICENSE"),
    ("dea", code("@@#######"), "LICENSE"),
    ("specialty_concept_id", choice(38004456, 38004446, 38004451, 38004458), ""),
    ("care_site_id", ints(1, 30), ""),
    ("year_of_birth", ints(1945, 1995), ""),
    ("gender_concept_id", choice(8507, 8532), ""),
    ("provider_source_value", code("P######"), "ID"),
    ("specialty_source_value", choice(*SPECIALTIES), ""),
    ("specialty_source_concept_id", choice(0), ""),
    ("gender_source_value", choice("M", "F"), ""),
    ("gender_source_concept_id", choice(0), ""),
]
TABLES["omop_care_site"] = [
    ("care_site_id", serial(1), ""),
    (
        "care_site_name",
        lambda rng: rng.choice(HOSPITALS) + rng.choice(["", "", " - Main Campus", " Clinic"]),
        "LOCATION",
    ),
    ("place_of_service_concept_id", choice(8717, 9202, 9203, 8756), ""),
    ("location_id", ints(1, 180), ""),
    ("care_site_source_value", code("CS####"), "ID"),
    ("place_of_service_source_value", choice("inpatient", "outpatient", "emergency", "office"), ""),
]
TABLES["omop_death"] = [
    ("person_id", serial(1001), "ID"),
    ("death_date", date("%Y-%m-%d", 2005, 2023), "DATE"),
    ("death_datetime", date("%Y-%m-%d %H:%M:%S", 2005, 2023), "DATE"),
    ("death_type_concept_id", choice(32817, 32815), ""),
    ("cause_concept_id", choice(4329847, 201826, 255573, 4182210), ""),
    ("cause_source_value", choice(*ICD10), ""),
    ("cause_source_concept_id", choice(0), ""),
]
TABLES["pcornet_demographic"] = [
    ("PATID", code("PT########"), "ID"),
    ("BIRTH_DATE", date("%Y-%m-%d"), "DATE"),
    ("BIRTH_TIME", date("%H:%M"), "DATE"),
    ("SEX", choice("F", "M", "UN"), ""),
    ("SEXUAL_ORIENTATION", choice("ST", "GA", "BI", "NI", "UN"), ""),
    ("GENDER_IDENTITY", choice("M", "F", "TF", "NI"), ""),
    ("HISPANIC", choice("Y", "N", "NI"), ""),
    ("RACE", choice("01", "02", "03", "05", "06", "NI"), ""),
    ("BIOBANK_FLAG", choice("Y", "N"), ""),
    ("PAT_PREF_LANGUAGE_SPOKEN", choice("ENG", "SPA", "POR", "VIE", "ZHO"), ""),
    ("RAW_SEX", choice("Female", "Male", "Unknown"), ""),
    ("RAW_HISPANIC", choice("Hispanic", "Not Hispanic"), ""),
    ("RAW_RACE", choice("White", "Black", "Asian", "Other"), ""),
]
TABLES["pcornet_private_demographic"] = [
    ("PATID", code("PT########"), "ID"),
    ("ORG_PATID", code("#########"), "ID"),
    ("MANAGING_ORG", choice("C1UMASS", "C1BMC", "C1TUFTS"), ""),
    ("MRN", code("########"), "MRN"),
    ("PAT_FIRSTNAME", first(upper=True), "NAME"),
    ("PAT_MIDDLENAME", sometimes(first(upper=True), 0.5), "NAME"),
    ("PAT_LASTNAME", last(upper=True), "NAME"),
    ("PAT_MAIDENNAME", sometimes(last(upper=True), 0.3), "NAME"),
    ("PAT_SSN", code("###-##-####"), "SSN"),
    ("BIRTH_DATE", date("%Y-%m-%d"), "DATE"),
    ("PRIMARY_EMAIL", email, "EMAIL"),
    ("PRIMARY_PHONE", code("617#######"), "PHONE"),
    ("SEX", choice("F", "M"), ""),
]
TABLES["pcornet_lds_address_history"] = [
    ("ADDRESSID", serial(50001), "ID"),
    ("PATID", code("PT########"), "ID"),
    ("ADDRESS_USE", choice("HO", "WO", "TP", "OT"), ""),
    ("ADDRESS_TYPE", choice("PH", "PO", "BO"), ""),
    ("ADDRESS_PREFERRED", choice("Y", "N"), ""),
    ("ADDRESS_CITY", lambda rng: rng.choice(US_CITIES).upper(), "LOCATION"),
    ("ADDRESS_COUNTY", lambda rng: rng.choice(MA_COUNTIES).upper().replace(" COUNTY", ""), "LOCATION"),
    ("ADDRESS_STATE", choice(*STATES), ""),
    ("ADDRESS_ZIP5", code("0####"), "ZIP"),
    ("ADDRESS_ZIP9", code("0########"), "ZIP"),
    ("ADDRESS_PERIOD_START", date("%Y-%m-%d", 1990, 2020), "DATE"),
    ("ADDRESS_PERIOD_END", sometimes(date("%Y-%m-%d", 2020, 2024), 0.4), "DATE"),
]
TABLES["i2b2_patient_dimension"] = [
    ("PATIENT_NUM", serial(1000000001), "ID"),
    ("VITAL_STATUS_CD", choice("N", "Y", "M", "X"), ""),
    ("BIRTH_DATE", date("%Y-%m-%d 00:00:00.000"), "DATE"),
    ("DEATH_DATE", sometimes(date("%Y-%m-%d 00:00:00.000", 2010, 2023), 0.2), "DATE"),
    ("SEX_CD", choice("F", "M", "U"), ""),
    ("AGE_IN_YEARS_NUM", ints(0, 101), "AGE"),
    ("LANGUAGE_CD", choice("english", "spanish", "portuguese", "haitian creole"), ""),
    ("RACE_CD", choice("white", "black", "asian", "other", "unknown"), ""),
    ("MARITAL_STATUS_CD", choice("married", "single", "divorced", "widowed"), ""),
    ("RELIGION_CD", choice("catholic", "protestant", "jewish", "none", "muslim"), ""),
    ("ZIP_CD", code("0####"), "ZIP"),
    (
        "STATECITYZIP_PATH",
        lambda rng: f"Zip codes\\Massachusetts\\{rng.choice(US_CITIES)}\\0{rng.randint(1000, 2799)}\\",
        "LOCATION",
    ),
    ("INCOME_CD", choice("low", "medium", "high"), ""),
    ("PATIENT_BLOB", choice(""), ""),
    ("UPDATE_DATE", date("%Y-%m-%d 00:00:00.000", 2018, 2023), ""),
    ("DOWNLOAD_DATE", date("%Y-%m-%d 00:00:00.000", 2018, 2023), ""),
    ("IMPORT_DATE", date("%Y-%m-%d 00:00:00.000", 2018, 2023), ""),
    ("SOURCESYSTEM_CD", choice("EPIC", "DEMO"), ""),
    ("UPLOAD_ID", choice(1, 2, 3), ""),
]
TABLES["i2b2_visit_dimension"] = [
    ("ENCOUNTER_NUM", serial(470001), "ID"),
    ("PATIENT_NUM", ints(1000000001, 1000000200), "ID"),
    ("ACTIVE_STATUS_CD", choice("F", "O", "U"), ""),
    ("START_DATE", date("%Y-%m-%d %H:%M:%S", 2015, 2023), "DATE"),
    ("END_DATE", date("%Y-%m-%d %H:%M:%S", 2015, 2023), "DATE"),
    ("INOUT_CD", choice("I", "O", "E"), ""),
    ("LOCATION_CD", choice("ED", "MICU", "CARD", "ONC", "PEDS"), ""),
    (
        "LOCATION_PATH",
        choice("\\i2b2\\Locations\\ED\\", "\\i2b2\\Locations\\MICU\\", "\\i2b2\\Locations\\ONC\\"),
        "",
    ),
    ("LENGTH_OF_STAY", ints(0, 40), ""),
    ("VISIT_BLOB", choice(""), ""),
    ("UPDATE_DATE", date("%Y-%m-%d 00:00:00.000", 2018, 2023), ""),
    ("DOWNLOAD_DATE", date("%Y-%m-%d 00:00:00.000", 2018, 2023), ""),
    ("IMPORT_DATE", date("%Y-%m-%d 00:00:00.000", 2018, 2023), ""),
    ("SOURCESYSTEM_CD", choice("EPIC"), ""),
    ("UPLOAD_ID", choice(1, 2), ""),
]
TABLES["i2b2_provider_dimension"] = [
    ("PROVIDER_ID", code("LCS-I2B2:D######"), "ID"),
    ("PROVIDER_PATH", lambda rng: f"\\i2b2\\Providers\\{rng.choice(SPECIALTIES)}\\", ""),
    (
        "NAME_CHAR",
        lambda rng: f"{faker('en_US').last_name()}, {first()(rng)} {rng.choice(['MD', 'DO', 'NP', 'PA'])}",
        "NAME",
    ),
    ("PROVIDER_BLOB", choice(""), ""),
    ("UPDATE_DATE", date("%Y-%m-%d 00:00:00.000", 2018, 2023), ""),
    ("DOWNLOAD_DATE", date("%Y-%m-%d 00:00:00.000", 2018, 2023), ""),
    ("IMPORT_DATE", date("%Y-%m-%d 00:00:00.000", 2018, 2023), ""),
    ("SOURCESYSTEM_CD", choice("EPIC"), ""),
    ("UPLOAD_ID", choice(1), ""),
]
TABLES["fhir_patient"] = [
    ("id", uid, "ID"),
    ("identifier.system", choice("urn:oid:2.16.840.1.113883.19.5"), ""),
    ("identifier.value", code("########"), "MRN"),
    ("active", choice("true", "false"), ""),
    ("name.use", choice("official", "usual"), ""),
    ("name.family", last(digits=True), "NAME"),
    ("name.given", first(digits=True), "NAME"),
    ("name.prefix", choice("Mr.", "Mrs.", "Ms.", ""), ""),
    ("telecom.system", choice("phone", "email"), ""),
    (
        "telecom.value",
        lambda rng: faker("en_US").email() if rng.random() < 0.3 else code("555-###-####")(rng),
        "PHONE",
    ),
    ("telecom.use", choice("home", "mobile", "work"), ""),
    ("gender", choice("male", "female", "other", "unknown"), ""),
    ("birthDate", date("%Y-%m-%d"), "DATE"),
    ("deceasedDateTime", sometimes(date("%Y-%m-%dT%H:%M:%S-05:00", 2010, 2023), 0.15), "DATE"),
    ("address.use", choice("home", "work"), ""),
    ("address.line", _synthea_address, "LOCATION"),
    ("address.city", choice(*US_CITIES), "LOCATION"),
    ("address.district", choice(*MA_COUNTIES), "LOCATION"),
    ("address.state", choice("Massachusetts"), ""),
    ("address.postalCode", code("0####"), "ZIP"),
    ("address.country", choice("US"), ""),
    ("maritalStatus.coding.code", choice("M", "S", "D", "W", "U"), ""),
    ("communication.language.coding.code", choice("en-US", "es", "pt-BR", "vi"), ""),
    ("generalPractitioner.reference", lambda rng: f"Practitioner/{uid(rng)}", "ID"),
    ("managingOrganization.reference", choice("Organization/1", "Organization/2"), ""),
]
TABLES["fhir_practitioner"] = [
    ("id", uid, "ID"),
    ("identifier.system", choice("http://hl7.org/fhir/sid/us-npi"), ""),
    ("identifier.value", code("1#########"), "LICENSE"),
    ("active", choice("true"), ""),
    ("name.family", last(digits=True), "NAME"),
    ("name.given", first(digits=True), "NAME"),
    ("name.prefix", choice("Dr."), ""),
    ("name.suffix", choice("MD", "DO", "PhD", ""), ""),
    ("telecom.value", code("(617) ###-####"), "PHONE"),
    ("address.line", _synthea_address, "LOCATION"),
    ("address.city", choice(*US_CITIES), "LOCATION"),
    ("address.state", choice("MA"), ""),
    ("address.postalCode", code("0####"), "ZIP"),
    ("gender", choice("male", "female"), ""),
    ("qualification.code.coding.code", choice("MD", "DO", "NP", "RN"), ""),
]
TABLES["mimic_hosp_patients"] = [
    ("subject_id", serial(10000032, 7), "ID"),
    ("gender", choice("F", "M"), ""),
    ("anchor_age", ints(18, 91), "AGE"),
    ("anchor_year", ints(2110, 2190), ""),
    ("anchor_year_group", choice("2008 - 2010", "2011 - 2013", "2014 - 2016", "2017 - 2019"), ""),
    ("dod", sometimes(date("%Y-%m-%d", 2110, 2200), 0.2), "DATE"),
]
TABLES["mimic_hosp_admissions"] = [
    ("subject_id", ints(10000032, 10001500), "ID"),
    ("hadm_id", serial(20000019, 13), "ID"),
    ("admittime", date("%Y-%m-%d %H:%M:%S", 2110, 2190), "DATE"),
    ("dischtime", date("%Y-%m-%d %H:%M:%S", 2110, 2190), "DATE"),
    ("deathtime", sometimes(date("%Y-%m-%d %H:%M:%S", 2110, 2190), 0.05), "DATE"),
    (
        "admission_type",
        choice(
            "EW EMER.", "EU OBSERVATION", "URGENT", "ELECTIVE", "DIRECT EMER.", "SURGICAL SAME DAY ADMISSION"
        ),
        "",
    ),
    ("admit_provider_id", code("P##@@#@"), "ID"),
    (
        "admission_location",
        choice(
            "EMERGENCY ROOM",
            "PHYSICIAN REFERRAL",
            "TRANSFER FROM HOSPITAL",
            "WALK-IN/SELF REFERRAL",
            "CLINIC REFERRAL",
        ),
        "",
    ),
    (
        "discharge_location",
        choice("HOME", "HOME HEALTH CARE", "SKILLED NURSING FACILITY", "DIED", "REHAB", ""),
        "",
    ),
    ("insurance", choice("Medicare", "Medicaid", "Other"), ""),
    ("language", choice("ENGLISH", "?"), ""),
    ("marital_status", choice("MARRIED", "SINGLE", "WIDOWED", "DIVORCED", ""), ""),
    (
        "race",
        choice(
            "WHITE", "BLACK/AFRICAN AMERICAN", "HISPANIC/LATINO - PUERTO RICAN", "ASIAN", "OTHER", "UNKNOWN"
        ),
        "",
    ),
    ("edregtime", sometimes(date("%Y-%m-%d %H:%M:%S", 2110, 2190), 0.6), "DATE"),
    ("edouttime", sometimes(date("%Y-%m-%d %H:%M:%S", 2110, 2190), 0.6), "DATE"),
    ("hospital_expire_flag", choice(0, 0, 0, 1), ""),
]
TABLES["redcap_export"] = [
    ("record_id", serial(1), "ID"),
    ("redcap_event_name", choice("baseline_arm_1", "visit_1_arm_1", "visit_2_arm_1"), ""),
    ("redcap_repeat_instrument", choice(""), ""),
    ("redcap_repeat_instance", choice(""), ""),
    ("date_enrolled", date("%Y-%m-%d", 2021, 2024), "DATE"),
    ("first_name", first(), "NAME"),
    ("last_name", last(), "NAME"),
    ("address", lambda rng: faker("en_US").address().replace("\n", ", "), "LOCATION"),
    ("telephone_1", code("(###) ###-####"), "PHONE"),
    ("email", email, "EMAIL"),
    ("dob", date("%Y-%m-%d"), "DATE"),
    ("age", ints(18, 95), "AGE"),
    ("ethnicity", choice(0, 1, 2), ""),
    ("race___1", choice(0, 1), ""),
    ("race___2", choice(0, 1), ""),
    ("race___3", choice(0, 1), ""),
    ("race___4", choice(0, 1), ""),
    ("race___5", choice(0, 1), ""),
    ("sex", choice(0, 1), ""),
    ("given_birth", choice(0, 1, ""), ""),
    ("num_children", ints(0, 6), ""),
    ("height", floats(150, 200), ""),
    ("weight", ints(45, 130), ""),
    ("bmi", floats(17, 40), ""),
    ("comments", sometimes(choice("Prefers morning visits", "Needs interpreter", "Missed visit 2"), 0.3), ""),
    ("demographics_complete", choice(0, 1, 2), ""),
]
TABLES["synthea_patients"] = [
    ("Id", uid, "ID"),
    ("BIRTHDATE", date("%Y-%m-%d"), "DATE"),
    ("DEATHDATE", sometimes(date("%Y-%m-%d", 2000, 2023), 0.15), "DATE"),
    ("SSN", code("999-##-####"), "SSN"),
    ("DRIVERS", sometimes(code("S99######"), 0.8), "LICENSE"),
    ("PASSPORT", sometimes(code("X#######X"), 0.7), "LICENSE"),
    ("PREFIX", choice("Mr.", "Mrs.", "Ms.", ""), ""),
    ("FIRST", first(digits=True), "NAME"),
    ("MIDDLE", sometimes(first(digits=True), 0.6), "NAME"),
    ("LAST", last(digits=True), "NAME"),
    ("SUFFIX", choice("", "", "", "", "PhD", "MD", "JD"), ""),
    ("MAIDEN", _maiden, "NAME"),
    ("MARITAL", choice("M", "S", "D", "W", ""), ""),
    ("RACE", choice("white", "black", "asian", "native", "other"), ""),
    ("ETHNICITY", choice("nonhispanic", "hispanic"), ""),
    ("GENDER", choice("M", "F"), ""),
    ("BIRTHPLACE", _synthea_birthplace, "LOCATION"),
    ("ADDRESS", _synthea_address, "LOCATION"),
    ("CITY", choice(*US_CITIES), "LOCATION"),
    ("STATE", choice("Massachusetts"), ""),
    ("COUNTY", choice(*MA_COUNTIES), "LOCATION"),
    ("FIPS", code("25###"), "LOCATION"),
    ("ZIP", code("0####"), "ZIP"),
    ("LAT", floats(41.2, 42.9, 12), "LOCATION"),
    ("LON", floats(-73.5, -69.9, 12), "LOCATION"),
    ("HEALTHCARE_EXPENSES", floats(1000, 2000000, 2), ""),
    ("HEALTHCARE_COVERAGE", floats(0, 500000, 2), ""),
    ("INCOME", ints(10000, 250000), ""),
]
TABLES["synthea_providers"] = [
    ("Id", uid, "ID"),
    ("ORGANIZATION", uid, ""),
    ("NAME", lambda rng: f"{first(digits=True)(rng)} {last(digits=True)(rng)}", "NAME"),
    ("GENDER", choice("M", "F"), ""),
    ("SPECIALITY", choice("GENERAL PRACTICE", "INTERNAL MEDICINE", "CARDIOLOGY", "ONCOLOGY"), ""),
    ("ADDRESS", _synthea_address, "LOCATION"),
    ("CITY", choice(*US_CITIES), "LOCATION"),
    ("STATE", choice("MA"), ""),
    ("ZIP", code("0####"), "ZIP"),
    ("LAT", floats(41.2, 42.9, 12), "LOCATION"),
    ("LON", floats(-73.5, -69.9, 12), "LOCATION"),
    ("ENCOUNTERS", ints(0, 5000), ""),
    ("PROCEDURES", ints(0, 2000), ""),
]
TABLES["synthea_organizations"] = [
    ("Id", uid, ""),
    (
        "NAME",
        lambda rng: rng.choice(HOSPITALS).upper() if rng.random() < 0.5 else rng.choice(HOSPITALS),
        "LOCATION",
    ),
    ("ADDRESS", lambda rng: faker("en_US").street_address().upper(), "LOCATION"),
    ("CITY", lambda rng: rng.choice(US_CITIES).upper(), "LOCATION"),
    ("STATE", choice("MA"), ""),
    ("ZIP", code("0####"), "ZIP"),
    ("LAT", floats(41.2, 42.9, 12), "LOCATION"),
    ("LON", floats(-73.5, -69.9, 12), "LOCATION"),
    ("PHONE", code("###-###-####"), "PHONE"),
    ("REVENUE", floats(0, 9000000, 2), ""),
    ("UTILIZATION", ints(0, 40000), ""),
]
TABLES["cdisc_sdtm_dm"] = [
    ("STUDYID", choice("ABC-123"), ""),
    ("DOMAIN", choice("DM"), ""),
    ("USUBJID", lambda rng: f"ABC-123-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}", "ID"),
    ("SUBJID", code("####"), "ID"),
    ("RFSTDTC", date("%Y-%m-%d", 2021, 2023), "DATE"),
    ("RFENDTC", date("%Y-%m-%d", 2023, 2024), "DATE"),
    ("SITEID", choice("101", "102", "103", "201", "202"), ""),
    ("INVNAM", lambda rng: f"{last(upper=True)(rng)}, {first()(rng)}", "NAME"),
    ("BRTHDTC", date("%Y-%m-%d", 1935, 2003), "DATE"),
    ("AGE", ints(18, 88), "AGE"),
    ("AGEU", choice("YEARS"), ""),
    ("SEX", choice("F", "M"), ""),
    ("RACE", choice("WHITE", "ASIAN", "BLACK OR AFRICAN AMERICAN"), ""),
    ("ETHNIC", choice("HISPANIC OR LATINO", "NOT HISPANIC OR LATINO"), ""),
    ("ARMCD", choice("PBO", "TRT"), ""),
    ("ARM", choice("Placebo", "Treatment 10 mg"), ""),
    ("COUNTRY", choice("USA", "CAN", "DEU", "ESP"), ""),
    ("DMDTC", date("%Y-%m-%d", 2021, 2023), "DATE"),
    ("DMDY", ints(-14, 1), ""),
]
TABLES["naaccr_registry"] = [
    ("patientIdNumber", code("########"), "ID"),
    ("medicalRecordNumber", code("MR#########"), "MRN"),
    ("socialSecurityNumber", code("###-##-####"), "SSN"),
    ("nameLast", last(upper=True), "NAME"),
    ("nameFirst", first(upper=True), "NAME"),
    ("nameMiddle", sometimes(lambda rng: rng.choice(string.ascii_uppercase), 0.6), "NAME"),
    ("nameMaiden", sometimes(last(upper=True), 0.3), "NAME"),
    ("nameAlias", sometimes(first(upper=True), 0.1), "NAME"),
    (
        "nameSpouseParent",
        sometimes(lambda rng: f"{last(upper=True)(rng)} {first(upper=True)(rng)}", 0.4),
        "NAME",
    ),
    ("addrAtDxNoStreet", lambda rng: faker("en_US").street_address().upper(), "LOCATION"),
    ("addrAtDxCity", lambda rng: rng.choice(US_CITIES).upper(), "LOCATION"),
    ("addrAtDxState", choice(*STATES), ""),
    ("addrAtDxPostalCode", code("0####"), "ZIP"),
    ("countyAtDx", code("0##"), "LOCATION"),
    ("telephone", code("##########"), "PHONE"),
    ("dateOfBirth", date("%Y%m%d"), "DATE"),
    ("birthplaceState", choice(*STATES, "ZZ"), ""),
    ("birthplaceCountry", choice("USA", "MEX", "VNM", "IND", "BRA", "ZZU"), ""),
    ("sex", choice(1, 2, 9), ""),
    ("race1", choice("01", "02", "04", "96", "99"), ""),
    ("primarySite", choice("C509", "C340", "C619", "C189", "C509"), ""),
    ("histologicTypeIcdO3", choice("8500", "8140", "8070", "8041"), ""),
    ("dateOfDiagnosis", date("%Y%m%d", 2015, 2023), "DATE"),
]
TABLES["nhs_cosd_core"] = [
    ("NHS NUMBER", code("#### ### ###"), "ID"),
    ("LOCAL PATIENT IDENTIFIER", code("RX######"), "MRN"),
    ("PERSON FAMILY NAME", last(("en_GB",), upper=True), "NAME"),
    ("PERSON GIVEN NAME", first(("en_GB",)), "NAME"),
    ("ADDRESS (USUAL)", lambda rng: faker("en_GB").address().replace("\n", ", "), "LOCATION"),
    ("POSTCODE OF USUAL ADDRESS", postcode("en_GB"), "ZIP"),
    ("PERSON BIRTH DATE", date("%d/%m/%Y"), "DATE"),
    ("PERSON STATED GENDER CODE", choice(1, 2, 9), ""),
    ("GENERAL MEDICAL PRACTICE CODE (PATIENT REGISTRATION)", code("@#####"), ""),
    ("ETHNIC CATEGORY", choice("A", "B", "C", "H", "M", "Z"), ""),
    ("PRIMARY DIAGNOSIS (ICD)", choice(*ICD10), ""),
    ("DATE OF PRIMARY DIAGNOSIS (CLINICALLY AGREED)", date("%d/%m/%Y", 2015, 2023), "DATE"),
]
TABLES["openmrs_person_name"] = [
    ("person_name_id", serial(1), ""),
    ("preferred", choice(0, 1), ""),
    ("person_id", serial(1001), "ID"),
    ("prefix", choice("", "", "Mr", "Mrs", "Dr"), ""),
    ("given_name", first(("en_US", "fr_FR", "pt_BR", "hi_IN", "es_MX")), "NAME"),
    ("middle_name", sometimes(first(("en_US", "fr_FR", "pt_BR")), 0.4), "NAME"),
    ("family_name_prefix", choice("", "", "", "van", "de", "da"), ""),
    ("family_name", last(("en_US", "fr_FR", "pt_BR", "hi_IN", "es_MX")), "NAME"),
    ("family_name2", sometimes(last(("es_MX", "pt_BR")), 0.3), "NAME"),
    ("family_name_suffix", choice("", "", "", "Jr", "Sr", "III"), ""),
    ("degree", choice("", "", "MD", "RN"), ""),
    ("creator", choice(1, 2), ""),
    ("date_created", date("%Y-%m-%d %H:%M:%S", 2015, 2023), ""),
    ("voided", choice(0), ""),
    ("uuid", uid, ""),
]
TABLES["openmrs_person_address"] = [
    ("person_address_id", serial(1), ""),
    ("person_id", serial(1001), "ID"),
    ("preferred", choice(0, 1), ""),
    ("address1", lambda rng: faker("fr_FR").street_address(), "LOCATION"),
    ("address2", sometimes(code("Apt ##"), 0.2), "LOCATION"),
    ("city_village", lambda rng: faker(rng.choice(("fr_FR", "pt_BR", "en_US"))).city(), "LOCATION"),
    ("state_province", choice("Ouest", "Nord", "Sud", "Artibonite", "Centre"), ""),
    ("postal_code", code("HT####"), "ZIP"),
    ("country", choice("Haiti"), ""),
    ("latitude", floats(18.0, 19.9, 5), "LOCATION"),
    ("longitude", floats(-74.4, -71.7, 5), "LOCATION"),
    ("county_district", lambda rng: faker("fr_FR").city(), "LOCATION"),
    ("creator", choice(1, 2), ""),
    ("date_created", date("%Y-%m-%d %H:%M:%S", 2015, 2023), ""),
    ("voided", choice(0), ""),
    ("uuid", uid, ""),
]
TABLES["epic_clarity_patient"] = [
    ("PAT_ID", code("Z#######"), "ID"),
    ("PAT_MRN_ID", code("########"), "MRN"),
    ("PAT_NAME", lambda rng: f"{last(upper=True)(rng)},{first(upper=True)(rng)}", "NAME"),
    ("PAT_FIRST_NAME", first(), "NAME"),
    ("PAT_LAST_NAME", last(), "NAME"),
    ("PAT_MIDDLE_NAME", sometimes(first(), 0.5), "NAME"),
    ("BIRTH_DATE", date("%m/%d/%Y"), "DATE"),
    ("ADD_LINE_1", lambda rng: faker("en_US").street_address(), "LOCATION"),
    ("ADD_LINE_2", sometimes(code("APT ##"), 0.2), "LOCATION"),
    ("CITY", choice(*US_CITIES), "LOCATION"),
    ("STATE_C", choice(22, 30, 40), ""),
    ("ZIP", code("0####-####"), "ZIP"),
    ("COUNTY_C", choice(25017, 25025, 25021), "LOCATION"),
    ("HOME_PHONE", code("###-###-####"), "PHONE"),
    ("WORK_PHONE", sometimes(code("###-###-####"), 0.4), "PHONE"),
    ("EMAIL_ADDRESS", sometimes(email, 0.7), "EMAIL"),
    ("SSN", code("###-##-####"), "SSN"),
    ("SEX_C", choice(1, 2, 3), ""),
    ("ETHNIC_GROUP_C", choice(1, 2, 3), ""),
    ("MARITAL_STATUS_C", choice(1, 2, 3, 4), ""),
    ("DEATH_DATE", sometimes(date("%m/%d/%Y", 2010, 2023), 0.1), "DATE"),
    ("CUR_PCP_PROV_ID", code("E####"), "ID"),
]
ES = ("es_ES",)
TABLES["es_historia_clinica"] = [
    ("id_paciente", serial(1), "ID"),
    ("nhc", code("######"), "MRN"),
    ("nombre", first(ES), "NAME"),
    ("primer_apellido", last(ES), "NAME"),
    ("segundo_apellido", last(ES), "NAME"),
    ("dni", code("########@"), "ID"),
    ("fecha_nacimiento", date("%d/%m/%Y"), "DATE"),
    ("sexo", choice("H", "M"), ""),
    ("lugar_nacimiento", city(ES), "LOCATION"),
    ("direccion", street(ES), "LOCATION"),
    ("codigo_postal", postcode("es_ES"), "ZIP"),
    ("municipio", city(ES), "LOCATION"),
    ("provincia", choice("Madrid", "Barcelona", "Sevilla", "Valencia", "Málaga"), ""),
    ("telefono", phone(ES), "PHONE"),
    ("correo_electronico", email, "EMAIL"),
    ("num_seguridad_social", code("28/########/##"), "HEALTH_PLAN"),
    ("fecha_ingreso", date("%d/%m/%Y", 2018, 2023), "DATE"),
    ("diagnostico_cie10", choice(*ICD10), ""),
    ("servicio", choice("Cardiología", "Oncología", "Medicina Interna", "Neumología"), ""),
]
FR = ("fr_FR",)
TABLES["fr_dossier_patient"] = [
    ("IPP", code("########"), "MRN"),
    ("NOM", last(FR, upper=True), "NAME"),
    ("NOM_NAISSANCE", sometimes(last(FR, upper=True), 0.4), "NAME"),
    ("PRENOM", first(FR), "NAME"),
    ("DATE_NAISSANCE", date("%d/%m/%Y"), "DATE"),
    ("SEXE", choice("M", "F"), ""),
    ("LIEU_NAISSANCE", city(FR), "LOCATION"),
    ("ADRESSE", street(FR), "LOCATION"),
    ("CODE_POSTAL", postcode("fr_FR"), "ZIP"),
    ("VILLE", city(FR), "LOCATION"),
    ("TELEPHONE", phone(FR), "PHONE"),
    ("NIR", code("# ## ## ## ### ### ##"), "HEALTH_PLAN"),
    ("DATE_ENTREE", date("%d/%m/%Y", 2018, 2023), "DATE"),
    ("DATE_SORTIE", date("%d/%m/%Y", 2018, 2023), "DATE"),
    ("DIAGNOSTIC_PRINCIPAL", choice(*ICD10), ""),
    ("MODE_SORTIE", choice(6, 7, 8, 9), ""),
    ("GHM", code("##@##@"), ""),
]
DE = ("de_DE",)
TABLES["de_obds_patient"] = [
    ("Patienten_ID", code("P######"), "ID"),
    ("Patienten_Nachname", last(DE), "NAME"),
    ("Patienten_Vornamen", first(DE), "NAME"),
    ("Patienten_Geburtsname", sometimes(last(DE), 0.4), "NAME"),
    ("Patienten_Titel", choice("", "", "", "Dr.", "Prof."), ""),
    ("Patienten_Geschlecht", choice("M", "W", "D", "U"), ""),
    ("Patienten_Geburtsdatum", date("%d.%m.%Y"), "DATE"),
    ("Patienten_Strasse", lambda rng: faker("de_DE").street_name(), "LOCATION"),
    (
        "Patienten_Hausnummer",
        lambda rng: str(rng.randint(1, 140)) + rng.choice(["", "", "a", "b"]),
        "LOCATION",
    ),
    ("Patienten_PLZ", postcode("de_DE"), "ZIP"),
    ("Patienten_Ort", city(DE), "LOCATION"),
    ("Geburtsort", city(DE), "LOCATION"),
    ("Krankenversichertennummer", code("@#########"), "HEALTH_PLAN"),
    ("Krankenkasse", choice("AOK Bayern", "TK", "Barmer", "DAK-Gesundheit", "IKK classic"), ""),
    ("Diagnose_ICD", choice(*ICD10), ""),
    ("Diagnosedatum", date("%d.%m.%Y", 2015, 2023), "DATE"),
    ("Tumor_Lokalisation", choice("C50.4", "C34.1", "C61", "C18.7"), ""),
]
NL = ("nl_NL",)
TABLES["nl_patientenregister"] = [
    ("patientnummer", code("#######"), "MRN"),
    ("bsn", code("#########"), "ID"),
    (
        "voorletters",
        lambda rng: ".".join(rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(rng.randint(1, 3))) + ".",
        "NAME",
    ),
    ("voornaam", first(NL), "NAME"),
    ("tussenvoegsel", choice("", "", "van", "de", "van der", "van den"), ""),
    ("achternaam", last(NL), "NAME"),
    ("geboortedatum", date("%d-%m-%Y"), "DATE"),
    ("geboorteplaats", city(NL), "LOCATION"),
    ("geslacht", choice("M", "V", "X"), ""),
    ("straatnaam", lambda rng: faker("nl_NL").street_name(), "LOCATION"),
    ("huisnummer", ints(1, 250), "LOCATION"),
    ("postcode", postcode("nl_NL"), "ZIP"),
    ("woonplaats", city(NL), "LOCATION"),
    ("telefoonnummer", phone(NL), "PHONE"),
    ("huisarts", lambda rng: f"Dr. {faker('nl_NL').last_name()}", "NAME"),
    ("opnamedatum", date("%d-%m-%Y", 2018, 2023), "DATE"),
    ("diagnose", choice("Hartfalen", "Diabetes mellitus type 2", "COPD", "Longkanker", "Borstkanker"), ""),
    ("afdeling", choice("Cardiologie", "Oncologie", "Longziekten", "Interne geneeskunde"), ""),
]
IT = ("it_IT",)
# Faker's it_IT city() depends on the string hash seed; a fixed list keeps the corpus reproducible
IT_CITIES = (
    "Acqui Terme", "Bosco Marengo", "Cantello", "Piateda", "Savignano sul Rubicone", "Castelnuovo di Porto",
    "San Giovanni Rotondo", "Bagnacavallo", "Montecatini Terme", "Roccaraso", "Sassocorvaro", "Fiuggi",
    "Gallarate", "Cittadella", "Vigevano", "Chioggia", "Sciacca", "Marsala", "Gubbio", "Orvieto",
    "Bra", "Alba", "Merano", "Bressanone", "Rovereto", "Feltre", "Belluno", "Comacchio", "Cervia", "Urbino",
    "Osimo", "Fermo", "Lanciano", "Vasto", "Sulmona", "Avezzano", "Matera", "Melfi", "Tropea", "Scilla",
    "Noto", "Modica", "Ragusa", "Cefalù", "Alghero", "Olbia", "Nuoro", "Oristano", "Iglesias", "Aosta",
)  # fmt: skip
TABLES["it_sdo_ricoveri"] = [
    ("id_ricovero", serial(880001), "ID"),
    ("codice_fiscale", code("@@@@@@##@##@###@"), "ID"),
    ("cognome", last(IT, upper=True), "NAME"),
    ("nome", first(IT, upper=True), "NAME"),
    ("sesso", choice("M", "F"), ""),
    ("data_di_nascita", date("%d/%m/%Y"), "DATE"),
    ("luogo_di_nascita", lambda rng: rng.choice(IT_CITIES).upper(), "LOCATION"),
    ("comune_residenza", lambda rng: rng.choice(IT_CITIES).upper(), "LOCATION"),
    ("indirizzo", street(IT), "LOCATION"),
    ("cap", postcode("it_IT"), "ZIP"),
    ("provincia", choice("RM", "MI", "NA", "TO", "BO", "FI"), ""),
    ("telefono", phone(IT), "PHONE"),
    ("tessera_sanitaria", code("80380#############"), "HEALTH_PLAN"),
    ("data_ricovero", date("%d/%m/%Y", 2018, 2023), "DATE"),
    ("data_dimissione", date("%d/%m/%Y", 2018, 2023), "DATE"),
    ("diagnosi_principale", choice("4280", "41401", "486", "1629", "25000"), ""),
    ("reparto", choice("CARDIOLOGIA", "MEDICINA GENERALE", "ONCOLOGIA", "PNEUMOLOGIA"), ""),
    ("regime_ricovero", choice(1, 2), ""),
]
PT = ("pt_BR",)
TABLES["pt_sinan_notificacao"] = [
    ("NU_NOTIFIC", code("#######"), "ID"),
    ("DT_NOTIFIC", date("%d/%m/%Y", 2018, 2023), "DATE"),
    ("ID_AGRAVO", choice("A90", "A928", "B342"), ""),
    ("NM_PACIENT", lambda rng: faker("pt_BR").name().upper(), "NAME"),
    ("DT_NASC", date("%d/%m/%Y"), "DATE"),
    ("NU_IDADE_N", lambda rng: 4000 + rng.randint(0, 95), "AGE"),
    ("CS_SEXO", choice("M", "F", "I"), ""),
    ("CS_RACA", choice(1, 2, 3, 4, 5, 9), ""),
    ("ID_CNS_SUS", code("7##############"), "HEALTH_PLAN"),
    ("NM_MAE_PAC", lambda rng: faker("pt_BR").name_female().upper(), "NAME"),
    ("ID_MN_RESI", code("35####"), "LOCATION"),
    ("NM_BAIRRO", lambda rng: faker("pt_BR").bairro().upper(), "LOCATION"),
    ("NM_LOGRADO", lambda rng: faker("pt_BR").street_name().upper(), "LOCATION"),
    ("NU_NUMERO", ints(1, 3000), "LOCATION"),
    ("NU_CEP", code("#####-###"), "ZIP"),
    ("NU_DDD_TEL", choice(11, 21, 31, 41, 51, 61, 71, 81), ""),
    ("NU_TELEFON", code("9####-####"), "PHONE"),
    ("CLASSI_FIN", choice(1, 2, 5, 8), ""),
    ("EVOLUCAO", choice(1, 2, 3, 9), ""),
]
PTP = ("pt_PT",)
TABLES["pt_registo_utentes"] = [
    ("numero_utente", code("#########"), "HEALTH_PLAN"),
    ("nome_proprio", first(PTP), "NAME"),
    ("apelido", last(PTP), "NAME"),
    ("data_nascimento", date("%Y-%m-%d"), "DATE"),
    ("naturalidade", city(PTP), "LOCATION"),
    ("morada", street(PTP), "LOCATION"),
    ("codigo_postal", postcode("pt_PT"), "ZIP"),
    ("localidade", city(PTP), "LOCATION"),
    ("telemovel", code("9## ### ###"), "PHONE"),
    ("nif", code("#########"), "ID"),
    ("sexo", choice("M", "F"), ""),
    ("diagnostico", choice("Hipertensão", "Diabetes tipo 2", "Asma", "DPOC", "Insuficiência cardíaca"), ""),
    ("data_consulta", date("%Y-%m-%d", 2019, 2023), "DATE"),
    ("unidade_saude", choice("USF Arco-Íris", "UCSP Sete Rios", "USF Baixa", "USF São João"), ""),
]


def write(name: str, columns: list[Col]) -> None:
    rng = random.Random(name)
    for f in _FAKERS.values():
        f.seed_instance(sum(map(ord, name)))
    rows = [[gen(rng) for _, gen, _ in columns] for _ in range(ROWS)]
    with (HERE / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([c for c, _, _ in columns])
        w.writerows(rows)
    with (HERE / f"{name}.truth.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["column", "identifier", "phi_type"])
        for column, _, truth in columns:
            w.writerow([column, "yes" if truth else "no", truth])


def main() -> None:
    for locale in {*US_MIX, *ES, *FR, *DE, *NL, *IT, *PT, *PTP, "en_US"}:
        faker(locale)
    for name, columns in TABLES.items():
        write(name, columns)
    print(f"wrote {len(TABLES)} tables to {HERE}")


if __name__ == "__main__":
    main()
