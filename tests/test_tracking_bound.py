"""The tracking bound (bench/tracking_bound.py, bench/tracking_oracle.py): the Gaussian ratio against a
simulation of its own model, and the oracle's world against the files the sample generator writes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.periods import parse_period
from analytics.sample import generate
from bench.tracking_bound import gaussian_ratio
from bench.tracking_oracle import oracle_chances, rebuild_world


@pytest.mark.parametrize(("p_start", "r2"), [([0.5], 0.5), ([0.5], 0.2), ([0.2, 0.5, 0.8], 0.6), ([0.1, 0.3], 0.35)])
def test_gaussian_ratio_matches_the_ideal_forecaster_simulated(p_start, r2):
    """Z = X + E with X ~ N(0, R^2) known mid-period: the ideal chance's Brier over the start's."""
    rng = np.random.default_rng(1)
    n = 400_000
    p0 = np.resize(np.asarray(p_start), n)
    t = -stats.norm.ppf(p0)
    x = rng.normal(0, np.sqrt(r2), n)
    reached = (x + rng.normal(0, np.sqrt(1 - r2), n)) >= t
    p_mid = stats.norm.cdf((x - t) / np.sqrt(1 - r2))
    simulated = np.mean((p_mid - reached) ** 2) / np.mean((p0 - reached) ** 2)
    assert gaussian_ratio(np.asarray(p_start), r2) == pytest.approx(simulated, abs=0.01)


@pytest.fixture(scope="module")
def small_company(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oracle")
    paths = generate(folder / "files", reps=6, years=1, seed=3)
    return rebuild_world(reps=6, years=1, seed=3), pd.read_csv(paths["opportunities"])


def test_the_oracle_rebuilds_the_generators_deals(small_company):
    """Won revenue by rep and close month in the world the oracle rebuilds equals the exported file's."""
    world, export = small_company
    won = export[export["Stage"] == "Closed Won"]
    by_file = won.groupby([won["Opportunity Owner"], pd.to_datetime(won["Close Date"]).dt.to_period("M")])[
        "Amount"].sum()
    deals = world.deals[world.deals["won"].to_numpy()]
    close = world.first_day + pd.to_timedelta(deals["close"], "D")
    owner = world.roster["name"].to_numpy()[deals["owner"].to_numpy()]
    inside = (close >= pd.Timestamp(by_file.index.get_level_values(1).min().start_time)) & \
        (close <= pd.Timestamp(date(2026, 11, 15)))
    by_world = deals["amount"][inside.to_numpy()].groupby(
        [owner[inside.to_numpy()], close[inside].dt.to_period("M").to_numpy()]).sum()
    pd.testing.assert_series_equal(by_file.sort_index(), by_world.sort_index(), check_names=False,
                                   check_index_type=False)


def test_the_oracles_chances_are_certain_where_nothing_is_left_to_draw(small_company):
    world, _ = small_company
    period = parse_period("2026-Q3")
    reps = list(world.roster["name"])
    booked = np.zeros(len(reps))
    p, checks = oracle_chances(world, period.end, period.end, booked, np.full(len(reps), 1.0), reps, n_scenarios=50)
    assert p.tolist() == [0.0] * len(reps) and checks["drawn"] == 0.0    # nothing left of the period
    p, _ = oracle_chances(world, date(2026, 8, 14), period.end, np.full(len(reps), 5.0), np.full(len(reps), 5.0),
                          reps, n_scenarios=50)
    assert p.tolist() == [1.0] * len(reps)                                 # already reached
    p, checks = oracle_chances(world, date(2026, 8, 14), period.end, booked, np.full(len(reps), 1e5), reps,
                               n_scenarios=200)
    assert 0.0 < float(np.mean(p)) < 1.0 and checks["drawn"] > 0 and checks["unconditioned"] < 0.05
