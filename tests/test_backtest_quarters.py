"""Quarters from monthly origins: the backtest forecasts a quarter the way calibrate does (issue 14)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from calibration_fixtures import simulate_company

from analytics import backtest, store, variant_choice
from analytics.backtest_cases import BacktestPlan, quarter_route
from analytics.calibration import calibrate
from analytics.panel_query import read_panel
from analytics.quarter_windows import quarter_windows, window_offset


@pytest.fixture(scope="module")
def hires_and_leavers():
    conn = store.connect(":memory:")
    simulate_company(conn, n_reps=30, n_months=20, seed=8, hire_share=0.3, leaver_share=0.2)
    yield conn
    conn.close()


def test_windows_at_the_fiscal_quarters_are_the_quarterly_panel(hires_and_leavers):
    months = read_panel(hires_and_leavers, "revenue", "month").arrays
    quarters = read_panel(hires_and_leavers, "revenue", "quarter").arrays
    windows, first = quarter_windows(months, 0)
    n = len(quarters.periods)
    assert first == 0 and [p.label for p in windows.periods[:n]] == [p.label for p in quarters.periods]
    assert windows.complete[:n].tolist() == quarters.complete.tolist()
    for name in ("y", "expfrac", "tenure"):
        ours, read = getattr(windows, name)[:, :n], getattr(quarters, name)
        assert np.array_equal(np.isfinite(ours), np.isfinite(read)), name
        assert np.allclose(ours[np.isfinite(read)], read[np.isfinite(read)], rtol=1e-12, atol=1e-12), name
    # Shifted by one month, window w starts at month 3w + 1 and holds months 3w + 1 .. 3w + 3.
    shifted, start = quarter_windows(months, 1)
    w = 2
    assert window_offset(months, start + 3 * w) == 1
    cols = slice(start + 3 * w, start + 3 * w + 3)
    assert np.allclose(np.nansum(months.y[:, cols], axis=1), np.nan_to_num(shifted.y[:, w]))


def test_quarter_backtest_forecasts_what_calibrate_forecasts(steady_company):
    cal = calibrate(steady_company, "revenue", "quarter", "2024-Q3", context=False)
    result = backtest.run_backtest(steady_company, "revenue", "quarter", variant=cal.fit.variant)
    at_quarter = result.forecasts[result.forecasts["origin"] == "2024-07 to 2024-09"].set_index("rep")
    assert len(at_quarter) == len(cal.summary) == 24
    for column in ("p10", "p50", "p90"):
        assert np.allclose(at_quarter.loc[cal.summary.index, column], cal.summary[column], rtol=1e-9), column
    # The summary counts quarters of history, not the months the model was fitted on.
    assert cal.summary["n_periods"].max() == 6


def test_four_quarters_of_history_get_a_quarterly_backtest():
    conn = store.connect(":memory:")
    simulate_company(conn, n_reps=20, n_months=12, seed=3)
    result = backtest.run_backtest(conn, "revenue", "quarter")
    # Four quarters, the last month not over on the data's last day: 11 complete months, and an origin at
    # each month with four before it and three complete after it (a quarterly backtest would have none).
    assert result.forecasts["origin"].unique().tolist() == [f"2023-{m:02d} to 2023-{m + 2:02d}" for m in range(5, 10)]
    assert result.n_forecasts > 80 and np.isfinite(result.crps["model"])
    conn.close()


def test_counts_are_backtested_from_months_as_the_sum_of_three(hires_and_leavers):
    months = read_panel(hires_and_leavers, "deals", "month").arrays
    assert quarter_route(months, "deals") == "sum"
    result = backtest.run_backtest(hires_and_leavers, "deals", "quarter")
    assert result.family == "count" and result.forecasts["origin"].str.contains(" to ").all()
    plan = BacktestPlan(months.subset(n_cols=int(np.flatnonzero(months.complete)[-1]) + 1), "deals", True, "sum")
    assert plan.family() == "count"
    assert len(plan.candidates()) == result.forecasts["origin"].nunique()
    # The quarterly fit on windows is still there to be measured against the sum.
    windows = backtest.run_backtest(hires_and_leavers, "deals", "quarter", route="fit")
    assert windows.family == "count" and windows.forecasts["origin"].nunique() == len(plan.candidates())


def test_a_count_quarter_backtest_forecasts_what_calibrate_forecasts(steady_company):
    cal = calibrate(steady_company, "deals", "quarter", "2024-Q3", context=False)
    assert cal.family == "count"
    result = backtest.run_backtest(steady_company, "deals", "quarter")
    at_quarter = result.forecasts[result.forecasts["origin"] == "2024-07 to 2024-09"].set_index("rep")
    assert len(at_quarter) == len(cal.summary) == 24
    for column in ("p10", "p50", "p90"):
        assert np.array_equal(at_quarter.loc[cal.summary.index, column], cal.summary[column]), column
    assert cal.summary["n_periods"].max() == 6


def test_average_deal_size_is_not_summed_over_months(hires_and_leavers):
    result = backtest.run_backtest(hires_and_leavers, "avg_deal_size", "quarter")
    assert not result.forecasts["origin"].str.contains(" to ").any()


def test_a_quarter_from_months_is_chosen_on_origins_whose_outcomes_are_known():
    """A month-end forecasting the next three months cannot know the two origins before it."""
    scores = variant_choice.VariantScores(tuple("abcdefgh"), tuple(range(8)), np.full(8, 10.0),
                                          {"standard": np.full(8, 10.0), "team_trend": np.full(8, 9.0)})
    one_ahead = variant_choice.prequential(scores)
    quarters = variant_choice.prequential(replace(scores, horizon=3))
    assert one_ahead.index("team_trend") == 4          # four origins scored before the fifth
    assert quarters.index("team_trend") == 6           # origins 0-3 known only from origin 6 on
    assert quarters[-1] == "team_trend"                # after the last origin every outcome is known


def test_activity_counts_keep_the_quarterly_fit(hires_and_leavers):
    """Nothing leads activities month by month (deals have the open pipeline): their quarters keep the
    windows' fit, measured better than the sum of months for meetings (backtest_cases.quarter_route)."""
    months = read_panel(hires_and_leavers, "meeting", "month").arrays
    assert np.nansum(months.y) > 0
    assert quarter_route(months, "meeting") == "fit"
