"""The win rate model (analytics/rate_model.py): the team's month-of-quarter swing and the drift of a rep's
rate from period to period, on data drawn from the model itself, seeded."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from analytics.periods import parse_period
from analytics.rate_model import fit_rate_model, period_drift, season_effects

MONTHS = [parse_period("2025-01").next(k) for k in range(25)]


def _company(seed: int, *, swing: float, rho: float, n_reps: int = 80, closes: int = 25):
    """Wins and closes of reps x 25 months: rep rates ~ Beta around 0.4, the team's logit + ``swing`` in each
    quarter's third month, each rep-month's rate drawn around it with intra-class correlation ``rho``."""
    gen = np.random.default_rng(seed)
    base = special.logit(gen.beta(8, 12, n_reps))
    third = np.array([k % 3 == 2 for k in range(25)])
    mean = special.expit(base[:, None] + swing * third[None, :] - swing / 3)
    conc = 1 / rho - 1 if rho > 0 else None
    rate = gen.beta(mean * conc, (1 - mean) * conc) if conc else mean
    closed = gen.poisson(closes, (n_reps, 25)).astype(float) + 2
    won = gen.binomial(closed.astype(int), rate).astype(float)
    return won, closed


@pytest.mark.parametrize(("swing", "rho"), [(0.0, 0.0), (1.2, 0.0), (0.0, 0.05), (1.2, 0.05)])
def test_the_next_months_rate_is_covered(swing, rho):
    """Fitted on 24 months, forecasting the 25th (a quarter's first month), over five companies: the share of
    reps at or below each forecast percentile is within three binomial standard errors of it (randomized
    for the ties of a count of wins)."""
    gen = np.random.default_rng(0)
    pits = []
    for seed in range(5):
        won, closed = _company(seed, swing=swing, rho=rho)
        fit = fit_rate_model(won[:, :24], closed[:, :24], periods=MONTHS[:24], target=MONTHS[24])
        trials = closed[:, 24]
        lo = stats.betabinom.cdf(won[:, 24] - 1, trials, fit.a, fit.b)
        hi = stats.betabinom.cdf(won[:, 24], trials, fit.a, fit.b)
        pits.append(lo + gen.uniform(size=lo.size) * (hi - lo))
    pit = np.concatenate(pits)
    for level in (0.1, 0.25, 0.5, 0.75, 0.9):
        assert abs(np.mean(pit <= level) - level) <= 3 * np.sqrt(level * (1 - level) / pit.size), level


def test_a_third_months_swing_is_found_and_a_teams_noise_is_not():
    won, closed = _company(1, swing=1.2, rho=0.0)
    moq = np.arange(24) % 3
    g = season_effects(won[:, :24], closed[:, :24], moq)
    assert g[2] - g[:2].mean() == pytest.approx(1.2, abs=0.15)
    flat_won, flat_closed = _company(2, swing=0.0, rho=0.0, n_reps=3, closes=2)
    assert np.abs(season_effects(flat_won[:, :24], flat_closed[:, :24], moq)).max() < 0.25


@pytest.mark.parametrize("rho", [0.0, 0.02, 0.1])
def test_the_drift_is_recovered(rho):
    won, closed = _company(3, swing=0.0, rho=rho, n_reps=200)
    rate = (won.sum(1) / closed.sum(1))[:, None]
    assert period_drift(won, closed, rate) == pytest.approx(rho, abs=0.012)


def test_without_periods_the_rate_is_the_reps_own_with_its_drift():
    """A quarter (no month of quarter) or a caller without periods: no swing, the drift still widens."""
    won, closed = _company(4, swing=0.0, rho=0.08)
    plain = fit_rate_model(won, closed)
    assert plain.season_effect == 0.0 and plain.drift > 0.04
    assert np.all(plain.a + plain.b < won.sum(1) + (closed - won).sum(1))   # wider than the posterior alone


def test_a_year_end_push_is_a_december_of_its_own():
    """Two years of months with December's deals won twice as often: December's forecast rate is the
    push's, and a June's is not lifted by it (a month-of-quarter swing alone read December as any third
    month)."""
    gen = np.random.default_rng(5)
    months = [parse_period("2024-01").next(k) for k in range(26)]
    december = np.array([p.start.month == 12 for p in months])
    rate = np.where(december, 0.6, 0.3) * np.ones((60, 1))
    closed = gen.poisson(20, (60, 26)).astype(float) + 2
    won = gen.binomial(closed.astype(int), rate).astype(float)
    for target, expected in ((parse_period("2026-12"), 0.6), (parse_period("2026-06"), 0.3)):
        fit = fit_rate_model(won[:, :24], closed[:, :24], periods=months[:24], target=target)
        assert float(np.mean(fit.a / (fit.a + fit.b))) == pytest.approx(expected, abs=0.04), target.label


def test_a_new_rep_under_a_wide_prior_and_a_large_drift_has_a_range():
    """Reps who win all or nothing (a prior of concentration near 0.6) with months that swing (rho at its
    bound): a rep with no history once got a negative concentration and a NaN range."""
    won = np.array([[0, 0, 0, 0], [5, 5, 5, 5], [0, 5, 0, 5], [5, 0, 5, 0], [0, 0, 0, 0]], dtype=float)
    closed = np.vstack([np.full((4, 4), 5.0), np.zeros((1, 4))])
    fit = fit_rate_model(won, closed)
    assert fit.drift == pytest.approx(0.5) and np.all(fit.a > 0) and np.all(fit.b > 0)
    quantiles = fit.predictive(np.array(list("abcde"))).quantile([0.1, 0.5, 0.9])
    assert np.isfinite(quantiles).all()
