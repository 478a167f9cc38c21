"""The tabular part of the synthetic study, vectorised with numpy and built as Polars frames.

Each function takes a ``numpy.random.Generator`` of its own (spawned from the study seed) so
that changing one table's draws never shifts another's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ethicompass.synth import _pools as P

ENROL_START = int(np.datetime64("2019-01-01", "D").astype(np.int64))
ENROL_END = int(np.datetime64("2023-12-31", "D").astype(np.int64))

# Model design: binormal scores; separation d gives AUROC = Phi(d / sqrt(2)).
D_GOOD = 1.466  # AUROC ~0.85
D_POOR = 0.65  # AUROC ~0.68 alone, ~0.72 once age-related prevalence adds its own signal
D_ALT = 1.0  # AUROC ~0.76, everywhere
UNDERPERFORMING = (("race", "Black or African American"), ("age_group", "80+"))
MISCALIBRATED_SITE = "site-03"
MISCALIBRATION_LOGIT = 0.9


@dataclass(frozen=True)
class Cohort:
    """Per-participant arrays the later tables and the notes draw on."""

    n: int
    pid: pl.Series
    enrol: np.ndarray  # days since 1970
    age: np.ndarray
    age_group: np.ndarray  # index into AGE_GROUPS
    race: np.ndarray  # index into RACES
    hispanic: np.ndarray  # bool
    female: np.ndarray  # bool
    site: np.ndarray  # index into SITES
    treatment: np.ndarray  # bool
    patients: pl.DataFrame


def _days(values: np.ndarray) -> pl.Series:
    return pl.Series(values.astype(np.int32)).cast(pl.Date)


def _padded(prefix: str, values: np.ndarray, width: int) -> pl.Expr:
    return pl.lit(prefix) + pl.lit(pl.Series(values.astype(np.int64))).cast(pl.String).str.zfill(width)


def _zip_codes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(state index, 5-digit ZIP as int) per participant."""
    weights = np.array([w for _, w, _ in P.STATES])
    state = rng.choice(len(P.STATES), n, p=weights / weights.sum())
    zip3 = np.empty(n, dtype=np.int64)
    for s, (_, _, ranges) in enumerate(P.STATES):
        members = np.flatnonzero(state == s)
        prefixes = np.concatenate([np.arange(lo, hi + 1) for lo, hi in ranges])
        zip3[members] = prefixes[rng.integers(0, len(prefixes), len(members))]
    rare = np.flatnonzero(rng.random(n) < P.RESTRICTED_ZIP3_SHARE)
    pick = rng.integers(0, len(P.RESTRICTED_ZIP3), len(rare))
    codes = {abbr: i for i, (abbr, _, _) in enumerate(P.STATES)}
    zip3[rare] = np.array([int(z) for z, _ in P.RESTRICTED_ZIP3])[pick]
    state[rare] = np.array([codes[s] for _, s in P.RESTRICTED_ZIP3])[pick]
    # Last two digits are skewed: a few ZIPs per prefix are common, most are rare.
    last2 = 1 + np.floor(98 * rng.random(n) ** 3).astype(np.int64)
    return state, zip3 * 100 + last2


def _birth_dates(rng: np.random.Generator, enrol: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Birth dates (days since 1970) such that the exact age at enrolment is ``age``."""
    e = enrol.astype("datetime64[D]")
    e_year = e.astype("datetime64[Y]").astype(np.int64) + 1970
    e_doy = (e - e.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    doy = rng.integers(0, 365, len(age))
    # a birthday later in the year than the enrolment day means one more year back
    year = e_year - age - (doy > e_doy)
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    births = start + doy.astype("timedelta64[D]")
    return births.astype(np.int64)


def exact_age(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Completed years between two day counts (vectorised)."""
    b = birth.astype("datetime64[D]")
    o = on.astype("datetime64[D]")
    by = b.astype("datetime64[Y]")
    oy = o.astype("datetime64[Y]")
    b_off = (b - by.astype("datetime64[D]")).astype(np.int64)
    o_off = (o - oy.astype("datetime64[D]")).astype(np.int64)
    # compare month/day, not day-of-year, so leap years do not shift birthdays
    b_md = b.astype("datetime64[M]").astype(np.int64) % 12 * 100 + (b - b.astype("datetime64[M]")).astype(
        np.int64
    )
    o_md = o.astype("datetime64[M]").astype(np.int64) % 12 * 100 + (o - o.astype("datetime64[M]")).astype(
        np.int64
    )
    del b_off, o_off
    return (oy.astype(np.int64) - by.astype(np.int64) - (o_md < b_md)).astype(np.int64)


def cohort(rng: np.random.Generator, n: int, pools: P.Pools) -> Cohort:
    """The participants: demographics, identifiers and addresses."""
    idx = np.arange(1, n + 1)
    female = rng.random(n) < 0.51
    race = rng.choice(len(P.RACES), n, p=np.array(P.RACE_SHARES) / sum(P.RACE_SHARES))
    hispanic = rng.random(n) < P.COHORT_HISPANIC_SHARE
    group = rng.choice(len(P.AGE_GROUPS), n, p=np.array(P.AGE_GROUP_SHARES))
    lo = np.array([b[0] for b in P.AGE_GROUP_BOUNDS])[group]
    hi = np.array([b[1] for b in P.AGE_GROUP_BOUNDS])[group]
    target = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    old = group == 3
    # 80+: ages thin out towards 100 (about a fifth of them over 89)
    target[old] = np.minimum(80 + np.floor(rng.exponential(6.0, int(old.sum()))).astype(np.int64), 100)
    enrol = rng.integers(ENROL_START, ENROL_END + 1, n)
    birth = _birth_dates(rng, enrol, target)
    age = exact_age(birth, enrol)
    site = rng.choice(len(P.SITES), n, p=np.array(P.SITE_SHARES))
    treatment = rng.random(n) < 0.5
    state, zip5 = _zip_codes(rng, n)
    first_f = rng.choice(len(pools.first_female), n, p=pools.first_female_p)
    first_m = rng.choice(len(pools.first_male), n, p=pools.first_male_p)
    first = np.where(female, pools.first_female[first_f], pools.first_male[first_m])
    last = pools.last[rng.choice(len(pools.last), n, p=pools.last_p)]
    street_name = pools.street_names[rng.integers(0, len(pools.street_names), n)]
    house = rng.integers(1, 10000, n)
    unit = rng.integers(1, 1000, n)
    unit_kind = rng.random(n)
    zip3 = zip5 // 100
    city = pools.cities[(zip3 * 7919 + rng.integers(0, 3, n) * 104729) % len(pools.cities)]
    ssn_area = rng.integers(1, 899, n)
    ssn_area = ssn_area + (ssn_area >= 666)
    mrn = 10_000_000 + (idx * 7_654_321 + 1_234_567 * (1 + rng.integers(0, 1))) % 90_000_000
    diag_p = np.array([s for _, _, s in P.DIAGNOSES])
    diagnosis = rng.choice(len(P.DIAGNOSES), n, p=diag_p / diag_p.sum())
    email_number = rng.integers(0, 100, n)
    email_domain = rng.integers(0, len(P.EMAIL_DOMAINS), n)
    frame = pl.DataFrame(
        {
            "first_name": pl.Series(first, dtype=pl.String),
            "last_name": pl.Series(last, dtype=pl.String),
            "street_name": pl.Series(street_name, dtype=pl.String),
            "city": pl.Series(city, dtype=pl.String),
        }
    )
    domains = pl.Series(np.array(P.EMAIL_DOMAINS, dtype=object)[email_domain], dtype=pl.String)
    plan = pl.Series(np.array(P.HEALTH_PLAN_PREFIXES, dtype=object)[rng.integers(0, 8, n)], dtype=pl.String)
    area = pl.Series(np.array(P.AREA_CODES, dtype=object)[rng.integers(0, len(P.AREA_CODES), n)])
    states = pl.Series(np.array([s for s, _, _ in P.STATES], dtype=object)[state], dtype=pl.String)
    alpha = "[^a-z]"
    patients = frame.select(
        _padded("P", idx, 7).alias("participant_id"),
        pl.lit(pl.Series(mrn)).cast(pl.String).alias("mrn"),
        pl.col("first_name"),
        pl.col("last_name"),
        (
            _padded("", ssn_area, 3)
            + pl.lit("-")
            + _padded("", rng.integers(1, 100, n), 2)
            + pl.lit("-")
            + _padded("", rng.integers(1, 10000, n), 4)
        ).alias("ssn"),
        pl.lit(_days(birth)).alias("birth_date"),
        pl.lit(pl.Series(age)).alias("age"),
        pl.lit(pl.Series(np.where(female, "F", "M"), dtype=pl.String)).alias("sex"),
        pl.lit(pl.Series(np.array(P.RACES, dtype=object)[race], dtype=pl.String)).alias("race"),
        pl.lit(
            pl.Series(np.where(hispanic, P.HISPANIC, P.NOT_HISPANIC).astype(object), dtype=pl.String)
        ).alias("ethnicity"),
        (
            pl.lit(pl.Series(house)).cast(pl.String)
            + pl.lit(" ")
            + pl.col("street_name")
            + pl.when(pl.lit(pl.Series(unit_kind)) < 0.15)
            .then(pl.lit(" Apt. ") + pl.lit(pl.Series(unit)).cast(pl.String))
            .when(pl.lit(pl.Series(unit_kind)) < 0.20)
            .then(pl.lit(" Suite ") + pl.lit(pl.Series(unit)).cast(pl.String))
            .otherwise(pl.lit(""))
        ).alias("street_address"),
        pl.col("city"),
        pl.lit(states).alias("state"),
        _padded("", zip5, 5).alias("zip"),
        (
            pl.lit("(")
            + pl.lit(area)
            + pl.lit(") ")
            + pl.lit(pl.Series(rng.integers(201, 1000, n))).cast(pl.String)
            + pl.lit("-")
            + _padded("", rng.integers(0, 10000, n), 4)
        ).alias("phone"),
        (
            pl.col("first_name").str.to_lowercase().str.replace_all(alpha, "")
            + pl.lit(".")
            + pl.col("last_name").str.to_lowercase().str.replace_all(alpha, "")
            + pl.when(pl.lit(pl.Series(email_number)) < 60)
            .then(pl.lit(""))
            .otherwise(pl.lit(pl.Series(email_number)).cast(pl.String))
            + pl.lit("@")
            + pl.lit(domains)
        ).alias("email"),
        (pl.lit(plan) + _padded("", rng.integers(0, 1_000_000_000, n), 9)).alias("health_plan_id"),
        pl.lit(_days(enrol)).alias("enrolment_date"),
        pl.lit(pl.Series(np.array(P.SITES, dtype=object)[site], dtype=pl.String)).alias("site"),
        pl.lit(pl.Series(np.where(treatment, "treatment", "control").astype(object), dtype=pl.String)).alias(
            "arm"
        ),
        pl.lit(
            pl.Series(np.array([c for c, _, _ in P.DIAGNOSES], dtype=object)[diagnosis], dtype=pl.String)
        ).alias("primary_diagnosis"),
    )
    age_group = np.searchsorted(np.array([40, 65, 80]), age, side="right")
    return Cohort(
        n=n,
        pid=patients["participant_id"],
        enrol=enrol,
        age=age,
        age_group=age_group,
        race=race,
        hispanic=hispanic,
        female=female,
        site=site,
        treatment=treatment,
        patients=patients,
    )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def outcomes_and_predictions(rng: np.random.Generator, c: Cohort) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The binary outcome, and two models' scores with planted subgroup failures."""
    prevalence = np.array(P.AGE_GROUP_PREVALENCE)[c.age_group]
    y = rng.random(c.n) < prevalence
    black = P.RACES.index("Black or African American")
    poor = (c.race == black) | (c.age_group == 3)
    d = np.where(poor, D_POOR, D_GOOD)
    base = np.log(prevalence / (1 - prevalence))
    s = rng.standard_normal(c.n) + d * y
    logit = base + d * s - d * d / 2  # the exact posterior log-odds: calibrated by construction
    logit = logit + np.where(c.site == P.SITES.index(MISCALIBRATED_SITE), MISCALIBRATION_LOGIT, 0.0)
    s_alt = rng.standard_normal(c.n) + D_ALT * y
    logit_alt = base + D_ALT * s_alt - D_ALT * D_ALT / 2
    score = np.round(np.clip(_sigmoid(logit), 1e-4, 1 - 1e-4), 6)
    score_alt = np.round(np.clip(_sigmoid(logit_alt), 1e-4, 1 - 1e-4), 6)
    outcome_day = c.enrol + rng.integers(30, 731, c.n)
    yi = y.astype(np.int8)
    outcomes = pl.DataFrame(
        {
            "participant_id": c.pid,
            "outcome": yi,
            "outcome_date": pl.Series(np.where(y, outcome_day, 0).astype(np.int32))
            .cast(pl.Date)
            .to_frame()
            .select(pl.when(pl.lit(pl.Series(y))).then(pl.first()).otherwise(None))
            .to_series(),
        }
    )
    p = c.patients
    predictions = pl.DataFrame(
        {
            "participant_id": c.pid,
            "sex": p["sex"],
            "race": p["race"],
            "ethnicity": p["ethnicity"],
            "age_group": pl.Series(np.array(P.AGE_GROUPS, dtype=object)[c.age_group], dtype=pl.String),
            "site": p["site"],
            "outcome": yi,
            "risk_score": score,
            "risk_score_alt": score_alt,
        }
    )
    return outcomes, predictions


def _expand(counts: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(counts)), counts)


def encounters(rng: np.random.Generator, c: Cohort) -> pl.DataFrame:
    """Dated visits: one to several per participant over two years from enrolment."""
    who = _expand(1 + rng.poisson(2.0, c.n))
    day = c.enrol[who] + rng.integers(0, 731, len(who))
    kind = rng.choice(len(P.ENCOUNTER_TYPES), len(who), p=np.array(P.ENCOUNTER_TYPE_SHARES))
    dept = rng.integers(0, len(P.DEPARTMENTS), len(who))
    order = np.lexsort((day, who))
    who, day, kind, dept = who[order], day[order], kind[order], dept[order]
    m = len(who)
    return pl.DataFrame({"_": np.zeros(m, dtype=np.int8)}).select(
        _padded("E", np.arange(1, m + 1), 9).alias("encounter_id"),
        pl.lit(c.pid.gather(who)).alias("participant_id"),
        pl.lit(_days(day)).alias("encounter_date"),
        pl.lit(pl.Series(np.array(P.ENCOUNTER_TYPES, dtype=object)[kind], dtype=pl.String)).alias(
            "encounter_type"
        ),
        pl.lit(pl.Series(np.array(P.DEPARTMENTS, dtype=object)[dept], dtype=pl.String)).alias("department"),
    )


def labs(rng: np.random.Generator, c: Cohort) -> pl.DataFrame:
    """Lab measurements with realistic units and spreads."""
    who = _expand(1 + rng.poisson(3.0, c.n))
    m = len(who)
    day = c.enrol[who] + rng.integers(0, 731, m)
    test = rng.integers(0, len(P.LAB_TESTS), m)
    mean = np.array([t[2] for t in P.LAB_TESTS])[test]
    sd = np.array([t[3] for t in P.LAB_TESTS])[test]
    low = np.array([t[4] for t in P.LAB_TESTS])[test]
    scale = 10.0 ** np.array([t[5] for t in P.LAB_TESTS])[test]
    value = np.round(np.maximum(mean + sd * rng.standard_normal(m), low) * scale) / scale
    order = np.lexsort((test, day, who))
    who, day, test, value = who[order], day[order], test[order], value[order]
    return pl.DataFrame({"_": np.zeros(m, dtype=np.int8)}).select(
        _padded("L", np.arange(1, m + 1), 9).alias("lab_id"),
        pl.lit(c.pid.gather(who)).alias("participant_id"),
        pl.lit(_days(day)).alias("collected_date"),
        pl.lit(pl.Series(np.array([t[0] for t in P.LAB_TESTS], dtype=object)[test], dtype=pl.String)).alias(
            "test"
        ),
        pl.lit(pl.Series(value)).alias("value"),
        pl.lit(pl.Series(np.array([t[1] for t in P.LAB_TESTS], dtype=object)[test], dtype=pl.String)).alias(
            "unit"
        ),
    )


def adverse_events(rng: np.random.Generator, c: Cohort) -> pl.DataFrame:
    """Adverse events; the signal category occurs AE_SIGNAL_RATE_RATIO times as often in its arm."""
    whos, cats = [], []
    for k, (name, rate) in enumerate(P.AE_CATEGORIES):
        rates = np.full(c.n, rate)
        if name == P.AE_SIGNAL_CATEGORY:
            rates = np.where(
                c.treatment == (P.AE_SIGNAL_ARM == "treatment"), rate * P.AE_SIGNAL_RATE_RATIO, rate
            )
        who = _expand(rng.poisson(rates))
        whos.append(who)
        cats.append(np.full(len(who), k))
    who = np.concatenate(whos)
    cat = np.concatenate(cats)
    m = len(who)
    day = c.enrol[who] + rng.integers(1, 366, m)
    severity = 1 + rng.choice(5, m, p=np.array(P.AE_SEVERITY_SHARES))
    serious = (severity >= 4) | ((severity == 3) & (rng.random(m) < 0.3))
    order = np.lexsort((cat, day, who))
    who, cat, day, severity, serious = who[order], cat[order], day[order], severity[order], serious[order]
    return pl.DataFrame({"_": np.zeros(m, dtype=np.int8)}).select(
        _padded("AE", np.arange(1, m + 1), 8).alias("event_id"),
        pl.lit(c.pid.gather(who)).alias("participant_id"),
        pl.lit(
            pl.Series(np.where(c.treatment[who], "treatment", "control").astype(object), dtype=pl.String)
        ).alias("arm"),
        pl.lit(
            pl.Series(np.array([n for n, _ in P.AE_CATEGORIES], dtype=object)[cat], dtype=pl.String)
        ).alias("category"),
        pl.lit(_days(day)).alias("onset_date"),
        pl.lit(pl.Series(severity.astype(np.int8))).alias("severity"),
        pl.lit(pl.Series(serious)).alias("serious"),
    )


def consents(rng: np.random.Generator, c: Cohort) -> tuple[pl.DataFrame, dict[str, object]]:
    """Consent events per participant and purpose, and the counts recorded as truth."""
    n, k = c.n, len(P.CONSENT_PURPOSES)
    refused = rng.random((n, k)) < np.array(P.CONSENT_REFUSAL)
    withdraw_all = rng.random(n) < P.CONSENT_WITHDRAW_ALL
    ai = P.CONSENT_PURPOSES.index("ai-model-training")
    withdraw = np.zeros((n, k), dtype=bool)
    withdraw[withdraw_all] = ~refused[withdraw_all]
    ai_only = (~withdraw_all) & (~refused[:, ai]) & (rng.random(n) < P.CONSENT_WITHDRAW_AI / 0.95)
    withdraw[ai_only, ai] = True
    v1_seconds = c.enrol * 86400 + rng.integers(8 * 3600, 18 * 3600, n)
    later = c.enrol + rng.integers(30, 701, n)
    v2_seconds = later * 86400 + rng.integers(8 * 3600, 18 * 3600, n)
    doc = np.where(
        c.enrol < int(np.datetime64("2021-01-01", "D").astype(np.int64)),
        P.CONSENT_DOCUMENT_VERSIONS[0],
        P.CONSENT_DOCUMENT_VERSIONS[1],
    ).astype(object)
    who1 = np.repeat(np.arange(n), k)
    purpose1 = np.tile(np.arange(k), n)
    ref1 = refused.ravel()
    w_who, w_purpose = np.nonzero(withdraw)
    who = np.concatenate([who1, w_who])
    purpose = np.concatenate([purpose1, w_purpose])
    version = np.concatenate([np.ones(len(who1), np.int8), np.full(len(w_who), 2, np.int8)])
    action = np.concatenate([np.where(ref1, 1, 0), np.full(len(w_who), 2)])
    secs = np.concatenate([v1_seconds[who1], v2_seconds[w_who]])
    names = np.array(P.CONSENT_PURPOSES, dtype=object)
    # sort by participant, purpose name, version
    purpose_rank = np.argsort(np.argsort(names))
    order = np.lexsort((version, purpose_rank[purpose], who))
    who, purpose, version, action, secs = (
        who[order],
        purpose[order],
        version[order],
        action[order],
        secs[order],
    )
    frame = pl.DataFrame(
        {
            "participant_id": c.pid.gather(who),
            "purpose": pl.Series(names[purpose], dtype=pl.String),
            "action": pl.Series(
                np.array(["grant", "refuse", "withdraw"], dtype=object)[action], dtype=pl.String
            ),
            "decision": pl.Series(np.where(action == 0, "permit", "deny").astype(object), dtype=pl.String),
            "recorded_at": pl.Series(secs * 1_000_000)
            .cast(pl.Datetime("us"))
            .dt.to_string("%Y-%m-%dT%H:%M:%SZ"),
            "version": version,
            "document_version": pl.Series(doc[who], dtype=pl.String),
        }
    )
    truth = {
        "refused": {p: int(refused[:, i].sum()) for i, p in enumerate(P.CONSENT_PURPOSES)},
        "withdrew": {p: int(withdraw[:, i].sum()) for i, p in enumerate(P.CONSENT_PURPOSES)},
        "withdrew_all": int(withdraw_all.sum()),
        "permitted_now": {
            p: int((~refused[:, i] & ~withdraw[:, i]).sum()) for i, p in enumerate(P.CONSENT_PURPOSES)
        },
    }
    return frame, truth
