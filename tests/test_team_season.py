"""The team's month-of-year season: a season of whole quarters is kept, a one-month spike too, noise is not.

Over three years a month's mean has three values: shrunk as twelve free months, a budget flush from October
to December (+0.26 on the log scale) kept about half of itself, and the sample company's fourth quarter was
planned near its third's level. ``panel_arrays.month_season`` shrinks the quarter's part (nine values each)
and each month's own part apart. Averages over 200 seeded histories, monthly noise sd 0.25.
"""

from __future__ import annotations

import numpy as np
import pytest

from analytics.panel_arrays import month_season
from analytics.periods import parse_period

N_HISTORIES = 200
NOISE = 0.25


def _months(fiscal_start_month: int = 1) -> list:
    return [parse_period("2023-10", fiscal_start_month).next(i) for i in range(36)]


def _mean_season(truth_of_month: np.ndarray, fiscal_start_month: int = 1) -> np.ndarray:
    """The mean estimate over seeded histories, by calendar month (0 = January)."""
    months = _months(fiscal_start_month)
    truth = truth_of_month[[m.start.month - 1 for m in months]]
    return np.mean([month_season(truth + np.random.default_rng(seed).normal(0, NOISE, truth.size), months,
                                 fiscal_start_month) for seed in range(N_HISTORIES)], axis=0)


def _centred(by_month: np.ndarray) -> np.ndarray:
    return by_month - by_month.mean()


@pytest.mark.parametrize(("fiscal_start_month", "flush_months"), [(1, [9, 10, 11]), (2, [10, 11, 0])])
def test_a_season_of_whole_quarters_is_kept(fiscal_start_month, flush_months):
    quarter_of_month = np.array([((m + 1 - fiscal_start_month) % 12) // 3 for m in range(12)])
    truth = _centred(np.array([0.0, 0.05, -0.2, 0.3])[quarter_of_month])
    kept = _mean_season(truth, fiscal_start_month)
    flush = truth[flush_months].mean()
    assert kept[flush_months].mean() >= 0.75 * flush          # twelve months shrunk alone kept 0.55 of it
    dip = quarter_of_month == 2
    assert kept[dip].mean() <= 0.7 * truth[dip].mean()


def test_a_one_month_spike_stays_in_its_month():
    truth = _centred(np.where(np.arange(12) == 11, 0.8, 0.0))
    kept = _mean_season(truth)
    assert kept[11] >= 0.55 * truth[11]
    assert np.abs(kept[9:11]).max() < 0.05                    # October and November are not lifted by it


def test_noise_is_no_season():
    months = _months()
    found = [np.abs(month_season(np.random.default_rng(seed).normal(0, NOISE, 36), months, 1)).mean()
             for seed in range(N_HISTORIES)]
    assert np.mean(found) < 0.03
