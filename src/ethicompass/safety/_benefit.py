"""Decision curve analysis: does acting on the model beat treating everyone, or no one?

Entry point: :func:`decision_curve`. Net benefit at a threshold probability ``t`` is
``TP/n - t/(1-t) * FP/n`` (Vickers & Elkin 2006), where a patient is treated when their
score is ``>= t`` (the convention of ``dcurves``). The counts come from one exact summary
of the rows (:func:`ethicompass.safety.summarize`); bootstrap intervals resample that
summary multinomially, all replicates at once, never the rows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ethicompass.safety._checks import as_list, as_number, check_options
from ethicompass.safety._counts import (
    CountTable,
    FloatArray,
    bootstrap_weights,
    check_thresholds,
    collapse,
    positives_at,
    summarize,
    threshold_codes,
)
from ethicompass.safety._plots import RC, render_svg

logging.getLogger(__name__).addHandler(logging.NullHandler())

Range = tuple[float, float]


@dataclass(frozen=True, eq=False)
class NetBenefit:
    """The decision curves of every model in one population (everyone, or one subgroup).

    Arrays run over the thresholds; each ``*_ci`` array is (thresholds, 2) of percentile
    bootstrap bounds (NaN without a bootstrap). ``differences`` holds ``"a - b"`` for every
    pair of models in the order given. ``useful_range`` is the longest run of thresholds where
    the model's net benefit beats both treat-all and treat-none (None if there is none);
    ``confident_range`` the same where the lower bound of that margin is above zero.
    """

    attribute: str | None
    value: str | None
    n: int
    events: int
    net_benefit: Mapping[str, FloatArray]
    net_benefit_ci: Mapping[str, FloatArray]
    treat_all: FloatArray
    treat_all_ci: FloatArray
    standardized_net_benefit: Mapping[str, FloatArray]
    standardized_net_benefit_ci: Mapping[str, FloatArray]
    interventions_avoided: Mapping[str, FloatArray]
    interventions_avoided_ci: Mapping[str, FloatArray]
    differences: Mapping[str, FloatArray]
    differences_ci: Mapping[str, FloatArray]
    useful_range: Mapping[str, Range | None]
    useful_runs: Mapping[str, tuple[Range, ...]]
    confident_range: Mapping[str, Range | None]

    @property
    def prevalence(self) -> float:
        """Share of patients with the event."""
        return self.events / self.n if self.n else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (NaN becomes null)."""
        return {
            "attribute": self.attribute,
            "value": self.value,
            "n": self.n,
            "events": self.events,
            "prevalence": as_number(self.prevalence),
            "net_benefit": {**_lists(self.net_benefit), "treat_all": as_list(self.treat_all)},
            "net_benefit_ci": {**_lists(self.net_benefit_ci), "treat_all": as_list(self.treat_all_ci)},
            "standardized_net_benefit": _lists(self.standardized_net_benefit),
            "standardized_net_benefit_ci": _lists(self.standardized_net_benefit_ci),
            "interventions_avoided": _lists(self.interventions_avoided),
            "interventions_avoided_ci": _lists(self.interventions_avoided_ci),
            "differences": _lists(self.differences),
            "differences_ci": _lists(self.differences_ci),
            "useful_range": {m: None if r is None else list(r) for m, r in self.useful_range.items()},
            "useful_runs": {m: [list(r) for r in runs] for m, runs in self.useful_runs.items()},
            "confident_range": {m: None if r is None else list(r) for m, r in self.confident_range.items()},
        }


@dataclass(frozen=True, eq=False)
class DecisionCurve:
    """Net benefit of each model against treat-all and treat-none, overall and by subgroup.

    ``overall`` covers every patient; ``subgroups`` one :class:`NetBenefit` per value of each
    attribute in ``groups`` (one-way subgroups, attributes analysed one at a time).
    """

    thresholds: FloatArray
    models: tuple[str, ...]
    overall: NetBenefit
    subgroups: tuple[NetBenefit, ...]
    n_boot: int
    ci: float
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: thresholds, settings, the overall curves and each subgroup's."""
        return {
            "thresholds": as_list(self.thresholds),
            "models": list(self.models),
            "n_boot": self.n_boot,
            "ci": self.ci,
            "seed": self.seed,
            "overall": self.overall.to_dict(),
            "subgroups": [s.to_dict() for s in self.subgroups],
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per (population, model, threshold), treat-all and treat-none included."""
        rows: dict[str, list[Any]] = {
            k: []
            for k in (
                "attribute",
                "value",
                "model",
                "threshold",
                "net_benefit",
                "net_benefit_lo",
                "net_benefit_hi",
                "standardized_net_benefit",
                "interventions_avoided",
            )
        }
        odds = self.thresholds / (1 - self.thresholds)
        for pop in (self.overall, *self.subgroups):
            series = [
                (
                    m,
                    pop.net_benefit[m],
                    pop.net_benefit_ci[m],
                    pop.standardized_net_benefit[m],
                    pop.interventions_avoided[m],
                )
                for m in self.models
            ]
            zeros = np.zeros(self.thresholds.size)
            with np.errstate(divide="ignore", invalid="ignore"):
                snb_all = pop.treat_all / pop.prevalence
            series.append(("treat_all", pop.treat_all, pop.treat_all_ci, snb_all, zeros))
            series.append(
                ("treat_none", zeros, np.stack([zeros, zeros], axis=1), zeros, -pop.treat_all / odds)
            )
            for model, nb, band, snb, nia in series:
                rows["attribute"] += [pop.attribute] * self.thresholds.size
                rows["value"] += [pop.value] * self.thresholds.size
                rows["model"] += [model] * self.thresholds.size
                rows["threshold"] += self.thresholds.tolist()
                rows["net_benefit"] += nb.tolist()
                rows["net_benefit_lo"] += band[:, 0].tolist()
                rows["net_benefit_hi"] += band[:, 1].tolist()
                rows["standardized_net_benefit"] += np.asarray(snb, dtype=float).tolist()
                rows["interventions_avoided"] += np.asarray(nia, dtype=float).tolist()
        return pl.DataFrame(rows, schema_overrides={"attribute": pl.String, "value": pl.String})

    def to_svg(self, *, population: NetBenefit | None = None) -> str:
        """The decision curves (with bootstrap bands) of ``population`` (default: everyone) as SVG."""
        return decision_curve_svg(self, population or self.overall)


def decision_curve(
    frame: Any,
    /,
    *,
    label: str,
    scores: Mapping[str, str],
    thresholds: Sequence[float] | np.ndarray,
    n_boot: int = 1000,
    groups: Sequence[str] | None = None,
    ci: float = 0.95,
    seed: int = 0,
) -> DecisionCurve:
    """Decision curve analysis of one or more models on the rows of ``frame``.

    ``label`` is the 0/1 outcome column; ``scores`` maps each model's name to its column of
    predicted probabilities; ``thresholds`` are threshold probabilities strictly between 0
    and 1. With ``n_boot`` > 0, percentile intervals at level ``ci`` come from ``n_boot``
    multinomial resamples of the count summary (seeded by ``seed``). ``groups`` names
    attribute columns whose values each get their own curves.

    Parameters
    ----------
    frame : DataFrame
        Any narwhals-compatible frame, one row per patient.
    label : str
        The 0/1 outcome column.
    scores : mapping of str to str
        Model name to its column of predicted probabilities.
    thresholds : sequence of float
        Threshold probabilities, strictly increasing, strictly between 0 and 1.
    n_boot, groups, ci, seed
        See above.

    Returns
    -------
    DecisionCurve
        Net benefit of each model, of treating all and of treating none, at every threshold.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame({"y": [1, 0, 1, 0] * 25, "p": [0.8, 0.3, 0.6, 0.4] * 25})
    >>> curve = decision_curve(frame, label="y", scores={"model": "p"}, thresholds=[0.5], n_boot=0)
    >>> curve.to_frame().select("model", "net_benefit").rows()
    [('model', 0.5), ('treat_all', 0.0), ('treat_none', 0.0)]
    """
    t = check_thresholds(thresholds)
    attributes = check_options(groups, n_boot, ci)
    table = summarize(frame, label=label, scores=scores, groups=attributes)
    return decision_curve_from_counts(table, thresholds=t, n_boot=n_boot, ci=ci, seed=seed)


def decision_curve_from_counts(
    table: CountTable, /, *, thresholds: FloatArray, n_boot: int, ci: float, seed: int
) -> DecisionCurve:
    """The estimate step of :func:`decision_curve`, on a count summary."""
    subgroups = table.subgroups()
    streams = np.random.SeedSequence(seed).spawn(1 + len(subgroups))
    overall = _population(table, thresholds, n_boot, ci, np.random.default_rng(streams[0]), None, None)
    parts = tuple(
        _population(
            table.subset(mask), thresholds, n_boot, ci, np.random.default_rng(stream), attribute, value
        )
        for (attribute, value, mask), stream in zip(subgroups, streams[1:], strict=True)
    )
    return DecisionCurve(
        thresholds=thresholds,
        models=table.models,
        overall=overall,
        subgroups=parts,
        n_boot=n_boot,
        ci=ci,
        seed=seed,
    )


def _curves(
    keys: np.ndarray, weights: np.ndarray, t: FloatArray, n_models: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Net benefit (replicates, models, thresholds), treat-all and prevalence, from cell weights."""
    w = np.atleast_2d(weights)
    label = keys[:, 0].astype(np.float64)
    n = w.sum(axis=1)[:, None]
    n1 = (w @ label)[:, None]
    odds = t / (1 - t)
    nb = np.empty((w.shape[0], n_models, t.size))
    with np.errstate(divide="ignore", invalid="ignore"):
        for m in range(n_models):
            tp = positives_at(keys[:, 1 + m], w * label, t.size)
            fp = positives_at(keys[:, 1 + m], w * (1 - label), t.size)
            nb[:, m, :] = tp / n - odds * fp / n
        treat_all = n1 / n - odds * (n - n1) / n
        prevalence = (n1 / n)[:, 0]
    return nb, treat_all, prevalence


def _population(
    table: CountTable,
    t: FloatArray,
    n_boot: int,
    ci: float,
    rng: np.random.Generator,
    attribute: str | None,
    value: str | None,
) -> NetBenefit:
    models = table.models
    keys = np.column_stack(
        [table.label] + [threshold_codes(table.scores[:, m], t) for m in range(len(models))]
    )
    keys, count = collapse(keys, [2] + [t.size + 1] * len(models), table.count)
    derived = _derived(*_curves(keys, count.astype(np.float64), t, len(models)), t, models)
    point = {name: values[0] for name, values in derived.items()}
    alpha = (1 - ci) / 2
    if n_boot and count.sum():
        boot = _derived(*_curves(keys, bootstrap_weights(count, n_boot, rng), t, len(models)), t, models)
        bands = {name: percentile_bands(values, alpha) for name, values in boot.items()}
    else:
        bands = {name: np.full((*values.shape[1:], 2), np.nan) for name, values in derived.items()}
    beat = {m: point[f"margin:{m}"] > 0 for m in models}
    confident = {m: bands[f"margin:{m}"][:, 0] > 0 for m in models}
    pairs = [(a, b) for i, a in enumerate(models) for b in models[i + 1 :]]
    return NetBenefit(
        attribute=attribute,
        value=value,
        n=int(count.sum()),
        events=int((count * keys[:, 0]).sum()),
        net_benefit={m: point[f"nb:{m}"] for m in models},
        net_benefit_ci={m: bands[f"nb:{m}"] for m in models},
        treat_all=point["treat_all"],
        treat_all_ci=bands["treat_all"],
        standardized_net_benefit={m: point[f"snb:{m}"] for m in models},
        standardized_net_benefit_ci={m: bands[f"snb:{m}"] for m in models},
        interventions_avoided={m: point[f"nia:{m}"] for m in models},
        interventions_avoided_ci={m: bands[f"nia:{m}"] for m in models},
        differences={f"{a} - {b}": point[f"diff:{a}:{b}"] for a, b in pairs},
        differences_ci={f"{a} - {b}": bands[f"diff:{a}:{b}"] for a, b in pairs},
        useful_range={m: _longest(runs(beat[m], t)) for m in models},
        useful_runs={m: runs(beat[m], t) for m in models},
        confident_range={m: _longest(runs(confident[m], t)) for m in models},
    )


def _derived(
    nb: np.ndarray, treat_all: np.ndarray, prevalence: np.ndarray, t: FloatArray, models: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Every reported quantity, each (replicates, thresholds)."""
    odds = t / (1 - t)
    out: dict[str, np.ndarray] = {"treat_all": treat_all}
    best_default = np.maximum(treat_all, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, m in enumerate(models):
            out[f"nb:{m}"] = nb[:, i, :]
            out[f"snb:{m}"] = nb[:, i, :] / prevalence[:, None]
            out[f"nia:{m}"] = (nb[:, i, :] - treat_all) / odds
            out[f"margin:{m}"] = nb[:, i, :] - best_default
            for j in range(i + 1, len(models)):
                out[f"diff:{m}:{models[j]}"] = nb[:, i, :] - nb[:, j, :]
    return out


def percentile_bands(replicates: np.ndarray, alpha: float) -> np.ndarray:
    """Percentile bounds (alpha, 1 - alpha) over axis 0, ignoring NaN: shape (..., 2).

    Linear interpolation between order statistics, as ``numpy.nanquantile`` does, but
    vectorised over all columns at once.
    """
    ordered = np.sort(replicates, axis=0)
    valid = np.sum(~np.isnan(replicates), axis=0)
    out = np.full((*replicates.shape[1:], 2), np.nan)
    for i, q in enumerate((alpha, 1 - alpha)):
        position = q * np.maximum(valid - 1, 0)
        lower = np.floor(position).astype(np.int64)
        upper = np.minimum(lower + 1, np.maximum(valid - 1, 0))
        frac = position - lower
        lo = np.take_along_axis(ordered, lower[None], axis=0)[0]
        hi = np.take_along_axis(ordered, upper[None], axis=0)[0]
        with np.errstate(invalid="ignore"):
            value = lo + (hi - lo) * frac
        out[..., i] = np.where(valid > 0, value, np.nan)
    return out


def runs(mask: np.ndarray, t: FloatArray) -> tuple[Range, ...]:
    """The contiguous runs of thresholds where ``mask`` holds, as (first, last) pairs."""
    out: list[Range] = []
    start: int | None = None
    for j, flag in enumerate(mask.tolist()):
        if flag and start is None:
            start = j
        if not flag and start is not None:
            out.append((float(t[start]), float(t[j - 1])))
            start = None
    if start is not None:
        out.append((float(t[start]), float(t[-1])))
    return tuple(out)


def _longest(found: tuple[Range, ...]) -> Range | None:
    if not found:
        return None
    return max(found, key=lambda r: (r[1] - r[0], -r[0]))


def _lists(d: Mapping[str, np.ndarray]) -> dict[str, list[Any]]:
    return {k: as_list(v) for k, v in d.items()}


def decision_curve_svg(curve: DecisionCurve, population: NetBenefit) -> str:
    """Net benefit against threshold probability for each model and the two defaults."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(6.4, 4.2))
        ax = fig.add_subplot()
        t = curve.thresholds
        peak = max([population.prevalence, *(float(np.nanmax(v)) for v in population.net_benefit.values())])
        for model in curve.models:
            (line,) = ax.plot(t, population.net_benefit[model], label=model, linewidth=1.6)
            band = population.net_benefit_ci[model]
            if np.isfinite(band).any():
                ax.fill_between(t, band[:, 0], band[:, 1], color=line.get_color(), alpha=0.2, linewidth=0)
        ax.plot(t, population.treat_all, label="treat all", color="0.45", linewidth=1)
        ax.plot(t, np.zeros_like(t), label="treat none", color="black", linewidth=1, linestyle="--")
        ax.set_ylim(-0.1 * max(peak, 0.01), 1.1 * max(peak, 0.01))
        ax.set_xlim(float(t[0]), float(t[-1]))
        ax.set_xlabel("threshold probability")
        ax.set_ylabel("net benefit")
        where = "everyone" if population.attribute is None else f"{population.attribute} = {population.value}"
        level = f", {round(100 * curve.ci)}% bootstrap bands" if curve.n_boot else ""
        ax.set_title(f"Decision curves ({where}, n = {population.n:,}{level})")
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
        fig.tight_layout()
    return render_svg(fig)
