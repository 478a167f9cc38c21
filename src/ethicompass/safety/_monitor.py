"""Adverse-event monitoring: incidence by arm and category, and group-sequential harm boundaries.

Counts first: one group-by over (category, arm, look) gives event counts, and one over (arm,
look) the person-time at risk; everything else is arithmetic on those small tables.

At each look, for each category and each arm against control, the statistic is the conditional
(binomial) test of the events' split between the arms given the total and the person-time
(Breslow & Day 1987, vol. II, 3.2): ``Z = (x - n pi0) / sqrt(n pi0 (1 - pi0))`` with ``pi0`` the
arm's share of person-time. Its information is proportional to the events, so the information
fraction at a look is the category's events so far over the events at the last look. The harm
boundary spends ``alpha`` (one-sided, default 0.025, divided over the categories by Bonferroni)
with an O'Brien-Fleming-like Lan-DeMets function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from ethicompass.errors import ColumnError, InputError
from ethicompass.frames import require_columns, to_polars
from ethicompass.safety._sequential import Boundaries, Spending, boundaries


@dataclass(frozen=True)
class Incidence:
    """Events, participants with an event, person-years and exact intervals in one arm and category."""

    category: str
    arm: str
    events: int
    participants_with_event: int
    participants: int
    person_years: float
    risk: float
    risk_ci: tuple[float, float]
    rate_per_100py: float
    rate_ci: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return dict(self.__dict__) | {"risk_ci": list(self.risk_ci), "rate_ci": list(self.rate_ci)}


@dataclass(frozen=True)
class Signal:
    """One category and arm against control at one look: the statistic, its boundary, and the effect."""

    category: str
    arm: str
    look: int
    date: str
    events_arm: int
    events_control: int
    information_fraction: float
    statistic: float
    boundary: float
    crossed: bool
    rate_ratio: float
    rate_ratio_ci: tuple[float, float]
    rate_difference_per_100py: float
    rate_difference_ci: tuple[float, float]
    prr: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the shape of ``ethicompass safety monitor --format json``)."""
        out = dict(self.__dict__)
        out["rate_ratio_ci"] = list(self.rate_ratio_ci)
        out["rate_difference_ci"] = list(self.rate_difference_ci)
        for key in ("statistic", "boundary", "rate_ratio", "rate_difference_per_100py", "prr"):
            v = out[key]
            out[key] = None if v is None or not np.isfinite(v) else round(float(v), 6)
        return out


@dataclass(frozen=True)
class MonitoringReport:
    """Looks, incidence at the last look, every signal, and which crossed their boundary."""

    control: str
    looks: tuple[str, ...]
    alpha: float
    alpha_per_category: float
    spending: str
    incidence: tuple[Incidence, ...]
    signals: tuple[Signal, ...]
    boundaries: dict[str, Boundaries] = field(default_factory=dict)

    @property
    def crossed(self) -> tuple[Signal, ...]:
        """The first crossing of each (category, arm) that crossed its boundary."""
        seen: dict[tuple[str, str], Signal] = {}
        for s in self.signals:
            if s.crossed and (s.category, s.arm) not in seen:
                seen[(s.category, s.arm)] = s
        return tuple(seen.values())

    def to_dict(self) -> dict[str, Any]:
        """``{"looks": [...], "signals": [...], ...}`` as the CLI prints it."""
        return {
            "control": self.control,
            "looks": [{"look": i + 1, "date": d} for i, d in enumerate(self.looks)],
            "alpha": self.alpha,
            "alpha_per_category": self.alpha_per_category,
            "spending": self.spending,
            "signals": [s.to_dict() for s in self.signals],
            "crossed": [{"category": s.category, "arm": s.arm, "look": s.look} for s in self.crossed],
            "incidence": [i.to_dict() for i in self.incidence],
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per signal."""
        return pl.DataFrame([s.to_dict() for s in self.signals])


def _poisson_ci(x: int, exposure: float, level: float = 0.95) -> tuple[float, float]:
    a = 1 - level
    lo = stats.chi2.ppf(a / 2, 2 * x) / 2 if x > 0 else 0.0
    hi = stats.chi2.ppf(1 - a / 2, 2 * x + 2) / 2
    return (float(lo / exposure), float(hi / exposure)) if exposure > 0 else (float("nan"), float("nan"))


def _clopper_pearson(x: int, n: int, level: float = 0.95) -> tuple[float, float]:
    if n == 0:
        return (float("nan"), float("nan"))
    a = 1 - level
    lo = stats.beta.ppf(a / 2, x, n - x + 1) if x > 0 else 0.0
    hi = stats.beta.ppf(1 - a / 2, x + 1, n - x) if x < n else 1.0
    return float(lo), float(hi)


def _parse_dates(frame: pl.DataFrame, column: str, source: str) -> pl.Series:
    series = frame[column]
    if series.dtype == pl.Date:
        return series
    parsed = series.cast(pl.Utf8).str.to_date(strict=False)
    bad = parsed.is_null() & series.is_not_null()
    if bad.any():
        row = int(bad.arg_max() or 0) + 2
        raise ColumnError(
            f"column {column!r} in {source} row {row:,}: not an ISO date (YYYY-MM-DD)",
            hint="write dates as YYYY-MM-DD",
        )
    return parsed


def monitor(
    events: Any,
    participants: Any,
    /,
    *,
    arm_column: str = "arm",
    category_column: str = "category",
    onset_column: str = "onset_date",
    enrolment_column: str = "enrolment_date",
    participant_column: str = "participant_id",
    control: str = "control",
    looks: int | Sequence[str] = 4,
    alpha: float = 0.025,
    spending: Spending = "obrien-fleming",
    adjust: bool = True,
) -> MonitoringReport:
    """Monitor adverse events (one row per event) against the participants at risk (one row each).

    ``looks`` is a number of equally spaced calendar looks ending at the last onset date, or the
    look dates themselves. With ``adjust`` the one-sided ``alpha`` is shared equally between the
    categories (Bonferroni), so the chance of any false signal stays at ``alpha``.
    """
    ev = to_polars(events, name="adverse events")
    pts = to_polars(participants, name="participants")
    require_columns(ev, [arm_column, category_column, onset_column], source="the adverse events")
    require_columns(pts, [participant_column, arm_column, enrolment_column], source="the participants")
    if ev.height == 0:
        raise InputError("the adverse-event table has no rows", hint="monitoring needs at least one event")
    arms = sorted(set(pts[arm_column].cast(pl.Utf8).to_list()))
    if control not in arms:
        raise InputError(
            f"control arm {control!r} not found in {arm_column!r}", hint=f"arms present: {', '.join(arms)}"
        )
    onset = _parse_dates(ev, onset_column, "the adverse events")
    enrol = _parse_dates(pts, enrolment_column, "the participants")
    ev = ev.with_columns(
        onset.alias("__onset"), pl.col(arm_column).cast(pl.Utf8), pl.col(category_column).cast(pl.Utf8)
    )
    pts = pts.with_columns(enrol.alias("__enrol"), pl.col(arm_column).cast(pl.Utf8))
    look_dates = _look_dates(looks, pts["__enrol"].min(), ev["__onset"].max())  # type: ignore[arg-type]
    counts = _counts(ev, pts, look_dates, arm_column, category_column, participant_column)
    return monitor_from_counts(counts, control=control, alpha=alpha, spending=spending, adjust=adjust)


@dataclass(frozen=True)
class SafetyCounts:
    """Everything :func:`monitor` computes from rows, as counts (what a site shares; sums add across sites).

    ``events[c, a, j]`` are the events of category ``c`` in arm ``a`` with onset in look interval ``j``
    (interval 0 ends at the first look, interval ``j`` at look ``j``; the last, ``len(looks)``, is after
    the last look); ``with_event[c, a]`` the participants with at least one such event (any time);
    ``person_days[a, j]`` the days at risk in arm ``a`` up to look ``j`` (enrolment to the look, summed,
    whole days); ``at_risk[a, j]`` the participants enrolled by look ``j``; ``participants[a]`` every
    participant of the arm. An arm with events but no participant has ``participants`` 0 and is not
    monitored (as :func:`monitor` skips it).
    """

    categories: tuple[str, ...]
    arms: tuple[str, ...]
    looks: tuple[str, ...]
    events: np.ndarray
    with_event: np.ndarray
    person_days: np.ndarray
    at_risk: np.ndarray
    participants: np.ndarray

    def __add__(self, other: SafetyCounts) -> SafetyCounts:
        """The counts of both (their union of categories and arms); the looks must be the same."""
        if self.looks != other.looks:
            raise InputError(
                "adverse-event counts at different looks cannot be added",
                hint="every site must count at the same look dates",
            )
        cats = tuple(sorted(set(self.categories) | set(other.categories)))
        arms = tuple(sorted(set(self.arms) | set(other.arms)))
        L = len(self.looks)
        out = SafetyCounts(
            cats,
            arms,
            self.looks,
            np.zeros((len(cats), len(arms), L + 1), dtype=np.int64),
            np.zeros((len(cats), len(arms)), dtype=np.int64),
            np.zeros((len(arms), L), dtype=np.int64),
            np.zeros((len(arms), L), dtype=np.int64),
            np.zeros(len(arms), dtype=np.int64),
        )
        for part in (self, other):
            ci = [cats.index(c) for c in part.categories]
            ai = [arms.index(a) for a in part.arms]
            out.events[np.ix_(ci, ai)] += part.events
            out.with_event[np.ix_(ci, ai)] += part.with_event
            out.person_days[ai] += part.person_days
            out.at_risk[ai] += part.at_risk
            out.participants[ai] += part.participants
        return out


def safety_counts(
    events: Any,
    participants: Any,
    /,
    *,
    looks: Sequence[str],
    arm_column: str = "arm",
    category_column: str = "category",
    onset_column: str = "onset_date",
    enrolment_column: str = "enrolment_date",
    participant_column: str = "participant_id",
) -> SafetyCounts:
    """The counts :func:`monitor` needs, at the given look dates (ISO), from the rows: one group-by each."""
    ev = to_polars(events, name="adverse events")
    pts = to_polars(participants, name="participants")
    require_columns(ev, [arm_column, category_column, onset_column], source="the adverse events")
    require_columns(pts, [participant_column, arm_column, enrolment_column], source="the participants")
    ev = ev.with_columns(
        _parse_dates(ev, onset_column, "the adverse events").alias("__onset"),
        pl.col(arm_column).cast(pl.Utf8),
        pl.col(category_column).cast(pl.Utf8),
    )
    pts = pts.with_columns(
        _parse_dates(pts, enrolment_column, "the participants").alias("__enrol"),
        pl.col(arm_column).cast(pl.Utf8),
    )
    look_dates = _look_dates(list(looks), dt.date.min, dt.date.min)
    return _counts(ev, pts, look_dates, arm_column, category_column, participant_column)


def _counts(
    ev: pl.DataFrame,
    pts: pl.DataFrame,
    look_dates: list[dt.date],
    arm_column: str,
    category_column: str,
    participant_column: str,
) -> SafetyCounts:
    """Counts first: events per (category, arm, look interval), days at risk and participants per (arm, look)."""
    categories = sorted(set(ev[category_column].drop_nulls().to_list()))
    pt_arms = set(pts[arm_column].drop_nulls().to_list())
    arms = sorted(pt_arms | set(ev[arm_column].drop_nulls().to_list()))
    cat_pos = {c: i for i, c in enumerate(categories)}
    arm_pos = {a: i for i, a in enumerate(arms)}
    L = len(look_dates)
    look_index = pl.Series(look_dates).search_sorted(ev["__onset"], side="left")
    has_pid = participant_column in ev.columns
    agg = [pl.len().alias("n")]
    if has_pid:
        agg.append(pl.col(participant_column).n_unique().alias("with_event"))
    cube = np.zeros((len(categories), len(arms), L + 1), dtype=np.int64)
    grouped = (
        ev.with_columns(look_index.alias("__look"))
        .filter(pl.col(category_column).is_not_null() & pl.col(arm_column).is_not_null())
        .group_by(category_column, arm_column, "__look")
        .len()
    )
    for cat, arm, look, n in grouped.iter_rows():
        cube[cat_pos[cat], arm_pos[arm], look] += n
    with_event = cube.sum(axis=2)
    if has_pid:
        with_event = np.zeros_like(with_event)
        per = ev.group_by(category_column, arm_column).agg(agg[1])
        for cat, arm, n in per.iter_rows():
            if cat is not None and arm is not None:
                with_event[cat_pos[cat], arm_pos[arm]] = n
    days = np.zeros((len(arms), L), dtype=np.int64)
    at_risk = np.zeros((len(arms), L), dtype=np.int64)
    for j, day in enumerate(look_dates):
        span = (pl.lit(day) - pl.col("__enrol")).dt.total_days().clip(lower_bound=0)
        per_arm = pts.group_by(arm_column).agg(
            span.sum().alias("d"), (pl.col("__enrol") <= day).sum().alias("n")
        )
        for arm, d, n in per_arm.iter_rows():
            if arm is not None:
                days[arm_pos[arm], j] = int(d or 0)
                at_risk[arm_pos[arm], j] = int(n)
    sizes = dict(pts.group_by(arm_column).len().iter_rows())
    participants = np.array([int(sizes.get(a, 0)) for a in arms], dtype=np.int64)
    return SafetyCounts(
        tuple(categories),
        tuple(arms),
        tuple(d.isoformat() for d in look_dates),
        cube,
        with_event,
        days,
        at_risk,
        participants,
    )


def monitor_from_counts(
    counts: SafetyCounts,
    /,
    *,
    control: str = "control",
    alpha: float = 0.025,
    spending: Spending = "obrien-fleming",
    adjust: bool = True,
) -> MonitoringReport:
    """:func:`monitor` on counts (one site's, or the sum of several sites'): the same report, exactly."""
    keep = [i for i, n in enumerate(counts.participants) if n > 0]
    arms = [counts.arms[i] for i in keep]
    if control not in arms:
        raise InputError(f"control arm {control!r} not found", hint=f"arms present: {', '.join(arms)}")
    categories = list(counts.categories)
    if not categories:
        raise InputError("the adverse-event table has no rows", hint="monitoring needs at least one event")
    look_dates = [dt.date.fromisoformat(d) for d in counts.looks]
    alpha_c = alpha / len(categories) if adjust else alpha
    cube = counts.events[:, keep, : len(look_dates)]
    cumulative = cube.cumsum(axis=2)
    exposure = counts.person_days[keep] / 365.25
    signals: list[Signal] = []
    bounds: dict[str, Boundaries] = {}
    arm_pos = {a: i for i, a in enumerate(arms)}
    c0 = arm_pos[control]
    for ci, cat in enumerate(categories):
        for arm in arms:
            if arm == control:
                continue
            a1 = arm_pos[arm]
            totals = cumulative[ci, a1] + cumulative[ci, c0]
            final = totals[-1]
            if final == 0:
                continue
            looks_with_data = [j for j in range(len(look_dates)) if totals[j] > 0]
            fractions = sorted({min(1.0, totals[j] / final) for j in looks_with_data})
            b = boundaries(fractions, alpha=alpha_c, spending=spending)
            bounds[f"{cat} / {arm}"] = b
            by_fraction = dict(zip(fractions, b.z, strict=True))
            others_arm = int(cumulative[:, a1, -1].sum() - cumulative[ci, a1, -1])
            others_ctl = int(cumulative[:, c0, -1].sum() - cumulative[ci, c0, -1])
            for j in looks_with_data:
                x1, x0 = int(cumulative[ci, a1, j]), int(cumulative[ci, c0, j])
                e1, e0 = exposure[a1, j], exposure[c0, j]
                n = x1 + x0
                pi0 = e1 / (e1 + e0)
                z = (x1 - n * pi0) / np.sqrt(n * pi0 * (1 - pi0))
                lo_p, hi_p = _clopper_pearson(x1, n)
                odds = e0 / e1
                rr = (x1 / e1) / (x0 / e0) if x0 > 0 else float("inf")
                rr_ci = (
                    lo_p / (1 - lo_p) * odds if lo_p < 1 else float("inf"),
                    hi_p / (1 - hi_p) * odds if hi_p < 1 else float("inf"),
                )
                r1, r0 = x1 / e1 * 100, x0 / e0 * 100
                se = np.sqrt(x1 / e1**2 + x0 / e0**2) * 100
                zq = stats.norm.isf(0.025)
                prr = None
                if j == len(look_dates) - 1 and x0 > 0 and others_arm > 0 and others_ctl > 0:
                    prr = (x1 / (x1 + others_arm)) / (x0 / (x0 + others_ctl))
                fraction = min(1.0, totals[j] / final)
                bound = by_fraction[fraction]
                signals.append(
                    Signal(
                        category=cat,
                        arm=arm,
                        look=j + 1,
                        date=look_dates[j].isoformat(),
                        events_arm=x1,
                        events_control=x0,
                        information_fraction=round(float(fraction), 6),
                        statistic=float(z),
                        boundary=float(bound),
                        crossed=bool(z >= bound),
                        rate_ratio=float(rr),
                        rate_ratio_ci=(float(rr_ci[0]), float(rr_ci[1])),
                        rate_difference_per_100py=float(r1 - r0),
                        rate_difference_ci=(float(r1 - r0 - zq * se), float(r1 - r0 + zq * se)),
                        prr=None if prr is None else float(prr),
                    )
                )
    incidence = _incidence(counts, keep, exposure[:, -1])
    return MonitoringReport(
        control=control,
        looks=tuple(d.isoformat() for d in look_dates),
        alpha=alpha,
        alpha_per_category=alpha_c,
        spending=spending,
        incidence=incidence,
        signals=tuple(signals),
        boundaries=bounds,
    )


def _look_dates(looks: int | Sequence[str], start: dt.date, end: dt.date) -> list[dt.date]:
    if isinstance(looks, int):
        if looks < 1:
            raise InputError(f"--looks {looks}: need at least one look", hint="use e.g. --looks 4")
        span = (end - start).days
        return [start + dt.timedelta(days=round(span * (k + 1) / looks)) for k in range(looks)]
    try:
        dates = sorted(dt.date.fromisoformat(d) for d in looks)
    except ValueError as exc:
        raise InputError(f"look dates {list(looks)} are not ISO dates", hint="write YYYY-MM-DD") from exc
    return dates


def _incidence(counts: SafetyCounts, keep: list[int], person_years: np.ndarray) -> tuple[Incidence, ...]:
    out = []
    total = counts.events.sum(axis=2)
    for ci, cat in enumerate(counts.categories):
        for i, a in enumerate(keep):
            events = int(total[ci, a])
            with_event = int(counts.with_event[ci, a])
            n = int(counts.participants[a])
            py = float(person_years[i])
            out.append(
                Incidence(
                    category=cat,
                    arm=counts.arms[a],
                    events=events,
                    participants_with_event=with_event,
                    participants=n,
                    person_years=round(py, 3),
                    risk=with_event / n if n else float("nan"),
                    risk_ci=_clopper_pearson(min(with_event, n), n),
                    rate_per_100py=events / py * 100 if py else float("nan"),
                    rate_ci=tuple(100 * v for v in _poisson_ci(events, py)),  # type: ignore[arg-type]
                )
            )
    return tuple(out)
