"""The tabular part of the synthetic study, vectorised with numpy and built as Polars frames.

Each function takes a ``numpy.random.Generator`` of its own (spawned from the study seed) so
that changing one table's draws never shifts another's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from ethicompass.synth import _pools as P

ENROL_START = int(np.datetime64("2019-01-01", "D").astype(np.int64))
ENROL_END = int(np.datetime64("2023-12-31", "D").astype(np.int64))

# Model design: binormal scores; separation d gives AUROC = Phi(d / sqrt(2)).
D_GOOD = 1.466  # AUROC ~0.85
D_POOR = 0.742  # AUROC ~0.70
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
    zip5: np.ndarray  # int
    birth: np.ndarray  # days since 1970
    patients: pl.DataFrame


def _days(values: np.ndarray) -> pl.Series:
    return pl.Series(values.astype(np.int32)).cast(pl.Date)


def _take(vocabulary: Sequence[str] | np.ndarray, idx: np.ndarray) -> pl.Series:
    """``vocabulary[idx]`` as a Polars string column, without building Python strings per row."""
    return pl.Series(list(vocabulary), dtype=pl.String).gather(np.asarray(idx, dtype=np.int64))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """``prefix`` + zero-padded ``numbers`` (``width`` digits), vectorised."""
    padded = pl.Series(np.asarray(numbers, dtype=np.int64) + 10**width).cast(pl.String).str.slice(1)
    return padded if not prefix else pl.select(pl.lit(prefix) + pl.lit(padded)).to_series()


def _zip_codes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(state index, 5-digit ZIP as int) per participant."""
    weights = np.array([w for _, w, _ in P.STATES])
    state = rng.choice(len(P.STATES), n, p=weights / weights.sum())
    prefixes = [np.concatenate([np.arange(lo, hi + 1) for lo, hi in ranges]) for _, _, ranges in P.STATES]
    sizes = np.array([len(x) for x in prefixes])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.concatenate(prefixes)
    zip3 = flat[starts[state] + np.floor(rng.random(n) * sizes[state]).astype(np.int64)]
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


def _month_day(days: np.ndarray) -> np.ndarray:
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    return np.asarray(
        month.astype(np.int64) % 12 * 100 + (d - month.astype("datetime64[D]")).astype(np.int64)
    )


def exact_age(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Completed years between two day counts (vectorised; birthdays compared by month and day)."""
    by = birth.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    oy = on.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    return np.asarray(oy - by - (_month_day(on) < _month_day(birth)), dtype=np.int64)


def cohort(rng: np.random.Generator, n: int, pools: P.Pools) -> Cohort:
    """The participants: demographics, identifiers and addresses."""
    idx = np.arange(1, n + 1)
    female = rng.random(n) < 0.51
    race = rng.choice(len(P.RACES), n, p=np.array(P.RACE_SHARES) / sum(P.RACE_SHARES))
    relative = np.array(P.HISPANIC_BY_RACE)
    race_p = np.array(P.RACE_SHARES) / sum(P.RACE_SHARES)
    hispanic = rng.random(n) < (relative * P.COHORT_HISPANIC_SHARE / float(relative @ race_p))[race]
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
    n_female = len(pools.first_female)
    first = np.where(
        female,
        rng.choice(n_female, n, p=pools.first_female_p),
        n_female + rng.choice(len(pools.first_male), n, p=pools.first_male_p),
    )
    first_pool = pl.Series(np.concatenate([pools.first_female, pools.first_male]).tolist(), dtype=pl.String)
    last = rng.choice(len(pools.last), n, p=pools.last_p)
    last_pool = pl.Series(pools.last.tolist(), dtype=pl.String)
    street = rng.integers(0, len(pools.street_names), n)
    house = rng.integers(1, 10000, n)
    unit_kind = np.searchsorted(np.array([0.15, 0.20]), rng.random(n), side="right")
    units = np.where(unit_kind < 2, rng.integers(1, 1000, n), 0)
    zip3 = zip5 // 100
    city = (zip3 * 7919 + rng.integers(0, 3, n) * 104729) % len(pools.cities)
    ssn_area = rng.integers(1, 899, n)
    ssn_area = ssn_area + (ssn_area >= 666)
    # unique 8-digit MRNs: an affine permutation of 0..90M-1, handed out in random order
    mrn = rng.permutation(10_000_000 + (idx * 7_654_321 + rng.integers(0, 90_000_000)) % 90_000_000)
    diag_p = np.array([s for _, _, s in P.DIAGNOSES])
    diagnosis = rng.choice(len(P.DIAGNOSES), n, p=diag_p / diag_p.sum())
    email_number = rng.integers(0, 100, n)
    email_domain = rng.integers(0, len(P.EMAIL_DOMAINS), n)
    alpha = "[^a-z]"
    first_email = first_pool.str.to_lowercase().str.replace_all(alpha, "")
    last_email = last_pool.str.to_lowercase().str.replace_all(alpha, "")
    plan = rng.integers(0, len(P.HEALTH_PLAN_PREFIXES), n)
    area = rng.integers(0, len(P.AREA_CODES), n)
    exchange = rng.integers(201, 1000, n)
    subscriber = rng.integers(0, 10000, n)
    ssn_group, ssn_serial = rng.integers(1, 100, n), rng.integers(1, 10000, n)
    plan_number = rng.integers(0, 1_000_000_000, n)
    parts = pl.DataFrame(
        {
            "house": pl.Series(house).cast(pl.String),
            "street": _take(pools.street_names, street),
            "unit": _take(("Apt. ", "Suite ", ""), unit_kind)
            + pl.Series(units).cast(pl.String).str.replace("^0$", ""),
            "area": _take(P.AREA_CODES, area),
            "exchange": pl.Series(exchange).cast(pl.String),
            "subscriber": _ids("", subscriber, 4),
            "first_email": first_email.gather(first),
            "last_email": last_email.gather(last),
            "email_number": pl.Series(np.where(email_number < 60, -1, email_number)).cast(pl.String),
            "domain": _take(P.EMAIL_DOMAINS, email_domain),
        }
    )
    patients = pl.DataFrame(
        {
            "participant_id": _ids("P", idx, 7),
            "mrn": pl.Series(mrn).cast(pl.String),
            "first_name": first_pool.gather(first),
            "last_name": last_pool.gather(last),
            "ssn": pl.select(
                pl.lit(_ids("", ssn_area, 3))
                + pl.lit("-")
                + pl.lit(_ids("", ssn_group, 2))
                + pl.lit("-")
                + pl.lit(_ids("", ssn_serial, 4))
            ).to_series(),
            "birth_date": _days(birth),
            "age": pl.Series(age),
            "sex": _take(("M", "F"), female.astype(np.int64)),
            "race": _take(P.RACES, race),
            "ethnicity": _take((P.NOT_HISPANIC, P.HISPANIC), hispanic.astype(np.int64)),
            "street_address": parts.select(
                pl.col("house")
                + pl.lit(" ")
                + pl.col("street")
                + pl.when(pl.col("unit") == "").then(pl.lit("")).otherwise(pl.lit(" ") + pl.col("unit"))
            ).to_series(),
            "city": _take(pools.cities, city),
            "state": _take([s for s, _, _ in P.STATES], state),
            "zip": _ids("", zip5, 5),
            "phone": parts.select(
                pl.lit("(")
                + pl.col("area")
                + pl.lit(") ")
                + pl.col("exchange")
                + pl.lit("-")
                + pl.col("subscriber")
            ).to_series(),
            "email": parts.select(
                pl.col("first_email")
                + pl.lit(".")
                + pl.col("last_email")
                + pl.col("email_number").str.replace("^-1$", "")
                + pl.lit("@")
                + pl.col("domain")
            ).to_series(),
            "health_plan_id": pl.select(
                pl.lit(_take(P.HEALTH_PLAN_PREFIXES, plan)) + pl.lit(_ids("", plan_number, 9))
            ).to_series(),
            "enrolment_date": _days(enrol),
            "site": _take(P.SITES, site),
            "arm": _take(("control", "treatment"), treatment.astype(np.int64)),
            "primary_diagnosis": _take([c for c, _, _ in P.DIAGNOSES], diagnosis),
        }
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
        zip5=zip5,
        birth=birth,
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


def drift_windows(predictions: pl.DataFrame, c: Cohort) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The predictions of the patients enrolled before and from the median enrolment date: the two
    windows ``ethicompass drift`` compares (no drift is planted between them)."""
    enrol = c.patients["enrolment_date"]
    cut = enrol.sort()[predictions.height // 2]
    early = (enrol < cut).to_numpy()
    return predictions.filter(pl.Series(early)), predictions.filter(pl.Series(~early))


def _expand(counts: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(counts)), counts)


def _sorted_draws(
    who: np.ndarray, offset: np.ndarray, extra: np.ndarray, extra_bits: int
) -> tuple[np.ndarray, ...]:
    """Sort rows by (participant, day offset, extra) by sorting one packed integer key."""
    key = (who.astype(np.int64) << (11 + extra_bits)) | (offset.astype(np.int64) << extra_bits) | extra
    key.sort()
    mask = (1 << extra_bits) - 1
    return key >> (11 + extra_bits), (key >> extra_bits) & 2047, key & mask


def encounters(rng: np.random.Generator, c: Cohort) -> pl.DataFrame:
    """Dated visits: one to several per participant over two years from enrolment."""
    who = _expand(1 + rng.poisson(2.0, c.n))
    m = len(who)
    who, offset, _ = _sorted_draws(who, rng.integers(0, 731, m), np.zeros(m, np.int64), 0)
    kind = rng.choice(len(P.ENCOUNTER_TYPES), m, p=np.array(P.ENCOUNTER_TYPE_SHARES))
    dept = rng.integers(0, len(P.DEPARTMENTS), m)
    return pl.DataFrame(
        {
            "encounter_id": _ids("E", np.arange(1, m + 1), 9),
            "participant_id": c.pid.gather(who),
            "encounter_date": _days(c.enrol[who] + offset),
            "encounter_type": _take(P.ENCOUNTER_TYPES, kind),
            "department": _take(P.DEPARTMENTS, dept),
        }
    )


def labs(rng: np.random.Generator, c: Cohort) -> pl.DataFrame:
    """Lab measurements with realistic units and spreads."""
    who = _expand(1 + rng.poisson(3.0, c.n))
    m = len(who)
    tests = len(P.LAB_TESTS)
    who, offset, test = _sorted_draws(who, rng.integers(0, 731, m), rng.integers(0, tests, m), 4)
    mean = np.array([t[2] for t in P.LAB_TESTS])[test]
    sd = np.array([t[3] for t in P.LAB_TESTS])[test]
    low = np.array([t[4] for t in P.LAB_TESTS])[test]
    scale = 10.0 ** np.array([t[5] for t in P.LAB_TESTS])[test]
    value = np.round(np.maximum(mean + sd * rng.standard_normal(m), low) * scale) / scale
    return pl.DataFrame(
        {
            "lab_id": _ids("L", np.arange(1, m + 1), 9),
            "participant_id": c.pid.gather(who),
            "collected_date": _days(c.enrol[who] + offset),
            "test": _take([t[0] for t in P.LAB_TESTS], test),
            "value": value,
            "unit": _take([t[1] for t in P.LAB_TESTS], test),
        }
    )


def adverse_events(rng: np.random.Generator, c: Cohort) -> pl.DataFrame:
    """Adverse events; the signal category occurs AE_SIGNAL_RATE_RATIO times as often in its arm."""
    whos, cats = [], []
    signal_arm = c.treatment if P.AE_SIGNAL_ARM == "treatment" else ~c.treatment
    for k, (name, rate) in enumerate(P.AE_CATEGORIES):
        rates = (
            np.where(signal_arm, rate * P.AE_SIGNAL_RATE_RATIO, rate)
            if name == P.AE_SIGNAL_CATEGORY
            else rate
        )
        who = _expand(rng.poisson(rates, c.n))
        whos.append(who)
        cats.append(np.full(len(who), k))
    who = np.concatenate(whos)
    m = len(who)
    who, offset, cat = _sorted_draws(who, rng.integers(1, 366, m), np.concatenate(cats), 4)
    severity = 1 + rng.choice(5, m, p=np.array(P.AE_SEVERITY_SHARES))
    serious = (severity >= 4) | ((severity == 3) & (rng.random(m) < 0.3))
    return pl.DataFrame(
        {
            "event_id": _ids("AE", np.arange(1, m + 1), 8),
            "participant_id": c.pid.gather(who),
            "arm": _take(("control", "treatment"), c.treatment[who].astype(np.int64)),
            "category": _take([name for name, _ in P.AE_CATEGORIES], cat),
            "onset_date": _days(c.enrol[who] + offset),
            "severity": severity.astype(np.int8),
            "serious": serious,
        }
    )


def consents(rng: np.random.Generator, c: Cohort) -> tuple[pl.DataFrame, dict[str, object]]:
    """Consent events per participant and purpose, and the counts recorded as truth.

    Rows come out sorted by participant, purpose name and version without a sort: each
    (participant, purpose) slot holds version 1, then version 2 when there is a withdrawal.
    """
    n, k = c.n, len(P.CONSENT_PURPOSES)
    names = sorted(P.CONSENT_PURPOSES)
    position = np.array([P.CONSENT_PURPOSES.index(name) for name in names])  # sorted slot -> purpose
    refusal = np.array(P.CONSENT_REFUSAL)[position]
    refused = rng.random((n, k)) < refusal
    withdraw_all = rng.random(n) < P.CONSENT_WITHDRAW_ALL
    ai = names.index("ai-model-training")
    withdraw = np.zeros((n, k), dtype=bool)
    withdraw[withdraw_all] = ~refused[withdraw_all]
    ai_only = (~withdraw_all) & (~refused[:, ai]) & (rng.random(n) < P.CONSENT_WITHDRAW_AI / 0.95)
    withdraw[ai_only, ai] = True
    slot = np.repeat(np.arange(n * k), 1 + withdraw.ravel())
    version = np.ones(len(slot), dtype=np.int8)
    version[1:][slot[1:] == slot[:-1]] = 2
    who, purpose = slot // k, slot % k
    second = version == 2
    action = np.where(second, 2, refused.ravel()[slot].astype(np.int64))
    v1_seconds = c.enrol * 86400 + rng.integers(8 * 3600, 18 * 3600, n)
    v2_seconds = (c.enrol + rng.integers(30, 701, n)) * 86400 + rng.integers(8 * 3600, 18 * 3600, n)
    stamps = (
        pl.Series(np.concatenate([v1_seconds, v2_seconds]) * 1_000_000)
        .cast(pl.Datetime("us"))
        .dt.to_string("%Y-%m-%dT%H:%M:%SZ")
    )
    new_form = c.enrol >= int(np.datetime64("2021-01-01", "D").astype(np.int64))
    frame = pl.DataFrame(
        {
            "participant_id": c.pid.gather(who),
            "purpose": _take(names, purpose),
            "action": _take(("grant", "refuse", "withdraw"), action),
            "decision": _take(("permit", "deny"), (action > 0).astype(np.int64)),
            "recorded_at": stamps.gather(who + n * second),
            "version": version,
            "document_version": _take(P.CONSENT_DOCUMENT_VERSIONS, new_form[who].astype(np.int64)),
        }
    )
    truth = {
        "refused": {name: int(refused[:, i].sum()) for i, name in enumerate(names)},
        "withdrew": {name: int(withdraw[:, i].sum()) for i, name in enumerate(names)},
        "withdrew_all": int(withdraw_all.sum()),
        "permitted_now": {
            name: int((~refused[:, i] & ~withdraw[:, i]).sum()) for i, name in enumerate(names)
        },
    }
    return frame, truth
