"""With no suppression or noise, a federated review equals the pooled review of the same rows.

Point estimates to 1e-12, and every interval equal to the one computed from the pooled counts (the
bootstrap resamples the complete joint table's cells, as the pooled audit resamples the rows' joint
counts, so it draws the same resamples). The one estimate a site file does not give: an intersection's
AUROC (the joint table of the attributes is counted without score).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.sites.conftest import Federation, by_site_column, policy_of, summarise_sites

#: checks whose content legitimately differs: the federated review judges privacy and the model card
#: on the site files, and its consent state is the hash of the sites' states
_LOCAL = {"autonomy.enforced", "transparency.model_card", "transparency.audit_log"}


def _run(
    study: Any, policy: Any, url: str, results: dict[str, Any] | None = None
) -> tuple[Any, dict[str, Any]]:
    """The review's assessors (privacy and transparency are site matters here), and what they computed."""
    from ethicompass.review import ASSESSORS, PrincipleResult, Report, ReviewContext
    from ethicompass.store import Store

    store = Store(url).open()
    try:
        ctx = ReviewContext(study=study, policy=policy, store=store, results=dict(results or {}))
        principles = {
            name: PrincipleResult(name, tuple(assessor(ctx)))
            for name, assessor in ASSESSORS.items()
            if name not in ("privacy", "transparency")
        }
    finally:
        store.dispose()
    return Report(study.name, policy.to_dict(), "", principles), ctx.results


def _pooled(study: Any, policy: Any, url: str) -> tuple[Any, dict[str, Any]]:
    return _run(study, policy, url)


def _federated(fed: Federation, url: str, out: Path) -> tuple[Any, dict[str, Any]]:
    from ethicompass.sites import federate, federated_results, merge_sites
    from ethicompass.store import Store

    store = Store(url).open()
    try:
        output, detail = federate(fed.files, policy=fed.policy, store=store, out_dir=out)
    finally:
        store.dispose()
    merged = merge_sites(fed.files, policy=fed.policy)
    return output.report, federated_results(merged, fed.study, fed.policy) | {"detail": detail}


def _compare(pooled: Any, federated: Any) -> int:
    compared = 0
    for name, principle in pooled.principles.items():
        if name not in federated.principles:
            continue
        theirs = {c.id: c for c in federated.principles[name].checks}
        for check in principle.checks:
            if check.id in _LOCAL:
                continue
            other = theirs[check.id]
            assert (other.verdict, other.value, other.evidence, other.groups) == (
                check.verdict,
                check.value,
                check.evidence,
                check.groups,
            ), check.id
            compared += 1
    return compared


def _estimates(fairness: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for d in fairness.disparities:
        if d.difference.value is not None:
            out[f"{d.metric}:{d.attributes}:{d.group}"] = float(d.difference.value)
            if d.difference.ci:
                out[f"{d.metric}:{d.attributes}:{d.group}:lo"] = float(d.difference.ci[0])
                out[f"{d.metric}:{d.attributes}:{d.group}:hi"] = float(d.difference.ci[1])
    for g in (fairness.overall, *fairness.groups, *fairness.intersections):
        for metric, est in g.metrics.items():
            if est.value is not None:
                out[f"{metric}:{dict(g.group)}"] = float(est.value)
                if est.ci:
                    out[f"{metric}:{dict(g.group)}:ci"] = float(est.ci[0]) + 1e3 * float(est.ci[1])
    return out


def _close(a: Any, b: Any) -> None:
    """Equal structures whose numbers agree to 1e-12 (NaN equals NaN)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _close(a[key], b[key])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _close(x, y)
    elif isinstance(a, float) or isinstance(b, float):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    else:
        assert a == b


def _intersection_auroc(key: str, attributes: tuple[str, ...]) -> bool:
    """An AUROC of an intersection (or its difference): site files count intersections without score."""
    return key.startswith("auroc:") and (
        key.startswith(f"auroc:{attributes}:") or all(f"'{a}'" in key for a in attributes)
    )


def _assert_same_numbers(pooled: dict[str, Any], federated: dict[str, Any]) -> None:
    a, b = _estimates(pooled["fairness_review"]), _estimates(federated["fairness_review"])
    # the one estimate a site file cannot give: the joint table of the attributes has no score
    attributes = tuple(pooled["fairness_review"].attributes)
    unscored = {k for k in a if len(attributes) > 1 and _intersection_auroc(k, attributes)}
    assert unscored and not unscored & b.keys()
    a = {k: v for k, v in a.items() if k not in unscored}
    assert a.keys() == b.keys()
    for key in a:
        assert abs(a[key] - b[key]) <= 1e-12 * max(1.0, abs(a[key])), key
    pc, fc = pooled["benefit_review"], federated["benefit_review"]
    np.testing.assert_allclose(
        fc["decision_curve"].overall.net_benefit["cardiometabolic-risk-v1"],
        pc["decision_curve"].overall.net_benefit["cardiometabolic-risk-v1"],
        rtol=0,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        fc["decision_curve"].overall.net_benefit_ci["cardiometabolic-risk-v1"],
        pc["decision_curve"].overall.net_benefit_ci["cardiometabolic-risk-v1"],
        rtol=0,
        atol=1e-12,
    )
    for mine, theirs in zip(
        (fc["calibration"].overall, *fc["calibration"].subgroups),
        (pc["calibration"].overall, *pc["calibration"].subgroups),
        strict=True,
    ):
        assert (mine.attribute, mine.value, mine.n) == (theirs.attribute, theirs.value, theirs.n)
        for field in ("slope", "intercept", "calibration_in_the_large", "brier", "slope_ci"):
            np.testing.assert_allclose(getattr(mine, field), getattr(theirs, field), rtol=0, atol=1e-12)
    for mine, theirs in zip(fc["harm"].subgroups, pc["harm"].subgroups, strict=True):
        _close(mine.to_dict(), theirs.to_dict())
    rp, rf = pooled["representativeness"], federated["representativeness"]
    assert [r.to_dict() for r in rp.rows] == [r.to_dict() for r in rf.rows]


@pytest.mark.slow
def test_three_sites_equal_the_pooled_review(
    three_sites: Federation, database_url: str, tmp_path: Path
) -> None:
    pooled, pooled_results = _pooled(three_sites.study, three_sites.policy, f"sqlite:///{tmp_path / 'p.db'}")
    federated, fed_results = _federated(three_sites, database_url, tmp_path / "out")
    assert _compare(pooled, federated) >= 15
    assert federated.principles["autonomy"].checks[0].value == pooled.principles["autonomy"].checks[0].value
    # the federated review's own numbers, recomputed from the merged counts, equal the pooled ones
    _, again = _run(three_sites.study, three_sites.policy, f"sqlite:///{tmp_path / 'again.db'}", fed_results)
    _assert_same_numbers(pooled_results, again)


@pytest.mark.slow
def test_ten_sites_equal_the_pooled_review(small_study: Path, tmp_path: Path) -> None:
    from ethicompass.study import Study

    study = Study.from_file(small_study / "study.yaml")
    policy = policy_of(1, None)
    base = by_site_column(small_study, {f"site-0{i}": f"site-0{i}" for i in range(1, 7)})
    # ten sites: the six site-column values, the four largest halved by participant number
    sizes: dict[str, int] = {}
    for s in base.values():
        sizes[s] = sizes.get(s, 0) + 1
    halved = sorted(sizes, key=lambda s: -sizes[s])[:4]
    assignment = {p: (f"{s}-{int(p[-1]) % 2}" if s in halved else s) for p, s in base.items()}
    assert len(set(assignment.values())) == 10
    files = summarise_sites(study, assignment, tmp_path, policy)
    fed = Federation(study, policy, files, tmp_path)
    pooled, _ = _pooled(study, policy, f"sqlite:///{tmp_path / 'p.db'}")
    federated, _ = _federated(fed, f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "out")
    assert _compare(pooled, federated) >= 15
