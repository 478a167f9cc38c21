"""The noise method of disclosure control (``sites.method: noise``): budget, scale, check, federation."""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.sites.conftest import Federation, by_site_column, summarise_sites

BUCKETS = {"site-01": "A", "site-02": "A", "site-03": "B", "site-04": "B", "site-05": "C", "site-06": "C"}
CATEGORIES = {"sex": ["F", "M"], "age_group": ["18-39", "40-64", "65-79", "80+"]}


def noise_policy(**sites: Any) -> Any:
    """The default policy under the noise method, 10 score bins, the study's public categories."""
    from ethicompass.review import Policy

    data = {"method": "noise", "epsilon": 2.0, "score_bins": 10, "categories": CATEGORIES} | sites
    return Policy.model_validate({"sites": data})


@pytest.fixture(scope="module")
def noisy_study(small_study: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 400-patient study, its predictions grouped by sex and age group only (a small public grid)."""
    out = tmp_path_factory.mktemp("noisy-study") / "study"
    shutil.copytree(small_study, out)
    manifest = yaml.safe_load((out / "study.yaml").read_text())
    manifest["predictions"]["groups"] = ["sex", "age_group"]
    manifest["predictions"]["site"] = None
    (out / "study.yaml").write_text(yaml.safe_dump(manifest))
    return out


@pytest.fixture(scope="module")
def noisy_sites(noisy_study: Path, tmp_path_factory: pytest.TempPathFactory) -> Federation:
    """The study split by its site column into three sites, each summarised under the noise method."""
    from ethicompass.study import Study

    root = tmp_path_factory.mktemp("noisy-sites")
    study = Study.from_file(noisy_study / "study.yaml")
    policy = noise_policy()
    files = summarise_sites(study, by_site_column(noisy_study, BUCKETS), root, policy)
    return Federation(study, policy, files, root)


def _summarise(study_dir: Path, store: Any, tmp_path: Path, policy: Any, out: str) -> Any:
    from ethicompass.sites import summarize_site
    from ethicompass.study import Study
    from ethicompass.transparency import generate_signing_key, load_signing_key

    key = tmp_path / "site.pem"
    if not key.exists():
        generate_signing_key(key)
    return summarize_site(
        Study.from_file(study_dir / "study.yaml"),
        site="solo",
        policy=policy,
        store=store,
        key=load_signing_key(key),
        out=tmp_path / out,
    )


def test_the_budget_is_debited_and_a_summary_past_it_is_refused_and_audited(
    noisy_study: Path, database_url: str, tmp_path: Path
) -> None:
    from ethicompass.errors import ConflictError
    from ethicompass.privacy.dp import BudgetLedger
    from ethicompass.store import Store
    from ethicompass.transparency import AuditLog

    store = Store(database_url).open()
    try:
        policy = noise_policy(epsilon=1.0, epsilon_budget=1.5)
        written = _summarise(noisy_study, store, tmp_path, policy, "first.ecsite")
        record = written.body["disclosure"]["noise"]
        assert record["epsilon_spent"] == pytest.approx(1.0)  # every table present: the whole split
        assert sum(t["epsilon"] for t in record["tables"]) == pytest.approx(1.0)
        budget = BudgetLedger(store).budget(record["ledger"])
        assert (budget.epsilon_total, budget.epsilon_spent, budget.releases) == (1.5, pytest.approx(1.0), 1)
        with pytest.raises(ConflictError, match="release refused"):
            _summarise(noisy_study, store, tmp_path, policy, "second.ecsite")
        assert not (tmp_path / "second.ecsite").exists()
        assert BudgetLedger(store).budget(record["ledger"]).epsilon_spent == pytest.approx(1.0)
        actions = [e.action for e in AuditLog(store).entries()]
        assert actions.count("privacy.release") == 1
        assert actions[-1] == "privacy.release.refused"
    finally:
        store.dispose()


def test_what_cannot_be_released_stops_before_anything_is_spent(noisy_study: Path, tmp_path: Path) -> None:
    from ethicompass.errors import InputError
    from ethicompass.privacy.dp import BudgetLedger
    from ethicompass.store import Store

    store = Store(f"sqlite:///{tmp_path / 'state.db'}").open()
    try:
        policy = noise_policy(categories={"sex": ["F", "M"]})
        with pytest.raises(InputError, match=r"sites\.categories\.age_group"):
            _summarise(noisy_study, store, tmp_path, policy, "x.ecsite")
        narrow = noise_policy(categories={"sex": ["F"], "age_group": CATEGORIES["age_group"]})
        with pytest.raises(InputError, match=r"row\(s\) hold a value not listed") as info:
            _summarise(noisy_study, store, tmp_path, narrow, "x.ecsite")
        assert "'M'" not in str(info.value)  # the value is withheld
        assert not BudgetLedger(store).has_budget("site:solo/" + _study_name(noisy_study))
    finally:
        store.dispose()


def _study_name(study_dir: Path) -> str:
    return str(yaml.safe_load((study_dir / "study.yaml").read_text())["name"])


def test_the_policy_refuses_a_split_that_does_not_sum_to_one() -> None:
    from ethicompass.review import Policy

    with pytest.raises(ValueError, match="summing to 1"):
        Policy.model_validate({"sites": {"method": "noise", "epsilon_split": {"fairness.n": 0.9, "fairness.sum_e": 0.9, "fairness.sum_e2": 0.05, "fairness.sum_e4": 0.05, "representativeness": 0.05, "consent": 0.05}}})  # fmt: skip


@pytest.mark.parametrize(
    ("integer", "epsilon", "sensitivity"), [(True, 0.5, 1), (True, 2.0, 1), (False, 0.25, 0.05)]
)
def test_the_noise_scale_matches_epsilon(integer: bool, epsilon: float, sensitivity: float) -> None:
    """The empirical variance of 20,000 releases of zero is within 10% of the mechanism's at the scale
    ``sensitivity / epsilon``: six standard errors (the variance of Laplace noise has a relative standard
    error of sqrt(5 / n), 1.6%), so a scale 5% off fails. OpenDP draws from the OS's secure generator,
    which takes no seed."""
    from ethicompass.sites._noise import laplace

    noisy, scale = laplace(np.zeros(20_000), epsilon=epsilon, sensitivity=sensitivity, integer=integer)
    assert scale == pytest.approx(sensitivity / epsilon, rel=1e-6)
    if integer:
        a = math.exp(-1 / scale)
        expected = 2 * a / (1 - a) ** 2
        assert noisy.dtype == np.int64
    else:
        expected = 2 * scale**2
    assert float(noisy.var()) == pytest.approx(expected, rel=0.10)
    assert abs(float(noisy.mean())) < 6 * math.sqrt(expected / noisy.size)


def test_a_noisy_file_records_its_noise_and_passes_the_check(noisy_sites: Federation) -> None:
    from ethicompass.sites import check_site

    f = noisy_sites.files[0]
    d = f.body["disclosure"]
    assert d["method"] == "noise" and d["suppressed"]["fairness"]["cells"] == 0
    record = d["noise"]
    assert record["epsilon_file"] == 2.0 and record["categories"] == CATEGORIES
    for t in record["tables"]:
        assert t["scale"] == pytest.approx(t["sensitivity"] / t["epsilon"], rel=1e-6)
    assert {(t["table"], t["column"]) for t in record["tables"]} >= {("fairness", "_n"), ("consent", "rows")}
    assert f.body["consent"]["status_hash"] is None
    assert "withheld_all" in f.body.get("safety", {"withheld_all": ""})
    (grid,) = f.body["fairness"]["tables"]  # the one noisy grid (format 2's table kind noisy_grid)
    assert grid["kind"] == "noisy_grid" and grid["groups"] == f.body["fairness"]["groups"]
    n = [r[grid["columns"].index("_n")] for r in grid["rows"]]
    assert 0 not in n  # signed noisy counts (clamped by the coordinator after merging), zeros left out
    result = check_site(Path(f.source))
    assert result.passed, result.certificate["problems"]


def _tampered(fed: Federation, tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """Site A's file with ``change`` applied to its body, signed again with A's own key."""
    from ethicompass.sites._format import sign
    from ethicompass.transparency import load_signing_key

    f = fed.files[0]
    body = json.loads(json.dumps(f.body))
    change(body)
    out = tmp_path / "A.ecsite"
    out.write_text(sign(body, load_signing_key(fed.root / "A.pem")).to_text())
    return out


def _halve_epsilon(body: dict[str, Any]) -> None:
    body["disclosure"]["noise"]["tables"][0]["epsilon"] /= 2


def _raise_spend(body: dict[str, Any]) -> None:
    for t in body["disclosure"]["noise"]["tables"]:
        t["epsilon"] *= 3
        t["scale"] /= 3
    body["disclosure"]["noise"]["epsilon_spent"] *= 3


def _identifier(body: dict[str, Any]) -> None:
    body["fairness"]["tables"][0]["rows"][0][0] = "40644767"
    body["disclosure"]["noise"]["categories"]["sex"].append("40644767")


def _exact_table_beside(body: dict[str, Any]) -> None:
    """An exact overall table (format 2's suppression kind) slipped in beside the noisy grid."""
    grid = body["fairness"]["tables"][0]
    body["fairness"]["tables"].append(
        {"kind": "overall", "groups": [], "columns": grid["columns"][len(grid["groups"]) :], "rows": []}
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_exact_table_beside, "not the noise method's one grid"),
        (_halve_epsilon, "does not give epsilon"),
        (_raise_spend, "over the file's epsilon"),
        (_identifier, "shape of an identifier"),
    ],
)
def test_site_check_fails_a_tampered_noisy_file(
    noisy_sites: Federation,
    tmp_path: Path,
    cli: Callable[..., Any],
    change: Callable[[dict[str, Any]], None],
    problem: str,
) -> None:
    from ethicompass.sites import check_site

    path = _tampered(noisy_sites, tmp_path, change)
    result = check_site(path)
    assert result.signature_valid and not result.passed
    assert any(problem in p for p in result.certificate["problems"]), result.certificate["problems"]
    assert cli("site", "check", path).code == 1


def _policy_file(tmp_path: Path, policy: Any) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy.to_dict()))
    return path


def test_a_federated_review_of_noisy_files_states_the_noise(noisy_sites: Federation, tmp_path: Path) -> None:
    from ethicompass.sites import federate
    from ethicompass.store import Store

    store = Store(f"sqlite:///{tmp_path / 'coordinator.db'}").open()
    try:
        output, detail = federate(
            noisy_sites.files, policy=noisy_sites.policy, store=store, out_dir=tmp_path / "out"
        )
    finally:
        store.dispose()
    assert detail["method"] == "noise" and detail["withheld"] == []  # nothing is withheld under noise
    checks = {c.id: c for p in output.report.principles.values() for c in p.checks}
    privacy = checks["privacy.site_disclosure"]
    assert privacy.verdict == "pass" and "epsilon 2" in privacy.value
    statement = checks["fairness.site_noise"]
    assert statement.verdict == "warn"
    assert "do NOT include this noise" in statement.evidence
    assert "not those of a pooled analysis" in statement.evidence
    assert "fairness.site_withheld" not in checks and "beneficence.site_withheld" not in checks
    assert any(
        c.id.startswith("fairness.") and c.verdict in ("pass", "fail", "warn") for c in checks.values()
    )
    html = (tmp_path / "out" / "report.html").read_text()
    assert "differential-privacy noise" in html


def test_a_federation_of_mixed_methods_exits_2_naming_the_site(
    noisy_sites: Federation, noisy_study: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    from ethicompass.store import Store

    store = Store(f"sqlite:///{tmp_path / 'c.db'}").open()
    try:
        suppressed = noise_policy(method="suppression")
        _summarise(noisy_study, store, tmp_path, suppressed, "solo.ecsite")
    finally:
        store.dispose()
    paths = [f.source for f in noisy_sites.files[:2]]
    result = cli(
        "federate", "review", *paths, tmp_path / "solo.ecsite",
        "--policy", _policy_file(tmp_path, noisy_sites.policy), "--out", tmp_path / "out",
    )  # fmt: skip
    assert result.code == 2
    assert "site 'solo'" in result.err and "'suppression'" in result.err
    assert not (tmp_path / "out" / "report.json").exists()


def test_tpr_and_fpr_intervals_are_widened_by_the_noise(noisy_sites: Federation) -> None:
    """Every TPR/FPR interval contains the unwidened one; the overall TPR's grows by the noise of its grid
    cells, counted by hand: 2 sexes x 4 age groups x 5 bins above the threshold 0.5 (pred 1) are TP cells,
    as many below it FN cells, each with the three sites' summed discrete-Laplace variance."""
    from ethicompass.fairness import audit_marginals
    from ethicompass.sites import merge_sites
    from ethicompass.sites._marginal import marginal_summary
    from ethicompass.sites._noise_merge import clamp_merged, widen_for_noise

    merged, _ = clamp_merged(merge_sites(noisy_sites.files, policy=noisy_sites.policy))
    marginal = marginal_summary(merged.summary, ["sex", "age_group"])
    report = audit_marginals(marginal, n_boot=100, min_group_size=1)
    wide = widen_for_noise(report, merged.summary, noisy_sites.files)
    widened = 0
    for d, w in zip(report.disparities, wide.disparities, strict=True):
        if d.metric in ("tpr", "fpr") and d.ci_holm is not None:
            assert w.ci_holm[0] < d.ci_holm[0] and w.ci_holm[1] > d.ci_holm[1], (d, w)
            widened += 1
        elif d.metric not in ("tpr", "fpr"):
            assert w == d
    assert widened >= 4
    variance = 0.0
    for f in noisy_sites.files:
        scale = next(t["scale"] for t in f.body["disclosure"]["noise"]["tables"] if t["column"] == "_n")
        a = math.exp(-1 / scale)
        variance += 2 * a / (1 - a) ** 2
    c = merged.summary.overall.counts  # the merged overall table the report read (a margin of the grids)
    tp = int(c.filter((c["_label"] == 1) & (c["_pred"] == 1))["_n"].sum())
    fn = int(c.filter((c["_label"] == 1) & (c["_pred"] == 0))["_n"].sum())
    p = tp / (tp + fn)
    sd = math.sqrt(((1 - p) ** 2 * 40 * variance + p**2 * 40 * variance) / (tp + fn) ** 2)
    est, got = report.overall.metrics["tpr"], wide.overall.metrics["tpr"]
    assert est.value == pytest.approx(p)
    upper = est.value + math.sqrt((est.ci[1] - est.value) ** 2 + (1.959963984540054 * sd) ** 2)
    assert got.ci[1] == pytest.approx(upper, rel=1e-12)


def test_site_summarize_shows_the_budget_and_refuses_past_it(
    noisy_study: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    from ethicompass.transparency import generate_signing_key

    key = tmp_path / "site.pem"
    generate_signing_key(key)
    policy = _policy_file(tmp_path, noise_policy(epsilon=1.0, epsilon_budget=1.5))
    args = ["site", "summarize", noisy_study / "study.yaml", "--site", "solo", "--policy", policy]
    first = cli(*args, "--out", tmp_path / "a.ecsite", "--key-file", key, "--format", "json")
    assert first.code == 0, first.err
    info = first.json()
    assert info["method"] == "noise" and info["epsilon_spent"] == pytest.approx(1.0)
    assert info["budget"]["epsilon_remaining"] == pytest.approx(0.5)
    second = cli(*args, "--out", tmp_path / "b.ecsite", "--key-file", key)
    assert second.code == 2 and "release refused" in second.err
    assert not (tmp_path / "b.ecsite").exists()
    assert "noise" in cli("site", "summarize", "--help").out


@settings(max_examples=300, deadline=None)
@given(
    score=st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    label=st.integers(min_value=0, max_value=1),
    bins=st.integers(min_value=2, max_value=1000),
    power=st.sampled_from([1, 2, 4]),
)
def test_a_rows_error_lies_within_its_cells_public_half_width(
    score: float, label: int, bins: int, power: int
) -> None:
    """The sensitivity claim of the centred sums: a row's ``e**p`` is within ``h`` of its cell's centre, and
    ``h`` is at most the half-width the record states for the whole grid."""
    from ethicompass.sites._noise import cell_ranges, sum_sensitivity

    k = min(int(score * bins), bins - 1)  # the bin summarize gives it (floor, the last bin closed)
    centre, half = cell_ranges(np.array([k]), np.array([float(label)]), bins, power)
    e = (score - label) ** power
    assert abs(e - centre[0]) <= half[0] * (1 + 1e-9) + 1e-15
    column = {1: "_sum_e", 2: "_sum_e2", 4: "_sum_e4"}[power]
    assert half[0] <= sum_sensitivity(column, bins)


def _tables(counts: Any) -> list[Any]:
    return [
        counts.overall,
        *counts.attributes.values(),
        *([counts.joint] if counts.joint is not None else []),
    ]


def test_the_coordinator_clamps_the_merged_cells_once(noisy_sites: Federation) -> None:
    """The merged tables are margins of the sites' signed grids: those cells at or below zero are left out,
    every other keeps its sum of the sites' noisy counts, and every cell's mean score lies in its bin (in
    [0, 1] for the joint table, which has no score)."""
    from ethicompass.sites import merge_sites
    from ethicompass.sites._noise_merge import clamp_merged

    raw = merge_sites(noisy_sites.files, policy=noisy_sites.policy)
    grid = raw.summary.grid.counts
    assert int(raw.summary.overall.counts["_n"].sum()) == int(grid["_n"].sum())  # margins of the signed grid
    for g, table in raw.summary.attributes.items():
        by_value = grid.group_by(g).agg(pl.col("_n").sum()).sort(g)
        assert table.counts.group_by(g).agg(pl.col("_n").sum()).sort(g).equals(by_value)
    clamped, negative = clamp_merged(raw)
    assert negative == sum(int((t.counts["_n"] < 0).sum()) for t in _tables(raw.summary))
    assert clamp_merged(clamped)[1] == 0  # idempotent
    for before_t, after_t in zip(_tables(raw.summary), _tables(clamped.summary), strict=True):
        before, after = before_t.counts, after_t.counts
        assert after.height == int((before["_n"] > 0).sum()) and int(after["_n"].min()) >= 1
        assert int(after["_n"].sum()) == int(before.filter(before["_n"] > 0)["_n"].sum())
        mean = after["_sum_e"].to_numpy() / after["_n"].to_numpy() + after["_label"].to_numpy()
        if after_t.has_score:
            lower = after["_score"].to_numpy()
            assert ((mean >= lower - 1e-9) & (mean <= lower + 0.1 + 1e-9)).all()
        else:
            assert ((mean >= -1e-9) & (mean <= 1 + 1e-9)).all()
    assert all(int(s.overall.counts["_n"].min()) >= 1 for s in clamped.summaries.values())


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    bins=st.integers(min_value=2, max_value=8),
    spread=st.integers(min_value=0, max_value=6),
)
def test_the_margins_of_a_signed_grid_add_up_and_clamp_once(seed: int, bins: int, spread: int) -> None:
    """Any signed noisy grid: each margin's total is the grid's, each attribute value's total its cells',
    and clamping leaves only cells of one row or more with their mean score in the bin; clamping twice
    changes nothing more."""
    from ethicompass.fairness import Summary
    from ethicompass.sites._merge import SiteCounts
    from ethicompass.sites._noise import fairness_grid
    from ethicompass.sites._noise_merge import _clamp_counts, grid_margins

    rng = np.random.default_rng(seed)
    categories = {"sex": ["F", "M"], "band": ["a", "b", "c"]}
    grid = fairness_grid(["sex", "band"], categories, bins, 0.5)
    n = rng.integers(-spread, spread + 3, grid.height)
    counts = grid.with_columns(
        (pl.col("_k") / bins).alias("_score"),
        pl.Series("_n", n, dtype=pl.Int64),
        *[pl.Series(c, rng.normal(0, 2, grid.height)) for c in ("_sum_e", "_sum_e2", "_sum_e4")],
    ).drop("_k")
    summary = Summary(counts, ("sex", "band"), 0.5, 1 / bins, True, "y", "s", None)
    tables = SiteCounts(*grid_margins(summary, ("sex", "band")), (), summary)
    assert int(tables.overall.counts["_n"].sum()) == int(n.sum())
    assert int(tables.joint.counts["_n"].sum()) == int(n.sum())
    for g in ("sex", "band"):
        mine = tables.attributes[g].counts.group_by(g).agg(pl.col("_n").sum()).sort(g)
        assert mine.equals(counts.group_by(g).agg(pl.col("_n").sum()).sort(g))
    clamped, _ = _clamp_counts(tables, bins)
    again, negative = _clamp_counts(clamped, bins)
    assert negative == 0
    for a, b in zip(_tables(clamped), _tables(again), strict=True):
        assert a.counts.equals(b.counts)
        c = a.counts
        if c.height:
            assert int(c["_n"].min()) >= 1
            mean = c["_sum_e"].to_numpy() / c["_n"].to_numpy() + c["_label"].to_numpy()
            lower = c["_score"].to_numpy() if a.has_score else np.zeros(c.height)
            width = 1 / bins if a.has_score else 1.0
            assert ((mean >= lower - 1e-9) & (mean <= lower + width + 1e-9)).all()
