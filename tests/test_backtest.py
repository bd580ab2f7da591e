"""Rolling-origin backtest: no leakage, calibrated on simulated data, scores against closed forms."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from calibration_fixtures import simulate_company
from scipy import stats

from analytics import backtest, metrics, store
from analytics.backtest_scores import CRPS_GRID, crps_from_quantiles, naive_point_forecasts


@pytest.fixture(scope="module")
def company():
    conn = store.connect(":memory:")
    simulate_company(conn, n_reps=40, n_months=30, seed=21, quotas=True)
    yield conn
    conn.close()


def test_backtest_calibrated_and_beats_naive_rules(company):
    result = backtest.run_backtest(company, "revenue", "month", origins=18)
    assert result.n_forecasts > 500
    cov = result.coverage.set_index("column")["covered_randomized"]
    for col, nominal in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        assert cov[col] == pytest.approx(nominal, abs=0.07)
    for rule in ("last_period", "trailing_mean", "same_period_last_year", "team_uniform"):
        # like with like: each rule against the model on the forecasts the rule could make
        assert result.summary.loc[rule, "model_crps"] < result.crps[rule]
    assert result.pit.sum() == pytest.approx(1.0)
    band = result.coverage
    assert (band["band_lo"] <= band["covered_randomized"] + 1e-9).all()
    assert (band["band_hi"] >= band["covered_randomized"] - 1e-9).all()
    h = result.historical_targets
    assert h is not None and h["n"] > 0 and 0 <= h["brier"] <= 1
    assert result.reliability is not None and result.reliability["n"].sum() == h["n"]
    lines = result.plain_language()
    assert lines[0].startswith("Targets set at P10 were beaten")
    assert any("simple rule" in x for x in lines)


def test_no_leakage_poisoned_future(company):
    panel = metrics.rep_period_panel(company, "revenue", "month")
    origin = date(2024, 12, 1)
    clean = backtest.run_backtest(None, "revenue", "month", history=panel)
    poisoned = panel.copy()
    later = pd.to_datetime(poisoned["period_start"]).dt.date > origin
    poisoned.loc[later, "value"] = poisoned.loc[later, "value"] * 100 + 5e6
    dirty = backtest.run_backtest(None, "revenue", "month", history=poisoned)
    key = ["origin", "rep"]
    a = clean.forecasts[clean.forecasts["origin"] <= "2024-12"].set_index(key).sort_index()
    b = dirty.forecasts[dirty.forecasts["origin"] <= "2024-12"].set_index(key).sort_index()
    assert len(a) > 100
    pd.testing.assert_frame_equal(a[["y", "p10", "p50", "p90"]], b[["y", "p10", "p50", "p90"]])
    later_a = clean.forecasts[clean.forecasts["origin"] > "2025-01"]["p50"].to_numpy()
    later_b = dirty.forecasts[dirty.forecasts["origin"] > "2025-01"]["p50"].to_numpy()
    assert not np.allclose(later_a, later_b)


def test_leavers_are_forecast_while_active(company):
    result = backtest.run_backtest(company, "revenue", "month", origins=12)
    spans = metrics.rep_spans(company)
    leavers = set(spans.loc[spans["roster_end"].notna(), "rep"])
    assert leavers & set(result.forecasts["rep"])


def test_count_backtest_and_json_contract(company):
    result = backtest.run_backtest(company, "deals", "quarter")
    d = result.to_json_dict()
    assert set(d) >= {"metric", "grain", "n_forecasts", "coverage", "crps", "pinball", "pit_histogram",
                      "historical_targets"}
    assert set(d["crps"]) == {"model", "last_period", "trailing_mean", "same_period_last_year",
                              "team_uniform", "empirical_percentiles"}
    assert len(d["pit_histogram"]) == 10
    assert d["historical_targets"] is None           # quotas are for revenue only


def test_crps_from_quantiles_matches_normal_closed_form():
    mu, sd = 0.0, 1.0
    y = np.array([-1.3, 0.2, 2.0])
    q = np.tile(stats.norm.ppf(np.linspace(0.005, 0.995, 199), mu, sd), (3, 1))
    approx = crps_from_quantiles(y, q, np.linspace(0.005, 0.995, 199))
    z = (y - mu) / sd
    exact = sd * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    assert approx == pytest.approx(exact, rel=0.03)
    assert CRPS_GRID.size >= 49


def test_naive_point_forecasts_by_hand():
    y = np.array([[1.0, 2.0, np.nan, 4.0, 5.0, 6.0],
                  [10.0, 10.0, 10.0, 10.0, 20.0, 20.0]])
    f = naive_point_forecasts(y, "quarter")
    assert f["last_period"][0, 3] == 2.0                       # the latest observed value
    assert f["trailing_mean"][0, 4] == pytest.approx((1 + 2 + 4) / 3)
    assert f["team_uniform"][0, 4] == f["team_uniform"][1, 4]
    # same quarter last year x team growth
    growth = np.mean([4, 5, 6, 10, 20, 20]) / np.mean([1, 2, 10, 10, 10, 10])
    assert f["same_period_last_year"][1, 5] > 0
    assert np.isfinite(growth)


def test_calibration_charts_build(company):
    from analytics import charts_calibration as charts

    result = backtest.run_backtest(company, "revenue", "quarter")
    assert len(charts.reliability_chart(result.coverage).data) == 3
    assert len(charts.pit_histogram(result.pit).data) == 1
    assert len(charts.crps_bars(result.crps).data[0].y) == 6
    history = pd.DataFrame({"period_label": ["2024-Q1", "2024-Q2"], "value": [10.0, 12.0]})
    fig = charts.rep_fan_chart(history, {"p10": 5, "p25": 8, "p50": 11, "p70": 14, "p90": 20},
                               period_label="2024-Q3")
    assert len(fig.data) == 4


@pytest.mark.parametrize("seed", [0, 1])
def test_sorted_naive_errors_give_the_naive_quantiles(seed):
    from analytics.backtest_scores import CRPS_GRID, NaiveErrors, naive_point_forecasts, naive_quantiles

    rng = np.random.default_rng(seed)
    y = rng.lognormal(8, 1, (200, 20))
    y[rng.uniform(size=y.shape) < 0.2] = 0.0
    y[rng.uniform(size=y.shape) < 0.1] = np.nan
    rows = np.flatnonzero(np.isfinite(y[:, 15]))
    for rule, point in naive_point_forecasts(y, "month").items():
        table = NaiveErrors.of(y, point)
        for origin in (1, 2, 8, 15):
            np.testing.assert_allclose(table.quantiles(point, origin, rows, CRPS_GRID),
                                       naive_quantiles(y, point, origin, rows, CRPS_GRID), rtol=1e-12, err_msg=rule)


# ---- too little history, and a simple rule of no error ----------------------------------------------

@pytest.mark.parametrize(("csv", "grain", "counted"), [
    ("ONE_MONTH", "month", (1, 5, "month")),
    ("ONE_MONTH", "quarter", (1, 7, "month")),       # quarters are tested from monthly starting points
    ("FIRST_DAYS", "quarter", (0, 7, "month")),
])
def test_a_short_history_is_refused_in_the_result(tmp_path, csv, grain, counted):
    import short_history_fixtures

    conn = store.connect(short_history_fixtures.database_from_csv(tmp_path, getattr(short_history_fixtures, csv)))
    result = backtest.run_backtest(conn, "revenue", grain)
    conn.close()
    assert result.n_forecasts == 0
    assert (result.n_complete, result.n_needed, result.history_unit) == counted
    assert result.refusal is not None and result.refusal.startswith(f"Too little history to backtest per {grain}: ")
    assert f"at least {counted[1]} needed" in result.refusal
    assert result.plain_language() == [result.refusal]


def test_a_rule_of_no_error_leaves_the_skill_unmeasured(tmp_path):
    from short_history_fixtures import SAME_EVERY_MONTH, database_from_csv

    conn = store.connect(database_from_csv(tmp_path, SAME_EVERY_MONTH))
    result = backtest.run_backtest(conn, "revenue", "month")
    conn.close()
    assert result.refusal is None and result.n_forecasts == 16
    skill = result.skill()
    assert skill is not None and skill.rule == 0 and skill.model > 0 and skill.gain is None
    exact = result.summary["crps"] == 0
    assert exact.any() and result.summary.loc[exact, "skill_vs_model"].isna().all()    # not -inf
    assert np.isfinite(result.summary.loc[~exact, "skill_vs_model"]).all()
    assert any("cannot be measured" in line for line in result.plain_language())
