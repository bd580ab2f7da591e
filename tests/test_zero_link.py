"""Zero months that move with the team's level: a growing team's reps sell in more of their months."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy import optimize, special

from analytics.logmodel import fit_log_model
from analytics.periods import period_of
from analytics.quarter_sum import summed_predictive
from analytics.zero_shares import _offset_logit_fit, level_zero_link, shifted_zero_shares, zero_shares

MONTHS = [period_of(date(2023, 1, 1), "month").next(k) for k in range(40)]


def _panel(seed: int, n_reps: int, n_t: int, level: np.ndarray, zero_rate: np.ndarray) -> np.ndarray:
    """Revenue of ``n_reps`` reps over ``n_t`` months: lognormal around exp(9 + level_t), zero with the month's rate."""
    gen = np.random.default_rng(seed)
    y = gen.lognormal(9.0, 0.6, (n_reps, n_t)) * np.exp(level)[None, :]
    y[gen.uniform(size=(n_reps, n_t)) < zero_rate[None, :]] = 0.0
    return y


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_link_is_the_binomial_likelihoods_maximum(seed):
    """Against scipy's minimiser of the binomial log-likelihood (each period's zero months out of the reps seen,
    the reps' expected share as offset, a N(0, 2^2) prior on a and gamma), before the shrinkage."""
    gen = np.random.default_rng(seed)
    n_t = 30
    d = np.cumsum(gen.normal(0, 0.2, n_t))
    zero = gen.uniform(size=(40, n_t)) < 1 / (1 + np.exp(1.5 + 1.2 * d))[None, :]
    seen = gen.uniform(size=(40, n_t)) < 0.9
    zero &= seen
    shares = np.full((40, 3), zero.sum() / seen.sum())
    n, z = seen.sum(0), zero.sum(0)
    offset = special.logit(shares[0, 0])

    def minus_log_lik(theta):
        eta = offset + theta[0] + theta[1] * d
        return -np.sum(z * eta - n * np.logaddexp(0, eta)) + np.sum(theta**2) / 8

    best = optimize.minimize(minus_log_lik, np.zeros(2), method="BFGS", options={"gtol": 1e-10})
    (a, gamma), se2 = _offset_logit_fit(z.astype(float), n.astype(float), np.full(n_t, offset), d)
    assert (a, gamma) == pytest.approx(tuple(best.x), abs=1e-5)
    assert best.x[1] < 0 and 0 < se2 < best.x[1] ** 2
    kept_a, kept_gamma = level_zero_link(d, shares, zero, seen, np.zeros(n_t, int))
    assert kept_gamma == pytest.approx(gamma * (1 - se2 / gamma**2), rel=1e-9)


@pytest.mark.parametrize("n_reps, zero_rate, n_t", [(5, 0.03, 14), (5, 0.03, 30), (12, 0.03, 24), (36, 0.01, 36),
                                                     (36, 0.15, 36)])
def test_rare_zero_months_of_a_small_team_are_not_read_as_more_zeros_than_expected(n_reps, zero_rate, n_t):
    """Zero months at random, whatever the level: the shares stay near the reps' own. A line through each
    period's log-odds read a period without any zero as half a zero month (10% of 5 reps, above their 3%),
    and moved the shares by up to +2.1 on the log-odds scale (3% to 20%: a P10 of 0)."""
    shifts = []
    for seed in range(40):
        gen = np.random.default_rng(seed)
        d = gen.normal(0, 0.15, n_t)
        zero = gen.uniform(size=(n_reps, n_t)) < zero_rate
        share = zero_shares(zero.sum(1), np.full(n_reps, n_t))
        a, gamma = level_zero_link(d, np.repeat(share[:, None], 3, 1), zero, np.ones_like(zero), np.zeros(n_t, int))
        shifts.append(a + gamma * d[-1] if gamma else 0.0)
    assert np.max(np.abs(shifts)) < 0.3 and abs(np.mean(shifts)) < 0.05


def test_zero_months_that_do_not_follow_the_level_leave_the_shares_alone():
    gen = np.random.default_rng(4)
    d = np.cumsum(gen.normal(0, 0.2, 30))
    zero = gen.uniform(size=(40, 30)) < 0.15
    shares = np.full((40, 3), 0.15)
    assert level_zero_link(d, shares, zero, np.ones_like(zero), np.zeros(30, int)) == (0.0, 0.0)
    assert shifted_zero_shares(shares, 0.0) is shares                         # the same numbers, not a copy


def test_a_growing_teams_zero_share_falls_with_its_level():
    """Two years steady, then the level rises fourfold and zero months go from 20% to 4%: the next month's
    zero shares follow (the whole history's share alone would stay near 15%), a steady team's do not."""
    n_t = 36
    level = np.r_[np.zeros(24), np.linspace(0.1, 1.4, 12)]
    rate = np.r_[np.full(24, 0.20), np.linspace(0.15, 0.04, 12)]
    grow = _panel(5, 40, n_t, level, rate)
    steady = _panel(5, 40, n_t, np.zeros(n_t), np.full(n_t, 0.2))
    ones, none = np.ones((40, n_t)), np.full((40, n_t), np.nan)
    args = (MONTHS[:n_t], MONTHS[n_t], np.ones(40), none[:, 0])
    grown = fit_log_model(grow, ones, none, *args)
    calm = fit_log_model(steady, ones, none, *args)
    history_share = float(np.mean(grow == 0))
    assert np.mean(grown.zero_share) < 0.5 * history_share
    assert abs(np.mean(calm.zero_share) - 0.2) < 0.04


def test_a_summed_quarter_carries_the_shift_of_each_of_its_months():
    n_t = 36
    level = np.r_[np.zeros(24), np.linspace(0.1, 1.4, 12)]
    rate = np.r_[np.full(24, 0.35), np.linspace(0.3, 0.05, 12)]
    y = _panel(6, 30, n_t, level, rate)
    ones, none = np.ones((30, n_t)), np.full((30, n_t), np.nan)
    fit = fit_log_model(y, ones, none, MONTHS[:n_t], MONTHS[n_t], np.ones(30), none[:, 0], steps=3)
    assert fit.parts is not None and fit.parts.zero_shift.size == 3 and np.all(fit.parts.zero_shift < 0)
    rows = np.arange(30)
    shifted = summed_predictive(fit, np.arange(30).astype(str), rows, np.ones((30, 3)), none[:, :3], MONTHS[n_t])
    unshifted_parts = fit.parts.__class__(**{**fit.parts.__dict__, "zero_shift": np.zeros(3)})
    unshifted = summed_predictive(fit.__class__(**{**fit.__dict__, "parts": unshifted_parts}), np.arange(30).astype(str),
                                  rows, np.ones((30, 3)), none[:, :3], MONTHS[n_t])
    assert np.mean(shifted.zero_share) < np.mean(unshifted.zero_share)
    assert np.median(shifted.quantile(0.5) / unshifted.quantile(0.5)) > 1.0
