"""The coverage band of a backtest: what its origins and reps can tell apart (a two-way bootstrap).

A calibrated model's covered share still wanders around the promise by chance. The band must hold
the promise about as often as its level says, on histories where a rep's outcomes at neighbouring
origins go together (overlapping quarters share months): resampling origins alone missed that and
called calibrated forecasts broken most of the time.
"""

from __future__ import annotations

import numpy as np
import pytest

from analytics.backtest_scores import REP_GROUPS, period_bootstrap_band


def calibrated_history(rng: np.random.Generator, n_origins: int, n_reps: int, rep_share: float):
    """PITs of a calibrated model (uniform overall) whose rep luck persists across origins: each PIT is
    the normal CDF of a rep effect plus noise, with ``rep_share`` of the variance the rep's own."""
    from scipy.stats import norm
    rep = rng.normal(size=n_reps) * np.sqrt(rep_share)
    z = rep[None, :] + rng.normal(size=(n_origins, n_reps)) * np.sqrt(1 - rep_share)
    pit = norm.cdf(z).ravel()
    return pit, np.repeat(np.arange(n_origins), n_reps), np.tile(np.arange(n_reps), n_origins)


@pytest.mark.parametrize(("n_origins", "n_reps", "rep_share"), [(4, 30, 0.5), (12, 40, 0.3)])
def test_the_band_holds_a_calibrated_models_promise_about_as_often_as_its_level(n_origins, n_reps, rep_share):
    rng = np.random.default_rng(7)
    held_two_way = held_origins = 0
    trials = 200
    for _ in range(trials):
        pit, origins, reps = calibrated_history(rng, n_origins, n_reps, rep_share)
        covered = (pit[:, None] <= 0.5).astype(float)
        lo, hi = period_bootstrap_band(covered, origins, rng, n_boot=200, rep_idx=reps)
        held_two_way += bool(lo[0] <= 0.5 <= hi[0])
        lo, hi = period_bootstrap_band(covered, origins, rng, n_boot=200)
        held_origins += bool(lo[0] <= 0.5 <= hi[0])
    # A 90% band: the two-way one holds the promise near 90% of the time (the bootstrap of few clusters
    # runs a little narrow: 80% is the floor over 200 trials); origins alone fall far short.
    assert held_two_way / trials >= 0.80
    assert held_origins / trials < held_two_way / trials - 0.15


def test_many_reps_are_resampled_in_groups_with_the_same_answer_in_distribution():
    rng = np.random.default_rng(3)
    pit, origins, reps = calibrated_history(rng, 6, 5 * REP_GROUPS, 0.3)
    covered = (pit[:, None] <= np.array([0.1, 0.5, 0.9])[None, :]).astype(float)
    lo, hi = period_bootstrap_band(covered, origins, np.random.default_rng(0), rep_idx=reps)
    assert np.all(lo <= covered.mean(0)) and np.all(covered.mean(0) <= hi)
    assert np.all(hi - lo < 0.2)


def test_without_reps_the_band_is_the_origin_bootstrap_as_before():
    rng = np.random.default_rng(5)
    covered = (rng.uniform(size=(300, 2)) <= 0.5).astype(float)
    origins = np.repeat(np.arange(10), 30)
    a = period_bootstrap_band(covered, origins, np.random.default_rng(1))
    b = period_bootstrap_band(covered, origins, np.random.default_rng(1), rep_idx=None)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


@pytest.mark.parametrize(("covered", "lo", "hi", "said"), [
    ((0.62, 0.52), (0.50, 0.45), (0.73, 0.60), "The miss at P50 is within what chance gives"),
    ((0.62, 0.49), (0.50, 0.38), (0.73, 0.62), "The misses at P50 and P40 are within"),   # (both inside their bands)
    ((0.62, 0.52), (0.55, 0.45), (0.70, 0.60), None),    # 50% outside its band: a miss, said as one
    ((0.53, 0.52), (0.43, 0.45), (0.63, 0.60), None),    # within 5 points: no miss to explain
])
def test_plain_words_say_which_misses_chance_explains(covered, lo, hi, said):
    from types import SimpleNamespace

    import pandas as pd

    from analytics.backtest import BacktestResult
    coverage = pd.DataFrame({"level": [0.5, 0.4][:len(covered)], "covered_randomized": covered,
                             "band_lo": lo, "band_hi": hi})
    words = BacktestResult.plain_language(SimpleNamespace(n_forecasts=120, coverage=coverage, skill=lambda: None, refusal=None,
                                                          historical_targets=None))
    explained = [w for w in words if "within what chance gives" in w]
    assert (explained[0].startswith(said) if said else explained == []), words
