"""DP releases: OpenDP measurements within epsilon, the budget ledger on both databases, refusals audited."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from ethicompass.errors import ConflictError, InputError, NotFoundError
from ethicompass.privacy import BudgetLedger, release
from ethicompass.transparency import AuditLog

FRAME = pl.DataFrame({"age": [30.0, 40.0, 50.0, None, 60.0] * 40, "dx": ["a", "b", "a", None, "c"] * 40})


def test_budget_debited_then_refused_and_audited(store: Any) -> None:
    ledger = BudgetLedger(store)
    ledger.set_budget("trial/patients", epsilon=1.0)
    first = release(FRAME, store=store, dataset="trial/patients", query="count", epsilon=0.4)
    assert first.budget.epsilon_spent == pytest.approx(0.4)
    second = release(
        FRAME, store=store, dataset="trial/patients", query="mean", column="age", bounds=(0, 100), epsilon=0.5
    )
    assert second.budget.epsilon_remaining == pytest.approx(0.1)
    with pytest.raises(ConflictError, match="refused"):
        release(FRAME, store=store, dataset="trial/patients", query="count", epsilon=0.2)
    budget = ledger.budget("trial/patients")
    assert budget.releases == 2 and budget.epsilon_spent == pytest.approx(0.9)
    actions = [e.action for e in AuditLog(store).entries()]
    assert actions == ["privacy.budget.set", "privacy.release", "privacy.release", "privacy.release.refused"]
    for entry in AuditLog(store).entries():
        assert "a" not in entry.params.values()  # no data values in the log


def test_no_budget_is_not_found(store: Any) -> None:
    with pytest.raises(NotFoundError):
        release(FRAME, store=store, dataset="unknown", query="count", epsilon=0.1)


def test_budget_cannot_change(store: Any) -> None:
    ledger = BudgetLedger(store)
    ledger.set_budget("d", epsilon=1.0)
    ledger.set_budget("d", epsilon=1.0)  # idempotent
    with pytest.raises(ConflictError):
        ledger.set_budget("d", epsilon=2.0)


@pytest.fixture
def sqlite_store(tmp_path: Any) -> Any:
    from ethicompass.store import Store

    s = Store(f"sqlite:///{tmp_path / 'dp.db'}").open()
    BudgetLedger(s).set_budget("d", epsilon=100.0)
    yield s
    s.dispose()


def test_histogram_has_every_category_and_other(sqlite_store: Any) -> None:
    result = release(
        FRAME,
        store=sqlite_store,
        dataset="d",
        query="histogram",
        column="dx",
        categories=["a", "b"],
        epsilon=1.0,
    )
    assert list(result.histogram) == ["a", "b", "(other)"]
    assert result.to_frame().height == 3
    assert abs(result.histogram["a"] - 80) < 60  # scale 1: far inside


@pytest.mark.parametrize(("query", "epsilon", "scale"), [("count", 0.5, 2.0), ("histogram", 0.25, 4.0)])
def test_scale_matches_epsilon(sqlite_store: Any, query: str, epsilon: float, scale: float) -> None:
    kw: dict[str, Any] = {"column": "dx", "categories": ["a"]} if query == "histogram" else {}
    result = release(FRAME, store=sqlite_store, dataset="d", query=query, epsilon=epsilon, **kw)  # type: ignore[arg-type]
    assert result.scale == pytest.approx(scale, rel=1e-6)


def test_contributions_scale_the_noise(sqlite_store: Any) -> None:
    one = release(FRAME, store=sqlite_store, dataset="d", query="count", epsilon=1.0)
    three = release(FRAME, store=sqlite_store, dataset="d", query="count", epsilon=1.0, contributions=3)
    assert three.scale == pytest.approx(3 * one.scale, rel=1e-6)


def test_mean_within_bounds(sqlite_store: Any) -> None:
    result = release(
        FRAME, store=sqlite_store, dataset="d", query="mean", column="age", bounds=(0, 100), epsilon=5.0
    )
    assert result.value is not None and 0 <= result.value <= 100
    assert abs(result.value - 45.0) < 15


@pytest.mark.parametrize(
    "kwargs",
    [
        {"query": "median", "epsilon": 1.0},
        {"query": "count", "epsilon": 0.0},
        {"query": "histogram", "epsilon": 1.0, "column": "dx"},
        {"query": "histogram", "epsilon": 1.0, "column": "dx", "categories": ["a", "a"]},
        {"query": "mean", "epsilon": 1.0, "column": "age"},
        {"query": "mean", "epsilon": 1.0, "column": "age", "bounds": (5, 1)},
        {"query": "count", "epsilon": 1.0, "contributions": 0},
    ],
)
def test_bad_requests_spend_nothing(sqlite_store: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        release(FRAME, store=sqlite_store, dataset="d", **kwargs)
    assert BudgetLedger(sqlite_store).budget("d").releases == 0
