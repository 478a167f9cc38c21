"""A comparison check names the real harm: groups ranked by the evidence, never a too-small group.

The 20-study check runs counts-first: the synthetic generator's cohort and predictions (no files),
one fairness audit without bootstrap (Newcombe intervals, Holm-adjusted) and representativeness
against the reference population, judged by the review's own check functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ethicompass.review._headline import Harm, rank

SEEDS = range(20)


def _cohort_and_predictions(seed: int, patients: int) -> tuple[object, object]:
    from ethicompass.synth import _pools as P
    from ethicompass.synth import _tables as T

    rngs = [np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(8)]
    cohort = T.cohort(rngs[0], patients, P.build_pools(rngs[7]))
    _, predictions = T.outcomes_and_predictions(rngs[3], cohort)
    return cohort, predictions


def test_rank_prefers_the_interval_over_the_estimate() -> None:
    big = Harm.of("big", "ref", -0.33, (-0.42, -0.20), higher_is_worse=False)
    noisy = Harm.of("noisy", "ref", -0.43, (-0.50, +0.29), higher_is_worse=False)
    ranking = rank([noisy, big], limit=0.10, too_small=[("tiny", 3)])
    assert ranking.headline is big
    assert ranking.verdict == "fail"
    assert ranking.named == ("big", "noisy")
    assert "too small to judge: tiny (n=3)" in ranking.describe()


def test_rank_reads_a_reference_that_is_itself_under_served() -> None:
    better = Harm.of("other", "ref", +0.30, (+0.20, +0.40), higher_is_worse=False)
    ranking = rank([better], limit=0.10, both_ways=True)
    assert ranking.headline is not None and ranking.headline.group == "ref"
    assert ranking.verdict == "fail"


def test_rank_passes_when_nothing_is_beyond_the_limit() -> None:
    ranking = rank([Harm.of("a", "ref", -0.01, (-0.05, 0.03), higher_is_worse=False)], limit=0.1)
    assert ranking.verdict == "pass" and not ranking.failing and not ranking.warning


@pytest.mark.slow
def test_planted_harms_are_named_on_twenty_studies() -> None:
    from ethicompass import fairness
    from ethicompass.review._assess_fairness import difference_checks, representativeness_check
    from ethicompass.review._policy import FairnessPolicy
    from ethicompass.synth._manifest import reference_population

    policy = FairnessPolicy()
    reference = reference_population()
    attributes = ["sex", "race", "ethnicity"]
    m = reference.filter(reference["attribute"].is_in(attributes)).height
    for seed in SEEDS:
        cohort, predictions = _cohort_and_predictions(seed, 5000)
        truth_under = [("race", "Black or African American"), ("age_group", "80+")]
        report = fairness.audit(
            predictions,
            label="outcome",
            score="risk_score",
            groups=["sex", "race", "age_group"],
            n_boot=0,
            intersections=False,
            min_group_size=policy.min_group_size,
        )
        checks = difference_checks(report, policy)
        rep = fairness.representativeness(cohort.patients, reference, attributes=attributes, ci=1 - 0.05 / m)
        checks.append(representativeness_check(rep, policy))
        named = {g for c in checks if c.verdict in ("fail", "warn") for g in c.groups}
        for attribute, value in truth_under:
            assert f"{attribute}={value}" in named, (seed, attribute, value, [c.evidence for c in checks])
        assert "ethnicity=Hispanic or Latino" in named, (seed, checks[-1].evidence)
        small = {", ".join(f"{k}={v}" for k, v in g.group.items()) for g in report.small_groups}
        for c in checks:
            assert not (c.groups and c.groups[0] in small), (seed, c.id, c.evidence)
        tpr_race = next(c for c in checks if c.id == "fairness.tpr_difference.race")
        assert tpr_race.groups[0] == "race=Black or African American", (seed, tpr_race.evidence)


@pytest.mark.slow
def test_the_demo_review_names_black_patients_in_the_race_tpr_check(tmp_path: Path) -> None:
    from ethicompass.review import Policy, review
    from ethicompass.store import Store
    from ethicompass.study import Study
    from ethicompass.synth import generate_study

    generate_study(tmp_path / "study", patients=5000, seed=0)  # the demo's study
    store = Store(f"sqlite:///{tmp_path / 'state.db'}").open()
    try:
        output = review(
            Study.from_file(tmp_path / "study" / "study.yaml"),
            policy=Policy.default(),
            store=store,
            out_dir=tmp_path / "out",
            pdf=False,
            actor="test",
        )
    finally:
        store.dispose()
    checks = {c.id: c for p in output.report.principles.values() for c in p.checks}
    race = checks["fairness.tpr_difference.race"]
    assert race.verdict == "fail"
    assert race.groups[0] == "race=Black or African American"
    assert "Native Hawaiian" not in race.evidence.split(";")[0]
    assert "too small to judge: race=Native Hawaiian or Other Pacific Islander" in race.evidence
    assert "site=site-03" in checks["beneficence.calibration_slope"].evidence
