"""The variant choice's fits, shared where the variants agree and kept per origin (issue 13: Tracking's cold fit).

Every variant fitted at once equals its own fit field for field; every origin's scores kept by what its fits
read equal the scores made afresh, so a history cut at another period (the quarter tracked, the next one)
reuses the origins it shares with one scored before, and refits those whose data differ.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from analytics import variant_choice
from analytics.backtest_cases import BacktestPlan, period_cases, period_cases_by_variant, variant_scores
from analytics.logmodel import fit_log_model, fit_log_variants
from analytics.model_variants import VARIANTS
from analytics.panel_query import read_panel


@pytest.fixture(scope="module")
def months():
    """36 months of 40 reps, with hires and leavers (ramps, reps joining and leaving between origins)."""
    from calibration_fixtures import simulate_company

    from analytics import store

    conn = store.connect(":memory:")
    simulate_company(conn, n_reps=40, n_months=36, seed=11, hire_share=0.3, leaver_share=0.15)
    arrays = read_panel(conn, "revenue", "month").arrays
    conn.close()
    return arrays


@pytest.fixture(autouse=True)
def no_cached_scores():
    variant_choice.clear()
    yield
    variant_choice.clear()


def assert_same(a: object, b: object, where: str = "fit") -> None:
    """``a`` and ``b`` equal bit for bit: arrays (NaN where NaN), floats, and dataclasses field by field."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), where
    else:
        assert a == b, where


@pytest.mark.parametrize(("n_train", "per_rep_moq", "steps"), [
    (30, True, 1),     # a month: the rep shape on for three of the variants, off for one
    (31, False, 1),    # the rep shape off for every variant: one decomposition for all four
    (24, True, 3),     # a quarter's months ahead (the summed quarter's fit)
])
def test_every_variant_fitted_at_once_equals_its_own_fit(months, n_train, per_rep_moq, steps):
    k = n_train
    args = (months.y[:, :k], months.expfrac[:, :k], months.tenure[:, :k], months.periods[:k], months.periods[k],
            months.expfrac[:, k], months.tenure[:, k])
    active = months.extra["active"][:, :k]
    together = fit_log_variants(*args, VARIANTS, per_rep_moq=per_rep_moq, active=active, steps=steps)
    for variant, fit in zip(VARIANTS, together, strict=True):
        alone = fit_log_model(*args, per_rep_moq=per_rep_moq, active=active, variant=variant, steps=steps)
        assert_same(fit, alone, variant.name)
    # the variants do differ (a comparison of one fit with itself would pass whatever was shared)
    assert not np.array_equal(together[0].mu, together[1].mu) and together[3].law is None


@pytest.mark.parametrize(("from_months", "route"), [(False, "sum"), (True, "fit")])
def test_every_variants_cases_at_once_equal_its_own(months, from_months, route):
    plan = BacktestPlan(months.subset(n_cols=33), "revenue", from_months, route)
    cols = plan.candidates()[-6:]
    together = plan.cases_by_variant(VARIANTS, cols)
    for variant in VARIANTS:
        for mine, own in zip(together[variant.name], plan.cases(variant, cols), strict=True):
            assert_same(mine, own, f"{variant.name} at {own.label}")


def scores_fresh(arrays, metric: str = "revenue") -> variant_choice.VariantScores:
    variant_choice.clear()
    fresh = variant_scores(BacktestPlan(arrays, metric, from_months=False))
    variant_choice.clear()
    return fresh


def fitted_origins(monkeypatch) -> list[int]:
    """The origin columns the variant choice fits from now on (appended as it fits them)."""
    seen: list[int] = []
    real = BacktestPlan.cases_by_variant

    def spy(plan, variants, cols, family=None):
        seen.extend(cols)
        return real(plan, variants, cols, family)

    monkeypatch.setattr(BacktestPlan, "cases_by_variant", spy)
    return seen


@pytest.mark.parametrize(("first_cut", "then_cut"), [(34, 30), (30, 34)])
def test_a_history_cut_at_another_period_reuses_the_origins_it_shares_with_the_same_scores(
        months, monkeypatch, first_cut, then_cut):
    expected = scores_fresh(months.subset(n_cols=then_cut))
    before = variant_scores(BacktestPlan(months.subset(n_cols=first_cut), "revenue", from_months=False))
    fitted = fitted_origins(monkeypatch)
    got = variant_scores(BacktestPlan(months.subset(n_cols=then_cut), "revenue", from_months=False))
    assert_same(got, expected, "scores")
    assert sorted(fitted) == sorted(set(got.columns) - set(before.columns))
    assert 0 < len(fitted) < len(got.columns)
    assert variant_choice.choose(got, got.columns) == variant_choice.choose(expected, expected.columns)


def test_an_origin_whose_history_changed_is_fitted_again(months, monkeypatch):
    later = months.subset(n_cols=34)
    changed = months.subset(n_cols=30)
    at = 20                                   # one rep's month 20, before the later origins only
    row = int(np.flatnonzero(np.isfinite(changed.y[:, at]) & (changed.y[:, at] > 0))[0])
    changed.y = changed.y.copy()
    changed.y[row, at] *= 1.5
    expected = scores_fresh(changed)
    shared = set(variant_scores(BacktestPlan(later, "revenue", from_months=False)).columns)
    fitted = fitted_origins(monkeypatch)
    got = variant_scores(BacktestPlan(changed, "revenue", from_months=False))
    assert_same(got, expected, "scores")
    # every origin at or after the changed month reads it: none is taken from the other cut; those before it are
    assert {c for c in got.columns if c >= at} <= set(fitted)
    assert not {c for c in got.columns if c < at} & shared & set(fitted)
    assert {c for c in got.columns if c < at} & shared


def test_period_cases_is_the_one_variant_case_of_the_shared_fits(months):
    arrays = months.subset(n_cols=32)
    cols = [28, 29, 30]
    for variant in VARIANTS:
        for mine, own in zip(period_cases(arrays, "revenue", cols, variant),
                             period_cases_by_variant(arrays, "revenue", cols, VARIANTS)[variant.name], strict=True):
            assert_same(mine, own, variant.name)
