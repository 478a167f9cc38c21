"""Fixed vocabularies and seeded Faker pools for the synthetic study.

Everything here is data: census-like shares, US states with their 3-digit ZIP prefixes, the
HIPAA Safe Harbor restricted prefixes, lab tests, adverse-event categories. Faker's en_US
vocabularies (names with US frequencies, street and city formats) build pools of names, streets
and cities once per seed; rows are drawn from the pools with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# US Census 2020 (race alone or in combination, rounded; "Some Other Race" and "Two or More Races").
RACES: tuple[str, ...] = (
    "White",
    "Black or African American",
    "Asian",
    "American Indian or Alaska Native",
    "Native Hawaiian or Other Pacific Islander",
    "Some Other Race",
    "Two or More Races",
)
RACE_SHARES: tuple[float, ...] = (0.616, 0.124, 0.060, 0.011, 0.002, 0.084, 0.103)
HISPANIC = "Hispanic or Latino"
NOT_HISPANIC = "Not Hispanic or Latino"
# Census share of Hispanic or Latino is 18.7%; the cohort under-recruits them (planted truth).
POPULATION_HISPANIC_SHARE = 0.187
COHORT_HISPANIC_SHARE = 0.09
# Relative odds of Hispanic ethnicity by race (most "Some Other Race" respondents are Hispanic in
# the census); scaled so that the cohort's overall share is COHORT_HISPANIC_SHARE.
HISPANIC_BY_RACE: tuple[float, ...] = (0.6, 0.25, 0.1, 1.5, 0.5, 6.0, 2.0)

AGE_GROUPS: tuple[str, ...] = ("18-39", "40-64", "65-79", "80+")
AGE_GROUP_SHARES: tuple[float, ...] = (0.20, 0.40, 0.27, 0.13)
AGE_GROUP_BOUNDS: tuple[tuple[int, int], ...] = ((18, 39), (40, 64), (65, 79), (80, 100))
# Outcome prevalence by age group (sex, race and site have none of their own).
AGE_GROUP_PREVALENCE: tuple[float, ...] = (0.15, 0.18, 0.21, 0.24)
# The disease population's shares (reference_population.csv), close to the cohort except ethnicity.
POPULATION_AGE_GROUP_SHARES: tuple[float, ...] = (0.19, 0.41, 0.27, 0.13)

SITES: tuple[str, ...] = ("site-01", "site-02", "site-03", "site-04", "site-05", "site-06")
SITE_SHARES: tuple[float, ...] = (0.24, 0.20, 0.18, 0.16, 0.12, 0.10)
SITE_HOSPITALS: tuple[str, ...] = (
    "St. Mary's Medical Center",
    "Riverside General Hospital",
    "Mercy Regional Hospital",
    "Lakeview University Hospital",
    "Good Samaritan Hospital",
    "Valley Children's and Adult Hospital",
)

# State, population weight (millions, 2020), 3-digit ZIP prefixes (inclusive ranges).
STATES: tuple[tuple[str, float, tuple[tuple[int, int], ...]], ...] = (
    ("CA", 39.5, ((900, 908), (910, 928), (930, 961))),
    ("TX", 29.1, ((750, 770), (772, 789), (791, 799), (885, 885))),
    ("FL", 21.5, ((320, 339), (341, 342), (344, 344), (346, 347), (349, 349))),
    ("NY", 20.2, ((100, 101), (103, 149))),
    ("PA", 13.0, ((150, 196),)),
    ("IL", 12.8, ((600, 620), (622, 629))),
    ("OH", 11.8, ((430, 458),)),
    ("GA", 10.7, ((300, 319), (398, 399))),
    ("NC", 10.4, ((270, 289),)),
    ("MI", 10.1, ((480, 499),)),
    ("NJ", 9.3, ((70, 89),)),
    ("VA", 8.6, ((201, 201), (220, 246))),
    ("WA", 7.7, ((980, 986), (988, 994))),
    ("AZ", 7.2, ((850, 853), (855, 857), (859, 860), (863, 865))),
    ("MA", 7.0, ((10, 27), (55, 55))),
    ("TN", 6.9, ((370, 385),)),
    ("IN", 6.8, ((460, 479),)),
    ("MD", 6.2, ((206, 219),)),
    ("MO", 6.2, ((630, 631), (633, 641), (644, 658))),
    ("WI", 5.9, ((530, 532), (534, 535), (537, 549))),
    ("CO", 5.8, ((800, 816),)),
    ("MN", 5.7, ((550, 551), (553, 555), (557, 567))),
    ("SC", 5.1, ((290, 299),)),
    ("AL", 5.0, ((350, 352), (354, 369))),
    ("LA", 4.7, ((700, 701), (703, 708), (710, 714))),
    ("KY", 4.5, ((400, 418), (420, 427))),
    ("OR", 4.2, ((970, 979),)),
    ("OK", 4.0, ((730, 731), (734, 741), (743, 749))),
    ("CT", 3.6, ((60, 62), (64, 69))),
    ("UT", 3.3, ((840, 847),)),
    ("IA", 3.2, ((500, 516), (520, 528))),
    ("NV", 3.1, ((889, 889), (891, 891), (894, 898))),
    ("AR", 3.0, ((716, 729),)),
    ("MS", 3.0, ((386, 397),)),
    ("KS", 2.9, ((660, 662), (664, 679))),
    ("NM", 2.1, ((870, 871), (873, 877), (880, 883))),
    ("NE", 2.0, ((680, 681), (683, 691), (693, 693))),
    ("ID", 1.8, ((832, 838),)),
    ("WV", 1.8, ((247, 268),)),
    ("HI", 1.5, ((967, 968),)),
    ("NH", 1.4, ((30, 35), (37, 38))),
    ("ME", 1.4, ((39, 49),)),
    ("MT", 1.1, ((590, 599),)),
    ("RI", 1.1, ((28, 29),)),
    ("DE", 1.0, ((197, 199),)),
    ("SD", 0.9, ((570, 577),)),
    ("ND", 0.8, ((580, 588),)),
    ("AK", 0.7, ((995, 999),)),
    ("DC", 0.7, ((200, 200), (202, 202), (204, 205))),
    ("VT", 0.6, ((50, 54), (56, 58))),
    ("WY", 0.6, ((820, 820), (822, 822), (824, 829), (832, 832))),
)

# 3-digit ZIP prefixes that HIPAA Safe Harbor requires to be replaced by 000 (2000 census,
# population of 20,000 or fewer), with their state. Patients get them rarely.
RESTRICTED_ZIP3: tuple[tuple[str, str], ...] = (
    ("036", "NH"),
    ("059", "VT"),
    ("063", "CT"),
    ("102", "NY"),
    ("203", "DC"),
    ("556", "MN"),
    ("692", "NE"),
    ("790", "TX"),
    ("821", "WY"),
    ("823", "WY"),
    ("830", "WY"),
    ("831", "WY"),
    ("878", "NM"),
    ("879", "NM"),
    ("884", "NM"),
    ("890", "NV"),
    ("893", "NV"),
)
RESTRICTED_ZIP3_SHARE = 0.004

AREA_CODES: tuple[str, ...] = (
    "201", "205", "212", "213", "214", "215", "216", "217", "239", "248", "267", "301", "303", "304",
    "305", "312", "313", "314", "317", "334", "336", "347", "404", "405", "406", "410", "412", "414",
    "415", "417", "425", "469", "502", "503", "504", "505", "512", "515", "601", "602", "608", "612",
    "614", "615", "617", "619", "702", "704", "713", "718", "720", "801", "802", "803", "808", "816",
    "832", "843", "858", "907", "916", "919", "954", "971", "978",
)  # fmt: skip
EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com", "comcast.net",
)  # fmt: skip
HEALTH_PLAN_PREFIXES: tuple[str, ...] = ("BCX", "UHC", "AET", "CGN", "HUM", "KPR", "MCD", "MCR")

ENCOUNTER_TYPES: tuple[str, ...] = ("outpatient", "inpatient", "emergency", "telehealth")
ENCOUNTER_TYPE_SHARES: tuple[float, ...] = (0.62, 0.12, 0.10, 0.16)
DEPARTMENTS: tuple[str, ...] = (
    "cardiology", "endocrinology", "general medicine", "nephrology", "gastroenterology",
    "pulmonology", "neurology", "emergency medicine",
)  # fmt: skip

# test, unit, mean, sd, lower bound (values are clipped there), decimals
LAB_TESTS: tuple[tuple[str, str, float, float, float, int], ...] = (
    ("HbA1c", "%", 7.1, 1.4, 4.0, 1),
    ("glucose", "mg/dL", 128.0, 38.0, 45.0, 0),
    ("creatinine", "mg/dL", 1.05, 0.35, 0.3, 2),
    ("ALT", "U/L", 28.0, 14.0, 5.0, 0),
    ("hemoglobin", "g/dL", 13.4, 1.7, 6.0, 1),
    ("LDL cholesterol", "mg/dL", 108.0, 32.0, 30.0, 0),
    ("potassium", "mmol/L", 4.2, 0.45, 2.5, 1),
    ("sodium", "mmol/L", 139.0, 3.0, 120.0, 0),
)

# MedDRA-like system organ classes; events per participant per year in the control arm.
AE_CATEGORIES: tuple[tuple[str, float], ...] = (
    ("Cardiac disorders", 0.05),
    ("Gastrointestinal disorders", 0.16),
    ("General disorders and administration site conditions", 0.12),
    ("Hepatobiliary disorders", 0.03),
    ("Infections and infestations", 0.14),
    ("Metabolism and nutrition disorders", 0.06),
    ("Musculoskeletal and connective tissue disorders", 0.08),
    ("Nervous system disorders", 0.09),
    ("Renal and urinary disorders", 0.04),
    ("Respiratory, thoracic and mediastinal disorders", 0.07),
    ("Skin and subcutaneous tissue disorders", 0.06),
)
AE_SIGNAL_CATEGORY = "Hepatobiliary disorders"
AE_SIGNAL_ARM = "treatment"
AE_SIGNAL_RATE_RATIO = 3.0
AE_SEVERITY_SHARES: tuple[float, ...] = (0.45, 0.30, 0.15, 0.07, 0.03)

# Primary diagnoses (ICD-10-CM) of a cardiometabolic cohort, with shares.
DIAGNOSES: tuple[tuple[str, str, float], ...] = (
    ("E11.9", "type 2 diabetes mellitus without complications", 0.30),
    ("I10", "essential hypertension", 0.22),
    ("E78.5", "hyperlipidemia", 0.14),
    ("I50.9", "heart failure", 0.08),
    ("N18.3", "chronic kidney disease, stage 3", 0.07),
    ("E66.9", "obesity", 0.07),
    ("I25.10", "coronary artery disease", 0.06),
    ("J44.9", "chronic obstructive pulmonary disease", 0.04),
    ("G20", "Parkinson disease", 0.02),
)

CONSENT_PURPOSES: tuple[str, ...] = (
    "primary-study",
    "secondary-research",
    "ai-model-training",
    "data-sharing-external",
    "recontact",
)
# Share refusing each purpose at enrolment (primary-study: none refuse, they are enrolled).
CONSENT_REFUSAL: tuple[float, ...] = (0.0, 0.02, 0.05, 0.08, 0.04)
CONSENT_WITHDRAW_AI = 0.03  # later withdraw ai-model-training only
CONSENT_WITHDRAW_ALL = 0.005  # later withdraw from everything
CONSENT_DOCUMENT_VERSIONS: tuple[str, ...] = ("ICF-2019-v1", "ICF-2021-v2")

# Surnames that are also eponyms or look-alikes; they join the last-name pool so that a
# "Foley catheter" and a "Mr. Foley" can share a note.
EPONYM_SURNAMES: tuple[str, ...] = ("Addison", "Bell", "Crohn", "Foley", "Graves", "Parkinson")


@dataclass(frozen=True)
class Pools:
    """Pools of names, streets and cities (numpy object arrays) and name frequencies."""

    first_female: np.ndarray
    first_female_p: np.ndarray
    first_male: np.ndarray
    first_male_p: np.ndarray
    last: np.ndarray
    last_p: np.ndarray
    street_names: np.ndarray
    cities: np.ndarray
    clinician_first: np.ndarray
    clinician_last: np.ndarray
    world_first: np.ndarray
    world_last: np.ndarray


#: Faker locales (Latin script) whose names join the notes in the real-note styles, so that names of many origins
#: (with their diacritics) are written without titles, as ICU notes write them.
WORLD_LOCALES: tuple[str, ...] = (
    "es_MX", "it_IT", "yo_NG", "ig_NG", "tr_TR", "pt_BR", "de_DE", "fr_FR", "en_IN", "ga_IE", "zu_ZA", "sw",
    "nl_NL", "vi_VN",
)  # fmt: skip


def _world_names() -> tuple[np.ndarray, np.ndarray]:
    """First names and surnames drawn evenly from :data:`WORLD_LOCALES` (Faker's lists, MIT), with a generator
    of their own, so that adding them changes no other pool or table of a seeded study."""
    import importlib

    rng = np.random.default_rng(20261206)
    firsts: list[str] = []
    lasts: list[str] = []
    for locale in WORLD_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        first = sorted({n for n in provider.first_names if n.replace(" ", "").isalpha()})
        last = sorted({n for n in provider.last_names if n.replace(" ", "").replace("-", "").isalpha()})
        if len(first) >= 5:
            firsts.extend(first[i] for i in rng.integers(0, len(first), 40))
        if len(last) >= 5:
            lasts.extend(last[i] for i in rng.integers(0, len(last), 60))
    return np.array(firsts, dtype=object), np.array(lasts, dtype=object)


def _weighted(table: dict[str, float], extra: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    names = sorted(set(table) | set(extra))
    weights = np.array([table.get(n, 0.0002) for n in names])
    return np.array(names, dtype=object), weights / weights.sum()


def build_pools(rng: np.random.Generator, /) -> Pools:
    """Build the pools from Faker's en_US vocabularies (US name frequencies), drawn with ``rng``.

    Faker's own per-call generation is far too slow for a million rows, so its word lists and
    formats ("{last_name} {street_suffix}", "{city_prefix} {first_name}{city_suffix}") are
    combined here with numpy; the result is deterministic for a seeded ``rng``.
    """
    from faker.providers.address.en_US import Provider as Address
    from faker.providers.person.en_US import Provider as Person

    first_female, first_female_p = _weighted(dict(Person.first_names_female))
    first_male, first_male_p = _weighted(dict(Person.first_names_male))
    last, last_p = _weighted(dict(Person.last_names), EPONYM_SURNAMES)
    firsts = np.array(sorted(set(Person.first_names_female) | set(Person.first_names_male)), dtype=object)
    suffixes = np.array(sorted(Address.street_suffixes), dtype=object)
    k = 4000
    stem = np.where(
        rng.random(k) < 0.5, firsts[rng.integers(0, len(firsts), k)], last[rng.integers(0, len(last), k)]
    )
    streets = stem + " " + suffixes[rng.integers(0, len(suffixes), k)]
    prefixes = np.array(sorted(Address.city_prefixes), dtype=object)
    city_suffixes = np.array(sorted(Address.city_suffixes), dtype=object)
    m = 2000
    form = rng.integers(0, 4, m)
    first = firsts[rng.integers(0, len(firsts), m)]
    surname = last[rng.integers(0, len(last), m)]
    prefix = prefixes[rng.integers(0, len(prefixes), m)] + " "
    suffix = city_suffixes[rng.integers(0, len(city_suffixes), m)]
    cities = np.where(
        form == 0,
        prefix + first + suffix,
        np.where(form == 1, prefix + first, np.where(form == 2, first + suffix, surname + suffix)),
    )
    world_first, world_last = _world_names()
    return Pools(
        first_female=first_female,
        first_female_p=first_female_p,
        first_male=first_male,
        first_male_p=first_male_p,
        last=last,
        last_p=last_p,
        street_names=np.array(sorted(set(streets.tolist())), dtype=object),
        cities=np.array(sorted(set(cities.tolist())), dtype=object),
        clinician_first=firsts[rng.integers(0, len(firsts), 300)],
        clinician_last=last[rng.integers(0, len(last), 400)],
        world_first=world_first,
        world_last=world_last,
    )
