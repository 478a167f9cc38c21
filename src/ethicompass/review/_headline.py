"""How a check picks the group it names: by the evidence, not by the point estimate.

Every check that compares groups (a fairness difference, representativeness, harm, calibration
by subgroup) ranks the groups large enough to judge by the bound of their interval nearest to
"no harm", measured in the harmful direction (Holm-adjusted where the check makes several
comparisons). The headline is the group whose interval lies furthest in the harmful direction; a
group whose whole interval lies beyond the limit fails, one whose estimate alone does warns.
Groups below the minimum size are never the headline: they are listed as too small to judge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from statistics import NormalDist

from ethicompass.review._report import Verdict

__all__ = ["Harm", "Ranking", "bonferroni_z", "rank", "wilson"]


def bonferroni_z(m: int, *, ci: float = 0.95) -> float:
    """The normal quantile of a two-sided interval at level ``1 - (1 - ci) / m``: Holm's first
    step over ``m`` comparisons, the level at which the strongest evidence is judged."""
    return NormalDist().inv_cdf(1 - (1 - ci) / (2 * max(1, m)))


def wilson(k: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval of ``k`` successes in ``n`` trials at normal quantile ``z``."""
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Harm:
    """One group's harm against its comparator, in the harmful direction (positive: harmful).

    ``harm`` is the point estimate; ``bound`` the end of its interval nearest to no harm (None
    without an interval), so ``bound > limit`` means the whole interval lies beyond the limit.
    ``value`` and ``ci`` are the numbers as the check reports them (signed, on their own scale).
    """

    group: str
    comparator: str
    harm: float
    bound: float | None
    value: float
    ci: tuple[float, float] | None = None
    n: int | None = None
    sign: float = 1.0
    text: str | None = None

    @property
    def evidence_key(self) -> tuple[float, float]:
        """Sort key: the interval's bound first (no interval ranks last), then the estimate."""
        return (self.bound if self.bound is not None else -math.inf, self.harm)

    @classmethod
    def of(
        cls,
        group: str,
        comparator: str,
        value: float,
        ci: tuple[float, float] | None,
        *,
        higher_is_worse: bool,
        n: int | None = None,
        text: str | None = None,
    ) -> Harm:
        """A signed difference (group minus comparator) read in its harmful direction."""
        sign = 1.0 if higher_is_worse else -1.0
        bound = min(sign * ci[0], sign * ci[1]) if ci is not None else None
        return cls(group, comparator, sign * value, bound, value, ci, n, sign, text)

    def flipped(self) -> Harm:
        """The same comparison seen from the comparator (harm to the comparator)."""
        ci = (-self.ci[1], -self.ci[0]) if self.ci is not None else None
        bound = min(self.sign * ci[0], self.sign * ci[1]) if ci is not None else None
        return replace(
            self,
            group=self.comparator,
            comparator=self.group,
            harm=-self.harm,
            bound=bound,
            value=-self.value,
            ci=ci,
            n=None,
            text=None,
        )


@dataclass(frozen=True)
class Ranking:
    """Groups ranked by evidence of harm, with the check's verdict and the groups it names."""

    verdict: Verdict
    headline: Harm | None
    failing: tuple[Harm, ...]
    warning: tuple[Harm, ...]
    too_small: tuple[tuple[str, int], ...]

    @property
    def named(self) -> tuple[str, ...]:
        """Every group the check names, headline first: failing, then warning (each once)."""
        out: list[str] = []
        for h in (*([self.headline] if self.headline else []), *self.failing, *self.warning):
            if h.group not in out:
                out.append(h.group)
        return tuple(out)

    def describe(self, fmt: str = "{:+.3f}", *, interval: str = "95% CI") -> str:
        """The evidence line: headline, the other failing and warning groups, the small ones."""
        if self.headline is None:
            text = "no group large enough to judge"
        else:
            text = _one(self.headline, fmt, interval)
        others_failing = [h for h in self.failing if h is not self.headline]
        others_warning = [h for h in self.warning if h is not self.headline]
        if others_failing:
            text += "; also failing: " + "; ".join(_one(h, fmt, interval) for h in others_failing)
        if others_warning:
            text += "; beyond the limit on the estimate only: " + "; ".join(
                _one(h, fmt, interval) for h in others_warning
            )
        if self.too_small:
            text += "; too small to judge: " + ", ".join(f"{g} (n={n})" for g, n in self.too_small)
        return text


def _one(h: Harm, fmt: str, interval: str) -> str:
    if h.text is not None:
        return h.text
    ci = f" ({interval} {fmt.format(h.ci[0])} to {fmt.format(h.ci[1])})" if h.ci is not None else ""
    return f"{h.group} vs {h.comparator}: {fmt.format(h.value)}{ci}"


def rank(
    harms: Iterable[Harm],
    *,
    limit: float,
    too_small: Sequence[tuple[str, int]] = (),
    both_ways: bool = False,
) -> Ranking:
    """Rank ``harms`` (groups already large enough to judge) by evidence and judge them.

    ``both_ways`` also reads each comparison from the comparator's side, for checks against a
    reference group that may itself be the one under-served. Verdict: fail when some interval
    lies wholly beyond ``limit`` in the harmful direction; warn when some estimate does; else pass.
    """
    pool = list(harms)
    if both_ways:
        pool += [h.flipped() for h in pool]
    ordered = sorted(pool, key=lambda h: h.evidence_key, reverse=True)
    failing = tuple(h for h in ordered if h.bound is not None and h.bound > limit)
    warning = tuple(h for h in ordered if h.harm > limit and h not in failing)
    verdict: Verdict = "fail" if failing else ("warn" if warning else "pass")
    headline = ordered[0] if ordered else None
    return Ranking(verdict, headline, _unique(failing), _unique(warning), tuple(too_small))


def _unique(harms: tuple[Harm, ...]) -> tuple[Harm, ...]:
    """The strongest comparison of each group (a reference can be harmed against several)."""
    seen: set[str] = set()
    out = []
    for h in harms:
        if h.group not in seen:
            seen.add(h.group)
            out.append(h)
    return tuple(out)
