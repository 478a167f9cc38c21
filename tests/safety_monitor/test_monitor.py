"""Adverse-event monitoring: the planted signal crosses, nothing else does, and the type I error holds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from ethicompass.errors import ColumnError, InputError
from ethicompass.safety import boundaries, monitor


def _trial(
    seed: int, *, ratio: float, n: int = 4000, categories: int = 5, rate: float = 0.08
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Participants enrolled over two years; events per category at ``rate`` per person-year, one category x ratio."""
    rng = np.random.default_rng(seed)
    start = dt.date(2020, 1, 1)
    enrol = rng.integers(0, 730, n)
    arm = np.where(rng.random(n) < 0.5, "treatment", "control")
    participants = pl.DataFrame(
        {
            "participant_id": [f"P{i:05d}" for i in range(n)],
            "arm": arm,
            "enrolment_date": [start + dt.timedelta(days=int(d)) for d in enrol],
        }
    )
    end = 1095
    rows = []
    for c in range(categories):
        for i in range(n):
            years = (end - enrol[i]) / 365.25
            lam = rate * years * (ratio if (c == 0 and arm[i] == "treatment") else 1.0)
            for _ in range(rng.poisson(lam)):
                onset = enrol[i] + rng.integers(0, end - enrol[i] + 1)
                rows.append((f"P{i:05d}", arm[i], f"category-{c}", start + dt.timedelta(days=int(onset))))
    events = pl.DataFrame(rows, schema=["participant_id", "arm", "category", "onset_date"], orient="row")
    return events, participants


def test_planted_signal_crosses_and_nothing_else() -> None:
    events, participants = _trial(3, ratio=3.0)
    report = monitor(events, participants, looks=4)
    assert {(s.category, s.arm) for s in report.crossed} == {("category-0", "treatment")}
    first = report.crossed[0]
    assert first.statistic >= first.boundary and first.rate_ratio_ci[0] > 1
    shape = report.to_dict()
    assert {"looks", "signals", "crossed", "incidence"} <= shape.keys()
    assert {"category", "arm", "look", "statistic", "boundary", "crossed"} <= shape["signals"][0].keys()
    incidence = {(i.category, i.arm): i for i in report.incidence}
    treated = incidence[("category-0", "treatment")]
    assert treated.risk_ci[0] <= treated.risk <= treated.risk_ci[1]


def test_type_one_error_of_the_whole_procedure() -> None:
    """Simulated trials without any signal: the conditional statistic against the boundaries.

    Counts per look are simulated directly (events split between equal-exposure arms), so 4,000
    trials take a second; the boundary at each look uses the planned information fractions.
    """
    rng = np.random.default_rng(11)
    trials, looks, per_look = 4000, 4, 60
    fractions = np.arange(1, looks + 1) / looks
    bound = np.asarray(boundaries(fractions, alpha=0.025).z)
    treated = rng.binomial(per_look, 0.5, size=(trials, looks)).cumsum(axis=1)
    total = per_look * np.arange(1, looks + 1)
    z = (treated - total * 0.5) / np.sqrt(total * 0.25)
    rate = (z >= bound).any(axis=1).mean()
    assert abs(rate - 0.025) < 4 * np.sqrt(0.025 * 0.975 / trials) + 0.005  # discreteness of small counts


def test_bad_input_names_the_column() -> None:
    events, participants = _trial(1, ratio=1.0, n=200, categories=2)
    with pytest.raises(ColumnError, match="'arm'"):
        monitor(events.drop("arm"), participants)
    with pytest.raises(InputError, match="control arm 'placebo'"):
        monitor(events, participants, control="placebo")
    bad = events.with_columns(pl.col("onset_date").cast(pl.Utf8)).with_columns(
        pl.when(pl.int_range(pl.len()) == 3)
        .then(pl.lit("31/02/2021"))
        .otherwise(pl.col("onset_date"))
        .alias("onset_date")
    )
    with pytest.raises(ColumnError, match="row 5"):
        monitor(bad, participants)


def test_cli_monitor(cli, tmp_path) -> None:
    events, participants = _trial(3, ratio=3.0, n=3000, categories=3)
    events.write_csv(tmp_path / "adverse_events.csv")
    participants.write_csv(tmp_path / "patients.csv")
    result = cli("safety", "monitor", tmp_path / "adverse_events.csv", "--format", "json")
    assert result.code == 1, result.err  # a crossed boundary is a failed verdict
    data = result.json()
    assert data["crossed"] and data["crossed"][0]["category"] == "category-0"
    (tmp_path / "patients.csv").unlink()
    missing = cli("safety", "monitor", tmp_path / "adverse_events.csv")
    assert missing.code == 2 and "--participants" in missing.err
