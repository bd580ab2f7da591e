"""Sales math: known answers (26 / 31), brute-force funnel simulations, plans, milestones, SMART cards."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from analytics import sales_math as sm
from analytics.counts import fit_beta_binomial
from analytics.periods import parse_period
from analytics.trials_needed import UncertainRate, _settle

Q4 = parse_period("2026-Q4")


# ---------------------------------------------------------------- known answers
def test_known_answer_known_win_rate_is_26_not_naive_20():
    assert int(sm.opportunities_needed(5, 0.25, 0.8)) == 26
    assert 5 / 0.25 == 20  # the naive plan, right only about half the time
    assert stats.binom.sf(4, 20, 0.25) < 0.6


def test_known_answer_uncertain_win_rate_is_31():
    # Beta(6, 18): mean 0.25, as after ~22 opportunities of history with a flat prior.
    assert int(sm.opportunities_needed_uncertain(5, 6.0, 18.0, 0.8)) == 31


def test_uncertain_needs_more_than_known_and_converges_to_it():
    known = sm.opportunities_needed(5, 0.25, 0.8)
    vague = sm.opportunities_needed_uncertain(5, 2.0, 6.0, 0.8)
    sharp = sm.opportunities_needed_uncertain(5, 2.5e4, 7.5e4, 0.8)
    assert vague > 31 > known
    assert sharp == known


@pytest.mark.parametrize("k", [1, 3, 5, 12, 40])
@pytest.mark.parametrize("p", [0.05, 0.25, 0.6])
@pytest.mark.parametrize("q", [0.5, 0.8, 0.95])
def test_known_p_is_the_fewest_trials(k, p, q):
    n = int(sm.opportunities_needed(k, p, q))
    assert stats.binom.sf(k - 1, n, p) >= q - 1e-12
    assert stats.binom.sf(k - 1, n - 1, p) < q


@pytest.mark.parametrize("k,a,b", [(1, 2, 8), (5, 6, 18), (5, 3, 9), (12, 20, 40), (30, 50, 150)])
@pytest.mark.parametrize("q", [0.6, 0.8, 0.9])
def test_uncertain_p_is_the_fewest_trials(k, a, b, q):
    n = int(sm.opportunities_needed_uncertain(k, a, b, q))
    assert stats.betabinom.sf(k - 1, n, a, b) >= q
    assert stats.betabinom.sf(k - 1, n - 1, a, b) < q


def test_vectorised_over_reps_and_edge_cases():
    n = sm.opportunities_needed_uncertain([5, 0, 5, 5], [6, 6, 0, 6], [18, 18, 18, 18], 0.8)
    assert n[0] == 31 and n[1] == 0 and np.isnan(n[2]) and n[3] == 31
    known = sm.opportunities_needed([5, 0, 5], [0.25, 0.25, 0.0], 0.8)
    assert known[0] == 26 and known[1] == 0 and np.isnan(known[2])



# ---------------------------------------------------------------- the fast search finds the same fewest trials
def _fewest_by_scan(k: float, a: float, b: float, q: float, rho: float) -> int:
    """The definition, read literally: scan n = k, k + 1, ... for the first n whose chance passes q (the
    exact Beta-binomial for rho = 1, else the mean over the Beta's quantiles at (j + 0.5) / 256)."""
    nodes = stats.beta.ppf((np.arange(256) + 0.5) / 256, a, b)
    n = int(k)
    while True:
        chance = (stats.betabinom.sf(k - 1, n, a, b) if rho >= 1 else
                  float(np.mean(stats.binom.sf(k - 1, n, rho * nodes))))
        if chance >= q:
            return n
        n += 1


@pytest.mark.parametrize("seed", range(4))
def test_fewest_trials_equal_a_scan_of_the_definition(seed):
    # Skewed Beta laws (a, b small) and thin stages are where the 32-node guide is off by a trial or more:
    # the answer must still be the definition's, found by scanning n one by one.
    rng = np.random.default_rng(seed)
    n = 12
    k = rng.integers(1, 15, n).astype(float)
    a, b = rng.uniform(0.6, 12, n), rng.uniform(0.8, 40, n)
    rho = np.where(rng.uniform(size=n) < 0.3, 1.0, rng.uniform(0.05, 0.9, n))
    q = [0.5, 0.8, 0.95][seed % 3]
    got = sm.opportunities_needed_uncertain(k, a, b, q, rho)
    assert got.tolist() == [_fewest_by_scan(*case, q, r) for *case, r in zip(k, a, b, rho, strict=True)]



@pytest.mark.parametrize(("truth", "guess", "expected"), [
    (40.0, 40.0, 40.0),         # the guide was right: checked at n and n - 1
    (40.0, 31.0, 40.0),         # too low: gallop up, then bisect
    (40.0, 90.0, 40.0),         # too high: gallop down, then bisect
    (6.0, 30.0, 6.0),           # too high down to the first n above the floor (5: fewer trials than wins)
    (10**9, 50.0, np.nan),      # nothing passes up to the cap
])
def test_search_out_from_a_guess_finds_the_first_passing_n(truth, guess, expected):
    asked = []

    def passes(n, rows):
        asked.append(len(rows))
        return n >= truth

    got = _settle(passes, np.array([guess]), np.array([5.0]), np.array([0]), cap=10**6)
    np.testing.assert_array_equal(got, [expected])
    assert len(asked) <= 2 * np.log2(abs(truth - guess) + 2) + 4 or np.isnan(expected)


def test_one_uncertain_rate_serves_every_stage():
    law = UncertainRate.of([6.0, 2.0], [18.0, 9.0])
    for rho in (1.0, 0.4, 0.05):
        alone = sm.opportunities_needed_uncertain([5, 9], [6.0, 2.0], [18.0, 9.0], 0.8, rho)
        shared = sm.opportunities_needed_uncertain([5, 9], [6.0, 2.0], [18.0, 9.0], 0.8, rho, rate=law)
        assert shared.tolist() == alone.tolist()


# ---------------------------------------------------------------- brute force: simulated funnels
RATES = {"call_to_meeting": 0.25, "meeting_to_demo": 0.6, "demo_to_opportunity": 0.55, "win_rate": 0.3}


def _simulate_wins(n_top: int, rates: list[float], draws: int, rng, beta=None) -> np.ndarray:
    counts = np.full(draws, n_top)
    for r in rates[:-1]:
        counts = rng.binomial(counts, r)
    p = rng.beta(*beta, size=draws) if beta else rates[-1]
    return rng.binomial(counts, p)


def _plan(k: int, uncertain: bool, rates=RATES) -> pd.Series:
    funnel = pd.DataFrame([{"rep": "a", "avg_deal_size": 1000.0, **rates, "won": 6.0, "closed": 20.0}])
    return sm.activity_plan(pd.DataFrame({"rep": ["a"], "target": [k * 1000.0]}), funnel, Q4, q=0.8,
                            uncertain=uncertain, history_periods=1).iloc[0]


@pytest.mark.parametrize("k", [3, 5, 10])
def test_simulated_funnel_known_rates(k):
    plan = _plan(k, uncertain=False)
    rng = np.random.default_rng(k)
    draws = 200_000
    chain = list(RATES.values())
    for stage, start in (("calls", 0), ("meetings", 1), ("demos", 2), ("opportunities", 3)):
        n = int(plan[stage])
        p_chain = float(np.prod(chain[start:]))
        # exact: thinning a binomial through stages is binomial with the product of the rates
        assert stats.binom.sf(k - 1, n, p_chain) >= 0.8 > stats.binom.sf(k - 1, n - 1, p_chain)
        hit = np.mean(_simulate_wins(n, chain[start:], draws, rng) >= k)
        miss = np.mean(_simulate_wins(n - 1, chain[start:], draws, rng) >= k)
        se = 4 * np.sqrt(0.8 * 0.2 / draws)
        assert hit >= 0.8 - se, (stage, n, hit)
        assert miss < 0.8 + se, (stage, n, miss)
        assert abs(hit - stats.binom.sf(k - 1, n, p_chain)) < se


def test_confidence_applied_once_not_at_each_stage():
    plan = _plan(5, uncertain=False)
    compounded = sm.opportunities_needed(5, RATES["win_rate"], 0.8)
    for rate in ("demo_to_opportunity", "meeting_to_demo", "call_to_meeting"):
        compounded = sm.opportunities_needed(compounded, RATES[rate], 0.8)
    assert plan["calls"] < compounded


def test_simulated_funnel_uncertain_win_rate():
    k = 5
    plan = _plan(k, uncertain=True)
    a, b = plan["win_rate_a"], plan["win_rate_b"]
    rng = np.random.default_rng(7)
    draws = 200_000
    chain = list(RATES.values())
    n_opp = int(plan["opportunities"])
    assert stats.betabinom.sf(k - 1, n_opp, a, b) >= 0.8 > stats.betabinom.sf(k - 1, n_opp - 1, a, b)
    n_calls = int(plan["calls"])
    rho = float(np.prod(chain[:3]))

    def exact(n):
        f = lambda p: stats.binom.sf(k - 1, n, rho * p) * stats.beta.pdf(p, a, b)  # noqa: E731
        return integrate.quad(f, 0, 1, limit=200)[0]

    assert exact(n_calls) >= 0.8 > exact(n_calls - 1)
    se = 4 * np.sqrt(0.8 * 0.2 / draws)
    hit = np.mean(_simulate_wins(n_calls, chain, draws, rng, beta=(a, b)) >= k)
    miss = np.mean(_simulate_wins(n_calls - 1, chain, draws, rng, beta=(a, b)) >= k)
    assert hit >= 0.8 - se and miss < 0.8 + se


# ---------------------------------------------------------------- the plan per rep
def _funnel() -> pd.DataFrame:
    return pd.DataFrame({
        "rep": ["ana", "ben", "cy"], "avg_deal_size": [10_000.0, 20_000.0, np.nan],
        "call_to_meeting": [0.23, 0.30, 0.25], "meeting_to_demo": [0.6, 0.4, 0.5],
        "demo_to_opportunity": [0.62, 0.5, 0.5], "win_rate": [0.25, 0.3, 0.2],
        "won": [1.5, 2.0, 1.0], "closed": [6.0, 6.5, 5.0]})


@pytest.mark.parametrize(("opportunities", "per_week", "expected"), [
    (1.0, 0.9, "about 1 opportunity per quarter, 1 opportunity a week"),
    (3.0, 0.3, "about 3 opportunities per quarter, 1 opportunity every 3 weeks"),
    (26.0, 2.1, "about 26 opportunities per quarter, 3 opportunities a week"),   # rounded up, as the plan
])
def test_plan_sentence_says_rates_in_words(opportunities, per_week, expected):
    row = {"opportunities": opportunities, "opportunities_per_week": per_week}
    assert sm.plan_sentence(row, "quarter") == expected


def test_activity_plan_rows_and_sentence():
    targets = pd.DataFrame({"rep": ["ana", "ben", "cy"], "target": [50_000.0, 100_000.0, 10_000.0]})
    plan = sm.activity_plan(targets, _funnel(), Q4, uncertain=False)
    ana = plan.set_index("rep").loc["ana"]
    assert ana["deals"] == 5 and ana["opportunities"] == 26
    assert ana["calls_per_week"] == pytest.approx(ana["calls"] / (92 / 7))
    for col in ("rep", "deals", "opportunities", "demos", "meetings", "calls", "calls_per_week"):
        assert col in plan.columns
    assert plan["opportunities"].le(plan["demos"]).all() or plan["demos"].isna().any()
    sentence = sm.plan_sentence(ana, "quarter")
    assert sentence.startswith("about 26 opportunities, ")
    assert "calls per quarter" in sentence and sentence.endswith("calls a week")
    assert np.isnan(plan.set_index("rep").loc["cy", "calls"])  # deal size unknown: no invented plan
    rows = sm.activity_rows(plan)
    assert set(rows["activity"]) == {"deals", "opportunities", "demos", "meetings", "calls"}
    assert "cy" not in set(rows["rep"])


def test_deal_count_metric_uses_target_as_deals():
    plan = sm.activity_plan(pd.DataFrame({"rep": ["ana"], "target": [5.0]}), _funnel(), Q4, metric="deals",
                            uncertain=False)
    assert plan.iloc[0]["deals"] == 5 and plan.iloc[0]["opportunities"] == 26


@pytest.mark.parametrize("target,size,expected", [(50_000, 10_000, 5), (50_001, 10_000, 6), (0.3, 0.1, 3),
                                                  (0, 10_000, 0), (100, np.nan, np.nan)])
def test_deals_needed(target, size, expected):
    got = float(sm.deals_needed(target, size))
    assert (np.isnan(got) and np.isnan(expected)) or got == expected


def test_uncertain_plan_takes_the_team_prior_from_the_counts_fit():
    # One beta-binomial fit (counts.fit_beta_binomial) serves the calibration and the plans: the
    # plan's Beta(a, b) is that prior fitted to each rep's totals (per-period averages x periods,
    # rounded to whole deals) plus the rep's own wins and losses.
    rng = np.random.default_rng(3)
    n_reps, periods = 400, 3
    closed = rng.integers(10, 40, size=n_reps)
    won = rng.binomial(closed, rng.beta(6, 18, size=n_reps))
    funnel = pd.DataFrame({"rep": [f"r{i}" for i in range(n_reps)], "n_periods": periods,
                           "won": won / periods, "closed": closed / periods, "avg_deal_size": 1.0})
    plan = sm.activity_plan(pd.DataFrame({"rep": funnel["rep"], "target": 5.0}), funnel, Q4, metric="deals")
    a0, b0 = fit_beta_binomial(won.astype(float), closed.astype(float))
    np.testing.assert_allclose(plan["win_rate_a"], a0 + won, rtol=1e-12)
    np.testing.assert_allclose(plan["win_rate_b"], b0 + closed - won, rtol=1e-12)
    assert a0 / (a0 + b0) == pytest.approx(0.25, abs=0.02)
    assert 12 < a0 + b0 < 50


def test_focus_stage_is_weakest_relative_to_team():
    focus = sm.focus_stages(_funnel()).set_index("rep")
    assert focus.loc["ben", "stage"] == "meeting_to_demo"
    assert "meeting → demo" in focus.loc["ben", "focus"] and "vs team" in focus.loc["ben", "focus"]


# ---------------------------------------------------------------- milestones and SMART cards
def test_monthly_milestones_follow_weights():
    steps = sm.milestones(1000.0, Q4, [0.2, 0.3, 0.5])
    assert [d for d, _ in steps] == [date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 31)]
    assert [v for _, v in steps] == pytest.approx([200, 500, 1000])


def test_weekly_milestones_end_at_period_end_and_rise():
    steps = sm.milestones(1000.0, Q4, None, "week")
    values = [v for _, v in steps]
    assert steps[-1] == (date(2026, 12, 31), pytest.approx(1000.0))
    assert all(b > a for a, b in zip(values, values[1:], strict=False))
    assert steps[0].by == date(2026, 10, 7) and len(steps) == 13


@pytest.mark.parametrize("weights", [[0.5, 0.5], [0.5, -0.1, 0.6], [np.nan, 0.5, 0.5], [0, 0, 0]])
def test_bad_weights_refused(weights):
    with pytest.raises(ValueError):
        sm.milestones(100.0, Q4, weights)


def test_smart_card():
    card = sm.smart_card("ana", "revenue", 120_000.0, 0.65, Q4, team_total=1_000_000.0, weights=[0.2, 0.3, 0.5])
    assert card["deadline"] == date(2026, 12, 31)
    assert card["share_of_team"] == pytest.approx(0.12)
    assert card["measurable"] == "won amount by close date, from the CRM deals export"
    assert "65%" in card["achievable"] and "12%" in card["relevant"]
    assert card["milestones"][-1].cumulative_target == pytest.approx(120_000.0)
    assert "120,000" in card["specific"]
    assert "calls" in sm.how_measured("call")


def test_activity_ratios_above_one_scale_instead_of_thinning():
    rates = {**RATES, "call_to_meeting": 1.5}
    plan = _plan(5, uncertain=False, rates=rates)
    assert plan["meetings"] == 5 + stats.nbinom.ppf(0.8, 5, 0.6 * 0.55 * 0.3)
    # rho * p = 1.5 * 0.099 still below 1: the chain stays one nbinom
    assert plan["calls"] == 5 + stats.nbinom.ppf(0.8, 5, 1.5 * 0.6 * 0.55 * 0.3)
    big = {"call_to_meeting": 3.0, "meeting_to_demo": 2.0, "demo_to_opportunity": 0.9, "win_rate": 0.6}
    plan = _plan(5, uncertain=False, rates=big)
    assert plan["demos"] == 5 + stats.nbinom.ppf(0.8, 5, 0.9 * 0.6)
    assert plan["meetings"] == np.ceil(plan["demos"] / 2.0)  # 2.0 * 0.9 * 0.6 > 1: not a thinning
    assert plan["calls"] == np.ceil(plan["meetings"] / 3.0)
    assert all(np.isfinite(plan[s]) for s in ("calls", "meetings", "demos", "opportunities"))


def test_focus_uses_the_funnel_weakest_stage_and_pooled_team_rate():
    f = _funnel().assign(n_periods=4.0, calls=[100.0, 100.0, 100.0], meetings=[23.0, 30.0, 25.0],
                         weakest_stage=["call_to_meeting", "", "win_rate"])
    focus = sm.focus_stages(f).set_index("rep")
    assert focus.loc["ana", "stage"] == "call_to_meeting"
    assert focus.loc["ana", "team_rate"] == pytest.approx(78 / 300)
    assert pd.isna(focus.loc["ben", "stage"]) and "at or above" in focus.loc["ben", "focus"]
    assert "win rate" in focus.loc["cy", "focus"]


@pytest.mark.parametrize(("columns", "expected"), [
    (["win_rate"], "close to the team: win rate (29% vs team 30%)"),           # orders only: one stage
    (["call_to_meeting", "win_rate"], "close to the team at every stage; weakest: win rate (29% vs team 30%)"),
    (["meeting_to_demo", "win_rate"], "close to the team: win rate (29% vs team 30%)"),   # no activities: a blank stage
])
def test_focus_wording_fits_the_stages_measured(columns, expected):
    f = pd.DataFrame({"rep": ["ana", "ben"], "call_to_meeting": [0.3, 0.3], "meeting_to_demo": [np.nan, np.nan],
                      "win_rate": [0.29, 0.31],
                      "won": [2.9, 3.1], "closed": [10.0, 10.0]})[["rep", *columns, "won", "closed"]]
    assert sm.focus_stages(f).set_index("rep").loc["ana", "focus"] == expected
