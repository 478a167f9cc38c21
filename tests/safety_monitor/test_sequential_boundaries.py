"""Group-sequential boundaries against published gsDesign values, and type I error by simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ethicompass.errors import InputError
from ethicompass.safety import boundaries, spent_alpha

# Published by gsDesign's own test suite (keaven/gsDesign, tests/testthat/_snaps/
# independent-test-gsBoundSummary.md, commit 97f1dc3): gsDesign() defaults, one-sided
# alpha = 0.025, Hwang-Shih-DeCani spending with gamma = -4, equally spaced information.
GSDESIGN_HSD_K5 = (3.2527, 2.9860, 2.6917, 2.3737, 2.0253)
GSDESIGN_HSD_K3 = (3.0107, 2.5465, 1.9992)
# rpact getDesignGroupSequential(kMax = 3, alpha = 0.025, typeOfDesign = "asOF") critical values
# (rpact vignette "Defining group sequential boundaries"); the first is analytic.
RPACT_OF_K3 = (3.7103, 2.5114, 1.9930)


@pytest.mark.parametrize(
    ("fractions", "spending", "expected"),
    [
        ((0.2, 0.4, 0.6, 0.8, 1.0), "hwang-shih-decani", GSDESIGN_HSD_K5),
        ((1 / 3, 2 / 3, 1.0), "hwang-shih-decani", GSDESIGN_HSD_K3),
        ((1 / 3, 2 / 3, 1.0), "obrien-fleming", RPACT_OF_K3),
    ],
)
def test_boundaries_match_published_tables(fractions, spending, expected) -> None:
    got = boundaries(fractions, alpha=0.025, spending=spending, gamma=-4)
    assert np.allclose(got.z, expected, atol=1e-4), got.z


@pytest.mark.parametrize("spending", ["obrien-fleming", "pocock", "hwang-shih-decani"])
def test_first_look_is_analytic_and_spending_ends_at_alpha(spending) -> None:
    t = [0.25, 0.5, 0.75, 1.0]
    b = boundaries(t, alpha=0.025, spending=spending)
    assert b.z[0] == pytest.approx(stats.norm.isf(spent_alpha(0.025, 0.25, spending=spending)), abs=1e-12)
    assert b.cumulative_alpha[-1] == pytest.approx(0.025)
    assert all(np.diff(b.cumulative_alpha) > 0)


def _simulated_crossing(fractions, bounds, sides, n=200_000, seed=1) -> float:
    rng = np.random.default_rng(seed)
    t = np.asarray(fractions)
    increments = rng.standard_normal((n, t.size)) * np.sqrt(np.diff(np.concatenate([[0], t])))
    z = np.cumsum(increments, axis=1) / np.sqrt(t)
    stat = np.abs(z) if sides == 2 else z
    return float((stat >= np.asarray(bounds)).any(axis=1).mean())


@pytest.mark.parametrize("sides", [1, 2])
@pytest.mark.parametrize("spending", ["obrien-fleming", "pocock", "hwang-shih-decani"])
def test_type_one_error_by_simulation(spending, sides) -> None:
    fractions = (0.3, 0.55, 0.8, 1.0)
    alpha = 0.05
    b = boundaries(fractions, alpha=alpha, spending=spending, sides=sides)
    rate = _simulated_crossing(fractions, b.z, sides)
    mc_error = 4 * np.sqrt(alpha * (1 - alpha) / 200_000)
    assert abs(rate - alpha) < mc_error, rate


@pytest.mark.parametrize("fractions", [(), (0.5, 0.4), (0, 1), (0.5, 1.2)])
def test_bad_fractions(fractions) -> None:
    with pytest.raises(InputError, match="information fractions"):
        boundaries(fractions)
