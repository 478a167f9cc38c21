"""The synthetic study: determinism, the gold PHI file, the planted truths and the manifest."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

from ethicompass.errors import InputError
from ethicompass.study import PhiType, Study
from ethicompass.synth import SynthResult, generate_study
from ethicompass.synth._writer import DATE_STYLES, format_date

FILES = [
    "adverse_events.csv",
    "consents.csv",
    "encounters.csv",
    "labs.csv",
    "notes.jsonl",
    "notes_gold.jsonl",
    "notes_negatives.jsonl",
    "outcomes.csv",
    "patients.csv",
    "predictions.csv",
    "predictions_early.csv",
    "predictions_late.csv",
    "reference_population.csv",
    "study.yaml",
    "synth_truth.json",
]
STATS_PATIENTS = 5000


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """A 5,000-patient study: big enough for the planted effects to be clear."""
    return generate_study(tmp_path_factory.mktemp("synth"), patients=STATS_PATIENTS, seed=11)


def _csv(result: SynthResult, name: str) -> pl.DataFrame:
    return pl.read_csv(result.out_dir / name, infer_schema_length=0)


def _jsonl(result: SynthResult, name: str) -> list[dict[str, Any]]:
    lines = (result.out_dir / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


# ----------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    a = generate_study(tmp_path / "a", patients=300, seed=5)
    b = generate_study(tmp_path / "b", patients=300, seed=5)
    c = generate_study(tmp_path / "c", patients=300, seed=6)
    assert [f.name for f in a.files] == FILES
    for name in FILES:
        assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes(), name
    for name in ("patients.csv", "notes.jsonl", "notes_gold.jsonl", "predictions.csv", "consents.csv"):
        assert (a.out_dir / name).read_bytes() != (c.out_dir / name).read_bytes(), name
    assert a.to_dict()["rows"]["patients.csv"] == 300
    assert a.to_frame().height == len(FILES)


@pytest.mark.parametrize("patients, seed", [(9, 0), (100, -1), (True, 0)])
def test_bad_arguments_are_input_errors(tmp_path: Path, patients: Any, seed: int) -> None:
    with pytest.raises(InputError):
        generate_study(tmp_path, patients=patients, seed=seed)


def test_cli_synth_writes_the_study(cli: Any, tmp_path: Path) -> None:
    res = cli("synth", "--out", tmp_path / "s", "--patients", "50", "--seed", "3")
    assert res.code == 0, res.err
    assert (tmp_path / "s" / "study.yaml").is_file()
    assert "wrote a 50-patient synthetic study" in res.out and "predictions_early.csv" in res.out
    again = cli("synth", "--out", tmp_path / "j", "--patients", "50", "--seed", "3", "--format", "json")
    assert again.code == 0 and again.json()["rows"]["predictions.csv"] == 50


# ----------------------------------------------------------------------------- notes and gold
def test_gold_spans_are_exact_and_typed(study: SynthResult) -> None:
    notes = {n["note_id"]: n["text"] for n in _jsonl(study, "notes.jsonl")}
    gold = _jsonl(study, "notes_gold.jsonl")
    assert gold
    valid = {t.value for t in PhiType}
    for span in gold:
        assert notes[span["note_id"]][span["start"] : span["end"]] == span["value"]
        assert span["type"] in valid
    kinds = {span["type"] for span in gold}
    assert {"NAME", "DATE", "MRN", "PHONE", "LOCATION", "ZIP", "AGE", "EMAIL", "URL", "SSN"} <= kinds
    assert {"ACCOUNT", "DEVICE", "HEALTH_PLAN", "FAX", "LICENSE", "IP"} <= kinds


def test_negative_controls_are_exact_and_never_gold(study: SynthResult) -> None:
    notes = {n["note_id"]: n["text"] for n in _jsonl(study, "notes.jsonl")}
    gold = _jsonl(study, "notes_gold.jsonl")
    negatives = _jsonl(study, "notes_negatives.jsonl")
    covered: dict[str, list[tuple[int, int]]] = {}
    for span in gold:
        covered.setdefault(span["note_id"], []).append((span["start"], span["end"]))
    kinds = set()
    for neg in negatives:
        kinds.add(neg["kind"])
        assert notes[neg["note_id"]][neg["start"] : neg["end"]] == neg["value"]
        for s, e in covered.get(neg["note_id"], []):
            assert e <= neg["start"] or s >= neg["end"], neg
    assert {"dose", "blood_pressure", "lab_value", "bare_year", "icd10", "eponym", "age_under_90"} <= kinds


def test_notes_cover_templates_phi_free_share_and_patients(study: SynthResult) -> None:
    notes = _jsonl(study, "notes.jsonl")
    gold_ids = {s["note_id"] for s in _jsonl(study, "notes_gold.jsonl")}
    assert len(notes) == min(STATS_PATIENTS, 50_000)
    assert {n["note_type"] for n in notes} == {
        "admission",
        "progress",
        "discharge",
        "referral",
        "nursing",
        "icu_nursing",
        "typed",
    }
    without = sum(n["note_id"] not in gold_ids for n in notes) / len(notes)
    assert 0.07 <= without <= 0.13
    assert study.truth["notes"]["without_phi"] == sum(n["note_id"] not in gold_ids for n in notes)
    texts = "\n".join(n["text"] for n in notes)
    for marker in ("Mr. ", "Dr. ", "pt ", "St. Mary's Medical Center", "-year-old", "BP "):
        assert marker in texts


def test_ages_over_89_are_gold_and_younger_ages_are_not(study: SynthResult) -> None:
    ages = [int(s["value"]) for s in _jsonl(study, "notes_gold.jsonl") if s["type"] == "AGE"]
    assert ages and min(ages) >= 90
    young = [n["value"] for n in _jsonl(study, "notes_negatives.jsonl") if n["kind"] == "age_under_90"]
    assert young


@pytest.mark.parametrize("style", range(DATE_STYLES))
def test_every_date_style_contains_the_day(style: int) -> None:
    day = dt.date(2021, 3, 5)
    text = format_date(day, style, random.Random(0))
    assert "5" in text
    others = {format_date(day, s, random.Random(0)) for s in range(DATE_STYLES) if s != style}
    assert text not in others


# ----------------------------------------------------------------------------- distributions
def test_race_mix_is_census_like_and_hispanic_is_underrepresented(study: SynthResult) -> None:
    patients = _csv(study, "patients.csv")
    shares = dict(patients["race"].value_counts(normalize=True).iter_rows())
    assert shares["White"] == pytest.approx(0.616, abs=0.03)
    assert shares["Black or African American"] == pytest.approx(0.124, abs=0.02)
    assert shares["Asian"] == pytest.approx(0.06, abs=0.015)
    ref = _csv(study, "reference_population.csv")
    pop = float(ref.filter(pl.col("value") == "Hispanic or Latino")["population_share"][0])
    cohort = (patients["ethnicity"] == "Hispanic or Latino").mean()
    assert cohort is not None and float(cohort) < pop - 0.05
    under = study.truth["underrepresented"][0]
    assert under["attribute"] == "ethnicity" and under["population_share"] == pop


def test_ages_dates_and_identifier_formats(study: SynthResult) -> None:
    p = _csv(study, "patients.csv")
    age = p["age"].cast(pl.Int64)
    assert age.min() == 18 and 95 <= (age.max() or 0) <= 100
    over = float((age > 89).mean() or 0)
    assert 0.01 <= over <= 0.05 and over == pytest.approx(study.truth["share_over_89"], abs=1e-6)
    birth = p["birth_date"].str.to_date()
    enrol = p["enrolment_date"].str.to_date()
    years = enrol.dt.year().cast(pl.Int64) - birth.dt.year().cast(pl.Int64)
    e_md = enrol.dt.month().cast(pl.Int64) * 100 + enrol.dt.day().cast(pl.Int64)
    b_md = birth.dt.month().cast(pl.Int64) * 100 + birth.dt.day().cast(pl.Int64)
    before = e_md < b_md
    assert (years - before.cast(pl.Int64) == age).all()
    assert p["zip"].str.contains(r"^\d{5}$").all()
    assert p["ssn"].str.contains(r"^\d{3}-\d{2}-\d{4}$").all()
    assert not p["ssn"].str.starts_with("666").any() and not p["ssn"].str.starts_with("000").any()
    assert p["participant_id"].is_unique().all() and p["mrn"].is_unique().all()
    zip3 = set(p["zip"].str.slice(0, 3).to_list())
    assert zip3 & set(study.truth["restricted_zip3_prefixes"])
    assert p["state"].str.contains(r"^[A-Z]{2}$").all()


def test_outcome_prevalence_is_realistic(study: SynthResult) -> None:
    y = _csv(study, "outcomes.csv")["outcome"].cast(pl.Int64)
    assert 0.15 <= float(y.mean() or 0) <= 0.25
    assert float(y.mean() or 0) == pytest.approx(study.truth["outcome_prevalence"], abs=1e-6)


def _auroc(frame: pl.DataFrame, column: str = "risk_score") -> float:
    return float(roc_auc_score(frame["outcome"].to_numpy(), frame[column].to_numpy()))


def test_planted_underperformance_is_clear_and_sex_is_fair(study: SynthResult) -> None:
    pred = pl.read_csv(study.out_dir / "predictions.csv")
    assert study.truth["fair_attributes"] == ["sex"]
    for sub in study.truth["underperforming_subgroups"]:
        attr, value = sub["attribute"], sub["value"]
        inside = _auroc(pred.filter(pl.col(attr) == value))
        outside = _auroc(pred.filter(pl.col(attr) != value))
        assert outside - inside >= 0.07, (attr, value, inside, outside)
        assert 0.55 <= inside <= 0.78 and outside >= 0.8
    f, m = (_auroc(pred.filter(pl.col("sex") == s)) for s in ("F", "M"))
    assert abs(f - m) < 0.04
    assert 0.72 <= _auroc(pred, "risk_score_alt") < _auroc(pred)


def test_planted_miscalibration_is_in_one_site_only(study: SynthResult) -> None:
    pred = pl.read_csv(study.out_dir / "predictions.csv")
    gap = pred.group_by("site").agg((pl.col("risk_score").mean() - pl.col("outcome").mean()).alias("gap"))
    gaps = dict(gap.iter_rows())
    (bad,) = study.truth["miscalibrated_subgroups"]
    assert bad["direction"] == "over" and gaps.pop(bad["value"]) > 0.07
    assert all(abs(g) < 0.04 for g in gaps.values()), gaps
    alt = pred.select((pl.col("risk_score_alt").mean() - pl.col("outcome").mean()).abs()).item()
    assert alt < 0.02
    lo, hi = study.truth["useful_threshold_range"]
    assert 0 < lo < 0.2 < 0.5 < hi < 1


def test_planted_adverse_event_signal(study: SynthResult) -> None:
    events = pl.read_csv(study.out_dir / "adverse_events.csv")
    arms = dict(_csv(study, "patients.csv")["arm"].value_counts().iter_rows())
    rates = events.group_by("category", "arm").len().pivot(on="arm", index="category", values="len")
    signal = study.truth["adverse_event_signal"]
    assert signal["arm"] == "treatment" and signal["rate_ratio"] == 3.0
    for category, control, treatment in rates.select("category", "control", "treatment").iter_rows():
        ratio = (treatment / arms["treatment"]) / (control / arms["control"])
        if category == signal["category"]:
            assert 2.0 <= ratio <= 4.5
        else:
            assert 0.6 <= ratio <= 1.6, (category, ratio)
    assert events["severity"].is_between(1, 5).all()
    assert (events.filter(pl.col("severity") >= 4)["serious"]).all()


def test_consent_refusals_and_withdrawals(study: SynthResult) -> None:
    c = pl.read_csv(study.out_dir / "consents.csv")
    n = STATS_PATIENTS
    v1 = c.filter(pl.col("version") == 1)
    assert v1.height == n * 5
    ai = v1.filter(pl.col("purpose") == "ai-model-training")
    refused = ai.filter(pl.col("action") == "refuse").height / n
    assert 0.03 <= refused <= 0.07
    assert (v1.filter(pl.col("action") == "refuse")["decision"] == "deny").all()
    v2 = c.filter(pl.col("version") == 2)
    assert (v2["action"] == "withdraw").all() and (v2["decision"] == "deny").all()
    withdrew = v2.filter(pl.col("purpose") == "ai-model-training").height / n
    assert 0.02 <= withdrew <= 0.05
    joined = v2.join(v1, on=["participant_id", "purpose"], suffix="_v1")
    assert (joined["recorded_at"] > joined["recorded_at_v1"]).all()
    assert (joined["action_v1"] == "grant").all()
    everything = v2.group_by("participant_id").len().filter(pl.col("len") >= 4).height
    assert everything >= 5 and everything == pytest.approx(study.truth["consent"]["withdrew_all"], abs=5)
    truth = study.truth["consent"]
    assert truth["refused"]["ai-model-training"] == ai.filter(pl.col("action") == "refuse").height
    assert (
        truth["withdrew"]["ai-model-training"] == v2.filter(pl.col("purpose") == "ai-model-training").height
    )


# ----------------------------------------------------------------------------- manifest and ids
def test_manifest_validates_and_names_every_column(study: SynthResult) -> None:
    manifest = Study.from_file(study.out_dir / "study.yaml")
    manifest.check_files()
    assert manifest.predictions is not None and manifest.predictions.groups == ["sex", "race", "age_group"]
    assert manifest.consent is not None and manifest.consent.purpose == "ai-model-training"
    for name, spec in manifest.datasets.items():
        header = (
            pl.read_csv(manifest.dataset_path(name), n_rows=1).columns if spec.path.endswith(".csv") else None
        )
        if header is not None:
            assert list(spec.columns) == header, name


def test_participant_ids_are_consistent_across_files(study: SynthResult) -> None:
    ids = _csv(study, "patients.csv")["participant_id"]
    assert ids.is_sorted()
    known = set(ids.to_list())
    for name in ("outcomes.csv", "predictions.csv"):
        assert _csv(study, name)["participant_id"].to_list() == ids.to_list()
    for name in ("encounters.csv", "labs.csv", "consents.csv", "adverse_events.csv"):
        col = _csv(study, name)["participant_id"]
        assert set(col.to_list()) <= known and col.is_sorted(), name
    assert {n["participant_id"] for n in _jsonl(study, "notes.jsonl")} <= known
    pred = _csv(study, "predictions.csv")
    pat = _csv(study, "patients.csv")
    for column in ("sex", "race", "ethnicity", "site"):
        assert pred[column].to_list() == pat[column].to_list()
    out = _csv(study, "outcomes.csv")
    assert pred["outcome"].to_list() == out["outcome"].to_list()
    assert np.all((out["outcome"] == "1").to_numpy() == out["outcome_date"].is_not_null().to_numpy())


def test_small_study_fixture(small_study: Path) -> None:
    truth = json.loads((small_study / "synth_truth.json").read_text())
    assert truth["patients"] == 400 and truth["seed"] == 7


def test_unique_combinations_match_a_direct_count(study: SynthResult) -> None:
    p = pl.read_csv(study.out_dir / "patients.csv", schema_overrides={"zip": pl.String})
    uniques = p.group_by("zip", "birth_date", "sex").len().filter(pl.col("len") == 1).height
    assert study.truth["unique_combinations"]["zip_birth_date_sex"] == uniques
    assert uniques > 0.9 * p.height  # Sweeney: almost everyone is unique on ZIP, birth date and sex
