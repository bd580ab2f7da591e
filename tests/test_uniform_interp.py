"""interp_plotting_positions is np.interp on the grid k / (n + 1), bit for bit (it replaces it for speed)."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.predictive import EmpiricalResidualLaw
from analytics.uniform_interp import interp_plotting_positions, plotting_positions


@pytest.mark.parametrize("n", [1, 2, 3, 7, 1000, 20000])
def test_equal_to_np_interp_bit_for_bit(n):
    rng = np.random.default_rng(n)
    fp = np.sort(rng.standard_normal(n) * 3)
    xp = plotting_positions(n)
    # uniform draws as the residual law's ppf gets them, the knots themselves and their neighbours,
    # values beyond both ends, and the non-finite
    x = np.concatenate([rng.uniform(1e-9, 1 - 1e-9, 200_000), xp, np.nextafter(xp, 0), np.nextafter(xp, 1),
                        [-1.0, 0.0, 1e-12, 1.0, 2.0, np.inf, -np.inf, np.nan]])
    expected = np.interp(x, xp, fp)
    got = interp_plotting_positions(x, fp)
    assert got.shape == expected.shape
    assert np.array_equal(got, expected, equal_nan=True)


def test_keeps_the_shape_of_what_it_is_given():
    fp = np.array([1.0, 2.0, 4.0, 8.0])
    u = np.random.default_rng(0).uniform(size=(50, 7))
    assert np.array_equal(interp_plotting_positions(u, fp), np.interp(u, plotting_positions(4), fp))
    assert interp_plotting_positions(0.5, fp).shape == ()
    assert float(interp_plotting_positions(0.5, fp)) == float(np.interp(0.5, plotting_positions(4), fp))


def test_empirical_law_draws_are_np_interp_of_its_uniforms():
    values = np.random.default_rng(3).standard_t(5, 50_000)
    law = EmpiricalResidualLaw.thinned(values, 20_000)
    u = np.random.default_rng(4).uniform(1e-9, 1 - 1e-9, (300, 400))
    n = law.sorted_values.size
    inside = (u >= 1 / (n + 1)) & (u <= n / (n + 1))
    assert np.array_equal(law.ppf(u)[inside], np.interp(u, plotting_positions(n), law.sorted_values)[inside])
