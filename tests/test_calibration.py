"""The calibration engine: known answers on data from the model, pooling limits, cohort priors, API."""

from __future__ import annotations

import random
import warnings
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from calibration_fixtures import simulate_company
from scipy import special
from short_history_fixtures import HEADER, database_from_csv

from analytics import backtest, calibration, store
from analytics.backtest_cases import BacktestPlan
from analytics.backtest_scores import row_quantiles
from analytics.logmodel import _cell_mean, _nanmean, _trigamma_inverse, fit_log_model, fit_variance_prior
from analytics.logmodel_parts import shrunk_moq
from analytics.panel_arrays import build_arrays
from analytics.periods import parse_period, period_of
from analytics.predictive import EmpiricalResidualLaw

LEVELS = (0.10, 0.25, 0.40, 0.50, 0.70, 0.90)


def _months(n):
    first = period_of(date(2022, 1, 1), "month")
    return [first.next(k) for k in range(n)]


def _simulate_log(n_r=3000, n_t=8, seed=0, zero_share=0.0):
    rng = np.random.default_rng(seed)
    a = rng.normal(10.0, 0.6, n_r)
    sigma = np.sqrt(0.3 * 8 / rng.chisquare(8, n_r))
    y = np.exp(a[:, None] + sigma[:, None] * rng.standard_normal((n_r, n_t + 1)))
    y[rng.uniform(size=y.shape) < zero_share] = 0.0
    return y, a, sigma


def _fit(y, n_t):
    n_r = y.shape[0]
    periods = _months(n_t + 1)
    return fit_log_model(y[:, :n_t], np.ones((n_r, n_t)), np.full((n_r, n_t), np.nan), periods[:n_t],
                         periods[n_t], np.ones(n_r), np.full(n_r, np.nan), per_rep_moq=False)


@pytest.mark.parametrize("n_t,zero_share", [(3, 0.0), (8, 0.0), (8, 0.15)])
def test_coverage_on_data_from_the_model(n_t, zero_share):
    y, _, _ = _simulate_log(n_t=n_t, zero_share=zero_share, seed=n_t)
    fit = _fit(y, n_t)
    pred = fit.predictive(np.arange(y.shape[0]).astype(str))
    q = pred.quantile(np.array(LEVELS))
    covered = (y[:, n_t][:, None] <= q).mean(axis=0)
    rng = np.random.default_rng(1)
    upper = pred.cdf(y[:, n_t])
    u = np.where(y[:, n_t] > 0, upper, upper * rng.uniform(size=upper.size))
    randomized = (u[:, None] <= np.array(LEVELS)).mean(axis=0)
    assert randomized == pytest.approx(np.array(LEVELS), abs=0.04)
    assert covered[-1] == pytest.approx(0.9, abs=0.04)


def test_p_attain_matches_monte_carlo():
    y, _, _ = _simulate_log(n_r=50, n_t=6, seed=3, zero_share=0.1)
    pred = _fit(y, 6).predictive(np.arange(50).astype(str))
    targets = pred.quantile(0.4)
    draws = pred.sample(100_000, np.random.default_rng(2))
    mc = (draws >= targets[None, :]).mean(axis=0)
    assert pred.p_attain(targets) == pytest.approx(mc, abs=0.01)
    assert pred.p_attain(targets) == pytest.approx(0.6, abs=0.01)


def test_pooling_reduces_to_own_estimate_with_much_history():
    y, a, _ = _simulate_log(n_r=200, n_t=60, seed=4)
    fit = _fit(y, 60)
    own = np.log(y[:, :60]).mean(axis=1)
    assert np.median(fit.shrink_b) < 0.05
    level = fit.mu - fit.period.next_effect        # theta_i: the rep level without the team's next move
    assert np.median(np.abs(level - own)) < 0.02
    assert np.max(np.abs(level - own)) < 0.2


def test_rep_with_one_period_gets_the_cohort_prior():
    y, _, _ = _simulate_log(n_r=300, n_t=8, seed=5)
    y[0, :7] = np.nan        # one period of history
    y[1, :8] = np.nan        # none at all
    fit = _fit(y, 8)
    assert fit.shrink_b[0] > 0.3
    assert fit.mu[1] == pytest.approx(fit.mu0, abs=0.1)
    assert fit.sigma[1] > np.median(fit.sigma)
    shrunk_toward = fit.mu0 + (1 - fit.shrink_b[0]) * (np.log(y[0, 7]) - fit.mu0)
    assert fit.mu[0] == pytest.approx(shrunk_toward, abs=0.1)


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    path = tmp_path_factory.mktemp("cal") / "cal.duckdb"
    conn = store.connect(path)
    simulate_company(conn, n_reps=30, n_months=24, seed=7, quotas=True)
    # a hire starting next quarter, on the roster but with no history yet
    conn.execute("INSERT INTO reps (rep, team, start_date, import_id) VALUES ('newbie', 'team0', '2025-01-06', 1)")
    yield conn
    conn.close()


def test_calibrate_summary_contract(company):
    cal = calibration.calibrate(company, "revenue", "quarter", "next")
    assert cal.period.label == "2025-Q1"
    s = cal.summary
    for col in ("team", "n_periods", "hist_p10", "hist_p50", "hist_p90", "p10", "p25", "p40", "p50", "p70",
                "p90", "baseline", "flag", "reason", "pooling_weight", "active"):
        assert col in s.columns
    q = s[["p10", "p25", "p40", "p50", "p70", "p90"]].to_numpy()
    assert (np.diff(q, axis=1) >= -1e-9).all()
    assert np.allclose(s["baseline"], s["p50"])
    assert list(cal.predictive.reps) == list(s.index)
    assert np.allclose(cal.p_attain(s["p40"]), 0.6, atol=0.01)
    assert s.loc["newbie", "flag"] == "new" and s.loc["newbie", "n_periods"] == 0
    assert "cohort" in s.loc["newbie", "reason"]
    assert s.loc["newbie", "p50"] < s["p50"].median()       # new hires ramp
    assert cal.team_shared_sigma >= 0


def test_calibrate_other_metrics_and_levels(company):
    cal = calibration.calibrate(company, "deals", "month", "current", levels=(0.2, 0.8))
    assert cal.family == "count" and {"p20", "p80"} <= set(cal.summary.columns)
    rate = calibration.calibrate(company, "win_rate", "quarter")
    assert rate.family == "rate" and rate.summary["p50"].between(0, 1).all()


def test_period_resolution():
    as_of = date(2026, 11, 15)
    assert calibration.resolve_period("next", as_of, "quarter", 1).label == "2027-Q1"
    assert calibration.resolve_period("current", as_of, "quarter", 1).label == "2026-Q4"
    assert calibration.resolve_period("2026-12", as_of, "month", 1).label == "2026-12"
    assert calibration.resolve_period(parse_period("2026-Q3"), as_of, "quarter", 1).label == "2026-Q3"
    with pytest.raises(ValueError):
        calibration.resolve_period("2026-12", as_of, "quarter", 1)


def test_fit_ignores_periods_at_or_after_target(company):
    # Both from the history frame, which holds no open deals (the database route's pipeline lead is checked
    # for the same in tests/test_pipeline_lead.py).
    hist = calibration.calibrate(company, "revenue", "month", "2024-06").history.copy()
    cal = calibration.calibrate(None, "revenue", "month", "2024-06", history=hist.copy())
    later = pd.to_datetime(hist["period_start"]).dt.date >= date(2024, 6, 1)
    hist.loc[later, "value"] = hist.loc[later, "value"] * 50 + 1e6
    poisoned = calibration.calibrate(None, "revenue", "month", "2024-06", history=hist)
    common = cal.summary.index.intersection(poisoned.summary.index)
    assert len(common) > 20
    assert np.allclose(cal.summary.loc[common, "p50"], poisoned.summary.loc[common, "p50"])


def test_fallback_ramp_is_explained_when_no_hires():
    conn = store.connect(":memory:")
    simulate_company(conn, n_reps=20, n_months=12, seed=8, hire_share=0.0, leaver_share=0.0)
    conn.execute("INSERT INTO reps (rep, team, start_date, import_id) VALUES ('fresh', 'team0', ?, 1)",
                 [date(2024, 1, 1) + timedelta(days=2)])
    cal = calibration.calibrate(conn, "revenue", "month", "next")
    assert "25/50/75/100%" in cal.summary.loc["fresh", "reason"]


def test_performers_and_within_period_shape(company):
    cal = calibration.calibrate(company, "revenue", "quarter")
    perf = cal.performers()
    assert list(perf.index) == ["top", "middle", "bottom"]
    assert perf.loc["top", "baseline"] >= perf.loc["bottom", "baseline"]
    assert {"win_rate", "avg_deal_size", "calls", "meetings"} <= set(perf.columns)
    shape = cal.within_period_shape()
    assert list(shape.index) == ["2025-01", "2025-02", "2025-03"]
    assert shape.sum() == pytest.approx(1.0)
    assert shape.iloc[2] > shape.iloc[0]                       # the simulated end-of-quarter push


# The variance prior is a moment estimator (Smyth's): the fitted (d0, s0^2) solve its two moment
# equations for e_i = log s_i^2 - digamma(d_i/2) + log(d_i/2), and recover the truth on model data.
@pytest.mark.parametrize("d0_true,s0_sq_true", [(4.0, 0.3), (8.0, 0.05)])
def test_variance_prior_solves_the_moment_equations(d0_true, s0_sq_true):
    rng = np.random.default_rng(3)
    d = rng.integers(2, 12, 4000).astype(float)
    s_sq = s0_sq_true * d0_true / rng.chisquare(d0_true, d.size) * rng.chisquare(d) / d
    d0, s0_sq = fit_variance_prior(s_sq, d)
    e = np.log(s_sq) - special.digamma(d / 2) + np.log(d / 2)
    assert np.mean(e) == pytest.approx(np.log(s0_sq) - special.digamma(d0 / 2) + np.log(d0 / 2), abs=1e-9)
    assert np.var(e, ddof=1) == pytest.approx(np.mean(special.polygamma(1, d / 2)) + special.polygamma(1, d0 / 2),
                                              rel=1e-6)
    assert d0 == pytest.approx(d0_true, rel=0.2)
    assert s0_sq == pytest.approx(s0_sq_true, rel=0.05)


@pytest.mark.parametrize("x", [1e-5, 0.01, 0.3, 1.0, 5.0, 1e3, 1e6])
def test_trigamma_inverse_inverts_trigamma(x):
    assert special.polygamma(1, _trigamma_inverse(x)) == pytest.approx(x, rel=1e-6)


# Hand-written stand-ins for library routines (speed, or no warning), against the library.
def _padded_rows():
    rng = np.random.default_rng(8)
    x = rng.lognormal(10, 1, (200, 12))
    x[rng.uniform(size=x.shape) < 0.3] = np.nan
    x[0, 1:] = np.nan                               # one value
    x[1, :] = np.nan                                # none
    x[2, :] = 5.0                                   # ties
    x[3, :2], x[3, 2:] = [1.0, 2.0], np.nan         # two values
    return x


@pytest.mark.parametrize("levels", [(0.5,), (0.1, 0.25, 0.4, 0.5, 0.7, 0.9), (0.001, 0.999), (0.02, 0.98)])
def test_row_quantiles_match_numpy_nanquantile(levels):
    x = _padded_rows()
    lv = np.array(levels)
    with pytest.warns(RuntimeWarning, match="All-NaN"):     # (row 1 has no value)
        expected = np.nanquantile(x, lv, axis=1, method="weibull").T
    np.testing.assert_allclose(row_quantiles(x, lv), expected, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("axis", [0, 1])
def test_nanmean_matches_numpy(axis):
    x = _padded_rows()
    x[:, 5] = np.nan                                # an empty column too
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        expected = np.nanmean(x, axis=axis)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # (why it exists: no warning)
        ours = _nanmean(x, axis)
        mask = np.isfinite(x)
        cells = np.nonzero(mask)                        # the log model's flat cells, row-major
        by_cell = _cell_mean(x[cells], cells[1 - axis], mask.sum(axis=axis))
    np.testing.assert_allclose(ours, expected, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(by_cell, ours, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("n", [20, 21, 500])
def test_residual_law_ppf_matches_numpy_weibull_quantile(n):
    values = np.random.default_rng(n).standard_t(5, n)
    law = EmpiricalResidualLaw.from_values(values)
    inside = np.concatenate([[1 / (n + 1), n / (n + 1)], np.linspace(1 / (n + 1), n / (n + 1), 97),
                             np.arange(1, n + 1) / (n + 1)])
    np.testing.assert_allclose(law.ppf(inside), np.quantile(values, inside, method="weibull"), rtol=1e-12, atol=1e-12)


def _growing_history(rng: random.Random, growth: float, n_reps: int = 30, n_months: int = 30) -> pd.DataFrame:
    """A rep x month panel whose whole team grows by ``growth`` in log a month over its last 12 months."""
    months = [period_of(date(2023, 1, 1), "month").next(k) for k in range(n_months)]
    rows = []
    for i in range(n_reps):
        level = rng.gauss(10, 0.4)
        for t, m in enumerate(months):
            team = growth * max(t - (n_months - 12), 0)
            rows.append({"rep": f"r{i:02d}", "period_start": m.start, "period_label": m.label,
                         "value": round(np.exp(level + team + rng.gauss(0, 0.5))), "exposure_days": m.days,
                         "tenure_months": None, "complete": True, "team": None})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("growth", "chosen"), [(0.15, "team_trend"), (0.0, "standard")])
def test_calibrate_uses_the_variant_the_backtest_chose_as_it_went(growth, chosen):
    history = _growing_history(random.Random(14), growth)
    cal = calibration.calibrate(None, "revenue", "month", "next", history=history)
    choice = cal.fit.choice
    assert choice is not None and choice.chosen.name == chosen and cal.fit.variant == choice.chosen
    assert choice.reason.startswith(f"Model: {choice.chosen.label} — ")
    result = backtest.run_backtest(None, "revenue", "month", history=history)
    assert result.variant_choice is not None and result.variant_choice.chosen == choice.chosen
    assert result.forecasts["origin"].nunique() == len(BacktestPlan(
        build_arrays(history, "month", 1), "revenue", False).candidates())        # every origin reported


def test_the_variant_choice_is_made_once_per_history(monkeypatch):
    history = _growing_history(random.Random(5), 0.05, n_reps=12, n_months=20)
    scored = []
    cases = BacktestPlan.cases_by_variant
    monkeypatch.setattr(BacktestPlan, "cases_by_variant",
                        lambda plan, vs, cols, family=None: scored.extend(v.name for v in vs) or cases(plan, vs, cols, family))
    first = calibration.calibrate(None, "revenue", "month", "next", history=history)
    assert sorted(scored) == ["no_rep_shape", "parametric", "standard", "team_trend"]
    again = calibration.calibrate(None, "revenue", "month", "next", history=history)
    assert len(scored) == 4 and again.fit.choice == first.fit.choice


@pytest.mark.parametrize(("moq_rates", "seed"), [((0.20, 0.30, 0.05), 1), ((0.10, 0.10, 0.10), 2)])
def test_zero_months_follow_the_month_of_quarter(moq_rates, seed):
    """Zeros cluster where deals do not close: each target month's zero share is its own month of quarter's."""
    y, _, _ = _simulate_log(n_r=80, n_t=24, seed=seed)
    rng = np.random.default_rng(seed)
    rates = np.tile(moq_rates, 9)[:25]
    y[rng.uniform(size=y.shape) < rates[None, :]] = 0.0
    periods = _months(27)
    for j in range(3):
        fit = fit_log_model(y[:, :24], np.ones((80, 24)), np.full((80, 24), np.nan), periods[:24], periods[24 + j],
                            np.ones(80), np.full(80, np.nan), per_rep_moq=False)
        assert fit.zero_share.mean() == pytest.approx(moq_rates[j], abs=0.035)


@pytest.mark.parametrize("seed", [1, 2])
def test_harrell_davis_rows_equal_scipy(seed):
    from scipy import stats

    from analytics.row_quantiles import harrell_davis_rows

    rng = np.random.default_rng(seed)
    x = rng.lognormal(8, 1, (300, 12))
    x[rng.uniform(size=x.shape) < 0.4] = np.nan
    x[:5] = np.nan
    ok = np.isfinite(x).any(axis=1)
    want = np.full((300, 3), np.nan)
    want[ok] = np.asarray(stats.quantile(x[ok], [0.1, 0.5, 0.9], axis=1, method="harrell-davis", nan_policy="omit"))
    np.testing.assert_allclose(harrell_davis_rows(x, [0.1, 0.5, 0.9]), want, rtol=1e-10, equal_nan=True)


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_a_rep_with_no_history_moves_no_other_reps_forecast(company, grain):
    """A new hire appended to the panel (no past periods) changes nobody else's range: the fit's masks
    cover the new row, and the rep shape's degrees of freedom count only the months a rep was seen in."""
    from analytics.model_fit import fit_for_target

    cal = calibration.calibrate(company, "revenue", grain, "next")
    arrays = build_arrays(cal.history, grain, 1)
    n = len(arrays.reps)
    alone, _ = fit_for_target(arrays, cal.period, "revenue", np.ones(n), np.full(n, 12.0))
    grown = arrays.with_reps(np.array(["hire"], dtype=object), np.array([arrays.teams[0]], dtype=object))
    joined, _ = fit_for_target(grown, cal.period, "revenue", np.ones(n + 1), np.full(n + 1, 12.0))
    rows = np.arange(n)
    for level in (0.1, 0.5, 0.9):
        assert joined.predictive(grown.reps, rows).quantile(level) == pytest.approx(
            alone.predictive(arrays.reps, rows).quantile(level), rel=1e-12)
    assert grown.extra.keys() == arrays.extra.keys() and not grown.extra["active"][-1].any()


def test_the_zero_prior_is_remembered_by_value_and_equals_a_fresh_fit(monkeypatch):
    from analytics import zero_shares
    from analytics.counts import fit_beta_binomial

    rng = np.random.default_rng(5)
    n = rng.integers(3, 30, 200).astype(float)
    zeros = rng.binomial(n.astype(int), 0.2).astype(float)
    first = zero_shares.zero_shares(zeros, n)
    calls = []
    monkeypatch.setattr(zero_shares, "fit_beta_binomial", lambda *a: calls.append(a) or fit_beta_binomial(*a))
    again = zero_shares.zero_shares(zeros.copy(), n.copy())            # the same values: no second fit
    a, b = fit_beta_binomial(zeros, n)
    assert calls == [] and np.array_equal(first, again) and np.allclose(first, (a + zeros) / (a + b + n), rtol=0)
    other = zeros.copy()
    other[0] += 1
    zero_shares.zero_shares(other, n)
    assert len(calls) == 1


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_a_team_of_one_gets_a_range_not_one_number(seed):
    """With one rep the period effects take that rep's every deviation: its residuals held three distinct
    values and P50 = P70 = P90 (a veteran's $52,382 three times). Too few degrees of freedom: a t law."""
    conn = store.connect(":memory:")
    simulate_company(conn, n_reps=1, n_months=24, seed=seed, hire_share=0.0, leaver_share=0.0, activities=False)
    cal = calibration.calibrate(conn, "revenue", "month", "next")
    assert cal.predictive.residuals is None
    q = cal.summary[["p10", "p50", "p70", "p90"]].to_numpy(dtype=float)[0]
    assert np.all(np.diff(q) > 0) and q[3] > 1.5 * q[1]


@pytest.mark.parametrize("cells_per_period, empirical", [(1, False), (2, False), (3, True), (12, True)])
def test_the_residual_law_needs_degrees_of_freedom_beyond_the_period_effects(cells_per_period, empirical):
    """Each rep positive in all 12 periods: 12 * (cells - 1) - reps degrees of freedom left (20 needed)."""
    from analytics.logmodel_parts import residual_law

    rng = np.random.default_rng(5)
    n_t = 12
    cell_rep = np.repeat(np.arange(cells_per_period), n_t)
    law = residual_law(rng.normal(size=cell_rep.size), cell_rep, np.ones(cells_per_period),
                       np.full(cells_per_period, n_t), np.full(n_t, cells_per_period))
    assert (law is not None) == empirical


# ---- too little history: refused from one place, a new hire beside a team's history still forecast ----

@pytest.mark.parametrize(("grain", "period", "words"), [
    ("month", "next", "Too little history for 2024-12: no complete month of won revenue yet"),
    ("quarter", "next", "Too little history for 2025-Q1: no complete quarter of won revenue yet"),
    ("month", "2024-10", "Too little history for 2024-10: no complete month of won revenue yet"),
])
def test_no_complete_period_is_refused_naming_the_data_span(tmp_path, grain, period, words):
    """Three deals in a month's first days: no range of priors ($1 baselines), but the refusal the CLI and
    pages show, naming the data's first and last day."""
    from short_history_fixtures import FIRST_DAYS, FIRST_DAYS_SPAN, database_from_csv

    from analytics.complete_history import NoCompleteHistory

    conn = store.connect(database_from_csv(tmp_path, FIRST_DAYS))
    with pytest.raises(NoCompleteHistory) as refused:
        calibration.calibrate(conn, "revenue", grain, period)
    conn.close()
    assert isinstance(refused.value, ValueError)
    assert refused.value.sentence.startswith(words)
    assert f"(the data runs from {FIRST_DAYS_SPAN[0]} to {FIRST_DAYS_SPAN[1]})" in str(refused.value)


def test_a_target_before_the_first_complete_period_says_before_it(tmp_path):
    from short_history_fixtures import TEAM_AND_HIRE, database_from_csv

    from analytics.complete_history import NoCompleteHistory

    conn = store.connect(database_from_csv(tmp_path, TEAM_AND_HIRE))
    with pytest.raises(NoCompleteHistory, match="no complete month of won revenue before it"):
        calibration.calibrate(conn, "revenue", "month", "2023-12")
    conn.close()


def test_a_hire_without_a_complete_period_beside_a_team_with_history_is_forecast(tmp_path):
    from short_history_fixtures import TEAM_AND_HIRE, database_from_csv

    conn = store.connect(database_from_csv(tmp_path, TEAM_AND_HIRE))
    cal = calibration.calibrate(conn, "revenue", "month", "next")
    conn.close()
    s = cal.summary
    assert cal.period.label == "2024-11" and set(s.index) == {"Old Hand", "New Hire"}
    assert s.loc["New Hire", "n_periods"] == 0 and s.loc["Old Hand", "n_periods"] == 9
    assert (s["baseline"] > 1_000).all()       # the team's history pools the hire's range: no $1 prior


@pytest.mark.parametrize(("metric", "grain"), [("call", "quarter"), ("call", "month"), ("deals", "quarter")])
def test_a_counts_percentiles_are_whole_numbers(sample_db, metric, grain):
    """Hundreds of calls a quarter are fitted by the continuous log model: its percentiles read '886.6 calls'.
    A count is shown in whole numbers, whichever model fits it; each is the model's own, rounded."""
    conn = store.connect(sample_db, read_only=True)
    cal = calibration.calibrate(conn, metric, grain, "next")
    conn.close()
    columns = ["hist_p10", "hist_p50", "hist_p90", "p10", "p25", "p40", "p50", "p70", "p90", "baseline"]
    values = cal.summary[columns].to_numpy(dtype=float)
    assert np.array_equal(values, np.round(values))
    assert np.allclose(cal.summary["p50"], np.round(cal.predictive.quantile(0.5)))


def test_a_month_of_quarter_seen_once_is_not_a_rep_shape():
    """A rep's deviation at a month of quarter seen once is that month's noise as much as a shape: it
    gets none of its own (the team's shape), while a month of quarter seen twice keeps its shrunk one."""
    rng = np.random.default_rng(5)
    counts = np.array([[1.0, 2.0, 1.0]] * 6)
    rep_moq = np.array([r * 3 + j for r in range(6) for j in (0, 1, 1, 2)])
    resid = rng.normal(0, 0.3, rep_moq.size) + np.where(rep_moq % 3 == 1, 0.5, 0.0)
    resid[3] += 4.0                  # one whale month: rep 0's only third month of quarter
    eff, var = shrunk_moq(resid, rep_moq, np.full(6, 4), counts)
    assert np.allclose(eff[:, 0], eff[:, 2])          # both seen once: no deviation between them, whale or not
    assert np.allclose(eff.sum(axis=1), 0.0)          # (a shape, centred: the level is the rep's own)
    assert np.all(eff[1:, 1] > 0)                     # the second month, seen twice and higher, keeps its own
    assert np.all(var[:, [0, 2]] >= var[:, [1]])      # the prior's doubt where nothing was measured


def test_one_whale_deal_in_a_short_history_does_not_make_a_season(tmp_path):
    """Four complete months of six alike reps, one of whom closed a deal forty times their usual month in
    the only third month of a quarter seen: their next third month's median stays near their others'."""
    rng = random.Random(3)
    lines, n = [], 0
    for r in range(6):
        for month in range(8, 13):
            for k in range(rng.randint(2, 5)):
                n += 1
                amount = 1_000_000 if (r, month, k) == (0, 9, 0) else round(rng.lognormvariate(8.5, 0.6))
                lines.append(f"D{n},Rep {r},Closed Won,{amount},2025-{month:02d}-{rng.randint(1, 28):02d}\n")
    conn = store.connect(database_from_csv(tmp_path, HEADER + "".join(lines)))
    try:
        medians = {m: calibration.calibrate(conn, "revenue", "month", m).summary["p50"]
                   for m in ("2026-01", "2026-02", "2026-03")}
    finally:
        conn.close()
    march, others = medians["2026-03"], (medians["2026-01"] + medians["2026-02"]) / 2
    assert march["Rep 0"] < 2.5 * others["Rep 0"]           # (30x before: the whale read as a March shape)
    assert march["Rep 0"] < 2.5 * march.drop("Rep 0").median()
