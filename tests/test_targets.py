"""Tiers, per-rep entries, team-target splits and warnings, on constructed predictive objects."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics import allocation, formatting, target_slips
from analytics import targets as tg
from analytics.predictive import LogScaleHurdle, NegBinomialCount


def _money(n: int = 12, seed: int = 0, shared: float = 0.15, zero: float = 0.05) -> LogScaleHurdle:
    rng = np.random.default_rng(seed)
    return LogScaleHurdle(reps=np.array([f"rep{i:02d}" for i in range(n)]),
                          mu=np.log(rng.uniform(40_000, 200_000, n)), sigma=rng.uniform(0.2, 0.9, n),
                          df=rng.uniform(5, 30, n), zero_share=np.full(n, zero), shared_sigma=shared)


def _counts(n: int = 8, seed: int = 1) -> NegBinomialCount:
    rng = np.random.default_rng(seed)
    return NegBinomialCount(reps=np.array([f"c{i}" for i in range(n)]), r=rng.uniform(3, 20, n),
                            q=rng.uniform(0.2, 0.6, n), shared_sigma=0.1)


# ---------------------------------------------------------------- tiers
@pytest.mark.parametrize("spec,expected", [
    ("35,70,90", {"base": 35, "stretch": 70, "excellence": 90}),
    ("40, 75", {"base": 40, "stretch": 75}),
    ([30], {"base": 30}),
    ({"base": 35, "excellence": 90}, {"base": 35, "excellence": 90}),
])
def test_parse_tiers(spec, expected):
    assert tg.parse_tiers(spec) == expected


@pytest.mark.parametrize("spec", ["70,35", "0,50", "35,100", "a,b", "", "10,20,30,40", {"stretch": 70},
                                  {"base": 35, "bonus": 80}])
def test_parse_tiers_refuses(spec):
    with pytest.raises(ValueError):
        tg.parse_tiers(spec)


@pytest.mark.parametrize("zero", [0.0, 0.1])
def test_tier_chance_is_one_minus_percentile_for_continuous_laws(zero):
    d = _money(zero=zero)
    rows = tg.tier_targets(d, "35,70,90")
    assert list(rows.columns) == tg.ROW_COLUMNS
    for tier, pct in (("base", 35), ("stretch", 70), ("excellence", 90)):
        sub = rows[rows["tier"] == tier]
        # whole units (the page shows $73,130, so the export must not say 73129.50): the chance is the rounded
        # target's own, a dollar's worth from the tier's
        assert (sub["target"].to_numpy() == np.round(d.quantile(pct / 100))).all()
        assert np.allclose(sub["p_attain"], d.p_attain(sub["target"].to_numpy()), atol=1e-12)
        assert np.allclose(sub["p_attain"], 1 - pct / 100, atol=1e-4)
    wide = tg.tiers_wide(rows)
    assert (wide["base"] < wide["stretch"]).all() and (wide["stretch"] < wide["excellence"]).all()
    assert (rows["source"] == "model").all() and (rows["target"] == rows["model_value"]).all()


def test_count_tiers_are_integers_with_chance_of_the_rounded_target():
    d = _counts()
    rows = tg.tier_targets(d, "35,70")
    assert np.all(rows["target"] == np.round(rows["target"]))
    base = rows[rows["tier"] == "base"]
    expected = stats.nbinom.sf(base["target"] - 1, d.r, d.q)
    assert np.allclose(base["p_attain"], expected)
    assert (base["p_attain"] >= 0.65 - 1e-12).all()


@pytest.mark.parametrize("share,level,warning,words", [
    (0.85, "too easy", True, "Too easy"), (0.30, "out of reach", True, "Out of reach for most"),
    (0.65, "ok", False, "inside the 60%–70% band"), (0.75, "above band", False, "a little above"),
    (0.50, "below band", False, "a little below"),
])
def test_base_share_check(share, level, warning, words):
    check = tg.base_share_check(np.full(10, share))
    assert check.expected_share == pytest.approx(share)
    assert (check.level, check.warning) == (level, warning)
    assert words in check.message


def test_base_share_of_p35_tiers_is_in_band():
    rows = tg.tier_targets(_money(), "35,70")
    assert tg.base_share_check(rows.loc[rows.tier == "base", "p_attain"]).level == "ok"
    easy = tg.tier_targets(_money(), "10,70")
    assert tg.base_share_check(easy.loc[easy.tier == "base", "p_attain"]).warning


# ---------------------------------------------------------------- entries
REP_ROW = pd.Series({"p90": 100_000.0, "baseline": 60_000.0})


@pytest.mark.parametrize("value,ok,number,why", [
    ("1,200", True, 1200.0, ""), (" 300 ", True, 300.0, ""), (0, False, None, "no target"), ("1e3", True, 1000.0, ""),
    (150_000.0, True, 150_000.0, ""), (np.float64(5.5), True, 5.5, ""),
    ("abc", False, None, "not a number"), ("12abc", False, None, "not a number"), ("", False, None, "enter"),
    (None, False, None, "enter"), (True, False, None, "enter"), (float("nan"), False, None, "NaN"),
    ("nan", False, None, "not a number"), (-5, False, None, "negative"), ("-5", False, None, "negative"),
    (float("inf"), False, None, "too large"), (2e12, False, None, "too large"),
    (2_000_001.0, False, None, "20x"),
])
def test_validate_target_entry(value, ok, number, why):
    got_ok, got_number, reason = tg.validate_target_entry(value, REP_ROW)
    assert got_ok is ok and got_number == number
    assert why in reason
    assert (reason == "") is ok


def test_validate_without_rep_row_only_caps_at_1e12():
    assert tg.validate_target_entry(5e11).ok
    assert not tg.validate_target_entry(5e12).ok


def test_override_needs_reason_and_recomputes_chance():
    d = _money()
    rows = tg.tier_targets(d, "35,70")
    with pytest.raises(ValueError, match="needs a reason"):
        tg.apply_override(rows, d, "rep03", "base", 50_000, "  ")
    with pytest.raises(ValueError, match="negative"):
        tg.apply_override(rows, d, "rep03", "base", -1, "typo")
    out = tg.apply_override(rows, d, "rep03", "base", "50,000", "territory change")
    row = out[(out.rep == "rep03") & (out.tier == "base")].iloc[0]
    assert (row.target, row.source, row.reason) == (50_000.0, "override", "territory change")
    assert row.p_attain == pytest.approx(d.p_attain(np.full(12, 50_000.0))[3])
    assert row.model_value == rows[(rows.rep == "rep03") & (rows.tier == "base")].iloc[0].model_value
    assert rows.loc[(rows.rep == "rep03") & (rows.tier == "base"), "source"].iloc[0] == "model"  # pure


def test_rep_proposal_placed_in_range():
    d = _money()
    rows = tg.tier_targets(d, "35,70")
    median = float(d.quantile(0.5)[5])
    placed = tg.place_proposal(d, "rep05", median, rows)
    assert placed["ok"] and placed["percentile"] == pytest.approx(50, abs=1e-6)
    assert placed["p_attain"] == pytest.approx(0.5, abs=1e-6)
    assert "between base and stretch" in placed["message"] and "P50" in placed["message"]
    assert not tg.place_proposal(d, "rep05", "lots")["ok"]
    kept = tg.apply_rep_proposal(rows, d, "rep05", "base", median)
    assert kept.loc[(kept.rep == "rep05") & (kept.tier == "base"), "source"].iloc[0] == "model"
    taken = tg.apply_rep_proposal(rows, d, "rep05", "base", median, accept=True)
    row = taken[(taken.rep == "rep05") & (taken.tier == "base")].iloc[0]
    assert (row.target, row.rep_proposal, row.source) == (median, median, "rep proposal")
    with pytest.raises(KeyError):
        tg.place_proposal(d, "nobody", 10)


def test_ratchet_flags():
    new = pd.DataFrame({"rep": ["a", "b", "c"], "target": [120.0, 120.0, 90.0]})
    prev = pd.DataFrame({"rep": ["a", "b", "c"], "target": [100.0, 100.0, 100.0], "actual": [130.0, 80.0, 140.0]})
    flags = tg.ratchet_flags(new, prev)
    assert list(flags["rep"]) == ["a"] and "ratchet" in flags["note"].iloc[0]


# ---------------------------------------------------------------- team target
def _sum_g(d) -> list[float]:
    total50 = float(d.quantile(0.5).sum())
    return [0.5 * total50, total50, 1.3 * total50, 2.0 * total50]


@pytest.mark.parametrize("method", ["proportional", "equal-chance"])
def test_split_adds_up_to_g(method):
    d = _money()
    for g in _sum_g(d):
        split = allocation.allocate_team_target(d, g, method)
        assert list(split.columns) == ["rep", "target", "p_attain"]
        assert split["target"].sum() == pytest.approx(g, rel=1e-6)


def test_equal_chance_gives_everyone_the_same_chance():
    d = _money(zero=0.02)
    for g in _sum_g(d):
        split = allocation.allocate_team_target(d, g, "equal-chance")
        _, p_star, reachable = allocation.equal_chance_split(d, g)
        assert reachable
        assert split["p_attain"].max() - split["p_attain"].min() < 0.001
        # (shares in whole units: each rep's chance moves off 1 - p* by the cent-sized rounding's 1e-5 at most)
        assert split["p_attain"].mean() == pytest.approx(1 - p_star, abs=1e-5)


@pytest.mark.parametrize("method", ["proportional", "equal-chance"])
def test_targets_monotonic_in_g(method):
    d = _money()
    grid = np.linspace(0.3, 3.0, 15) * float(d.quantile(0.5).sum())
    table = np.array([allocation.allocate_team_target(d, g, method)["target"].to_numpy() for g in grid])
    assert np.all(np.diff(table, axis=0) >= -1e-9)


def test_proportional_follows_baseline_and_spreads_chances():
    d = _money()
    baseline = np.arange(1, 13, dtype=float)
    split = allocation.allocate_team_target(d, 780.0, "proportional", baseline=baseline)
    assert np.allclose(split["target"], 780 * baseline / baseline.sum())
    g = float(d.quantile(0.5).sum())
    prop = allocation.allocate_team_target(d, g, "proportional")["p_attain"]
    equal = allocation.allocate_team_target(d, g, "equal-chance")["p_attain"]
    assert prop.max() - prop.min() > 10 * (equal.max() - equal.min())


def test_count_split_is_whole_numbers_adding_to_g():
    d = _counts()
    g = float(d.quantile(0.5).sum()) + 7
    for method in ("proportional", "equal-chance"):
        split = allocation.allocate_team_target(d, g, method)
        assert np.all(split["target"] == np.round(split["target"]))
        assert split["target"].sum() == round(g)
    smooth = allocation.equal_chance_split(d, g).targets
    assert smooth.sum() == pytest.approx(g, rel=1e-9)


@pytest.mark.parametrize("g,method", [(0, "equal-chance"), (-5, "proportional"), (math.nan, "equal-chance"),
                                      (100.0, "top-down")])
def test_bad_team_target_refused(g, method):
    with pytest.raises(ValueError):
        allocation.allocate_team_target(_money(), g, method)


def test_team_chance_simulated_with_shared_shock():
    d = _money()
    median_total = float(np.median(allocation.team_totals(d, 20_000, seed=1)))
    assert allocation.team_chance(d, median_total, seed=2) == pytest.approx(0.5, abs=0.02)
    assert allocation.team_chance(d, 1.0) == 1.0
    high = 1.6 * median_total
    independent = _money(shared=0.0)
    assert allocation.team_chance(d, high, seed=3) > allocation.team_chance(independent, high, seed=3)
    assert allocation.team_chance(d, high, seed=3) == allocation.team_chance(d, high, seed=3)  # seeded


def test_reachable_team_target_message():
    d = _money()
    g = float(d.quantile(0.5).sum())
    result = allocation.compare_allocations(d, g, n_draws=5000)
    assert not result.beyond_reach
    assert list(result.table.columns) == ["rep", "baseline", "proportional", "proportional_p", "equal_chance",
                                          "equal_chance_p"]
    assert result.table["equal_chance"].sum() == pytest.approx(g, rel=1e-6)
    assert "Equal-chance split: every rep has a" in result.message
    assert result.team_p10 < result.team_p50 < result.team_p90


def test_team_target_beyond_reach_says_how_far():
    d = _money()
    p90 = allocation.compare_allocations(d, 1.0, n_draws=5000).team_p90
    result = allocation.compare_allocations(d, 3 * p90, n_draws=5000)
    assert result.beyond_reach and result.team_chance < 0.05 and result.p_star > 0.99
    assert result.message.startswith("Beyond reach")
    assert "above the team's P90" in result.message and "equal chance" in result.message
    assert result.table["equal_chance"].sum() == pytest.approx(3 * p90, rel=1e-6)


def test_unreachable_even_at_the_top_quantile_still_adds_up():
    d = LogScaleHurdle(reps=np.array(["a", "b"]), mu=np.log([100.0, 100.0]), sigma=np.array([0.01, 0.01]),
                       df=np.array([1000.0, 1000.0]), zero_share=np.zeros(2))
    targets, p_star, reachable = allocation.equal_chance_split(d, 1e6)
    assert not reachable and targets.sum() == pytest.approx(1e6)


class _Cal:
    def __init__(self, predictive, summary):
        self.predictive, self.summary = predictive, summary


def test_thin_functions_over_a_calibration():
    d = _money(n=4)
    summary = pd.DataFrame({"team": ["N", "N", "S", "S"], "baseline": [1.0, 1.0, 2.0, 4.0]},
                           index=pd.Index(d.reps[::-1], name="rep"))
    cal = _Cal(d, summary)
    rows = tg.tiers_for(cal, "35,70")
    assert rows.columns[1] == "team" and rows.loc[rows.rep == d.reps[0], "team"].iloc[0] == "S"
    alloc = allocation.allocation_for(cal, 800.0, n_draws=2000)
    # baseline is aligned by rep name, not by position
    assert alloc.table.set_index("rep").loc[d.reps[0], "proportional"] == pytest.approx(400.0)


def test_rates_tier_but_refuse_a_team_split():
    from analytics.predictive import BetaBinomialRate

    d = BetaBinomialRate(reps=np.array(["a", "b"]), a=np.array([6.0, 9.0]), b=np.array([18.0, 12.0]),
                         trials=np.array([20.0, 30.0]))
    rows = tg.tier_targets(d, "35,70")
    assert ((rows["target"] >= 0) & (rows["target"] <= 1)).all()
    base = rows[rows["tier"] == "base"]
    assert np.allclose(base["p_attain"], d.p_attain(base["target"].to_numpy()))
    assert (base["p_attain"] >= 0.65 - 1e-12).all()
    with pytest.raises(ValueError, match="do not add up"):
        allocation.allocate_team_target(d, 1.0, "equal-chance")


def _every_predictive():
    from analytics.predictive import BetaBinomialRate
    from analytics.tracking_core import StitchedPredictive

    money, counts = _money(n=3), _counts(n=2)
    rate = BetaBinomialRate(reps=np.array(["r0", "r1"]), a=np.array([6.0, 9.0]), b=np.array([18.0, 12.0]),
                            trials=np.array([20.0, 30.0]))
    stitched = StitchedPredictive(reps=np.concatenate([money.reps, counts.reps]).astype(object),
                                  parts=((money, np.arange(3)), (counts, np.arange(3, 5))))
    return [money, counts, rate, stitched]


@pytest.mark.parametrize("predictive", _every_predictive(), ids=lambda p: type(p).__name__)
def test_every_predictive_offers_the_contract(predictive):
    """What ``predictive.PredictiveDistribution`` states, each implementation does, in rep order."""
    n = len(predictive.reps)
    assert isinstance(predictive.family, str) and predictive.family
    median = predictive.quantile(0.5)
    assert median.shape == (n,) and predictive.quantile(np.array([0.2, 0.8])).shape == (n, 2)
    assert predictive.cdf(median).shape == (n,) and np.all(predictive.cdf(median) >= 0.5 - 1e-9)
    assert np.all(predictive.p_attain(np.zeros(n)) == 1.0)
    assert predictive.sample(7, np.random.default_rng(0)).shape == (7, n)


def test_a_stitched_predictive_names_its_parts_families():
    stitched = _every_predictive()[3]
    assert stitched.family == "log-scale hurdle + negative binomial"


@pytest.mark.parametrize(("targets_by_tier", "expected"), [
    ({"base": 100.0, "stretch": 150.0, "excellence": 200.0}, []),
    ({"base": 160.0, "stretch": 150.0, "excellence": 200.0}, ["Ann: base 160 is above stretch 150"]),
    ({"base": 100.0, "stretch": 250.0, "excellence": 200.0}, ["Ann: stretch 250 is above excellence 200"]),
    ({"base": 100.0, "stretch": 100.0}, []),
])
def test_tier_order_problems(targets_by_tier, expected):
    rows = pd.DataFrame({"rep": "Ann", "tier": list(targets_by_tier), "target": list(targets_by_tier.values())})
    assert tg.tier_order_problems(rows) == expected


def test_tier_order_problems_write_money_in_the_sets_currency():
    """A money metric's warning names amounts in the data's currency (EUR: €), never a plain 150,000."""
    rows = pd.DataFrame({"rep": "Ann", "tier": ["base", "stretch"], "target": [150_000.0, 135_420.0]})
    assert tg.tier_order_problems(rows, "money", formatting.currency_symbol("EUR")) == [
        "Ann: base €150k is above stretch €135k"]
    close = rows.assign(target=[135_420.0, 135_400.0])          # compact both read €135k: written exactly
    assert tg.tier_order_problems(close, "money", "€") == ["Ann: base €135,420 is above stretch €135,400"]


def test_tier_order_warning_on_an_eur_company(eur_db):
    """On data imported in EUR, an overridden base above the stretch is named in euros."""
    from analytics import calibration, metric_registry, store, target_drafts

    conn = store.connect(eur_db)
    try:
        cal = calibration.calibrate(conn, "revenue", "quarter")
        currency = formatting.currency_symbol(store.currency_code(conn))
        rows = target_drafts.draft_from_calibration(cal, "EUR plan").rows
    finally:
        conn.close()
    rep = rows["rep"].iloc[0]
    stretch = float(rows.loc[(rows.rep == rep) & (rows.tier == "stretch"), "target"].iloc[0])
    rows.loc[(rows.rep == rep) & (rows.tier == "base"), "target"] = stretch + 50_000
    problems = tg.tier_order_problems(rows, metric_registry.metric_kind("revenue"), currency)
    assert problems == [f"{rep}: base {formatting.money(stretch + 50_000, '€')} is above stretch "
                        f"{formatting.money(stretch, '€')}"]
    assert "$" not in problems[0] and "€" in problems[0]


# ---------------------------------------------------------------- a target of 0 is no target
def _mostly_zero() -> LogScaleHurdle:
    """Rep "z" books nothing in 40% of periods (P35 is $0); rep "a" always books something."""
    return LogScaleHurdle(reps=np.array(["a", "z"], dtype=object), mu=np.log([10_000.0, 12_000.0]),
                          sigma=np.array([0.4, 0.6]), df=np.array([30.0, 30.0]), zero_share=np.array([0.0, 0.4]))


def test_a_percentile_on_the_zero_atom_is_floored_at_one_typical_deal():
    from analytics.target_floor import TargetFloor

    d = _mostly_zero()
    floor = TargetFloor.of(d, [3_000.0, 4_900.0], unit="one typical order", grain="month")
    rows = tg.tier_targets(d, "35,70,90", floor)
    z = rows[rows["rep"] == "z"].set_index("tier")
    assert z.loc["base", "target"] == 4_900.0 and z.loc["base", "model_value"] == 4_900.0
    chance = float(d.p_attain(np.array([0.0, 4_900.0]))[1])
    assert z.loc["base", "p_attain"] == pytest.approx(chance) and chance < 0.65
    assert z.loc["base", "reason"] == (f"books nothing in 40% of months: base set at one typical order, $4,900, "
                                       f"{formatting.rate(chance)} chance; no positive target reaches 65%")
    assert (rows["target"] > 0).all() and tg.tier_order_problems(rows) == []
    assert z.loc["stretch", "target"] >= z.loc["base", "target"] and z.loc["stretch", "reason"] is None
    a = rows[rows["rep"] == "a"].set_index("tier")      # a rep above the floor keeps the model's percentile
    assert a.loc["base", "p_attain"] == pytest.approx(0.65, abs=1e-4) and a.loc["base", "reason"] is None
    check = tg.base_share_check(rows.loc[rows["tier"] == "base", "p_attain"])
    assert check.expected_share == pytest.approx((0.65 + chance) / 2, abs=1e-4)


def test_without_deal_sizes_the_floor_is_any_sale_and_counts_floor_at_one():
    d = _mostly_zero()
    base = tg.tier_targets(d, "35,70").query("tier == 'base' and rep == 'z'").iloc[0]
    assert base["target"] == 1.0 and base["p_attain"] == pytest.approx(0.6, abs=1e-6) and "any sale" in base["reason"]
    counts = NegBinomialCount(reps=np.array(["c"], dtype=object), r=np.array([0.5]), q=np.array([0.5]))
    assert float(counts.cdf(np.zeros(1))[0]) > 0.35        # 0 deals in most periods
    row = tg.tier_targets(counts, "35,70").query("tier == 'base'").iloc[0]
    assert row["target"] == 1.0 and row["p_attain"] == pytest.approx(float(counts.p_attain(np.ones(1))[0]))


def test_validate_refuses_a_target_of_zero():
    assert tg.validate_target_entry("0").reason == "a target of 0 is no target: enter an amount above zero"


@pytest.mark.parametrize("method", ["proportional", "equal-chance"])
def test_no_share_of_a_team_number_is_zero(method):
    from analytics.target_floor import TargetFloor

    d = _mostly_zero()
    floor = TargetFloor.of(d, [3_000.0, 4_900.0], unit="one typical order", grain="month")
    for g in (6_000.0, 12_000.0, 30_000.0):
        split = allocation.allocate_team_target(d, g, method, baseline=[10_000.0, 0.0], floor=floor)
        assert (split["target"] >= [3_000.0, 4_900.0]).all()
        assert split["target"].sum() == pytest.approx(max(g, 7_900.0), rel=1e-6)
        assert split["p_attain"].max() < 1.0


def test_the_team_verdict_names_the_reps_an_equal_chance_split_holds_at_their_floor():
    """The equal-chance split holds a mostly-zero rep at one typical deal, at that deal's own lower chance:
    "every rep has X%" would not be true of them, so the verdict counts them."""
    from analytics.target_floor import TargetFloor

    d = _mostly_zero()
    floor = TargetFloor.of(d, [3_000.0, 4_900.0], unit="one typical order", grain="month")
    team = allocation.compare_allocations(d, 12_000.0, baseline=[10_000.0, 0.0], n_draws=2_000, floor=floor)
    held = int(np.sum(team.table["equal_chance_p"] < 1 - team.p_star - 0.005))
    assert held == team.floored >= 1
    assert f"(but {held} held at one typical deal: less)" in team.message


@pytest.mark.parametrize(("target", "model", "source", "said"), [
    (56.0, 61_000.0, "override", True),          # typed in thousands
    (300.0, 61_000.0, "rep proposal", True),     # a proposal taken as the target, in thousands too
    (400.0, 61_000.0, "override", False),        # a low target, but not a thousandth of the model's
    (56.0, 61_000.0, "model", False),            # the model's own value is never a slip
    (56.0, 0.0, "override", False),              # a model of nothing: no scale to judge by
])
def test_a_typed_target_far_below_the_models_is_said(target, model, source, said):
    rows = pd.DataFrame({"rep": ["Ann"], "tier": ["base"], "target": [target], "model_value": [model],
                         "source": [source]})
    assert bool(target_slips.unit_slip_problems(rows, "money", "$")) is said
    assert target_slips.unit_slip_problems(rows, "count") == []     # a count is typed whole
