"""The team's damped local trend, the variants and their choice, and quarters summed from months."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest

from analytics.logmodel import fit_log_model
from analytics.model_variants import STANDARD, VARIANTS, variant
from analytics.panel_arrays import forecast_period_effect
from analytics.periods import period_of
from analytics.quarter_sum import summed_predictive
from analytics.team_trend import fit_damped_trend
from analytics.variant_choice import VariantScores, choose, prequential, sample_rows

MONTHS = [period_of(date(2023, 1, 1), "month").next(k) for k in range(40)]


@pytest.fixture
def rng() -> random.Random:
    return random.Random(14)


def _series(rng: random.Random, slope: float, n: int = 24, noise: float = 0.05) -> np.ndarray:
    return np.array([slope * t + rng.gauss(0, noise) for t in range(n)])


@pytest.mark.parametrize(("slope", "low", "high"), [(0.1, 2.25, 2.6), (0.0, -0.2, 0.2), (-0.1, -2.6, -2.25)])
def test_a_trend_is_followed_one_step_ahead_and_damped(rng, slope, low, high):
    fit = fit_damped_trend(_series(rng, slope))
    assert fit is not None and fit.phi < 1
    mean, _ = fit.forecast(1)
    assert low < mean[0] < high          # next: 2.4 undamped; at least the last value, 2.3


def _loop_reference(d: np.ndarray, w: int, horizon: int, phi: float) -> tuple[float, float, np.ndarray]:
    """The damped line and its error covariance, computed again with np.polyfit one origin at a time."""
    x = np.arange(w)

    def line(values: np.ndarray) -> tuple[float, float]:
        slope, intercept = np.polyfit(x, values, 1)
        resid = values - (intercept + slope * x)
        se2 = np.sum(resid**2) / (w - 2) / np.sum((x - x.mean()) ** 2)
        slope *= max(1 - se2 / slope**2, 0.0)
        return values.mean() + slope * (w - 1) / 2, slope

    errors: list[list[float]] = [[] for _ in range(horizon)]
    pairs: dict[tuple[int, int], list[float]] = {}
    for start in range(d.size - w):
        end, slope = line(d[start:start + w])
        e = {}
        for h in range(horizon):
            if start + w + h < d.size:
                e[h] = d[start + w + h] - (end + sum(phi ** k for k in range(1, h + 2)) * slope)
                errors[h].append(e[h])
        for a in e:
            for b in e:
                pairs.setdefault((a, b), []).append(e[a] * e[b])
    cov = np.array([[np.mean(pairs[(a, b)]) for b in range(horizon)] for a in range(horizon)])
    end, slope = line(d[-w:])
    return end, slope, cov


@pytest.mark.parametrize(("seed", "slope"), [(1, 0.1), (2, 0.0), (3, -0.05)])
def test_the_line_and_its_error_covariance_equal_a_loop_of_polyfits(seed, slope):
    d = 0.3 * np.cumsum(np.random.default_rng(seed).normal(0, 0.3, 30)) + slope * np.arange(30)
    fit = fit_damped_trend(d, horizon=3)
    end, shrunk_slope, cov = _loop_reference(d, fit.window, 3, fit.phi)
    assert fit.level == pytest.approx(end, abs=1e-9) and fit.slope == pytest.approx(shrunk_slope, abs=1e-9)
    assert np.allclose(fit.error_cov, cov, rtol=1e-3, atol=1e-9)   # (the floor is 1e-3 of the largest)


def test_a_slope_within_the_windows_noise_is_no_trend_and_a_clear_one_is_kept():
    gen = np.random.default_rng(5)
    flat = [fit_damped_trend(gen.normal(0, 0.3, 24)).slope for _ in range(200)]
    assert np.mean(np.abs(flat) < 1e-12) > 0.5          # shrunk to exactly none, most of the time
    steep = fit_damped_trend(0.1 * np.arange(24) + gen.normal(0, 0.1, 24))
    assert 0.08 < steep.slope < 0.12


def test_the_forecast_errors_are_as_wide_as_their_covariance_says():
    """On series the line does not describe exactly (a random walk with drift plus noise), the errors of
    the next three values, scaled by the fitted covariance, have a variance near 1 (the covariance is
    measured on the series itself, not assumed)."""
    gen = np.random.default_rng(8)
    z = []
    for _ in range(600):
        walk = np.cumsum(gen.normal(0.04, 0.08, 33)) + gen.normal(0, 0.15, 33)
        fit = fit_damped_trend(walk[:30], horizon=3)
        mean, cov = fit.forecast(3)
        z.append((walk[30:] - mean) / np.sqrt(np.diag(cov)))
    var = np.var(np.array(z), axis=0)
    assert np.all((var > 0.75) & (var < 1.35)), var


def test_too_short_a_history_has_no_trend():
    assert fit_damped_trend(np.arange(5.0)) is None


def test_the_trend_variant_moves_the_team_effect_and_its_variance_into_the_shared_shock(rng):
    p = _series(rng, 0.08, n=20, noise=0.03)
    flat = forecast_period_effect(p - p.mean(), MONTHS[:20], MONTHS[20], trend=False, season=False)
    trend = forecast_period_effect(p - p.mean(), MONTHS[:20], MONTHS[20], trend=True, season=False)
    assert trend.next_effect > flat.next_effect + 0.1          # the mean of three lags a trend
    assert trend.path_mean.size == 3 and np.all(np.diag(trend.path_cov) > 0)
    assert trend.variance == trend.path_cov[0, 0] == trend.trend.sigma2


def test_the_variants_are_named_and_looked_up():
    assert variant("standard") == STANDARD and len({v.name for v in VARIANTS}) == len(VARIANTS)
    with pytest.raises(ValueError, match="team_trend"):
        variant("nope")


def _scores(per_origin: dict[str, list[float]], n: int = 10) -> VariantScores:
    """A score table: each variant's mean scaled CRPS per origin (n forecasts each)."""
    k = len(next(iter(per_origin.values())))
    return VariantScores(tuple(f"o{j}" for j in range(k)), tuple(range(100, 100 + k)), np.full(k, float(n)),
                         {name: n * np.array(v, dtype=float) for name, v in per_origin.items()})


@pytest.mark.parametrize(("per_origin", "path"), [
    # 10% better throughout: used from the fifth origin on (four scored before it)
    ({"standard": [1.0] * 6, "team_trend": [0.9] * 6}, "SSSSTTT"),
    # 1% better: under the 2% a change needs, never used
    ({"standard": [1.0] * 6, "team_trend": [0.99] * 6}, "SSSSSSS"),
    # better only later: taken once its mean over the origins before is 2% lower
    ({"standard": [1.0] * 8, "team_trend": [1.1, 1.1, 1.0, 1.0, 0.6, 0.6, 0.6, 0.6]}, "SSSSSTTTT"),
    # the incumbent stays until a challenger is 2% lower (here the standard model only draws level)
    ({"standard": [1.0] * 8, "team_trend": [0.9, 0.9, 0.9, 0.9, 1.1, 1.1, 1.1, 1.1]}, "SSSSTTTTT"),
])
def test_the_variant_used_at_each_origin_is_the_best_before_it(per_origin, path):
    names = {"S": "standard", "T": "team_trend"}
    assert prequential(_scores(per_origin)) == tuple(names[c] for c in path)


@pytest.mark.parametrize("seed", range(5))
def test_no_origin_is_chosen_on_its_own_score(seed):
    gen = np.random.default_rng(seed)
    base = {v.name: list(gen.uniform(0.8, 1.2, 9)) for v in VARIANTS}
    path = prequential(_scores(base))
    for j in range(9):            # changing origin j's scores (and later ones) leaves the choices up to j alone
        changed = {k: v[:j] + list(gen.uniform(0.1, 3, 9 - j)) for k, v in base.items()}
        assert prequential(_scores(changed))[:j + 1] == path[:j + 1]


def test_the_choice_reports_what_choosing_as_it_went_bought():
    scores = _scores({"standard": [1.0] * 8, "team_trend": [0.8] * 8, "no_rep_shape": [1.0] * 8,
                      "parametric": [1.1] * 8})
    choice = choose(scores, scores.columns[-4:])
    assert choice.chosen.name == "team_trend" and choice.gain == pytest.approx(0.2)
    assert choice.variant_at(100) == STANDARD and choice.variant_at(107).name == "team_trend"
    assert choice.reason.startswith("Model: team trend — over your last 4 starting points") and "20% lower" in \
        choice.reason


@pytest.mark.parametrize(("n", "words"), [(3, "too little history"), (8, "no variant had 2% lower error")])
def test_the_standard_model_says_why(n, words):
    scores = _scores({"standard": [1.0] * n, "team_trend": [1.01] * n, "no_rep_shape": [1.0] * n,
                      "parametric": [1.2] * n})
    choice = choose(scores, scores.columns)
    assert choice.chosen == STANDARD and words in choice.reason


def test_variants_are_scored_on_a_fixed_sample_of_reps():
    assert sample_rows(40).tolist() == list(range(40))
    rows = sample_rows(5000)
    assert rows.size == 300 and np.all(np.diff(rows) > 0) and np.array_equal(rows, sample_rows(5000))


def test_a_quarter_from_months_is_the_simulated_sum_of_its_months(rng):
    gen = np.random.default_rng(rng.randrange(10**6))
    n_r, n_t = 30, 24
    y = gen.lognormal(9, 0.4, (n_r, n_t)) * (gen.uniform(size=(n_r, n_t)) > 0.1)
    none = np.full((n_r, n_t), np.nan)
    fit = fit_log_model(y, np.ones((n_r, n_t)), none, MONTHS[:n_t], MONTHS[n_t], np.ones(n_r), none[:, 0],
                        steps=3, variant=variant("team_trend"))
    pred = summed_predictive(fit, np.arange(n_r).astype(str), np.arange(n_r), np.ones((n_r, 3)), none[:, :3],
                             MONTHS[n_t])
    assert np.all(pred.zero_share < 0.01)                  # three zero months in a row are rare at 10%
    months = fit.predictive(np.arange(n_r).astype(str))
    assert np.all(pred.quantile(0.5) > 2 * months.quantile(0.5))
    gone = summed_predictive(fit, np.arange(n_r).astype(str), np.arange(n_r), np.zeros((n_r, 3)), none[:, :3],
                             MONTHS[n_t])
    assert np.all(gone.zero_share == 1.0)                  # a rep gone for the quarter adds nothing
