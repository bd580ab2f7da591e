"""The quarter summed from months (analytics.quarter_sum) is the same number whatever its block size.

The draws are made a month at a time in the order of the whole-matrix form and the arithmetic runs over
blocks of reps; these tests hold the block size, the residual law's t tails and the hurdle summary to the
plain forms they replaced, number for number.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from scipy import stats

from analytics import quarter_sum
from analytics.logmodel import fit_log_model
from analytics.periods import period_of
from analytics.predictive import EmpiricalResidualLaw

MONTHS = [period_of(date(2024, 1, 1), "month").next(k) for k in range(30)]


@pytest.fixture(scope="module")
def monthly_fit():
    gen = np.random.default_rng(11)
    n_r, n_t = 40, 24
    y = gen.lognormal(9, 0.5, (n_r, n_t)) * (gen.uniform(size=(n_r, n_t)) > 0.15)
    none = np.full((n_r, n_t), np.nan)
    return fit_log_model(y, np.ones((n_r, n_t)), none, MONTHS[:n_t], MONTHS[n_t], np.ones(n_r), none[:, 0],
                         steps=3)


def _summed(fit, monkeypatch, block_rows: int):
    monkeypatch.setattr(quarter_sum, "BLOCK_ROWS", block_rows)
    n_r = fit.mu.size
    rows = np.arange(0, n_r, 2)                 # every other rep, one of them inactive in the second month
    expfrac = np.ones((rows.size, 3))
    expfrac[3, 1] = 0.0
    return quarter_sum.summed_predictive(fit, np.arange(n_r).astype(str), rows, expfrac,
                                         np.full((rows.size, 3), np.nan), MONTHS[24])


@pytest.mark.parametrize("law", ["empirical", "t"])
@pytest.mark.parametrize("block_rows", [1, 3, 7])
def test_the_block_size_changes_no_number(monthly_fit, monkeypatch, law, block_rows):
    fit = monthly_fit if law == "empirical" else replace(monthly_fit, law=None)
    assert (fit.law is not None) == (law == "empirical")
    whole = _summed(fit, monkeypatch, 10_000)
    blocks = _summed(fit, monkeypatch, block_rows)
    for name in ("mu", "sigma", "zero_share", "df"):
        assert np.array_equal(getattr(whole, name), getattr(blocks, name)), name
    assert whole.shared_sigma == blocks.shared_sigma
    assert (whole.residuals is None) == (blocks.residuals is None)
    if whole.residuals is not None:
        assert np.array_equal(whole.residuals.sorted_values, blocks.residuals.sorted_values)


def _nan_hurdle(total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hurdle's location and scale by numpy's own NaN functions: the mean of the logs, and their
    interquartile range over 1.349 (rows of fewer than four draws take the median scale)."""
    positive = total > 0
    k = positive.sum(axis=1)
    with np.errstate(divide="ignore"):
        logs = np.where(positive, np.log(np.where(positive, total, 1.0)), np.nan)
    mu = np.where(k > 0, np.nansum(logs, axis=1) / np.maximum(k, 1), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # (all-NaN rows: the never-selling rep)
        q25, q75 = np.nanquantile(logs, [0.25, 0.75], axis=1)
    sd = np.where(k >= 4, (q75 - q25) / 1.349, np.nan)
    fill = float(np.nanmedian(sd))
    return mu, np.where(np.isfinite(sd) & (sd > 0), sd, fill)


@pytest.mark.parametrize("zero_rate", [0.0, 0.3, 0.97])
def test_the_hurdle_summary_equals_the_nan_form(zero_rate):
    gen = np.random.default_rng(5)
    total = gen.lognormal(10, 1, (50, 64)) * (gen.uniform(size=(50, 64)) >= zero_rate)
    total[0] = 0.0                                            # a rep who never sells
    total[1, 1:] = 0.0                                        # and one who sells once
    pred = quarter_sum._as_hurdle(np.arange(50).astype(str), total, 0.1)
    mu, sd = _nan_hurdle(total)
    assert np.array_equal(pred.mu, mu) and np.allclose(pred.sigma, sd, rtol=1e-12)
    assert np.array_equal(pred.zero_share, 1 - (total > 0).sum(axis=1) / 64)


def test_one_extreme_draw_leaves_a_reps_scale_alone():
    """One draw of 256 from the residual law's far tail moved a rep's standard deviation by half, and its
    P90 from 1.4x to 2x its median: the scale is the draws' interquartile range."""
    gen = np.random.default_rng(8)
    total = np.exp(gen.normal(11, 0.2, (3, 256)))
    spiked = total.copy()
    spiked[0, 17] = np.exp(11 - 3.0)
    calm, hit = (quarter_sum._as_hurdle(np.array(["a", "b", "c"]), t, 0.05) for t in (total, spiked))
    assert hit.sigma[0] == pytest.approx(calm.sigma[0], rel=0.02)
    assert calm.sigma[0] == pytest.approx(0.2, rel=0.15)


def test_the_residual_laws_tails_are_t5_quantiles():
    law = EmpiricalResidualLaw.from_values(np.random.default_rng(4).standard_normal(200))
    n = law.sorted_values.size
    first, last = 1 / (n + 1), n / (n + 1)
    lo, hi = np.array([1e-9, 1e-4, first / 2]), np.array([last + (1 - last) / 2, 1 - 1e-6, 1 - 1e-9])
    assert np.array_equal(law.ppf(lo), law.sorted_values[0] + (stats.t.ppf(lo, 5) - stats.t.ppf(first, 5)))
    assert np.array_equal(law.ppf(hi), law.sorted_values[-1] + (stats.t.ppf(hi, 5) - stats.t.ppf(last, 5)))
    inside = np.array([first, 0.3, 0.5, last])
    assert np.array_equal(law.ppf(inside), np.interp(inside, np.arange(1, n + 1) / (n + 1), law.sorted_values))


def test_a_small_teams_reps_get_more_draws_and_a_steadier_median(monthly_fit):
    """256 draws a rep left a median to about 4% of Monte Carlo noise, which moved whenever the other reps
    did; a small team shares the same budget of draws among fewer reps."""
    assert quarter_sum.draws_for(12) == quarter_sum.MAX_DRAWS and quarter_sum.draws_for(50_000) == quarter_sum.N_DRAWS
    n_r = monthly_fit.mu.size
    rows = np.arange(n_r)

    def medians(seed: int, n_draws: int | None) -> np.ndarray:
        old, quarter_sum.SEED = quarter_sum.SEED, seed
        try:
            pred = quarter_sum.summed_predictive(monthly_fit, np.arange(n_r).astype(str), rows, np.ones((n_r, 3)),
                                                 np.full((n_r, 3), np.nan), MONTHS[24], n_draws=n_draws)
        finally:
            quarter_sum.SEED = old
        return np.log(pred.quantile(0.5))

    spread = {n: np.ptp([medians(seed, n) for seed in range(6)], axis=0).max() for n in (256, None)}
    assert spread[None] < spread[256] / 2


def test_a_draw_past_a_floats_range_leaves_a_finite_summary():
    """A t tail's draw over a level run away (log 800: e^800 overflows) once made a rep's sums infinite, their
    logs NaN, and the summary's pooled law too few values to be built: the quarter backtest stopped with
    "need at least 20 residuals". The month is held at e^MAX_LOG; every figure stays finite."""
    n_draws = 64
    total = np.zeros((3, n_draws))
    gen = np.random.default_rng(2)
    for _ in range(3):
        quarter_sum._add_month(total, gen.standard_t(3, (3, n_draws)), gen.uniform(size=(3, n_draws)), None,
                               np.array([9.0, 9.5, 800.0]), np.zeros((3, n_draws)), np.zeros(n_draws), np.ones(3),
                               np.zeros(3), np.ones(3, bool))
    assert np.isfinite(total).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # (no overflow, no NaN on the way)
        law = quarter_sum._as_hurdle(np.array(["a", "b", "c"]), total, 0.1)
    assert np.isfinite(law.mu).all() and np.isfinite(law.sigma).all() and law.residuals is not None
    assert np.all(np.isfinite(law.quantile(0.9)))
