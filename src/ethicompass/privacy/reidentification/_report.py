"""Re-identification risk of a table from its quasi-identifiers: ``privacy.risk(frame, ...)``.

Counts first: one group-by (:func:`summarize`) gives the size of every equivalence class (and
the sensitive values in it); every measure below is numpy on that summary. The measures follow
El Emam & Dankar (2008) and El Emam, *Guide to the De-Identification of Personal Health
Information* (2013): prosecutor risk (the attacker knows the person is in the data), journalist
risk (the attacker knows the person is in a population), marketer risk (the expected share of
records re-identified when every record is attacked).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ethicompass.errors import InputError
from ethicompass.privacy.reidentification._measures import (
    class_sizes,
    distinct_l,
    emd,
    entropy_l,
    recursive_c,
)
from ethicompass.privacy.reidentification._summary import COUNT, EquivalenceSummary, encode, summarize

logging.getLogger(__name__).addHandler(logging.NullHandler())

ZAYATZ = (
    "Zayatz (1991), 'Estimation of the percent of unique population elements on a microdata file "
    "using the sample', US Census Bureau SRD report RR-91/08; as evaluated in Dankar, El Emam, "
    "Neisa & Roffey (2012), BMC Med Inform Decis Mak 12:66"
)
_SIZE_BINS = ((1, 1), (2, 2), (3, 3), (4, 4), (5, 10), (11, 20), (21, 50), (51, 100), (101, None))


@dataclass(frozen=True)
class RiskMeasure:
    """A per-record re-identification probability summarised over the records."""

    max: float
    mean: float
    share_above_threshold: float
    threshold: float

    def to_dict(self) -> dict[str, float]:
        """JSON-ready fields."""
        return asdict(self)


@dataclass(frozen=True)
class LDiversity:
    """l-diversity of the sensitive value (the minimum over equivalence classes).

    ``distinct``: fewest distinct values in a class; ``entropy``: smallest exp(entropy);
    ``recursive_c``: the table is recursive (c, ``recursive_l``)-diverse for every c above it
    (infinity when some class has fewer than ``recursive_l`` distinct values).
    """

    distinct: int
    entropy: float
    recursive_c: float
    recursive_l: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (infinity as null)."""
        return {
            "distinct": self.distinct,
            "entropy": self.entropy,
            "recursive_c": None if np.isinf(self.recursive_c) else self.recursive_c,
            "recursive_l": self.recursive_l,
        }


@dataclass(frozen=True)
class PopulationUniqueness:
    """How many sample-unique records are estimated to be unique in the population too."""

    estimator: str
    sampling_fraction: float
    estimate: float
    share: float
    citation: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


@dataclass(frozen=True)
class RiskReport:
    """Re-identification risk of one table under one set of quasi-identifiers.

    ``k`` is the smallest equivalence class; ``records_below_k`` the records in classes smaller
    than the policy ``k_threshold``; ``uniques`` the records alone in their class. Nulls in a
    quasi-identifier are a value of their own; ``null_records`` counts them per column.
    """

    quasi_identifiers: tuple[str, ...]
    sensitive: str | None
    records: int
    equivalence_classes: int
    k: int
    k_threshold: int
    records_below_k: int
    share_below_k: float
    size_distribution: tuple[tuple[str, int, int], ...]
    uniques: int
    null_records: dict[str, int]
    prosecutor: RiskMeasure
    marketer_risk: float
    population_uniques: PopulationUniqueness
    l_diversity: LDiversity | None = None
    t: float | None = None
    t_kind: str | None = None
    journalist: RiskMeasure | None = None
    classes_missing_from_population: int = 0
    summary: EquivalenceSummary | None = field(default=None, repr=False, compare=False)

    @property
    def l(self) -> int | None:  # noqa: E743 - the literature's name
        """Distinct l-diversity, or None without a sensitive column."""
        return self.l_diversity.distinct if self.l_diversity else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report (no quasi-identifier values, only counts and risks)."""
        data: dict[str, Any] = {
            "k": self.k,
            "l": self.l,
            "t": self.t,
            "equivalence_classes": self.equivalence_classes,
            "records": self.records,
            "records_below_k": self.records_below_k,
            "uniques": self.uniques,
            "prosecutor_risk": self.prosecutor.to_dict(),
        }
        if self.journalist is not None:
            data["journalist_risk"] = self.journalist.to_dict()
            data["classes_missing_from_population"] = self.classes_missing_from_population
        data.update(
            {
                "quasi_identifiers": list(self.quasi_identifiers),
                "sensitive": self.sensitive,
                "k_threshold": self.k_threshold,
                "share_below_k": self.share_below_k,
                "size_distribution": [
                    {"sizes": label, "classes": c, "records": r} for label, c, r in self.size_distribution
                ],
                "null_records": dict(self.null_records),
                "marketer_risk": self.marketer_risk,
                "population_uniques": self.population_uniques.to_dict(),
                "l_diversity": self.l_diversity.to_dict() if self.l_diversity else None,
                "t_closeness": {"t": self.t, "distance": self.t_kind} if self.t is not None else None,
            }
        )
        return data

    def to_frame(self) -> pl.DataFrame:
        """One row per equivalence class: its quasi-identifier values, size and prosecutor risk.

        This frame holds quasi-identifier values: keep it inside the data environment.
        """
        if self.summary is None:
            return pl.DataFrame()
        classes = self.summary.class_sizes().rename({COUNT: "size"})
        return classes.with_columns((1.0 / pl.col("size")).alias("prosecutor_risk"))


def risk(
    frame: Any,
    /,
    *,
    quasi_identifiers: Sequence[str],
    sensitive: str | None = None,
    population: EquivalenceSummary | None = None,
    population_size: int | None = None,
    k_threshold: int = 5,
    risk_threshold: float = 0.09,
    recursive_l: int = 2,
) -> RiskReport:
    """Measure the re-identification risk of ``frame`` from its quasi-identifiers.

    ``population`` (a summary of the population over the same quasi-identifiers, from
    :func:`summarize` or :meth:`EquivalenceSummary.from_counts`) enables journalist risk;
    ``population_size`` alone (or the population's total) sets the sampling fraction of the
    population-uniqueness estimate. Accepts an :class:`EquivalenceSummary` in place of a frame.
    """
    if k_threshold < 1:
        raise InputError(f"k_threshold is {k_threshold}", hint="use a k of 1 or more (commonly 5 or 11)")
    if not 0.0 < risk_threshold <= 1.0:
        raise InputError(f"risk_threshold is {risk_threshold}", hint="use a probability in (0, 1], e.g. 0.09")
    if recursive_l < 1:
        raise InputError(f"recursive_l is {recursive_l}", hint="use an l of 1 or more")
    if isinstance(frame, EquivalenceSummary):
        summary = frame
    else:
        summary = summarize(frame, quasi_identifiers=quasi_identifiers, sensitive=sensitive)
    return risk_from_summary(
        summary,
        population=population,
        population_size=population_size,
        k_threshold=k_threshold,
        risk_threshold=risk_threshold,
        recursive_l=recursive_l,
    )


def risk_from_summary(
    summary: EquivalenceSummary,
    /,
    *,
    population: EquivalenceSummary | None = None,
    population_size: int | None = None,
    k_threshold: int = 5,
    risk_threshold: float = 0.09,
    recursive_l: int = 2,
) -> RiskReport:
    """The estimate step of :func:`risk`, on a summary already made (e.g. merged from sites)."""
    n = summary.records
    if n == 0:
        raise InputError("the table has no records", hint="measure risk on a table with at least one row")
    class_ids, counts, sens, n_classes = encode(summary)
    sizes = class_sizes(class_ids, counts, n_classes)
    k = int(sizes.min())
    below = sizes < k_threshold
    records_below = int(sizes[below].sum())
    risk_per_class = 1.0 / sizes
    above = risk_per_class > risk_threshold
    prosecutor = RiskMeasure(
        max=float(risk_per_class.max()),
        mean=n_classes / n,
        share_above_threshold=float(sizes[above].sum()) / n,
        threshold=risk_threshold,
    )
    uniques = int((sizes == 1).sum())
    journalist = None
    missing = 0
    marketer = n_classes / n
    big_n = population_size
    uniques_in_population: float | None = None
    if population is not None:
        pop_sizes, missing = _population_sizes(summary, population, class_ids)
        pop_sizes = np.maximum(pop_sizes, sizes)
        j_risk = 1.0 / pop_sizes
        journalist = RiskMeasure(
            max=float(j_risk.max()),
            mean=float((sizes * j_risk).sum()) / n,
            share_above_threshold=float(sizes[j_risk > risk_threshold].sum()) / n,
            threshold=risk_threshold,
        )
        marketer = float((sizes / pop_sizes).sum()) / n
        big_n = max(population.records, n) if population_size is None else population_size
        uniques_in_population = float(((sizes == 1) & (pop_sizes == 1)).sum())
    if big_n is not None and big_n < n:
        raise InputError(
            f"population_size {big_n} is smaller than the {n} records of the sample",
            hint="give the size of the population the sample was drawn from",
        )
    pop_unique = _population_uniqueness(sizes, n, big_n, uniques_in_population)
    l_div = t_value = t_kind = None
    if sens is not None and summary.sensitive is not None:
        distinct = distinct_l(class_ids, counts, n_classes)
        l_div = LDiversity(
            distinct=int(distinct.min()),
            entropy=float(entropy_l(class_ids, counts, sizes).min()),
            recursive_c=float(recursive_c(class_ids, counts, n_classes, recursive_l).max()),
            recursive_l=recursive_l,
        )
        dtype = summary.counts.schema[summary.sensitive]
        ordinal = dtype.is_numeric() or dtype.is_temporal()
        t_kind = "ordinal" if ordinal else "categorical"
        t_value = float(emd(class_ids, counts, sens, n_classes, ordinal=ordinal).max())
    return RiskReport(
        quasi_identifiers=summary.quasi_identifiers,
        sensitive=summary.sensitive,
        records=n,
        equivalence_classes=n_classes,
        k=k,
        k_threshold=k_threshold,
        records_below_k=records_below,
        share_below_k=records_below / n,
        size_distribution=_size_distribution(sizes),
        uniques=uniques,
        null_records=_null_records(summary),
        prosecutor=prosecutor,
        marketer_risk=marketer,
        population_uniques=pop_unique,
        l_diversity=l_div,
        t=t_value,
        t_kind=t_kind,
        journalist=journalist,
        classes_missing_from_population=missing,
        summary=summary,
    )


def _population_sizes(
    sample: EquivalenceSummary, population: EquivalenceSummary, class_ids: np.ndarray
) -> tuple[np.ndarray, int]:
    """Population size of each sample class, indexed by the class ids :func:`encode` gave (0 where absent)."""
    qis = list(sample.quasi_identifiers)
    if set(population.quasi_identifiers) != set(qis):
        raise InputError(
            f"the population is summarised over {list(population.quasi_identifiers)}, the sample over {qis}",
            hint="summarise the population over the same quasi-identifiers",
        )
    # encode() coded the rows of the sorted summary: pair each row's key with its class id, so the join
    # lines the population up by class id, not by position (string codes need not follow sort order)
    classes = (
        sample.sorted()
        .counts.select(qis)
        .with_columns(pl.Series("__class__", class_ids))
        .unique("__class__", keep="first")
    )
    pop = population.class_sizes().rename({COUNT: "__population__"})
    pop = pop.cast({q: classes.schema[q] for q in qis}, strict=False)  # type: ignore[dict-item]
    joined = classes.join(pop, on=qis, how="left", nulls_equal=True)
    sizes = np.zeros(len(classes), dtype=np.int64)
    sizes[joined["__class__"].to_numpy()] = joined["__population__"].fill_null(0).to_numpy()
    return sizes, int(joined["__population__"].is_null().sum())


def _population_uniqueness(
    sizes: np.ndarray, n: int, big_n: int | None, known: float | None
) -> PopulationUniqueness:
    u1 = float((sizes == 1).sum())
    if known is not None:
        pi = n / big_n if big_n else 1.0
        return PopulationUniqueness(
            "population table (exact count)", pi, known, known / n, "counted from the population given"
        )
    pi = 1.0 if big_n is None else n / big_n
    if pi >= 1.0 or u1 == 0:
        estimate = u1
    else:
        # Zayatz: assume the population's class-size distribution mirrors the sample's; a class of
        # population size i shows up once in a Bernoulli(pi) sample with probability i pi (1-pi)^(i-1).
        values, freq = np.unique(sizes, return_counts=True)
        weights = freq * values * pi * (1.0 - pi) ** (values - 1.0)
        estimate = u1 * (u1 * pi) / float(weights.sum())
    return PopulationUniqueness("Zayatz", pi, estimate, estimate / n, ZAYATZ)


def _size_distribution(sizes: np.ndarray) -> tuple[tuple[str, int, int], ...]:
    rows = []
    for lo, hi in _SIZE_BINS:
        mask = (sizes >= lo) if hi is None else (sizes >= lo) & (sizes <= hi)
        label = f"{lo}+" if hi is None else (str(lo) if lo == hi else f"{lo}-{hi}")
        rows.append((label, int(mask.sum()), int(sizes[mask].sum())))
    return tuple(rows)


def _null_records(summary: EquivalenceSummary) -> dict[str, int]:
    counts = summary.counts
    return {q: int(counts.filter(pl.col(q).is_null())[COUNT].sum()) for q in summary.quasi_identifiers}
