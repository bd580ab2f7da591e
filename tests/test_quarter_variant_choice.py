"""A quarter summed from months takes the monthly model's variant choice (issue 13: a first render's cold fit).

Calibrate and the quarter backtest both use it; the backtest measures what the choice bought on the
quarters it forecast, not on the months it was scored on.
"""

from __future__ import annotations

import numpy as np
import pytest

from analytics import backtest, variant_choice
from analytics.backtest_cases import BacktestPlan, choice_plan, next_period_choice
from analytics.calibration import calibrate
from analytics.model_variants import STANDARD, VARIANTS
from analytics.panel_query import read_panel


@pytest.fixture(scope="module")
def months(steady_company):
    return read_panel(steady_company, "revenue", "month").arrays


@pytest.mark.parametrize(("from_months", "route", "scored_from_months"), [
    (True, "sum", False),      # the summed quarter: the monthly model's own scores
    (True, "fit", True),       # the quarterly fit on windows: scored on its windows
    (False, "sum", False),     # a month (or a quarter of quarters): itself
])
def test_the_plan_a_variant_is_chosen_on(months, from_months, route, scored_from_months):
    plan = BacktestPlan(months, "revenue", from_months, route)
    chosen_on = choice_plan(plan)
    assert chosen_on.from_months == scored_from_months
    assert chosen_on.arrays is months and chosen_on.metric == "revenue"
    assert (chosen_on is plan) == (from_months == scored_from_months)


def test_calibrate_sums_the_quarter_with_the_monthly_models_choice(steady_company, months):
    cal = calibrate(steady_company, "revenue", "quarter", "2024-Q3", context=False)
    n_train = [p.label for p in months.periods].index("2024-07")
    monthly = next_period_choice(months, "revenue", n_train)
    assert cal.fit.choice == monthly == next_period_choice(months, "revenue", n_train, from_months=True)
    # one month ahead at every month-end before the quarter: the month grain's origins, not the quarter's
    assert max(monthly.used) == n_train - 1 and monthly.confirm_origins[-1] == "2024-06"


def test_the_quarter_backtest_forecasts_with_the_monthly_choice_and_measures_it_on_quarters(steady_company, months,
                                                                                              monkeypatch):
    """Monthly scores where team trend is 10% better everywhere: it is used from the fifth scored month-end
    on, and what it bought is the quarters' CRPS against the standard model's quarters at the same origins."""
    def scores(plan: BacktestPlan) -> variant_choice.VariantScores:
        assert not plan.from_months        # the monthly model's scores
        cols = plan.candidates()[-variant_choice.MAX_SCORED:]
        ones = np.ones(len(cols))
        sums = {v.name: 10.0 * ones for v in VARIANTS} | {"team_trend": 9.0 * ones}
        return variant_choice.VariantScores(tuple(plan.label(c) for c in cols), tuple(cols), ones, sums)

    monkeypatch.setattr(backtest, "variant_scores", scores)
    chosen = backtest.run_backtest(steady_company, "revenue", "quarter")
    choice = chosen.variant_choice
    assert choice is not None and choice.chosen.name == "team_trend"
    origins = chosen.forecasts.drop_duplicates("origin_index").set_index("origin_index")["origin"]
    used = [choice.variant_at(o) for o in origins.index]
    assert used[:4] == [STANDARD] * 4 and {v.name for v in used[4:]} == {"team_trend"}
    assert choice.confirm_origins == tuple(origins) and all(" to " in label for label in choice.confirm_origins)

    fixed = {v.name: backtest.run_backtest(steady_company, "revenue", "quarter", variant=v)
             for v in VARIANTS if v.name in ("standard", "team_trend")}
    # each origin forecast with its variant: the first four as the standard model, the rest as team trend
    for o, variant in zip(origins.index, used, strict=True):
        mine = chosen.forecasts[chosen.forecasts["origin_index"] == o]["p50"].to_numpy()
        theirs = fixed[variant.name].forecasts
        assert np.allclose(mine, theirs[theirs["origin_index"] == o]["p50"].to_numpy(), rtol=1e-12)
    # every origin was scored, so the confirmation is the whole backtest's model CRPS, chosen and standard
    assert choice.as_you_go == pytest.approx(chosen.crps["model"], rel=1e-9)
    assert choice.standard == pytest.approx(fixed["standard"].crps["model"], rel=1e-9)
    assert choice.gain != 0.0
