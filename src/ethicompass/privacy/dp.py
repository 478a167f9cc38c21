"""Differentially private releases of counts, histograms and means, against a budget per dataset.

``privacy.release(frame, store=..., dataset=..., query=..., epsilon=...)`` builds the measurement
with OpenDP (its ``transformations``, ``measurements``, ``domains`` and ``metrics`` modules, as
``opendp.prelude`` exports them; the Laplace mechanisms used need OpenDP's ``"contrib"`` feature,
which this module enables when it releases, never at import), debits
the dataset's budget in the state database and audits the release. A release that would take
the dataset past its budget is refused with :class:`ConflictError`, and the refusal is audited.

Privacy unit: one row. If a person may contribute several rows, say how many with
``contributions``: the guarantee is then per person (the sensitivity scales with it).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa

from ethicompass.errors import ConfigurationError, ConflictError, InputError, NotFoundError
from ethicompass.frames import require_columns, require_numeric, to_polars
from ethicompass.store import Store
from ethicompass.store._privacy_tables import privacy_dp_budgets, privacy_dp_ledger
from ethicompass.transparency import AuditLog, default_actor

logging.getLogger(__name__).addHandler(logging.NullHandler())

Query = Literal["count", "histogram", "mean"]
#: The histogram category that holds every value outside the declared categories.
OTHER = "(other)"


@dataclass(frozen=True)
class PrivacyBudget:
    """A dataset's privacy budget: total epsilon, spent so far, and what remains."""

    dataset: str
    epsilon_total: float
    epsilon_spent: float
    releases: int

    @property
    def epsilon_remaining(self) -> float:
        """Epsilon still available (never below zero)."""
        return max(self.epsilon_total - self.epsilon_spent, 0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "dataset": self.dataset,
            "epsilon_total": self.epsilon_total,
            "epsilon_spent": self.epsilon_spent,
            "epsilon_remaining": self.epsilon_remaining,
            "releases": self.releases,
        }


@dataclass(frozen=True)
class DPRelease:
    """One differentially private answer and the budget left after it.

    ``value`` is the noisy count or mean; ``histogram`` the noisy count per category (values
    outside the categories given are counted under ``(other)``). Noisy counts can be negative.
    """

    dataset: str
    query: str
    column: str | None
    epsilon: float
    mechanism: str
    scale: float
    budget: PrivacyBudget
    value: float | None = None
    histogram: dict[str, int] = field(default_factory=dict)
    bounds: tuple[float, float] | None = None
    contributions: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready release (the noisy answer, its parameters and the budget left)."""
        return {
            "dataset": self.dataset,
            "query": self.query,
            "column": self.column,
            "epsilon": self.epsilon,
            "mechanism": self.mechanism,
            "scale": self.scale,
            "value": self.value,
            "histogram": dict(self.histogram) if self.query == "histogram" else None,
            "bounds": list(self.bounds) if self.bounds else None,
            "contributions": self.contributions,
            "budget": self.budget.to_dict(),
        }

    def to_frame(self) -> pl.DataFrame:
        """The answer as a frame: one row (count, mean) or one row per category (histogram)."""
        if self.query == "histogram":
            return pl.DataFrame(
                {"category": list(self.histogram), "noisy_count": list(self.histogram.values())}
            )
        return pl.DataFrame({"query": [self.query], "column": [self.column], "noisy_value": [self.value]})


class BudgetLedger:
    """The privacy-budget ledger of the state database: one budget per dataset, one debit per release."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def set_budget(self, dataset: str, /, *, epsilon: float) -> PrivacyBudget:
        """Give ``dataset`` a total budget (audited); the same again is a no-op, another a conflict.

        A budget, once set, never changes: raising or lowering it is a :class:`ConflictError`.
        """
        _check_dataset(dataset)
        if not epsilon > 0:
            raise InputError(f"budget epsilon is {epsilon}", hint="use a positive epsilon, e.g. 1.0")
        with self.store.begin() as conn:
            self.store.lock_table(conn, "privacy_dp_budgets")
            row = conn.execute(
                sa.select(privacy_dp_budgets.c.epsilon_total).where(privacy_dp_budgets.c.dataset == dataset)
            ).first()
            if row is not None:
                if abs(float(row[0]) - epsilon) > 1e-12:
                    raise ConflictError(
                        f"dataset {dataset!r} already has a privacy budget of epsilon {float(row[0]):g}",
                        hint="a budget cannot be raised or lowered once set; use a new dataset name "
                        "only for genuinely new data",
                    )
            else:
                conn.execute(
                    privacy_dp_budgets.insert().values(
                        dataset=dataset,
                        epsilon_total=float(epsilon),
                        created_at=_now(),
                        created_by=default_actor(),
                    )
                )
                # only a new budget is an event worth auditing; it commits with the budget or not at all
                AuditLog(self.store).append_in(
                    conn,
                    action="privacy.budget.set",
                    object_type="dataset",
                    object_id=dataset,
                    params={"epsilon_total": float(epsilon)},
                )
        return self.budget(dataset)

    def budget(self, dataset: str, /) -> PrivacyBudget:
        """The dataset's budget now (:class:`NotFoundError` when none was set)."""
        with self.store.connect() as conn:
            return _read_budget(conn, dataset)

    def has_budget(self, dataset: str, /) -> bool:
        """Whether ``dataset`` has a budget."""
        with self.store.connect() as conn:
            return (
                conn.execute(
                    sa.select(privacy_dp_budgets.c.dataset).where(privacy_dp_budgets.c.dataset == dataset)
                ).first()
                is not None
            )

    def debit(
        self, dataset: str, /, *, epsilon: float, query: str, column: str | None, mechanism: str
    ) -> PrivacyBudget:
        """Record a release of ``epsilon``; refuse it (and audit the refusal) beyond the budget."""
        with self.store.begin() as conn:
            self.store.lock_table(conn, "privacy_dp_ledger")
            before = _read_budget(conn, dataset)
            refused = before.epsilon_spent + epsilon > before.epsilon_total + 1e-9
            if not refused:
                conn.execute(
                    privacy_dp_ledger.insert().values(
                        dataset=dataset,
                        recorded_at=_now(),
                        actor=default_actor(),
                        query=query,
                        column_name=column,
                        epsilon=float(epsilon),
                        mechanism=mechanism,
                    )
                )
        if refused:
            AuditLog(self.store).append(
                action="privacy.release.refused",
                object_type="dataset",
                object_id=dataset,
                params={
                    "query": query,
                    "column": column,
                    "epsilon": epsilon,
                    "epsilon_spent": before.epsilon_spent,
                    "epsilon_total": before.epsilon_total,
                },
            )
            raise ConflictError(
                f"release refused: dataset {dataset!r} has epsilon {before.epsilon_remaining:.6g} left "
                f"of {before.epsilon_total:g}, this release needs {epsilon:g}",
                hint="release less (a smaller epsilon, with more noise) or nothing more from this dataset",
            )
        return PrivacyBudget(
            dataset, before.epsilon_total, before.epsilon_spent + epsilon, before.releases + 1
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _check_dataset(dataset: str) -> None:
    if not dataset or len(dataset) > 256:
        raise InputError(
            "a dataset name must have 1 to 256 characters", hint="name the dataset, e.g. 'trial-x/patients'"
        )


def _read_budget(conn: sa.Connection, dataset: str) -> PrivacyBudget:
    row = conn.execute(
        sa.select(privacy_dp_budgets.c.epsilon_total).where(privacy_dp_budgets.c.dataset == dataset)
    ).first()
    if row is None:
        raise NotFoundError(
            f"dataset {dataset!r} has no privacy budget",
            hint="set one first: BudgetLedger(store).set_budget(dataset, epsilon=...) or `--budget EPS`",
        )
    spent, releases = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(privacy_dp_ledger.c.epsilon), 0.0), sa.func.count()).where(
            privacy_dp_ledger.c.dataset == dataset
        )
    ).one()
    return PrivacyBudget(dataset, float(row[0]), float(spent), int(releases))


def _opendp() -> Any:
    """OpenDP's modules under one name, as ``opendp.prelude`` would give them.

    ``opendp.prelude`` also imports OpenDP's scikit-learn extras (seconds of start-up), so the
    modules this release needs are imported one by one. Enables the ``"contrib"`` feature.
    """
    from types import SimpleNamespace

    try:
        import opendp.domains as domains
    except ImportError as exc:
        raise ConfigurationError(
            "differentially private releases need OpenDP",
            hint="install the dp extra: pip install 'ethicompass[dp]'",
        ) from exc
    import opendp.measurements as measurements
    import opendp.metrics as metrics
    import opendp.mod as mod
    import opendp.transformations as transformations

    mod.enable_features("contrib")  # OpenDP's Laplace mechanisms and float sums are "contrib"
    return SimpleNamespace(
        t=transformations,
        m=measurements,
        vector_domain=domains.vector_domain,
        atom_domain=domains.atom_domain,
        symmetric_distance=metrics.symmetric_distance,
        binary_search_param=mod.binary_search_param,
    )


def _measurement(
    query: str,
    epsilon: float,
    contributions: int,
    *,
    bounds: tuple[float, float] | None,
    categories: list[str] | None,
) -> tuple[Any, str]:
    dp = _opendp()
    metric = dp.symmetric_distance()
    if query == "count":
        domain = dp.vector_domain(dp.atom_domain(T=bool))

        def make_count(scale: float) -> Any:
            return dp.t.make_count(domain, metric) >> dp.m.then_laplace(scale)

        return make_count, "discrete Laplace on the count"
    if query == "histogram":
        domain = dp.vector_domain(dp.atom_domain(T=str))

        def make_histogram(scale: float) -> Any:
            return dp.t.make_count_by_categories(
                domain, metric, categories=categories, null_category=True
            ) >> dp.m.then_laplace(scale)

        return make_histogram, "discrete Laplace on each category's count"
    assert bounds is not None
    domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))

    def make_sum(scale: float) -> Any:
        return dp.t.make_clamp(domain, metric, bounds=bounds) >> dp.t.then_sum() >> dp.m.then_laplace(scale)

    return make_sum, "Laplace on the clamped sum and on the count (epsilon split evenly)"


def _fit(make: Any, epsilon: float, contributions: int) -> tuple[Any, float]:
    dp = _opendp()
    scale = float(dp.binary_search_param(make, d_in=contributions, d_out=epsilon))
    meas = make(scale)
    if meas.map(contributions) > epsilon + 1e-12:  # pragma: no cover - binary search guarantees it
        raise AssertionError("OpenDP measurement exceeds its epsilon")
    return meas, scale


def release(
    frame: Any,
    /,
    *,
    store: Store,
    dataset: str,
    query: Query,
    epsilon: float,
    column: str | None = None,
    bounds: tuple[float, float] | None = None,
    categories: list[str] | None = None,
    contributions: int = 1,
) -> DPRelease:
    """Release a differentially private ``count`` (rows), ``histogram`` or ``mean`` of ``column``.

    The dataset needs a budget (:meth:`BudgetLedger.set_budget`); the release debits ``epsilon``
    from it first and is refused (:class:`ConflictError`, audited) when too little is left. A
    histogram needs its ``categories`` (taking them from the data would leak); a mean needs
    ``bounds`` (values are clamped to them; nulls are left out).
    """
    if query not in ("count", "histogram", "mean"):
        raise InputError(f"unknown query {query!r}", hint="use count, histogram or mean")
    if not epsilon > 0 or epsilon != epsilon:
        raise InputError(f"epsilon is {epsilon}", hint="use a positive epsilon, e.g. 0.1")
    if contributions < 1:
        raise InputError(f"contributions is {contributions}", hint="the most rows one person has, 1 or more")
    _check_dataset(dataset)
    rows = to_polars(frame)
    values: list[Any]
    if query == "count":
        if column is not None:
            require_columns(rows, [column])
        values = [True] * rows.height
    elif query == "histogram":
        if column is None or not categories:
            raise InputError(
                "a histogram needs a column and its categories", hint="pass column= and categories=[...]"
            )
        require_columns(rows, [column])
        if len(set(categories)) != len(categories):
            raise InputError("a category is listed twice", hint="list each category once")
        values = rows[column].cast(pl.String).fill_null(OTHER).to_list()
    else:
        if column is None or bounds is None:
            raise InputError("a mean needs a column and bounds", hint="pass column= and bounds=(low, high)")
        require_numeric(rows, column)
        lo, hi = float(bounds[0]), float(bounds[1])
        if not lo < hi:
            raise InputError(f"bounds ({lo}, {hi}) are empty", hint="give bounds with low < high")
        bounds = (lo, hi)
        series = rows[column].cast(pl.Float64).drop_nulls()
        values = series.filter(series.is_not_nan()).to_list()
    make, mechanism = _measurement(
        query,
        epsilon if query != "mean" else epsilon / 2,
        contributions,
        bounds=bounds,
        categories=categories,
    )
    meas, scale = _fit(make, epsilon if query != "mean" else epsilon / 2, contributions)
    count_meas = None
    if query == "mean":
        count_make, _ = _measurement("count", epsilon / 2, contributions, bounds=None, categories=None)
        count_meas, _ = _fit(count_make, epsilon / 2, contributions)
    ledger = BudgetLedger(store)
    after = ledger.debit(dataset, epsilon=epsilon, query=query, column=column, mechanism=mechanism)
    value: float | None = None
    histogram: dict[str, int] = {}
    if query == "count":
        value = float(meas(values))
    elif query == "histogram":
        assert categories is not None
        noisy = meas(values)
        histogram = {str(c): int(v) for c, v in zip([*categories, OTHER], noisy, strict=True)}
    else:
        assert count_meas is not None and bounds is not None
        noisy_sum = float(meas(values))
        noisy_n = float(count_meas([True] * len(values)))
        value = min(max(noisy_sum / max(noisy_n, 1.0), bounds[0]), bounds[1])
    digest = hashlib.sha256()
    digest.update(rows.select(column).write_csv().encode() if column else str(rows.height).encode())
    AuditLog(store).append(
        action="privacy.release",
        object_type="dataset",
        object_id=dataset,
        hashes={"input": f"sha256:{digest.hexdigest()}"},
        params={
            "query": query,
            "column": column,
            "epsilon": epsilon,
            "mechanism": mechanism,
            "scale": scale,
            "contributions": contributions,
            "epsilon_spent": after.epsilon_spent,
            "epsilon_total": after.epsilon_total,
        },
    )
    return DPRelease(
        dataset=dataset,
        query=query,
        column=column,
        epsilon=epsilon,
        mechanism=mechanism,
        scale=scale,
        budget=after,
        value=value,
        histogram=histogram,
        bounds=bounds,
        contributions=contributions,
    )


__all__ = ["OTHER", "BudgetLedger", "DPRelease", "PrivacyBudget", "release"]
