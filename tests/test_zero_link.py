"""Zero months that move with the team's level: a growing team's reps sell in more of their months."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from analytics.logmodel import fit_log_model
from analytics.periods import period_of
from analytics.quarter_sum import summed_predictive
from analytics.zero_shares import level_zero_link, shifted_zero_shares

MONTHS = [period_of(date(2023, 1, 1), "month").next(k) for k in range(40)]


def _panel(seed: int, n_reps: int, n_t: int, level: np.ndarray, zero_rate: np.ndarray) -> np.ndarray:
    """Revenue of ``n_reps`` reps over ``n_t`` months: lognormal around exp(9 + level_t), zero with the month's rate."""
    gen = np.random.default_rng(seed)
    y = gen.lognormal(9.0, 0.6, (n_reps, n_t)) * np.exp(level)[None, :]
    y[gen.uniform(size=(n_reps, n_t)) < zero_rate[None, :]] = 0.0
    return y


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_link_is_a_weighted_least_squares_line(seed):
    """Against np.polyfit with weights sqrt(N r (1 - r)) (polyfit squares them), before the shrinkage."""
    gen = np.random.default_rng(seed)
    n_t = 30
    d = np.cumsum(gen.normal(0, 0.2, n_t))
    zero = gen.uniform(size=(40, n_t)) < 1 / (1 + np.exp(1.5 + 1.2 * d))[None, :]
    seen = gen.uniform(size=(40, n_t)) < 0.9
    zero &= seen
    shares = np.full((40, 3), zero.sum() / seen.sum())
    a, gamma = level_zero_link(d, shares, zero, seen, np.zeros(n_t, int))
    n, z = seen.sum(0), zero.sum(0)
    r = shares[0, 0]
    s = np.log(np.clip(z / n, 0.5 / n, 1 - 0.5 / n) / (1 - np.clip(z / n, 0.5 / n, 1 - 0.5 / n))) - np.log(r / (1 - r))
    w = n * r * (1 - r)
    slope, intercept = np.polyfit(d, s, 1, w=np.sqrt(w))
    resid = s - intercept - slope * d
    se2 = np.sum(w * resid**2) / (n_t - 2) / np.sum(w * (d - np.average(d, weights=w)) ** 2)
    shrink = max(1 - se2 / slope**2, 0.0)
    assert slope < 0
    assert gamma == pytest.approx(slope * shrink, rel=1e-9)
    assert a == pytest.approx(np.average(s, weights=w) - gamma * np.average(d, weights=w), rel=1e-9)


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
