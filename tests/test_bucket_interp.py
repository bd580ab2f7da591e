"""The bucket-indexed interpolation on fixed sorted knots equals ``np.interp`` bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.bucket_interp import BucketIndex
from analytics.uniform_interp import plotting_positions


def knots(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "t residuals":
        return np.sort(rng.standard_t(5, n))
    if kind == "rounded (equal knots)":
        return np.sort(np.round(rng.standard_normal(n), 2))
    if kind == "one dense cluster":
        return np.sort(np.concatenate([rng.normal(0, 1e-6, n // 2), rng.normal(0, 10, n - n // 2)]))
    if kind == "all equal":
        return np.full(n, 1.5)
    raise AssertionError(kind)


def points(xp: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    spread = max(float(xp[-1] - xp[0]), 1.0)
    return np.concatenate([
        rng.uniform(xp[0] - 0.1 * spread, xp[-1] + 0.1 * spread, 5000),     # between and beyond the knots
        rng.choice(xp, 500),                                                  # on knots
        np.nextafter(rng.choice(xp, 200), np.inf), np.nextafter(rng.choice(xp, 200), -np.inf),
        [xp[0], xp[-1], np.nan, np.inf, -np.inf, 0.0, -0.0],
    ])


@pytest.mark.parametrize("kind", ["t residuals", "rounded (equal knots)", "one dense cluster", "all equal"])
@pytest.mark.parametrize("n", [2, 3, 57, 20_000])
def test_equal_to_numpy_interp_bit_for_bit(kind, n):
    rng = np.random.default_rng(n)
    xp = knots(kind, n, rng)
    fp = plotting_positions(n)
    x = points(xp, rng)
    got, expected = BucketIndex(xp, fp).interp(x), np.interp(x, xp, fp)
    assert got.shape == expected.shape
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(np.isnan(got), np.isnan(x))


def test_a_two_dimensional_array_keeps_its_shape():
    xp = np.sort(np.random.default_rng(1).standard_normal(100))
    fp = plotting_positions(100)
    x = np.random.default_rng(2).standard_normal((30, 40))
    assert np.array_equal(BucketIndex(xp, fp).interp(x), np.interp(x, xp, fp))
