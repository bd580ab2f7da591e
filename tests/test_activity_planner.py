"""The activity planner (sales_math.ActivityPlanner): one funnel's plans for one set of base targets after
another, planning only the reps whose target changed, with the frames and sentences a plan of every rep
gives, exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import sales_math as sm
from analytics.coverage import DataCoverage, Span
from analytics.periods import parse_period
from analytics.target_drafts import plan_sentences, replan
from analytics.target_sets import TargetSetDraft

Q4 = parse_period("2026-Q4")
SPAN = Span(30, Q4.start, Q4.end)
ORDERS_ONLY = DataCoverage(closed_deals=SPAN, won=30)     # no activity, no created date: no plan in words
CALLS_ONLY = DataCoverage(closed_deals=SPAN, won=20, lost=10, activities={"calls": SPAN, "meetings": SPAN})


def _funnel(n_reps: int = 60, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    closed = rng.integers(2, 30, size=n_reps).astype(float)
    funnel = pd.DataFrame({
        "rep": [f"rep{i:03d}" for i in range(n_reps)], "n_periods": rng.integers(1, 9, size=n_reps),
        "avg_deal_size": np.exp(rng.normal(np.log(9000), 0.6, size=n_reps)),
        "call_to_meeting": rng.uniform(0.1, 1.6, size=n_reps),     # above 1: two meetings a call, no thinning
        "meeting_to_demo": rng.uniform(0.2, 0.8, size=n_reps),
        "demo_to_opportunity": rng.uniform(0.3, 0.9, size=n_reps),
        "win_rate": rng.uniform(0.1, 0.5, size=n_reps),
        "won": rng.binomial(closed.astype(int), 0.3) / 4, "closed": closed / 4})
    funnel.loc[3, "avg_deal_size"] = np.nan        # a deal size unknown: no plan made up
    return funnel


def _target_sets(funnel: pd.DataFrame) -> list[pd.DataFrame]:
    """A base, edits of one and of several reps, a return to the base, and odd targets (zero, NaN, an
    unknown rep, a rep twice)."""
    rng = np.random.default_rng(11)
    base = pd.DataFrame({"rep": funnel["rep"], "target": np.round(rng.uniform(2e4, 2e5, size=len(funnel)), 2)})
    one = base.copy()
    one.loc[7, "target"] = 123_456.0
    several = one.copy()
    several.loc[[1, 20, 40], "target"] = [0.0, 5e5, np.nan]
    odd = pd.concat([several, pd.DataFrame({"rep": ["nobody", "rep001"], "target": [50_000.0, 60_000.0]})],
                    ignore_index=True)
    return [base, one, several, base, odd, one]


@pytest.mark.parametrize("uncertain", [True, False])
@pytest.mark.parametrize("coverage", [None, ORDERS_ONLY, CALLS_ONLY])
@pytest.mark.parametrize("remembered", [20_000, 70])     # 70 rows: the remembered rows are dropped on the way
def test_planned_again_is_the_plan_of_every_rep(uncertain, coverage, remembered):
    funnel = _funnel()
    planner = sm.ActivityPlanner(funnel, Q4, q=0.8, uncertain=uncertain, coverage=coverage, remembered=remembered)
    for targets in _target_sets(funnel):
        want = sm.activity_plan(targets, funnel, Q4, q=0.8, uncertain=uncertain, coverage=coverage)
        got = planner.plan(targets)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert planner.sentences(got) == plan_sentences(want, Q4.grain, coverage)


def test_only_the_reps_whose_target_changed_are_planned(monkeypatch):
    funnel = _funnel()
    planner = sm.ActivityPlanner(funnel, Q4, q=0.8)
    planned: list[list[str]] = []
    work_out = planner._plan_rows

    def counted(reps, targets):
        planned.append(list(reps))
        return work_out(reps, targets)

    monkeypatch.setattr(planner, "_plan_rows", counted)
    base, one, several, *_ = _target_sets(funnel)
    planner.plan(base)
    assert planned == [list(base["rep"])]
    planner.plan(one)
    assert planned[1:] == [["rep007"]]
    planner.plan(several)
    assert planned[2:] == [["rep001", "rep020", "rep040"]]
    planner.plan(base)
    planner.plan(one)
    # back to targets planned before: nothing planned again, except the NaN target (never remembered)
    assert planned[3:] == []
    planner.plan(several)
    assert planned[3:] == [["rep040"]]


def test_the_team_prior_is_fitted_once(monkeypatch):
    fits = []
    fit = sm.fit_beta_binomial
    monkeypatch.setattr(sm, "fit_beta_binomial", lambda w, m: fits.append(len(w)) or fit(w, m))
    funnel = _funnel()
    planner = sm.ActivityPlanner(funnel, Q4, q=0.8)
    for targets in _target_sets(funnel):
        planner.plan(targets)
    assert fits == [len(funnel)]       # fitted on every rep of the funnel, not on the reps planned


def test_replan_with_a_planner_is_replan_without():
    funnel = _funnel()
    draft = TargetSetDraft(name="x", period=Q4.label, grain=Q4.grain, metric="revenue", tiers={"base": 35.0},
                           assumptions={"confidence": 0.8})
    planner = sm.ActivityPlanner(funnel, Q4, q=0.8, coverage=CALLS_ONLY)
    for targets in _target_sets(funnel)[:4]:
        rows = targets.assign(tier="base")
        edited = TargetSetDraft(**{**draft.__dict__, "rows": rows})
        want = replan(edited, funnel, Q4, q=0.8, coverage=CALLS_ONLY, currency_code="EUR")
        got = replan(edited, funnel, Q4, q=0.8, coverage=CALLS_ONLY, currency_code="EUR", planner=planner)
        pd.testing.assert_frame_equal(got.plan, want.plan, check_exact=True)
        pd.testing.assert_frame_equal(got.draft.activity_rows, want.draft.activity_rows, check_exact=True)
        assert got.draft.assumptions == want.draft.assumptions
