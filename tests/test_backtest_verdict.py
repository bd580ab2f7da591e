"""The backtest's verdict in one sentence: known answers from fixed backtest results, and the honest
"too little history" on a company too young to test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from calibration_fixtures import simulate_company

from analytics import backtest_verdict, store
from analytics.backtest import BacktestResult

LEVELS = (0.1, 0.5, 0.9)


def fixed_result(held_p90: float, band: tuple[float, float], crps: dict[str, float], *, grain: str = "month",
                 n: int = 96, origins: int = 8) -> BacktestResult:
    """A backtest result with the given share at P90, its luck band and errors; ``n`` forecasts."""
    coverage = pd.DataFrame({"level": LEVELS, "column": ["p10", "p50", "p90"], "nominal": LEVELS,
                             "covered": [0.1, 0.5, held_p90], "covered_randomized": [0.1, 0.5, held_p90],
                             "band_lo": [0.05, 0.4, band[0]], "band_hi": [0.15, 0.6, band[1]], "n": n})
    forecasts = pd.DataFrame({"origin": [f"O{i % origins}" for i in range(n)], "rep": [f"r{i}" for i in range(n)]})
    return BacktestResult(metric="revenue", grain=grain, levels=LEVELS, summary=pd.DataFrame(), coverage=coverage,
                          pit=np.full(10, 0.1), crps=crps, pinball=dict(crps), historical_targets=None,
                          forecasts=forecasts)


RULES = {"last_period": 0.60, "same_period_last_year": 0.55}


@pytest.mark.parametrize(("result", "sentence"), [
    (fixed_result(87 / 96, (0.85, 0.95), {"model": 0.41, "trailing_mean": 0.38, **RULES}),
     "On your history this range held the actual 9 times in 10 at P90 (87 of 96 rep-months), as promised; "
     "at month grain the trailing mean has been more accurate than the model (7% less error)."),
    (fixed_result(0.92, (0.88, 0.95), {"model": 0.30, "team_uniform": 0.40, **RULES}, grain="quarter", n=250),
     "On your history this range held the actual 9 times in 10 at P90 (230 of 250 rep-quarters), as promised; "
     "at quarter grain the model has been more accurate than every simple rule (25% less error than the best, "
     "one quota for the whole team)."),
    (fixed_result(0.80, (0.75, 0.85), {"model": 0.50, "empirical_percentiles": 0.51, **RULES}, n=200),
     "On your history the actual came in at or below P90 only 80% of the time (160 of 200 rep-months; 90% "
     "promised): targets at P90 have been beaten more often than promised; at month grain the model and each "
     "rep's own percentiles have been about as accurate."),
    # Within luck of the promise on few tested months, yet 8 in 10 is not "as promised": the shares are said as
    # they are, with the luck that may explain the gap.
    (fixed_result(136 / 180, (0.53, 0.98), {"model": 0.50, "empirical_percentiles": 0.51}, n=180, origins=6),
     "On your history the actual came in at or below P90 76% of the time (136 of 180 rep-months; 90% promised): "
     "targets at P90 have been beaten more often than promised, a gap luck alone could explain over 6 tested "
     "months; at month grain the model and each rep's own percentiles have been about as accurate."),
    (fixed_result(0.94, (0.91, 0.97), {"model": 0.30, "trailing_mean": 0.40}, grain="quarter", n=100),
     "On your history the actual came in at or below P90 94% of the time (94 of 100 rep-quarters; 90% "
     "promised): targets at P90 have been beaten less often than promised; at quarter grain the model has been "
     "more accurate than every simple rule (25% less error than the best, the trailing mean)."),
    (fixed_result(1.0, (0.9, 1.0), {"model": 0.30, "trailing_mean": 0.36}, grain="quarter", n=12, origins=2),
     "On your history this range held the actual every time at P90 (12 of 12 rep-quarters), as promised; at "
     "quarter grain the model has been more accurate than every simple rule (17% less error than the best, the "
     "trailing mean). Only 2 past quarters could be tested: read it as a rough guide."),
    (fixed_result(0.9, (0.85, 0.95), {"model": float("nan"), "trailing_mean": float("nan")}, n=40, origins=4),
     "On your history this range held the actual 9 times in 10 at P90 (36 of 40 rep-months), as promised."),
    # A rule of no error (every outcome equal): no ratio to divide by, said so.
    (fixed_result(0.9, (0.85, 0.95), {"model": 0.2, "last_period": 0.0, "trailing_mean": 0.0}, n=40, origins=4),
     "On your history this range held the actual 9 times in 10 at P90 (36 of 40 rep-months), as promised; at "
     "month grain last period's result made no error at all, so the model's skill against it cannot be measured."),
    (fixed_result(0.9, (0.85, 0.95), {"model": 0.0, "last_period": 0.0}, n=40, origins=4),
     "On your history this range held the actual 9 times in 10 at P90 (36 of 40 rep-months), as promised; at "
     "month grain the model and last period's result have been about as accurate."),
])
def test_the_sentence_from_a_fixed_backtest(result, sentence):
    v = backtest_verdict.from_backtest(result)
    assert v.sentence == sentence
    assert v.enough_history and v.n_forecasts == result.n_forecasts
    assert v.held == pytest.approx(float(result.coverage["covered_randomized"].iloc[-1]))


def test_verdict_fields_say_who_won():
    v = backtest_verdict.from_backtest(fixed_result(0.80, (0.75, 0.85), {"model": 0.41, "trailing_mean": 0.38}))
    assert v.promise_kept is False and v.best_rule == "trailing_mean" and v.model_gain < 0
    v = backtest_verdict.from_backtest(fixed_result(0.9, (0.85, 0.95), {"model": 0.3, "trailing_mean": 0.4}))
    assert v.promise_kept is True and v.model_gain == pytest.approx(0.25)


@pytest.mark.parametrize(("n_months", "grain", "sentence"), [
    # The backtest's own count and need (BacktestResult.refusal), the sentence the CLI refuses with.
    # (the first month is counted from its 17th, the weeks before holding only the quick closes: part of one)
    (4, "month", "Too little history to backtest per month: 2 complete months and part of another, at least 5 "
                 "needed."),  # the 4th has not ended
    (2, "quarter", "Too little history to backtest per quarter: part of one month only, at least 7 needed. Monthly "
                   "grain has more periods to test on."),     # quarters are tested from monthly starting points
])
def test_too_little_history_is_said_honestly(n_months, grain, sentence):
    conn = store.connect(":memory:")
    simulate_company(conn, n_reps=5, n_months=n_months, seed=3, hire_share=0, leaver_share=0)
    v = backtest_verdict.verdict_for(conn, "revenue", grain)
    conn.close()
    assert not v.enough_history and v.held is None
    assert v.sentence == sentence


def test_no_backtest_result_gives_no_numbers():
    empty = fixed_result(0.9, (0.85, 0.95), {"model": 0.3}, n=0)
    v = backtest_verdict.from_backtest(empty)
    assert not v.enough_history and "Too little history" in v.sentence and "%" not in v.sentence
