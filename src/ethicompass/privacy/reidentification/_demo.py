"""Demo step: re-identification risk of the patients' quasi-identifiers, k-anonymisation, DP releases.

Stores in ``ctx.results``: ``privacy_risk`` (the :class:`RiskReport` of the raw quasi-identifiers),
``privacy_risk_after`` (the report of the anonymised table), ``privacy_anonymization`` (the
:class:`AnonymizationResult`) and ``privacy_releases`` (the DP releases made).
"""

from __future__ import annotations

import importlib.util
import time
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from ethicompass.demo import DemoContext

QIS = ["age", "sex", "zip3", "race"]


def run(ctx: DemoContext) -> None:
    """Measure risk on (age, sex, zip3, race), anonymise to k = 5, and make two DP releases."""
    from ethicompass.frames import load_table, sha256_file, write_table
    from ethicompass.privacy.dp import BudgetLedger, release
    from ethicompass.privacy.reidentification._anonymize import anonymize
    from ethicompass.privacy.reidentification._hierarchies import Hierarchy
    from ethicompass.privacy.reidentification._report import risk
    from ethicompass.transparency import AuditLog

    started = time.perf_counter()
    path = ctx.path("patients")
    patients = load_table(path)
    frame = patients.select(
        pl.col("age"),
        pl.col("sex").cast(pl.String),
        pl.col("zip").cast(pl.String).str.zfill(5).str.slice(0, 3).alias("zip3"),
        pl.col("race").cast(pl.String),
        pl.col("primary_diagnosis").cast(pl.String),
    )
    before = risk(frame, quasi_identifiers=QIS, sensitive="primary_diagnosis", k_threshold=5)
    ctx.results["privacy_risk"] = before
    ctx.say(
        f"Re-identification risk of {before.records:,} patients from {', '.join(QIS)}: "
        f"{before.equivalence_classes:,} groups of look-alikes; the smallest has {before.k} "
        f"(k = {before.k}); {before.uniques:,} patients are unique and "
        f"{before.records_below_k:,} ({before.share_below_k:.0%}) sit in groups smaller than 5."
    )
    ctx.say(
        f"  An attacker who knows someone is in the study re-identifies them with probability up to "
        f"{before.prosecutor.max:.0%} (average {before.prosecutor.mean:.1%}); "
        f"{before.prosecutor.share_above_threshold:.0%} of patients are above the 9% threshold."
    )
    result = anonymize(
        frame,
        quasi_identifiers=QIS,
        hierarchies={
            "age": Hierarchy.age_bands(),
            "zip3": Hierarchy.prefix((2, 1)),
            "sex": Hierarchy.suppression(),
            "race": Hierarchy.suppression(),
        },
        k=5,
        max_suppression=0.05,
    )
    after = result.risk
    ctx.results["privacy_anonymization"] = result
    ctx.results["privacy_risk_after"] = after
    out = ctx.out_dir / "privacy" / "patients_k5.csv"
    AuditLog(ctx.store).append(
        action="privacy.anonymize",
        object_type="dataset",
        object_id="patients",
        hashes={"input": sha256_file(path)},
        params={"quasi_identifiers": QIS, "k": 5, "levels": result.levels, "suppressed": result.suppressed},
    )
    write_table(result.table, out)
    levels = ", ".join(f"{q} -> {lv}" for q, lv in result.levels.items())
    ctx.say(
        f"Anonymised to k = 5 by generalising {levels} and suppressing {result.suppressed} patients "
        f"({result.suppressed_share:.1%}); information loss (NCP) {result.ncp_loss:.2f} on a 0-1 scale. "
        f"Now the smallest group has {after.k}, the highest risk is {after.prosecutor.max:.0%} and the average "
        f"{after.prosecutor.mean:.1%}. Written to {out}."
    )
    if importlib.util.find_spec("opendp") is None:
        ctx.say("Differentially private releases need the dp extra (OpenDP); `make test` installs it.")
        return
    ledger = BudgetLedger(ctx.store)
    dataset = "demo/patients"
    if not ledger.has_budget(dataset):
        ledger.set_budget(dataset, epsilon=1.0)
    count = release(patients, store=ctx.store, dataset=dataset, query="count", epsilon=0.1)
    mean_age = release(
        patients,
        store=ctx.store,
        dataset=dataset,
        query="mean",
        column="age",
        bounds=(18.0, 100.0),
        epsilon=0.2,
    )
    ctx.results["privacy_releases"] = [count, mean_age]
    ctx.say(
        f"Differentially private releases (OpenDP): about {count.value:,.0f} patients (epsilon 0.1) and a mean age "
        f"of about {mean_age.value:.1f} (epsilon 0.2); {mean_age.budget.epsilon_remaining:.1f} of the dataset's "
        f"budget of {mean_age.budget.epsilon_total:.1f} is left, and a release past it would be refused."
    )
    ctx.say(f"[dim](risk, anonymisation and releases in {time.perf_counter() - started:.1f} s)[/dim]")
