"""Harm at the clinical threshold: whom does acting on the model hurt, and how often?

Entry point: :func:`harm`. At threshold ``t`` a patient is treated when their score is
``>= t``. A false negative is an event the model misses (untreated); a false positive an
unneeded treatment. Both are reported per 1,000 patients of each subgroup, with Wilson
intervals, together with the *weighted harm* ``FN + t/(1-t) * FP`` per 1,000: the exchange
rate between the two errors that choosing ``t`` implies (the same weight as in net benefit,
so weighted harm = prevalence - net benefit, per 1,000). The subgroup with the highest
weighted harm is the one the model under-serves most. Its interval is a percentile bootstrap
of the subgroup's counts (multinomial over FN, FP and correct decisions).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ethicompass.errors import InputError
from ethicompass.safety._calibration import _wilson, normal_quantile
from ethicompass.safety._checks import as_number, check_options
from ethicompass.safety._counts import CountTable, summarize

logging.getLogger(__name__).addHandler(logging.NullHandler())

Interval = tuple[float, float]
PER = 1000


@dataclass(frozen=True)
class HarmRow:
    """Errors of the model at the threshold in one population (everyone, or one subgroup)."""

    attribute: str | None
    value: str | None
    n: int
    events: int
    false_negatives: int
    false_positives: int
    false_negatives_per_1000: float
    false_negatives_per_1000_ci: Interval
    false_positives_per_1000: float
    false_positives_per_1000_ci: Interval
    weighted_harm_per_1000: float
    weighted_harm_per_1000_ci: Interval
    miss_rate: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (NaN becomes null)."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, tuple):
                out[key] = [as_number(v) for v in value]
            elif isinstance(value, float):
                out[key] = as_number(value)
            else:
                out[key] = value
        return out


@dataclass(frozen=True)
class HarmReport:
    """False negatives and false positives per 1,000 patients, overall and by subgroup.

    ``most_harmed`` is the subgroup with the highest weighted harm (None without subgroups);
    ``most_harmed_by_attribute`` the same within each attribute.
    """

    score: str
    threshold: float
    ci: float
    overall: HarmRow
    subgroups: tuple[HarmRow, ...]
    most_harmed: HarmRow | None
    most_harmed_by_attribute: dict[str, HarmRow]

    @property
    def harm_weight(self) -> float:
        """How many false negatives one false positive is worth at this threshold: t / (1 - t)."""
        return self.threshold / (1 - self.threshold)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "score": self.score,
            "threshold": self.threshold,
            "harm_weight": self.harm_weight,
            "ci": self.ci,
            "overall": self.overall.to_dict(),
            "subgroups": [r.to_dict() for r in self.subgroups],
            "most_harmed": None if self.most_harmed is None else self.most_harmed.to_dict(),
            "most_harmed_by_attribute": {k: v.to_dict() for k, v in self.most_harmed_by_attribute.items()},
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per population."""
        rows = []
        for row in (self.overall, *self.subgroups):
            flat: dict[str, Any] = {}
            for key, value in row.to_dict().items():
                if isinstance(value, list):
                    flat[f"{key.removesuffix('_ci')}_lo"], flat[f"{key.removesuffix('_ci')}_hi"] = value
                else:
                    flat[key] = value
            rows.append(flat)
        return pl.DataFrame(rows, schema_overrides={"attribute": pl.String, "value": pl.String})


def harm(
    frame: Any,
    /,
    *,
    label: str,
    score: str,
    threshold: float,
    groups: Sequence[str],
    ci: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> HarmReport:
    """False negatives and false positives per 1,000 patients of each subgroup at ``threshold``.

    ``groups`` names the attribute columns (each analysed one at a time); ``ci`` is the level
    of the intervals; ``n_boot`` and ``seed`` drive the bootstrap of the weighted harm.
    """
    attributes = check_options(groups, n_boot, ci)
    if not 0 < threshold < 1:
        raise InputError(f"threshold must lie strictly between 0 and 1, not {threshold}", hint="e.g. 0.2")
    table = summarize(frame, label=label, scores={score: score}, groups=attributes)
    return harm_from_counts(table, threshold=threshold, ci=ci, n_boot=n_boot, seed=seed)


def harm_from_counts(
    table: CountTable, /, *, threshold: float, ci: float, n_boot: int, seed: int
) -> HarmReport:
    """The estimate step of :func:`harm`, on a count summary of one score."""
    z = normal_quantile(ci)
    subgroups = table.subgroups()
    streams = np.random.SeedSequence(seed).spawn(1 + len(subgroups))
    overall = _row(table, threshold, z, ci, n_boot, np.random.default_rng(streams[0]), None, None)
    rows = tuple(
        _row(table.subset(mask), threshold, z, ci, n_boot, np.random.default_rng(stream), attribute, value)
        for (attribute, value, mask), stream in zip(subgroups, streams[1:], strict=True)
    )
    by_attribute: dict[str, HarmRow] = {}
    for row in rows:
        assert row.attribute is not None
        best = by_attribute.get(row.attribute)
        if best is None or row.weighted_harm_per_1000 > best.weighted_harm_per_1000:
            by_attribute[row.attribute] = row
    worst = max(rows, key=lambda r: r.weighted_harm_per_1000) if rows else None
    return HarmReport(
        score=table.models[0],
        threshold=float(threshold),
        ci=ci,
        overall=overall,
        subgroups=rows,
        most_harmed=worst,
        most_harmed_by_attribute=by_attribute,
    )


def _row(
    table: CountTable,
    t: float,
    z: float,
    ci: float,
    n_boot: int,
    rng: np.random.Generator,
    attribute: str | None,
    value: str | None,
) -> HarmRow:
    treated = table.scores[:, 0] >= t
    n = int(table.count.sum())
    events = int(np.sum(table.count * table.label))
    fn = int(np.sum(table.count[(table.label == 1) & ~treated]))
    fp = int(np.sum(table.count[(table.label == 0) & treated]))
    weight = t / (1 - t)
    counts = np.array([fn, fp], dtype=np.float64)
    lo, hi = _wilson(counts, np.array([n, n], dtype=np.float64), z)
    weighted = PER * (fn + weight * fp) / n
    if n_boot and n:
        draws = rng.multinomial(n, np.array([fn, fp, n - fn - fp], dtype=np.float64) / n, size=n_boot)
        boot = PER * (draws[:, 0] + weight * draws[:, 1]) / n
        alpha = (1 - ci) / 2
        w_ci = (float(np.quantile(boot, alpha)), float(np.quantile(boot, 1 - alpha)))
    else:
        w_ci = (float("nan"), float("nan"))
    return HarmRow(
        attribute=attribute,
        value=value,
        n=n,
        events=events,
        false_negatives=fn,
        false_positives=fp,
        false_negatives_per_1000=PER * fn / n,
        false_negatives_per_1000_ci=(float(PER * lo[0]), float(PER * hi[0])),
        false_positives_per_1000=PER * fp / n,
        false_positives_per_1000_ci=(float(PER * lo[1]), float(PER * hi[1])),
        weighted_harm_per_1000=weighted,
        weighted_harm_per_1000_ci=w_ci,
        miss_rate=fn / events if events else float("nan"),
    )
