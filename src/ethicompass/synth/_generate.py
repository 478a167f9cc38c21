"""``generate_study``: write every file of a synthetic study, deterministically, and its truths."""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ethicompass.errors import InputError
from ethicompass.synth import _notes as N
from ethicompass.synth import _pools as P
from ethicompass.synth import _tables as T
from ethicompass.synth._manifest import manifest_yaml, reference_population
from ethicompass.synth._writer import Person

__all__ = ["SynthResult", "generate_study"]

NOTE_TYPES = ("admission", "progress", "discharge", "referral", "nursing", "icu_nursing", "typed")
NOTE_TYPE_SHARES = (0.12, 0.24, 0.12, 0.12, 0.17, 0.14, 0.09)
PROGRESS_THRESHOLD = 10_000  # patients; from here on, generation takes over a second


@dataclass(frozen=True)
class SynthResult:
    """What :func:`generate_study` wrote: the directory, the files, row counts and the planted truths."""

    out_dir: Path
    patients: int
    seed: int
    files: tuple[Path, ...]
    rows: dict[str, int] = field(default_factory=dict)
    truth: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (paths as strings)."""
        return {
            "out_dir": str(self.out_dir),
            "patients": self.patients,
            "seed": self.seed,
            "files": [str(f) for f in self.files],
            "rows": dict(self.rows),
            "truth": self.truth,
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per file written: name and row count (null for study.yaml and the truth file)."""
        return pl.DataFrame(
            {
                "file": [f.name for f in self.files],
                "rows": [self.rows.get(f.name) for f in self.files],
            },
            schema={"file": pl.String, "rows": pl.Int64},
        )


def _write_jsonl(path: Path, columns: dict[str, list[Any]]) -> int:
    frame = pl.DataFrame(
        columns, schema={k: pl.Int64 if k in ("start", "end") else pl.String for k in columns}
    )
    frame.write_ndjson(path)
    return frame.height


def _useful_threshold_range(y: np.ndarray, score: np.ndarray) -> list[float]:
    """The widest contiguous range of thresholds where the model's net benefit beats both defaults."""
    n = len(y)
    prevalence = float(y.mean())
    best: list[float] = []
    run: list[float] = []
    for t in np.round(np.arange(0.01, 1.0, 0.01), 2):
        w = t / (1 - t)
        flagged = score >= t
        tp = float((flagged & y).sum()) / n
        fp = float((flagged & ~y).sum()) / n
        nb = tp - fp * w
        if nb > max(prevalence - (1 - prevalence) * w, 0.0) + 1e-4:
            run.append(float(t))
            if len(run) > len(best):
                best = list(run)
        else:
            run = []
    return [best[0], best[-1]] if best else []


def _people(cohort: T.Cohort, who: np.ndarray) -> list[Person]:
    p = cohort.patients
    rows = p.select(
        "participant_id", "first_name", "last_name", "sex", "age", "mrn", "phone", "email",
        "street_address", "city", "state", "zip", "ssn", "health_plan_id", "birth_date", "site",
        "primary_diagnosis",
    )[who.tolist()]  # fmt: skip
    diag = {code: text for code, text, _ in P.DIAGNOSES}
    hospital = dict(zip(P.SITES, P.SITE_HOSPITALS, strict=True))
    return [
        Person(
            participant_id=r[0],
            first=r[1],
            last=r[2],
            female=r[3] == "F",
            age=r[4],
            mrn=r[5],
            phone=r[6],
            email=r[7],
            street=r[8],
            city=r[9],
            state=r[10],
            zip=r[11],
            ssn=r[12],
            plan=r[13],
            birth=r[14],
            hospital=hospital[r[15]],
            diagnosis=diag[r[16]],
            diagnosis_code=r[16],
        )
        for r in rows.iter_rows()
    ]


def _notes(rng: np.random.Generator, cohort: T.Cohort, pools: P.Pools, seed: int) -> dict[str, Any]:
    count = min(cohort.n, N.MAX_NOTES)
    who = rng.integers(0, cohort.n, count)
    offset = rng.integers(0, 731, count)
    order = np.lexsort((offset, who))
    who, offset = who[order], offset[order]
    days = [dt.date(1970, 1, 1) + dt.timedelta(days=int(d)) for d in cohort.enrol[who] + offset]
    types = [NOTE_TYPES[i] for i in rng.choice(len(NOTE_TYPES), count, p=np.array(NOTE_TYPE_SHARES))]
    r = random.Random(int(np.random.SeedSequence([seed, 7]).generate_state(1)[0]))
    people = _people(cohort, who)
    # hundreds of thousands of small tuples: the cyclic garbage collector only slows this down
    enabled = gc.isenabled()
    gc.disable()
    try:
        notes, gold, negatives, empty = N.note_records(r, pools, people, days, types)
    finally:
        if enabled:
            gc.enable()
    return {"notes": notes, "gold": gold, "negatives": negatives, "without_phi": empty}


@contextmanager
def _steps(show: bool, total: int) -> Iterator[Callable[[str], None]]:
    if not show:
        yield lambda _: None
        return
    from ethicompass._console import progress

    with progress("Generating the synthetic study", total) as (bar, task):

        def step(what: str) -> None:
            bar.update(task, advance=1, description=what)

        yield step


def generate_study(out_dir: str | Path, /, *, patients: int, seed: int = 0) -> SynthResult:
    """Write a complete synthetic AI-backed study of ``patients`` participants into ``out_dir``.

    The same ``seed`` gives byte-identical files. The files, their columns and the planted truths
    are described in docs/synthetic-study.md; the truths are also in ``synth_truth.json``.
    """
    if isinstance(patients, bool) or not isinstance(patients, int) or patients < 10:
        raise InputError(
            f"patients={patients!r}: need an integer of at least 10", hint="pass patients=10 or more"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed={seed!r}: need a non-negative integer", hint="pass seed=0, 1, 2, ...")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory", hint="choose another --out directory")
    out.mkdir(parents=True, exist_ok=True)
    rngs = [np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(8)]
    rows: dict[str, int] = {}

    def csv(name: str, frame: pl.DataFrame) -> None:
        frame.write_csv(out / name)
        rows[name] = frame.height

    with _steps(patients >= PROGRESS_THRESHOLD, 9) as step:
        step("pools of names, streets and cities")
        pools = P.build_pools(rngs[7])
        step("patients")
        cohort = T.cohort(rngs[0], patients, pools)
        csv("patients.csv", cohort.patients)
        step("encounters and labs")
        csv("encounters.csv", T.encounters(rngs[1], cohort))
        csv("labs.csv", T.labs(rngs[2], cohort))
        step("outcomes and predictions")
        outcomes, predictions = T.outcomes_and_predictions(rngs[3], cohort)
        csv("outcomes.csv", outcomes)
        csv("predictions.csv", predictions)
        early, late = T.drift_windows(predictions, cohort)
        csv("predictions_early.csv", early)
        csv("predictions_late.csv", late)
        step("adverse events")
        events = T.adverse_events(rngs[4], cohort)
        csv("adverse_events.csv", events)
        step("consents")
        consents, consent_truth = T.consents(rngs[5], cohort)
        csv("consents.csv", consents)
        step("clinical notes")
        notes = _notes(rngs[6], cohort, pools, seed)
        for name, key in (
            ("notes.jsonl", "notes"),
            ("notes_gold.jsonl", "gold"),
            ("notes_negatives.jsonl", "negatives"),
        ):
            rows[name] = _write_jsonl(out / name, notes[key])
        step("reference population and manifest")
        reference = reference_population()
        csv("reference_population.csv", reference)
        (out / "study.yaml").write_text(manifest_yaml(), encoding="utf-8")
        step("planted truths")
        truth = _truth(seed, cohort, predictions, events, consent_truth, notes)
        (out / "synth_truth.json").write_text(
            json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    names = sorted([*rows, "study.yaml", "synth_truth.json"])
    return SynthResult(
        out_dir=out, patients=patients, seed=seed, files=tuple(out / f for f in names), rows=rows, truth=truth
    )


def _uniques(c: T.Cohort) -> dict[str, int]:
    """Patients alone in their group of quasi-identifiers (Sweeney's ZIP, birth date and sex, and coarser)."""
    female = c.female.astype(np.int64)
    zip3 = c.zip5 // 100
    birth = c.birth - c.birth.min()
    keys = {
        "zip_birth_date_sex": (c.zip5 * (int(birth.max()) + 1) + birth) * 2 + female,
        "zip3_age_sex": (zip3 * 128 + c.age) * 2 + female,
        "zip3_age_sex_race": ((zip3 * 128 + c.age) * 2 + female) * 8 + c.race,
    }
    out = {}
    for name, key in keys.items():
        _, counts = np.unique(key, return_counts=True)
        out[name] = int((counts == 1).sum())
    return out


def _truth(
    seed: int,
    cohort: T.Cohort,
    predictions: pl.DataFrame,
    events: pl.DataFrame,
    consent_truth: dict[str, Any],
    notes: dict[str, Any],
) -> dict[str, Any]:
    y = predictions["outcome"].to_numpy().astype(bool)
    score = predictions["risk_score"].to_numpy()
    n = cohort.n
    hispanic_share = float(cohort.hispanic.mean())
    treat = int(cohort.treatment.sum())
    counts = events.group_by("category", "arm").len()
    observed: dict[str, dict[str, int]] = {}
    for category, arm, k in counts.iter_rows():
        observed.setdefault(category, {})[arm] = int(k)
    signal = observed.get(P.AE_SIGNAL_CATEGORY, {})
    ctrl = max(n - treat, 1)
    observed_ratio = (signal.get("treatment", 0) / max(treat, 1)) / max(
        signal.get("control", 0) / ctrl, 1e-12
    )
    return {
        "seed": seed,
        "patients": n,
        "outcome_prevalence": round(float(y.mean()), 6),
        "underperforming_subgroups": [{"attribute": a, "value": v} for a, v in T.UNDERPERFORMING],
        "miscalibrated_subgroups": [
            {"attribute": "site", "value": T.MISCALIBRATED_SITE, "direction": "over"},
        ],
        "fair_attributes": ["sex"],
        "design_auroc": {"default": 0.85, "underperforming": 0.70, "risk_score_alt": 0.76},
        "adverse_event_signal": {
            "arm": P.AE_SIGNAL_ARM,
            "category": P.AE_SIGNAL_CATEGORY,
            "rate_ratio": P.AE_SIGNAL_RATE_RATIO,
            "observed_rate_ratio": round(float(observed_ratio), 4),
        },
        "consent": consent_truth,
        "useful_threshold_range": _useful_threshold_range(y, score),
        "underrepresented": [
            {
                "attribute": "ethnicity",
                "value": P.HISPANIC,
                "cohort_share": round(hispanic_share, 6),
                "population_share": P.POPULATION_HISPANIC_SHARE,
            }
        ],
        "share_over_89": round(float((cohort.age > 89).mean()), 6),
        "unique_combinations": _uniques(cohort),
        "restricted_zip3_prefixes": sorted(z for z, _ in P.RESTRICTED_ZIP3),
        "notes": {
            "count": len(notes["notes"]["note_id"]),
            "cap": N.MAX_NOTES,
            "without_phi": notes["without_phi"],
            "gold_spans": len(notes["gold"]["note_id"]),
            "negative_controls": len(notes["negatives"]["note_id"]),
        },
    }
