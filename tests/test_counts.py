"""Counts and rates: fits recover known parameters; closed forms agree with scipy and simulation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import run_cli
from scipy import special, stats

from analytics.counts import (
    _betabinom_logpmf_kernel,
    _nbinom_logpmf,
    fit_beta_binomial,
    fit_count_model,
    fit_gamma_poisson,
    pooled_rate,
)
from analytics.periods import period_of
from analytics.predictive import BetaBinomialRate, NegBinomialCount


def test_beta_binomial_fit_recovers_prior():
    rng = np.random.default_rng(1)
    p = rng.beta(6, 14, 3000)
    m = rng.integers(5, 40, 3000)
    w = rng.binomial(m, p)
    a, b = fit_beta_binomial(w, m)
    assert a / (a + b) == pytest.approx(0.3, abs=0.01)
    assert a + b == pytest.approx(20, rel=0.25)


def test_beta_binomial_binomial_limit_keeps_the_mean():
    w = np.array([0] * 30 + [1, 1, 1])
    m = np.full(33, 6)
    a, b = fit_beta_binomial(w, m)
    assert a / (a + b) == pytest.approx(3 / 198, rel=0.05)


def test_pooled_rate_shrinks_toward_team():
    w = np.array([1, 30, 10, 12, 8, 11])
    m = np.array([1, 100, 40, 40, 40, 40])
    r = pooled_rate(w, m)
    assert r[0] < 1.0 and r[0] > 0.2          # 1 of 1 is not a 100% win rate
    assert r[1] == pytest.approx(0.30, abs=0.03)


def test_gamma_poisson_fit_recovers_prior():
    rng = np.random.default_rng(2)
    e = rng.uniform(3, 12, 4000)
    lam = rng.gamma(4.0, 1 / 2.0, 4000)
    y = rng.poisson(lam * e)
    alpha, beta = fit_gamma_poisson(y.astype(float), e)
    assert alpha / beta == pytest.approx(2.0, rel=0.05)
    assert alpha == pytest.approx(4.0, rel=0.25)


def test_negative_binomial_p_attain_matches_simulation():
    rng = np.random.default_rng(3)
    d = NegBinomialCount(reps=np.array(["a", "b"]), r=np.array([5.0, 2.0]), q=np.array([0.4, 0.2]))
    draws = d.sample(200_000, rng)
    for t in (3.0, 8.0, 12.0):
        assert d.p_attain(np.array([t, t])) == pytest.approx((draws >= t).mean(axis=0), abs=0.01)


def test_beta_binomial_rate_family_against_scipy():
    d = BetaBinomialRate(reps=np.array(["a"]), a=np.array([6.0]), b=np.array([14.0]), trials=np.array([10.0]))
    assert d.quantile(0.5)[0] == pytest.approx(stats.betabinom.ppf(0.5, 10, 6, 14) / 10)
    assert d.p_attain(np.array([0.3]))[0] == pytest.approx(stats.betabinom.sf(2, 10, 6, 14))
    draws = d.sample(100_000, np.random.default_rng(4))
    assert d.p_attain(np.array([0.4]))[0] == pytest.approx((draws >= 0.4 - 1e-9).mean(), abs=0.01)


def test_count_model_coverage_on_data_from_the_model():
    rng = np.random.default_rng(5)
    n_r, n_t = 2000, 10
    lam = rng.gamma(5.0, 1.0, n_r)
    y = rng.poisson(lam[:, None] * np.ones((1, n_t + 1))).astype(float)
    periods = [period_of(np.datetime64("2024-01-01").astype(object), "month").next(k) for k in range(n_t + 1)]
    fit = fit_count_model(y[:, :n_t], np.ones((n_r, n_t)), np.full((n_r, n_t), np.nan), periods[:n_t],
                          periods[n_t], np.ones(n_r), np.full(n_r, np.nan))
    pred = fit.predictive(np.arange(n_r).astype(str))
    u_lo = np.where(y[:, n_t] > 0, pred.cdf(y[:, n_t] - 1), 0.0)
    u = u_lo + (pred.cdf(y[:, n_t]) - u_lo) * rng.uniform(size=n_r)
    for p in (0.1, 0.5, 0.9):
        assert np.mean(u <= p) == pytest.approx(p, abs=0.04)


# Hand-written log-pmfs the fits use for speed, against scipy (edge cases: k = 0, huge k, a tiny or
# huge shape, p near 0 or 1; w = 0, w = m, one trial, a near-binomial prior).
@pytest.mark.parametrize("k,n,p", [
    (0, 1.0, 0.5), (0, 1e-3, 0.2), (1, 1.0, 1e-6), (3, 2.5, 0.999999), (7, 0.05, 0.3),
    (40, 12.0, 0.01), (10_000, 3.0, 0.0005), (25, 1e6, 0.9999), (1e6, 50.0, 1e-4), (12, 1e-6, 0.5),
])
def test_nbinom_logpmf_matches_scipy(k, n, p):
    ours = _nbinom_logpmf(np.array([k], float), n, np.log([p]), np.log1p([-p]))[0]
    assert ours == pytest.approx(stats.nbinom.logpmf(k, n, p), rel=1e-9, abs=1e-7)


def test_nbinom_logpmf_matches_scipy_on_a_team():
    rng = np.random.default_rng(11)
    k = rng.poisson(rng.gamma(2.0, 10.0, 500)).astype(float)
    p = rng.uniform(0.01, 0.99, 500)
    np.testing.assert_allclose(_nbinom_logpmf(k, 2.0, np.log(p), np.log1p(-p)), stats.nbinom.logpmf(k, 2.0, p),
                               rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("w,m,a,b", [
    (0, 1, 1.0, 1.0), (1, 1, 0.5, 3.0), (0, 30, 2.0, 8.0), (30, 30, 2.0, 8.0), (7, 20, 1e-3, 1e-3),
    (7, 20, 1e5, 2e5), (500, 2000, 60.0, 140.0), (3, 9, 0.2, 50.0),
])
def test_betabinom_kernel_matches_scipy_up_to_the_binomial_coefficient(w, m, a, b):
    log_choose = special.gammaln(m + 1) - special.gammaln(w + 1) - special.gammaln(m - w + 1)
    ours = _betabinom_logpmf_kernel(np.array([w], float), np.array([m], float), a, b)[0] + log_choose
    assert ours == pytest.approx(stats.betabinom.logpmf(w, m, a, b), rel=1e-9, abs=1e-9)


# ---- rates and counts at the edge: the fits stay finite and silent (issue: NaN in the objective) ----
# An orders-only export (no stage column: every row counts as won) gives every rep w_i = m_i. The
# beta-binomial likelihood then rises toward b = 0, and the search used to step where 1 - expit(t)
# is exactly 0: betaln(a, 0) - betaln(a, 0) = inf - inf, a RuntimeWarning and NaN percentiles.
# (wins, trials, the prior mean a / (a + b) the likelihood's supremum has)
EDGE_RATES = {
    "every deal won (orders only)": ([12, 30, 7, 21, 16], [12, 30, 7, 21, 16], 1.0),
    "no deal won": ([0, 0, 0, 0, 0], [12, 30, 7, 21, 16], 0.0),
    # a + b -> 0: each rep's rate is 0 or 1 with chance 1 - mu or mu, so mu is the share of reps
    # who won everything (3 of 6), not of deals
    "each rep all or nothing": ([0, 8, 0, 10, 0, 6] * 50, [5, 8, 3, 10, 4, 6] * 50, 0.5),
    "one win in a large team": ([1] + [0] * 999, [36] * 1000, 1 / 36_000),
}


@pytest.mark.parametrize("wins,trials,mean", EDGE_RATES.values(), ids=EDGE_RATES.keys())
def test_beta_binomial_fit_at_the_edge_is_finite_without_warnings(wins, trials, mean):
    w, m = np.array(wins, float), np.array(trials, float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, b = fit_beta_binomial(w, m)
    assert np.isfinite([a, b]).all() and a > 0 and b > 0
    assert a / (a + b) == pytest.approx(mean, abs=2e-3)    # (to the fit's bound, 1e-9 from 0 and 1)


def test_gamma_poisson_fit_with_a_large_prior_against_a_tiny_exposure_is_finite_without_warnings():
    # Poisson-like totals pin the shape at its bound (1e6): p = beta / (beta + e) is 1 to double
    # precision for e = 1e-9, and log(1 - p) was log(0) = -inf, times k = 0: NaN.
    y, e = np.array([0.0, 1.0, 0.0, 2.0, 1.0]), np.array([1e-9, 1.0, 1.0, 1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alpha, beta = fit_gamma_poisson(y, e)
    assert np.isfinite([alpha, beta]).all()
    assert alpha / beta == pytest.approx(y.sum() / e.sum(), rel=0.05)


def _orders_export(path, reps: int = 6, months: int = 15, seed: int = 14) -> None:
    """An orders/invoices export (no stage: every row is a won sale), seeded: the input that warned."""
    rng = np.random.default_rng(seed)
    lines = ["Invoice Number,Sales Rep,Invoice Date,Invoice Total"]
    for rep in range(reps):
        for month in range(months):
            for k in range(int(rng.integers(1, 5))):
                day = f"2025-{month % 12 + 1:02d}-{k + 3:02d}" if month < 12 else f"2026-{month - 11:02d}-{k + 3:02d}"
                lines.append(f"INV-{rep}-{month}-{k},Rep {chr(65 + rep)},{day},{rng.integers(100, 5000)}")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_win_rate_of_an_orders_only_history_is_100_percent_without_warnings(tmp_path, grain):
    from analytics import store
    from analytics.calibration import calibrate
    from analytics.cli_calibrate import calibration_rows

    orders, db = tmp_path / "orders.csv", tmp_path / "orders.duckdb"
    _orders_export(orders)
    assert run_cli("import", str(orders), "--db", str(db)).returncode == 0
    # The CLI says what is missing (tests/test_calibrate_cli.py); the engine itself stays finite.
    res = run_cli("calibrate", "--db", str(db), "--metric", "win_rate", "--grain", grain, "--json")
    assert res.returncode == 2 and "no lost deals imported" in res.stderr
    conn = store.connect(db)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            rows = calibration_rows(calibrate(conn, "win_rate", grain, "next")).to_dict(orient="records")
    finally:
        conn.close()
    assert len(rows) == 6
    for row in rows:        # every deal was won: every percentile of the win rate is 100%, none NaN
        assert [row[f"p{p}"] for p in (10, 25, 40, 50, 70, 90)] == pytest.approx([1.0] * 6, abs=1e-6)


def test_deals_won_follow_the_open_pipeline_as_revenue_does():
    """A team whose pipeline grew a month before its deals won: the deals-won forecast leans on the deals
    open at the last month's end (the growth company: deals won at or below their P70 in 59% of months, not 70%)."""
    rng = np.random.default_rng(11)
    n_r, n_t = 40, 24
    growth = np.exp(np.concatenate([np.zeros(16), 0.15 * np.arange(1, n_t - 14)]))    # from month 17 on
    rate = rng.gamma(20.0, 0.25, n_r)[:, None] * growth[None, :]
    y = rng.poisson(rate[:, :n_t]).astype(float)
    # The deals open at each month's end: about the next month's wins, three times over.
    open_deals = rng.poisson(3.0 * rate[:, 1:]).astype(float)
    periods = [period_of(np.datetime64("2024-01-01").astype(object), "month").next(k) for k in range(n_t + 1)]
    args = (y[:, :n_t], np.ones((n_r, n_t)), np.full((n_r, n_t), np.nan), periods[:n_t], periods[n_t],
            np.ones(n_r), np.full(n_r, np.nan))
    truth = rate[:, n_t].sum()
    plain = fit_count_model(*args).mean.sum()
    led = fit_count_model(*args, open_deals=open_deals).mean.sum()
    assert plain < 0.8 * truth                        # the mean of the last three months trails the growth
    assert abs(led - truth) < abs(plain - truth) / 2  # the pipeline's lead makes up most of it
