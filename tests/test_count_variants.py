"""Counts choose their form on the history as money does (issue 14): the team level's damped trend or not.

A team whose meetings kept growing was forecast at the mean of its last three months, a month or two of
growth behind, period after period (the growing test company with activities: demos 3% worse than the
trailing mean, their quarters 52% worse). The count model now has the log model's team-level forms
(``model_variants``: ``team_trend`` is a damped trend without the season), and the backtest and
``calibrate`` choose between them as they go (``variant_choice``).
"""

from __future__ import annotations

import random
from datetime import date

import pandas as pd
import pytest

from analytics.backtest import run_backtest
from analytics.calibration import calibrate
from analytics.model_variants import STANDARD


def _meetings(growth: float, seed: int, reps: int = 24, months: int = 36) -> pd.DataFrame:
    """A monthly history of meetings: each rep's own rate (5 to 25 a month), the team's level rising by
    ``growth`` a month (log) over the last 18 months, Poisson months."""
    rng = random.Random(seed)
    rows = []
    for r in range(reps):
        rate = rng.uniform(5, 25)
        for m in range(months):
            start = date(2023 + m // 12, m % 12 + 1, 1)
            level = rate * pow(2.718281828, growth * max(m - (months - 18), 0))
            value = sum(1 for _ in range(int(level * 3)) if rng.random() < 1 / 3)   # binomial ~ Poisson(level)
            rows.append({"rep": f"rep{r:02d}", "period_start": start, "period_label": f"{start:%Y-%m}",
                         "value": float(value), "exposure_days": 30, "tenure_months": None, "complete": True,
                         "team": "A"})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def growing() -> pd.DataFrame:
    return _meetings(0.07, seed=1)


def test_a_growing_teams_counts_take_the_trend_and_are_forecast_better(growing):
    chosen = run_backtest(None, "meeting", "month", history=growing)
    standard = run_backtest(None, "meeting", "month", history=growing, variant=STANDARD)
    assert chosen.variant_choice is not None
    used = {chosen.variant_choice.variant_at(c).name for c in chosen.variant_choice.used}
    assert "team_trend" in used
    assert chosen.crps["model"] < 0.97 * standard.crps["model"]
    assert chosen.variant_choice.chosen.name == "team_trend"


def test_a_steady_teams_counts_keep_the_standard_model():
    steady = run_backtest(None, "meeting", "month", history=_meetings(0.0, seed=2))
    assert steady.variant_choice is not None and steady.variant_choice.chosen == STANDARD


def test_baselines_names_the_counts_variant(growing):
    cal = calibrate(None, "meeting", "month", "next", history=growing)
    assert cal.fit.choice is not None and cal.fit.choice.chosen.name == "team_trend"
    assert cal.model_notes()["variant"].startswith("Model: team trend")
    # the next month is forecast above the last three months' level: the growth goes on
    last = growing[growing["period_start"] >= date(2025, 10, 1)].groupby("period_start")["value"].sum().mean()
    assert cal.summary["p50"].sum() > 1.05 * last
