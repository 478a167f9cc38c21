"""Hypothesis properties of de-identification: linkage, intervals, idempotence."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.privacy import Key, Policy, TableSchema, deidentify

SETTINGS = settings(max_examples=30, deadline=None)
ids = st.text(alphabet="ABCXYZ0123456789-", min_size=1, max_size=10)
dates = st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2090, 12, 31))
keys = st.binary(min_size=32, max_size=32).map(Key)

PATIENTS = TableSchema.from_dict(
    {
        "columns": {
            "pid": {"role": "participant_id"},
            "mrn": {"role": "direct_identifier", "phi_type": "MRN"},
            "seen": {"role": "date"},
            "value": {"role": "other"},
        }
    }
)
VISITS = TableSchema.from_dict(
    {
        "columns": {
            "visit_no": {"role": "other"},
            "subject": {"role": "participant_id"},
            "on": {"role": "date", "phi_type": "DATE"},
        }
    }
)


@st.composite
def two_tables(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    people = draw(st.lists(ids, min_size=1, max_size=12, unique=True))
    a = draw(st.lists(st.tuples(st.sampled_from(people), dates, st.floats(0, 10)), min_size=1, max_size=30))
    b = draw(st.lists(st.tuples(st.sampled_from(people), dates), min_size=1, max_size=30))
    patients = pl.DataFrame(
        {
            "pid": [p for p, _, _ in a],
            "mrn": [f"M{p}" for p, _, _ in a],
            "seen": [d.isoformat() for _, d, _ in a],
            "value": [v for _, _, v in a],
        }
    )
    visits = pl.DataFrame(
        {"visit_no": list(range(len(b))), "subject": [p for p, _ in b], "on": [d for _, d in b]}
    )
    return patients, visits


@SETTINGS
@given(two_tables(), keys, keys)
def test_pseudonyms_agree_across_tables_and_differ_across_keys(
    tables: tuple[pl.DataFrame, pl.DataFrame], key: Key, other: Key
) -> None:
    patients, visits = tables
    a = deidentify(patients, PATIENTS, key=key).to_frame()
    b = deidentify(visits, VISITS, key=key).to_frame()
    map_a = dict(zip(patients["pid"], a["pid"], strict=True))
    map_b = dict(zip(visits["subject"], b["subject"], strict=True))
    for person in map_a.keys() & map_b.keys():
        assert map_a[person] == map_b[person]
    assert len(set(map_a.values())) == len(map_a)  # no collisions: distinct people stay distinct
    if key != other:
        c = deidentify(patients, PATIENTS, key=other).to_frame()
        assert not set(c["pid"]) & set(a["pid"])


@SETTINGS
@given(two_tables(), keys, st.integers(0, 400), st.integers(0, 400))
def test_date_shift_preserves_every_interval_of_a_patient_across_tables(
    tables: tuple[pl.DataFrame, pl.DataFrame], key: Key, low: int, width: int
) -> None:
    patients, visits = tables
    policy = Policy.date_shift(low=-low, high=-low + width)
    a = deidentify(patients, PATIENTS, policy=policy, key=key).to_frame()
    b = deidentify(visits, VISITS, policy=policy, key=key).to_frame()
    before = [(p, dt.date.fromisoformat(d)) for p, d in zip(patients["pid"], patients["seen"], strict=True)]
    before += list(zip(visits["subject"], visits["on"], strict=True))
    after = list(zip(a["pid"], a["seen"], strict=True)) + list(zip(b["subject"], b["on"], strict=True))
    shift: dict[str, dt.timedelta] = {}
    for (person, old), (_, new) in zip(before, after, strict=True):
        delta = new - old
        assert -low <= delta.days <= -low + width
        assert delta.days != 0 or (low == 0 and width == 0)
        assert shift.setdefault(person, delta) == delta  # one offset per patient, in every table


@SETTINGS
@given(two_tables(), keys, st.sampled_from([Policy.safe_harbor(), Policy.date_shift()]))
def test_deidentifying_the_output_again_changes_nothing(
    tables: tuple[pl.DataFrame, pl.DataFrame], key: Key, policy: Policy
) -> None:
    for frame, schema in zip(tables, (PATIENTS, VISITS), strict=True):
        first = deidentify(frame, schema, policy=policy, key=key)
        again = deidentify(first.frame, first.output_schema, policy=policy, key=key)
        assert again.to_frame().equals(first.to_frame())
        assert again.certificate.output_sha256 == first.certificate.output_sha256


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 120), st.integers(1900, 2020)), min_size=1, max_size=20), keys)
def test_ages_over_89_are_capped_and_birth_years_follow(rows: list[tuple[int, int]], key: Key) -> None:
    schema = TableSchema.from_dict(
        {"columns": {"age": {"role": "quasi_identifier", "phi_type": "AGE"}, "dob": {"role": "date"}}}
    )
    frame = pl.DataFrame({"age": [a for a, _ in rows], "dob": [f"{y}-06-15" for _, y in rows]})
    out = deidentify(frame, schema, key=key).to_frame()
    for (age, year), out_age, out_year in zip(rows, out["age"], out["dob"], strict=True):
        if age > 89:
            assert out_age == "90+" and out_year == year + (age - 90)
        else:
            assert out_age == str(age) and out_year == year
