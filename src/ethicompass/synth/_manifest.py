"""The study manifest (study.yaml) and the reference population of the synthetic study."""

from __future__ import annotations

from typing import Any

import polars as pl
import yaml

from ethicompass.synth import _pools as P

PID = {"role": "participant_id"}


def _col(role: str, phi: str | None = None) -> dict[str, str]:
    return {"role": role, "phi_type": phi} if phi else {"role": role}


def manifest() -> dict[str, Any]:
    """The manifest as data: every dataset, every column's role and PHI type."""
    d, q, s, o, date = "direct_identifier", "quasi_identifier", "sensitive_attribute", "other", "date"
    datasets: dict[str, Any] = {
        "patients": {
            "path": "patients.csv",
            "description": "one row per participant: identifiers, demographics, address, site and arm",
            "columns": {
                "participant_id": PID,
                "mrn": _col(d, "MRN"),
                "first_name": _col(d, "NAME"),
                "last_name": _col(d, "NAME"),
                "ssn": _col(d, "SSN"),
                "birth_date": _col(date, "DATE"),
                "age": _col(q, "AGE"),
                "sex": _col(q),
                "race": _col(q),
                "ethnicity": _col(q),
                "street_address": _col(d, "LOCATION"),
                "city": _col(q, "LOCATION"),
                "state": _col(q),
                "zip": _col(q, "ZIP"),
                "phone": _col(d, "PHONE"),
                "email": _col(d, "EMAIL"),
                "health_plan_id": _col(d, "HEALTH_PLAN"),
                "enrolment_date": _col(date, "DATE"),
                "site": _col(o),
                "arm": _col(o),
                "primary_diagnosis": _col("sensitive_value"),
            },
        },
        "encounters": {
            "path": "encounters.csv",
            "description": "one row per visit",
            "columns": {
                "encounter_id": _col(o),
                "participant_id": PID,
                "encounter_date": _col(date, "DATE"),
                "encounter_type": _col(o),
                "department": _col(o),
            },
        },
        "labs": {
            "path": "labs.csv",
            "description": "one row per lab measurement",
            "columns": {
                "lab_id": _col(o),
                "participant_id": PID,
                "collected_date": _col(date, "DATE"),
                "test": _col(o),
                "value": _col(o),
                "unit": _col(o),
            },
        },
        "notes": {
            "path": "notes.jsonl",
            "description": "clinical notes (free text with PHI); gold PHI spans are in notes_gold.jsonl",
            "columns": {
                "note_id": _col(o),
                "participant_id": PID,
                "note_type": _col(o),
                "note_date": _col(date, "DATE"),
                "text": _col("free_text"),
            },
        },
        "consents": {
            "path": "consents.csv",
            "description": "one row per consent event (participant, purpose, version)",
            "columns": {
                "participant_id": PID,
                "purpose": _col(o),
                "action": _col(o),
                "decision": _col(o),
                "recorded_at": _col(date, "DATE"),
                "version": _col(o),
                "document_version": _col(o),
            },
        },
        "outcomes": {
            "path": "outcomes.csv",
            "description": "the binary outcome per participant (outcome_date empty when outcome is 0)",
            "columns": {
                "participant_id": PID,
                "outcome": _col("outcome"),
                "outcome_date": _col(date, "DATE"),
            },
        },
        "predictions": {
            "path": "predictions.csv",
            "description": "the risk model's scores per participant, with the groups to audit",
            "columns": {
                "participant_id": PID,
                "sex": _col(s),
                "race": _col(s),
                "ethnicity": _col(s),
                "age_group": _col(s),
                "site": _col(o),
                "outcome": _col("outcome"),
                "risk_score": _col("score"),
                "risk_score_alt": _col("score"),
            },
        },
        "adverse_events": {
            "path": "adverse_events.csv",
            "description": "one row per adverse event",
            "columns": {
                "event_id": _col(o),
                "participant_id": PID,
                "arm": _col(o),
                "category": _col("sensitive_value"),
                "onset_date": _col(date, "DATE"),
                "severity": _col(o),
                "serious": _col(o),
            },
        },
        "reference_population": {
            "path": "reference_population.csv",
            "description": "shares of each attribute value in the disease population",
            "columns": {
                "attribute": _col(o),
                "value": _col(o),
                "population_share": _col(o),
            },
        },
    }
    return {
        "name": "Synthetic AI-backed cardiometabolic risk study",
        "description": (
            "Synthetic data written by `ethicompass synth`; nothing in it is real. "
            "Planted truths are in synth_truth.json."
        ),
        "version": "1",
        "datasets": datasets,
        "predictions": {
            "dataset": "predictions",
            "label": "outcome",
            "score": "risk_score",
            "groups": ["sex", "race", "age_group"],
            "site": "site",
            "threshold": 0.5,
            "model_name": "cardiometabolic-risk-v1",
        },
        "consent": {"dataset": "consents", "purpose": "ai-model-training"},
        "adverse_events": "adverse_events",
        "reference_population": "reference_population",
    }


def manifest_yaml() -> str:
    """The manifest as YAML text (stable key order)."""
    return yaml.safe_dump(manifest(), sort_keys=False, allow_unicode=True, width=100)


def reference_population() -> pl.DataFrame:
    """Shares of each attribute value in the disease population, sorted by attribute and value."""
    race_total = sum(P.RACE_SHARES)
    rows: list[tuple[str, str, float]] = [("sex", "F", 0.51), ("sex", "M", 0.49)]
    rows += [("race", r, round(s / race_total, 6)) for r, s in zip(P.RACES, P.RACE_SHARES, strict=True)]
    rows += [
        ("ethnicity", P.HISPANIC, P.POPULATION_HISPANIC_SHARE),
        ("ethnicity", P.NOT_HISPANIC, round(1 - P.POPULATION_HISPANIC_SHARE, 6)),
    ]
    rows += [("age_group", g, s) for g, s in zip(P.AGE_GROUPS, P.POPULATION_AGE_GROUP_SHARES, strict=True)]
    frame = pl.DataFrame(
        rows,
        schema={"attribute": pl.String, "value": pl.String, "population_share": pl.Float64},
        orient="row",
    )
    return frame.sort("attribute", "value")
