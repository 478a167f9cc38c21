"""Adverse events and person-time by arm x category x look travel in the site file (issue 23).

Without disclosure control, the sites' summed counts give exactly the pooled ``safety.monitor`` report
(split by the site column into 3 sites and at random into 10); the review's adverse-event check is the
same pooled and federated (coordinator store on SQLite and PostgreSQL); under a minimum cell of 5 the
small synthetic study's categories are withheld and the federated check is not assessed, never a pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.sites.conftest import Federation, by_site_column, summarise_sites

BUCKETS = {"site-01": "A", "site-02": "A", "site-03": "B", "site-04": "B", "site-05": "C", "site-06": "C"}


def _policy(looks: list[str], min_cell_size: int, score_bins: int | None) -> Any:
    from ethicompass.review import Policy

    return Policy.model_validate(
        {
            "sites": {"min_cell_size": min_cell_size, "score_bins": score_bins},
            "safety": {"monitor_looks": looks},
        }
    )


@pytest.fixture(scope="module")
def rows(small_study: Path) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """The adverse events, the participants, and the four look dates ``safety monitor`` would choose."""
    from ethicompass.safety import monitor

    events = pl.read_csv(small_study / "adverse_events.csv")
    patients = pl.read_csv(small_study / "patients.csv")
    return events, patients, list(monitor(events, patients, looks=4).looks)


@pytest.fixture(scope="module")
def exact(small_study: Path, rows: Any, tmp_path_factory: pytest.TempPathFactory) -> Federation:
    from ethicompass.study import Study

    study = Study.from_file(small_study / "study.yaml")
    policy = _policy(rows[2], 1, None)
    root = tmp_path_factory.mktemp("safety-exact")
    return Federation(
        study, policy, summarise_sites(study, by_site_column(small_study, BUCKETS), root, policy), root
    )


def _merged(fed: Federation) -> Any:
    from ethicompass.sites._safety import merged_safety

    found = merged_safety(fed.files, fed.policy, fed.study)
    assert found is not None and "counts" in found, found
    return found["counts"]


def _assert_same(federated: Any, pooled: Any) -> None:
    """Every field of the two reports equal (floats to 1e-12 relative; they are in fact identical)."""
    a, b = federated.to_dict(), pooled.to_dict()
    assert a.keys() == b.keys()
    assert len(a["signals"]) == len(b["signals"]) > 0
    for x, y in zip([*a["signals"], *a["incidence"]], [*b["signals"], *b["incidence"]], strict=True):
        assert x.keys() == y.keys()
        for key in x:
            u, v = x[key], y[key]
            if isinstance(u, float) and isinstance(v, float):
                assert u == pytest.approx(v, rel=1e-12, abs=1e-12) or (np.isnan(u) and np.isnan(v)), key
            else:
                assert u == v, key
    assert a == b


def test_three_sites_equal_the_pooled_monitor(exact: Federation, rows: Any) -> None:
    from ethicompass.safety import monitor, monitor_from_counts, safety_counts

    events, patients, looks = rows
    counts = _merged(exact)
    pooled_counts = safety_counts(events, patients, looks=looks)
    for field in ("events", "with_event", "person_days", "at_risk", "participants"):
        assert np.array_equal(getattr(counts, field), getattr(pooled_counts, field)), field
    pooled = monitor(events, patients, looks=looks)
    _assert_same(monitor_from_counts(counts), pooled)
    assert [s.category for s in pooled.crossed] == ["Hepatobiliary disorders"]  # the planted harm signal
    body = exact.files[0].body
    assert body["safety"]["withheld"] == {"categories": 0, "events": [0, 0]}
    assert body["certificate"]["passed"]


def test_ten_random_sites_equal_the_pooled_monitor(rows: Any) -> None:
    """The counts of each site add to the pooled counts (what a site computes is ``safety_counts`` of its rows)."""
    from ethicompass.safety import monitor, monitor_from_counts, safety_counts

    events, patients, looks = rows
    rng = np.random.default_rng(3)
    site = dict(zip(patients["participant_id"], rng.integers(0, 10, patients.height).tolist(), strict=True))
    total = None
    for k in range(10):
        mine = [p for p, s in site.items() if s == k]
        part = safety_counts(
            events.filter(pl.col("participant_id").is_in(mine)),
            patients.filter(pl.col("participant_id").is_in(mine)),
            looks=looks,
        )
        total = part if total is None else total + part
    _assert_same(monitor_from_counts(total), monitor(events, patients, looks=looks))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_site_counts_add_to_the_pooled_counts(rows: Any, data: st.DataObject) -> None:
    """For any split of the participants into sites, in any order, the summed counts are the pooled counts."""
    from ethicompass.safety import safety_counts

    events, patients, looks = rows
    k = data.draw(st.integers(1, 6))
    ids = patients["participant_id"].to_list()
    assignment = data.draw(st.lists(st.integers(0, k - 1), min_size=len(ids), max_size=len(ids)))
    order = data.draw(st.permutations(range(k)))
    total = None
    for s in order:
        mine = [p for p, a in zip(ids, assignment, strict=True) if a == s]
        part = safety_counts(
            events.filter(pl.col("participant_id").is_in(mine)),
            patients.filter(pl.col("participant_id").is_in(mine)),
            looks=looks,
        )
        total = part if total is None else total + part
    pooled = safety_counts(events, patients, looks=looks)
    assert total is not None and total.categories == pooled.categories and total.arms == pooled.arms
    for field in ("events", "with_event", "person_days", "at_risk", "participants"):
        assert np.array_equal(getattr(total, field), getattr(pooled, field)), field


def test_federated_review_has_the_pooled_safety_check(
    exact: Federation, database_url: str, tmp_path: Path
) -> None:
    """The review's adverse-event check: the same from the pooled rows and from the sites' files."""
    from ethicompass.review import ReviewContext, adverse_event_checks
    from ethicompass.sites import federate
    from ethicompass.store import Store

    store = Store(database_url).open()
    try:
        pooled = adverse_event_checks(ReviewContext(study=exact.study, policy=exact.policy, store=store))
        output, _ = federate(exact.files, policy=exact.policy, store=store, out_dir=tmp_path / "fed")
    finally:
        store.dispose()
    assert len(pooled) == 1 and pooled[0].verdict == "fail" and "Hepatobiliary" in pooled[0].evidence
    federated = {c.id: c for c in output.report.principles["beneficence"].checks}[
        "beneficence.adverse_events"
    ]
    assert federated.to_dict() == pooled[0].to_dict()
    assert output.report.principles["beneficence"].verdict == "fail"


def test_small_counts_are_withheld_and_not_judged(
    small_study: Path, rows: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Minimum cell 5: every category of the 400-patient study has a small cell at some site, so it is
    withheld (with bounds, never a value), the file passes the disclosure check, and the check fails closed."""
    from ethicompass.review import ReviewContext, adverse_event_checks
    from ethicompass.sites import check_site, merge_sites
    from ethicompass.sites._federate import federated_results
    from ethicompass.store import Store
    from ethicompass.study import Study

    study = Study.from_file(small_study / "study.yaml")
    policy = _policy(rows[2], 5, 100)
    root = tmp_path_factory.mktemp("safety-guarded")
    files = summarise_sites(study, by_site_column(small_study, BUCKETS), root, policy)
    for f in files:
        section = f.body["safety"]
        assert (
            section["categories"] == []
            and section["events"] == []
            and section["withheld"]["categories"] == 11
        )
        lo, hi = section["withheld"]["events"]
        assert lo % 5 == 0 and hi % 5 == 0 and hi > lo
        store = Store(f"sqlite:///{root / f.site}.db").open()
        try:
            assert check_site(root / f"{f.site}.ecsite", store=store).passed
        finally:
            store.dispose()
    results = federated_results(merge_sites(files, policy=policy), study, policy)
    store = Store(f"sqlite:///{root / 'coordinator.db'}").open()
    try:
        checks = adverse_event_checks(ReviewContext(study=study, policy=policy, store=store, results=results))
    finally:
        store.dispose()
    assert [c.verdict for c in checks] == ["not_assessed"]
    assert "withheld 11 adverse-event categories" in checks[0].evidence


def test_check_refuses_small_or_malformed_safety_counts(exact: Federation) -> None:
    from ethicompass.sites._safety import check_safety

    section = exact.files[0].body["safety"]
    assert check_safety(section, 1, set()) == []
    problems = check_safety(section, 5, set())
    assert problems and all("under 5" in p for p in problems)
    broken = dict(section) | {"person_days": [[1.5]]}
    assert "person_days" in check_safety(broken, 1, set())[0]
    texts: set[str] = set()
    check_safety(section, 1, texts)
    assert "Hepatobiliary disorders" in texts  # category names go through the identifier check


def test_no_looks_no_check(three_sites: Federation) -> None:
    """A policy without monitoring looks: no safety field in the file and no check (as in a pooled review)."""
    from ethicompass.sites._safety import merged_safety

    assert all("safety" not in f.body for f in three_sites.files)
    assert merged_safety(three_sites.files, three_sites.policy, three_sites.study) is None
