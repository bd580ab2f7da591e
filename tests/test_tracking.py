"""Tracking: seasonal pace, the conditional chance, projections, team view, causes, notes, and the
database path on a seeded company (tests/tracking_fixtures.py)."""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import tracking_fixtures as fx
from scipy import stats

from analytics import formatting, store, tracking
from analytics.periods import parse_period
from analytics.predictive import EmpiricalResidualLaw, LogScaleHurdle, NegBinomialCount
from analytics.sales_math import opportunities_needed
from analytics.tracking_causes import (
    BEHIND_OPEN_DEALS,
    BEHIND_UNFLAGGED,
    HIGH_TARGET,
    PIPELINE_SHORT,
    cause_beside_pace,
    diagnose,
    funnel_rates,
    outcome_causes,
    what_it_takes,
)
from analytics.tracking_core import (
    SeasonalShape,
    conditional_p_attain,
    pace,
    projection,
    remaining_predictive,
    team_view,
)

Q1 = parse_period("2026-Q1")   # Jan 31 + Feb 28 + Mar 31 = 90 days


def _hurdle(mu, sigma, zero=None, df=10.0, residuals=None, shared=0.0):
    mu = np.log(np.asarray(mu, dtype=float))
    n = mu.size
    return LogScaleHurdle(reps=np.array([f"r{i}" for i in range(n)], dtype=object), mu=mu,
                          sigma=np.full(n, sigma, dtype=float), df=np.full(n, df),
                          zero_share=np.zeros(n) if zero is None else np.asarray(zero, dtype=float),
                          residuals=residuals, shared_sigma=shared)


# ----------------------------------------------------------------------------- seasonal pace
@pytest.mark.parametrize(("as_of", "share"), [
    (date(2025, 12, 31), 0.0),             # before the period
    (date(2026, 1, 31), 0.2),              # end of month 1: 20% of target
    (date(2026, 2, 14), 0.2 + 0.3 * 14 / 28),  # mid-February: linear inside the month
    (date(2026, 2, 28), 0.5),
    (date(2026, 3, 16), 0.5 + 0.5 * 16 / 31),
    (date(2026, 3, 31), 1.0),
    (date(2026, 5, 1), 1.0),               # after the period
])
def test_seasonal_share_from_month_weights(as_of, share):
    shape = SeasonalShape.from_month_weights(Q1, [0.2, 0.3, 0.5])
    assert shape.share_at(Q1, as_of) == pytest.approx(share, abs=1e-12)


def test_pace_with_seasonality_known_answer():
    shape = SeasonalShape.from_month_weights(Q1, [0.2, 0.3, 0.5])
    s = shape.share_at(Q1, date(2026, 1, 31))
    out = pace([10_000.0, 30_000.0], [100_000.0, 100_000.0], s)
    assert out["expected_to_date"].tolist() == pytest.approx([20_000.0, 20_000.0])
    assert out["pace"].tolist() == pytest.approx([0.5, 1.5])
    assert np.isnan(pace([5.0], [100.0], 0.0)["pace"].iloc[0])     # nothing expected yet


def test_per_rep_shapes_and_unnormalised_weights():
    shape = SeasonalShape.from_month_weights(Q1, np.array([[2, 3, 5], [1, 1, 1]]))
    s = shape.share_at(Q1, date(2026, 1, 31))
    assert s == pytest.approx([0.2, 1 / 3])
    with pytest.raises(ValueError):
        SeasonalShape.from_month_weights(Q1, [0.5, 0.5])


# ----------------------------------------------------------------------------- conditional chance
LAWS = {
    "t": _hurdle([100.0, 50.0, 20.0], 0.4),
    "hurdle": _hurdle([100.0, 50.0, 20.0], 0.6, zero=[0.0, 0.2, 0.5]),
    "empirical": _hurdle([100.0, 50.0, 20.0], 0.5, residuals=EmpiricalResidualLaw.from_values(
        np.random.default_rng(3).standard_normal(200))),
    "negbin": NegBinomialCount(reps=np.array(["a", "b", "c"], dtype=object), r=np.array([4.0, 9.0, 2.0]),
                               q=np.array([0.3, 0.5, 0.2])),
}
TARGETS = np.array([110.0, 40.0, 12.0])


@pytest.mark.parametrize("law", list(LAWS))
def test_conditional_chance_at_start_is_unconditional(law):
    pred = LAWS[law]
    got = conditional_p_attain(pred, np.zeros(3), TARGETS, 0.0)
    np.testing.assert_allclose(got, pred.p_attain(TARGETS), rtol=1e-12)


@pytest.mark.parametrize("law", list(LAWS))
def test_conditional_chance_at_end_is_zero_or_one(law):
    got = conditional_p_attain(LAWS[law], TARGETS + np.array([-1.0, 0.0, 5.0]), TARGETS, 1.0)
    assert got.tolist() == [0.0, 1.0, 1.0]


@pytest.mark.parametrize("law", list(LAWS))
def test_conditional_chance_is_monotone_in_actual(law):
    actual = np.linspace(0, 120, 25)
    chances = np.array([conditional_p_attain(LAWS[law], np.full(3, a), TARGETS, 0.4) for a in actual])
    assert np.all(np.diff(chances, axis=0) >= -1e-12)
    assert np.all(chances[-1] == 1.0)


def test_conditional_chance_matches_scipy_mid_period():
    pred = _hurdle([100.0], 0.4, zero=[0.1], df=7.0)
    s, a, t = 0.3, 40.0, 110.0
    expect = 0.9 * stats.t.sf((np.log(t - a) - np.log(100.0) - np.log(1 - s)) / 0.4, 7.0)
    assert conditional_p_attain(pred, [a], [t], s)[0] == pytest.approx(expect, rel=1e-10)


def test_remaining_law_scales_the_count_mean_and_the_money_median():
    nb = LAWS["negbin"]
    rem = remaining_predictive(nb, 0.25)
    mean = nb.r * (1 - nb.q) / nb.q
    np.testing.assert_allclose(rem.r * (1 - rem.q) / rem.q, 0.25 * mean)
    proj = projection(LAWS["t"], [10.0, 0.0, 5.0], 0.5)
    np.testing.assert_allclose(proj["projected"], [10 + 50.0, 25.0, 5 + 10.0])
    assert np.all(proj["projected_p10"] <= proj["projected"]) and np.all(proj["projected"] <= proj["projected_p90"])


# ----------------------------------------------------------------------------- team view
def test_team_view_projected_share_and_team_chance():
    # Tiny spread: two reps clearly above base, two clearly below, by the median projection.
    pred = _hurdle([100.0, 100.0, 100.0, 100.0], 0.01, df=1000.0)
    actual = np.array([60.0, 60.0, 10.0, 10.0])
    targets = pd.DataFrame({"base": [100.0] * 4, "stretch": [200.0] * 4})
    view = team_view(pred, actual, targets, 0.5, promised_p=[0.6, 0.7, 0.6, 0.7], team_target=400.0)
    # projections: 60 + 50 = 110 (twice), 10 + 50 = 60 (twice)
    np.testing.assert_allclose(view["projected_attainment_by_rep"], [1.1, 1.1, 0.6, 0.6], rtol=1e-3)
    assert view["share_projected_at_base"] == 0.5
    assert view["expected_share_reaching_base"] == pytest.approx(0.5, abs=1e-6)
    assert view["promised_share_reaching_base"] == pytest.approx(0.65)
    assert view["projected"] == pytest.approx(340.0, rel=1e-2)
    assert view["team_p_attain"] == 0.0                      # 340 < 400 with a tiny spread
    assert view["attainment_so_far"] == pytest.approx(140 / 400)
    assert view["stretch_ratio"] == pytest.approx(2.0)


def test_team_chance_matches_an_independent_simulation():
    pred = _hurdle([100.0, 80.0, 50.0], 0.5, df=1e6)
    actual = np.array([30.0, 20.0, 10.0])
    view = team_view(pred, actual, pd.DataFrame({"base": [100.0, 80.0, 50.0]}), 0.4, team_target=240.0,
                     n_draws=40_000, seed=1)
    rng = np.random.default_rng(99)
    draws = np.exp(np.log([100.0, 80.0, 50.0]) + np.log(0.6) + 0.5 * rng.standard_normal((40_000, 3)))
    expect = np.mean(actual.sum() + draws.sum(axis=1) >= 240.0)
    assert view["team_p_attain"] == pytest.approx(expect, abs=0.015)


# ----------------------------------------------------------------------------- causes
def _funnel(calls, meetings, demos, opps, won, lost):
    return pd.DataFrame({"calls": calls, "meetings": meetings, "demos": demos, "opportunities": opps,
                         "won": won, "lost": lost}, index=pd.Index(["low_volume", "leaky", "fine", "blank"]))


def test_causes_on_constructed_reps():
    usual = _funnel([500] * 4, [60] * 4, [30] * 4, [15] * 4, [5] * 4, [10] * 4)
    now = _funnel([150, 250, 250, 0], [18, 6, 30, 0], [9, 3, 15, 0], [4, 1, 7, 0], [1, 0, 3, 0],
                  [2, 1, 5, 0])
    expected_calls = pd.Series(500.0 * 0.5, index=now.index)          # half the period gone
    volume = now[["calls"]].div(expected_calls, axis=0)
    volume.loc["blank", "calls"] = np.nan
    dens = pd.DataFrame({"call_to_meeting": now["calls"], "meeting_to_demo": now["meetings"],
                         "demo_to_opportunity": now["demos"], "win_rate": now["won"] + now["lost"]})
    out = diagnose(volume, funnel_rates(now), funnel_rates(usual), dens)
    assert out.loc["low_volume", "cause"] == "activity volume short"
    assert out.loc["low_volume", "cause_detail"].startswith("calls at 60% of pace")
    assert out.loc["leaky", "cause"] == "conversion short"
    assert "call → meeting" in out.loc["leaky", "cause_detail"]
    assert out.loc["fine", "cause"] == "on pace"
    assert out.loc["blank", "cause"] == "no activity data"


@pytest.mark.parametrize("flag, pace, cause, shown", [
    (False, 6.39, PIPELINE_SHORT, "on pace"),                  # far ahead: the funnel is only one to watch
    (False, 1.0, "conversion short", "on pace"),
    (False, 1.2, "fewer deals", "on pace"),                    # (an orders export's cause)
    (False, 0.7, PIPELINE_SHORT, PIPELINE_SHORT),              # behind, not yet flagged: the cause stands
    (False, float("nan"), "activity volume short", "activity volume short"),   # pace not measured
    (True, 0.6, "conversion short", "conversion short"),
    (True, 1.1, PIPELINE_SHORT, HIGH_TARGET),                  # flagged though ahead: the target is high
    (True, 0.8, "on pace", "deal size or timing"),
    (False, 0.21, "on pace", BEHIND_UNFLAGGED),                # behind, funnel on pace, no open deals known
])
def test_the_cause_is_read_beside_the_pace(flag, pace, cause, shown):
    said = cause_beside_pace([flag], [pace], [cause], ["opportunities at 40% of pace"])
    assert said["cause"].tolist() == [shown]
    if shown == "on pace":
        assert said["cause_detail"][0] == "ahead of pace; to watch: opportunities at 40% of pace"


def test_a_rep_behind_pace_but_not_flagged_is_never_called_on_pace(tracking_company):
    """A rep at 21% of pace with a 94% chance read "on pace" (their open deals carried the chance): every rep
    behind pace and not flagged is now named behind pace, with their open deals when they have some."""
    s = tracking.track(tracking_company, "Q1 plan").summary
    behind = s[~s["flag"] & (s["pace"] < 1)]
    assert not behind.empty
    assert not behind["cause"].eq("on pace").any(), behind[["pace", "p_attain", "cause"]]
    carried = behind[behind["cause"] == BEHIND_OPEN_DEALS]
    assert (carried["open_deals"] > 0).all()
    for rep, row in carried.iterrows():
        assert f"{formatting.quantity(row['open_deals'], 'open deal')} should bring about" in row["cause_detail"], rep


def test_small_counts_are_not_called_conversion_short():
    usual = pd.DataFrame({"calls": [500.0], "meetings": [60.0]}, index=["r"])
    now = pd.DataFrame({"calls": [8.0], "meetings": [0.0]}, index=["r"])   # 0 of 8 at 12% is not news
    out = diagnose(pd.DataFrame({"calls": [1.0]}, index=["r"]), funnel_rates(now), funnel_rates(usual),
                   pd.DataFrame({"call_to_meeting": [8.0]}, index=["r"]))
    assert out.loc["r", "cause"] == "on pace"


def test_what_it_takes_per_week_matches_sales_math():
    rates = pd.DataFrame({"call_to_meeting": [0.1], "meeting_to_demo": [0.5], "demo_to_opportunity": [0.5],
                          "win_rate": [0.25]})
    out = what_it_takes([50_000.0], [5.0], avg_deal_size=[10_000.0], rates=rates, confidence=0.8)
    assert out["what_it_takes_per_week"].iloc[0] == pytest.approx(10_000.0)
    assert out["deals_per_week"].iloc[0] == pytest.approx(1.0)
    assert out["opportunities_per_week"].iloc[0] == pytest.approx(26 / 5)         # k=5, p=.25, q=.8 -> 26
    k, p = 5, 0.25 * 0.5 * 0.5 * 0.1
    assert out["calls_per_week"].iloc[0] == pytest.approx((k + stats.nbinom.ppf(0.8, k, p)) / 5)
    assert out["calls_per_week"].iloc[0] == pytest.approx(float(opportunities_needed(k, p, 0.8)) / 5)
    done = what_it_takes([-10.0], [5.0], metric_kind="count")
    assert done["what_it_takes_per_week"].iloc[0] == 0.0


def test_implied_predictive_recovers_the_law_of_a_saved_set():
    true = _hurdle([100.0, 40.0], 0.45, df=30.0)
    p = np.array([0.65, 0.3, 0.1])
    t = true.quantile(1 - p)
    targets = pd.DataFrame(t, index=["r0", "r1"], columns=["base", "stretch", "excellence"])
    chances = pd.DataFrame(np.tile(p, (2, 1)), index=targets.index, columns=targets.columns)
    got = tracking.implied_predictive(["r0", "r1"], targets, chances)
    np.testing.assert_allclose(got.mu, true.mu, atol=1e-9)
    np.testing.assert_allclose(got.sigma, true.sigma, atol=1e-9)


# ----------------------------------------------------------------------------- notes
def test_notes_add_list_in_date_order_and_export():
    conn = store.connect(":memory:")
    fx.insert_set(conn, "Q1 plan", "2026-Q1")
    tracking.add_note(conn, "Q1 plan", "ana", "second check-in", "2026-02-10")
    tracking.add_note(conn, "Q1 plan", "ana", "first check-in", "2026-01-12")
    tracking.add_note(conn, "Q1 plan", "ben", "pipeline thin", date(2026, 1, 20))
    tracking.add_note(conn, None, "ana", "not tied to a set", "2026-03-01")
    notes = tracking.list_notes(conn, "Q1 plan")
    assert notes["note"].tolist() == ["first check-in", "pipeline thin", "second check-in"]
    assert tracking.list_notes(conn, "Q1 plan", rep="ana")["note"].tolist() == ["first check-in",
                                                                               "second check-in"]
    assert len(tracking.list_notes(conn)) == 4
    csv = tracking.notes_csv(conn, "Q1 plan", rep="ben")
    assert csv.splitlines()[0] == "rep,note_date,note,set_id,created_at"
    assert "ben,2026-01-20,pipeline thin" in csv
    with pytest.raises(ValueError):
        tracking.add_note(conn, "Q1 plan", "ana", "   ")
    with pytest.raises(LookupError):
        tracking.add_note(conn, "no such set", "ana", "x")


# ----------------------------------------------------------------------------- database
def test_track_the_seeded_company(tracking_company):
    t = tracking.track(tracking_company, "Q1 plan")
    s = t.summary
    assert t.as_of == fx.AS_OF and list(s.index) == sorted(fx.REPS)
    revenue = tracking_company.execute("SELECT rep, sum(amount) FROM deals WHERE outcome = 'won' AND close_date "
                              "BETWEEN DATE '2026-01-01' AND DATE '2026-02-14' GROUP BY rep").df()
    np.testing.assert_allclose(s["actual"], revenue.set_index("rep").iloc[:, 0].reindex(s.index).fillna(0))
    assert np.all((s["share_expected"] > 0) & (s["share_expected"] < 1))
    np.testing.assert_allclose(s["expected_to_date"], s["target"] * s["share_expected"])
    np.testing.assert_allclose(s["pace"], s["actual"] / s["expected_to_date"])
    assert s.loc["leaky", "flag"] and s.loc["leaky", "cause"] == "conversion short"
    assert s.loc["slow", "cause"] == "activity volume short"
    calls = t.activities.set_index("rep").loc["slow"]
    assert calls["activity"] == "calls" and calls["pace"] == pytest.approx(0.4, abs=0.1)
    assert np.all(s["projected"] >= s["actual"])
    assert t.team["flagged"] == int(s["flag"].sum())
    assert 0 <= t.team["team_p_attain"] <= 1
    # A higher threshold flags more reps; the slow rep's cause is volume.
    strict = tracking.track(tracking_company, "Q1 plan", threshold=0.95).summary
    assert strict["flag"].sum() >= s["flag"].sum()
    # A flagged rep whose funnel is on pace is short on deal size or timing, never "on pace";
    # an unflagged rep keeps "on pace".
    assert not (strict["flag"] & (strict["cause"] == "on pace")).any()
    assert (strict["cause"] == "deal size or timing").any()
    assert set(strict.loc[~strict["flag"], "cause"]) <= {"on pace", "activity volume short", "conversion short"}
    for frame in (s, strict):    # neither flagged nor behind: on pace, whatever the funnel shows
        assert (frame.loc[~frame["flag"] & (frame["pace"] >= 1), "cause"] == "on pace").all()


def test_track_counts_the_open_pipeline(tracking_company):
    """The seeded company has created dates and lost deals: the chance from here counts each rep's
    open deals (as of the day tracked) besides what deals not yet open add."""
    t = tracking.track(tracking_company, "Q1 plan")
    s = t.summary
    open_now = tracking_company.execute("SELECT rep, count(*) AS n, sum(amount) AS v FROM deals WHERE "
                                        "created_date <= DATE '2026-02-14' AND outcome = 'open' GROUP BY rep"
                                        ).df().set_index("rep").reindex(s.index).fillna(0)
    np.testing.assert_array_equal(s["open_deals"], open_now["n"])
    np.testing.assert_allclose(s["open_pipeline"], open_now["v"])
    assert np.all((s["open_pipeline_expected"] >= 0) & (s["open_pipeline_expected"] <= s["open_pipeline"]))
    assert t.team["open_deals"] == int(open_now["n"].sum()) and 0 < t.team["share_from_open_deals"] <= 1
    assert s["p_attain"].between(0, 1).all() and np.all(s["projected"] >= s["actual"])
    # More open deals for a rep can only raise the chance: every deal of "ben" doubled.
    tracking_company.execute("CREATE TEMP TABLE extra AS SELECT * REPLACE (deal_id || '-copy' AS deal_id) "
                             "FROM deals WHERE rep = 'ben' AND outcome = 'open'")
    tracking_company.execute("INSERT INTO deals SELECT * FROM extra")
    try:
        more = tracking.track(tracking_company, "Q1 plan").summary
    finally:
        tracking_company.execute("DELETE FROM deals WHERE deal_id LIKE '%-copy'")
        tracking_company.execute("DROP TABLE extra")
    assert more.loc["ben", "open_deals"] == 2 * s.loc["ben", "open_deals"] > 0
    assert more.loc["ben", "p_attain"] > s.loc["ben", "p_attain"]


def test_track_before_and_after_the_period(tracking_company):
    before = tracking.track(tracking_company, "Q1 plan", as_of=date(2025, 12, 31)).summary
    assert np.all(before["actual"] == 0) and np.all(before["share_expected"] == 0)
    np.testing.assert_allclose(before["p_attain"], before["p_attain_start"])
    after = tracking.track(tracking_company, "Q4 plan", as_of=date(2026, 2, 1)).summary
    assert set(after["p_attain"].unique()) <= {0.0, 1.0}
    np.testing.assert_array_equal(after["p_attain"] == 1.0, after["actual"] >= after["target"])


def test_track_without_the_calibration_uses_the_law_the_set_implies(tracking_company, monkeypatch):
    monkeypatch.setattr(tracking, "fit_period", lambda *a, **k: (None, "calibration module not available"))
    t = tracking.track(tracking_company, "Q1 plan", as_of=date(2025, 12, 31))
    assert set(t.summary["model"]) == {"implied by saved set"}
    np.testing.assert_allclose(t.summary["p_attain"], t.summary["p_attain_saved"], atol=0.01)


def test_unknown_set_is_refused_with_the_known_names(tracking_company):
    with pytest.raises(LookupError, match="Q1 plan"):
        tracking.track(tracking_company, "nope")


def test_reps_the_model_does_not_cover_use_the_fallback_law():
    model = _hurdle([100.0, 50.0], 0.4)
    fallback = _hurdle([7.0, 8.0, 9.0], 0.3)
    pred, covered = tracking.align_predictive(model, np.array(["r1", "new", "r0"], dtype=object), fallback)
    assert covered == 2
    np.testing.assert_allclose(pred.quantile(0.5), [50.0, 8.0, 100.0], rtol=1e-9)
    got = conditional_p_attain(pred, np.zeros(3), np.array([50.0, 8.0, 100.0]), 0.0)
    np.testing.assert_allclose(got, [0.5, 0.5, 0.5], atol=1e-9)
    assert pred.sample(10, np.random.default_rng(0)).shape == (10, 3)


def test_track_names_each_gap_by_the_reps_own_usual_funnel(tracking_company):
    s = tracking.track(tracking_company, "Q1 plan").summary
    assert s.loc["leaky", "cause"] == "conversion short" and s.loc["slow", "cause"] == "activity volume short"
    assert np.all(np.isfinite(s.loc[s["gap"] > 0, "calls_per_week"]))


# ----------------------------------------------------------------------------- orders-only data
@pytest.fixture(scope="module")
def orders_db(tmp_path_factory):
    """The orders-only company (tests/orders_fixtures.py) with plans for 2026-Q2 (its last quarter)
    and 2026-Q3 (after the data ends)."""
    import orders_fixtures

    db = orders_fixtures.build_orders_db(tmp_path_factory.mktemp("orders"))
    orders_fixtures.save_orders_plan(db, parse_period("2026-Q2"), "Q2 orders", tiers="60,80,95")  # base at P60: some reps end short
    orders_fixtures.save_orders_plan(db, parse_period("2026-Q3"), "Q3 orders")
    return db


def _track_orders(db, name, as_of):
    conn = store.connect(str(db))
    try:
        return tracking.track(conn, name, as_of, threshold=0.9)
    finally:
        conn.close()


def test_orders_only_causes_name_only_what_orders_show(orders_db):
    s = _track_orders(orders_db, "Q2 orders", date(2026, 5, 15)).summary
    assert set(s["cause"]) <= {"fewer deals", "deal size", "revenue behind seasonal pace", "on pace", "target above the usual rate",
                               "deal size or timing"}
    text = " ".join(s["cause"]) + " ".join(s["cause_detail"])
    assert "activity" not in text and "opportunit" not in text and "conversion" not in text
    assert not any(c.endswith("_per_week") and c != "what_it_takes_per_week" and c != "deals_per_week"
                   for c in s.columns)
    behind = s[s["pace"] < 1]
    assert not behind.empty and (behind["cause"] != "on pace").all()


def test_orders_only_data_keeps_the_law_without_a_pipeline(orders_db):
    """No created dates nor lost deals: no pipeline columns (absent, not zeros) and the chance is the
    remainder law of analytics.pace_chance unchanged."""
    from analytics.pace_chance import chance_from_here

    t = _track_orders(orders_db, "Q2 orders", date(2026, 5, 15))
    s = t.summary
    assert not {"open_deals", "open_pipeline", "open_pipeline_expected"} & set(s.columns)
    assert "open_deals" not in t.team
    conn = store.connect(str(orders_db))
    try:
        cal, _ = tracking.fit_period(conn, t.saved)
    finally:
        conn.close()
    assert cal is not None
    pred, _ = tracking.align_predictive(cal.predictive, np.asarray(s.index, dtype=object),
                                        tracking.implied_predictive(s.index, t.saved.targets_by_tier,
                                                                    t.saved.chances_by_tier))
    expect = chance_from_here(pred, s["actual"].to_numpy(), s["target"].to_numpy(), s["share_usual"].to_numpy())
    np.testing.assert_allclose(s["p_attain"], expect, rtol=1e-9)


def test_at_the_period_end_nothing_is_needed_per_week_and_nothing_is_infinite(orders_db):
    t = _track_orders(orders_db, "Q2 orders", date(2026, 6, 30))
    assert t.period_over
    per_week = t.summary.filter(like="_per_week")
    assert not np.isinf(per_week.to_numpy(dtype=float)).any()
    short = t.summary["actual"] < t.summary["target"]
    assert short.any() and t.summary.loc[short, "what_it_takes_per_week"].isna().all()


def test_a_period_after_the_data_is_not_measured_and_says_where_the_data_ends(orders_db):
    t = _track_orders(orders_db, "Q3 orders", date(2026, 8, 15))
    assert not t.measured and t.data_ends == date(2026, 6, 30)
    assert not t.summary["flag"].any() and t.summary["pace"].isna().all()
    assert any("The data ends on 30 Jun 2026" in note for note in t.notes)
    assert set(t.summary["cause"]) == {"not measured yet"}


def test_a_date_past_the_data_is_measured_up_to_the_data_s_last_day(orders_db, tmp_path):
    later = _track_orders(orders_db, "Q2 orders", date(2026, 6, 30))
    assert later.as_of == date(2026, 6, 30)
    shutil.copy(orders_db, tmp_path / "cut.duckdb")
    conn = store.connect(str(tmp_path / "cut.duckdb"))
    try:
        conn.execute("DELETE FROM deals WHERE close_date > '2026-06-09'")
        t = tracking.track(conn, "Q2 orders", date(2026, 6, 30))
    finally:
        conn.close()
    assert t.as_of == date(2026, 6, 9) and not t.period_over
    assert "The data ends on 9 Jun 2026: 2026-Q2 is measured up to that day." in t.notes


def test_orders_only_activity_rows_show_no_volume_that_was_never_imported(orders_db):
    acts = _track_orders(orders_db, "Q2 orders", date(2026, 5, 15)).activities
    assert not acts.empty and set(acts["activity"]) == {"deals"}


def test_cli_track_of_orders_only_says_where_the_data_ends_and_names_no_activity(orders_db):
    from helpers import run_cli

    res = run_cli("track", "--db", str(orders_db), "--target-set", "Q2 orders", "--as-of", "2026-08-01",
                  "--threshold", "0.9")
    assert res.returncode == 0, res.stderr
    assert "as of 2026-06-30" in res.stdout and "note: The data ends on 30 Jun 2026" not in res.stdout
    for absent in ("activity volume short", "opportunities", "calls", "inf"):
        assert absent not in res.stdout.lower()
    res = run_cli("track", "--db", str(orders_db), "--target-set", "Q3 orders")
    assert res.returncode == 0, res.stderr
    assert "note: The data ends on 30 Jun 2026, before 2026-Q3 starts" in res.stdout
    assert "FLAG" not in res.stdout


@pytest.mark.parametrize("currency", ["€", "$", "£"])
def test_deal_size_causes_are_written_in_the_datas_currency(currency):
    causes = outcome_causes([0.7], [5], [5], [500.0], [12_000.0], currency=currency)
    assert causes["cause"].tolist() == ["deal size"]
    assert causes["cause_detail"].tolist() == [f"average won deal {currency}500 against a usual {currency}12k"]


def test_team_view_takes_what_the_caller_computed_without_changing_a_number():
    """The reps' projection, chance and the remainder's draws handed in give the same team view."""
    pred = _hurdle([100.0, 80.0, 50.0], 0.4, df=30.0)
    actual, share = np.array([30.0, 20.0, 10.0]), 0.4
    targets = pd.DataFrame({"base": [100.0, 80.0, 50.0], "stretch": [150.0, 120.0, 75.0]})
    rest = remaining_predictive(pred, 1.0 - share)
    plain = team_view(pred, actual, targets, share, team_target=240.0, n_draws=2000, seed=3, remaining=rest)
    handed = team_view(pred, actual, targets, share, team_target=240.0, n_draws=2000, seed=3, remaining=rest,
                       projected=projection(pred, actual, share, remaining=rest)["projected"],
                       p_attain=conditional_p_attain(pred, actual, targets["base"].to_numpy(), share, rest),
                       remaining_draws=rest.sample(2000, np.random.default_rng(3)))
    assert plain.keys() == handed.keys()
    for key, value in plain.items():
        np.testing.assert_array_equal(handed[key], value, err_msg=key)


def test_tracking_with_an_open_pipeline_is_seeded(tracking_company):
    """Tracking a set twice gives the same numbers (the pipeline's draws are seeded, drawn once)."""
    first = tracking.track(tracking_company, "Q1 plan", date(2026, 2, 15), n_draws=500)
    assert first.team["open_deals"] > 0
    again = tracking.track(tracking_company, "Q1 plan", date(2026, 2, 15), n_draws=500)
    pd.testing.assert_frame_equal(first.summary, again.summary, check_exact=True)
    assert str(first.team) == str(again.team)


def test_opportunities_short_is_a_pipeline_cause_not_an_activity_one():
    """Opportunities come from the deals' created dates: a rep short of them is short of pipeline, and
    a manager who imported no activity log must not read that calls or meetings fell short."""
    usual = _funnel([500] * 4, [60] * 4, [30] * 4, [15] * 4, [5] * 4, [10] * 4)
    volume = pd.DataFrame({"opportunities": [0.3, 1.0, 1.1, np.nan]}, index=usual.index)
    out = diagnose(volume, funnel_rates(usual), funnel_rates(usual), pd.DataFrame(index=usual.index))
    assert out.loc["low_volume", "cause"] == "pipeline volume short"
    assert out.loc["low_volume", "cause_detail"].startswith("opportunities at 30% of pace")


def test_without_an_activity_log_no_cause_names_calls(tracking_db_template, tmp_path):
    """The tracking company without its activity log (a CRM export of deals alone, as the Maven one):
    ``slow`` made fewer calls, so fewer opportunities: the pipeline is short, and no cause says activity."""
    path = tmp_path / "deals_only.duckdb"
    shutil.copy(tracking_db_template, path)
    conn = store.connect(path)
    conn.execute("DELETE FROM activities")
    s = tracking.track(conn, "Q1 plan").summary
    conn.close()
    assert s.loc["slow", "cause"] == "pipeline volume short"
    assert not s["cause"].eq("activity volume short").any()
    assert not s["cause_detail"].str.contains("calls|meetings|demos").any()


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_saved_base_of_zero_is_no_target_not_a_sure_thing(orders_db):
    """A set saved before a target had to be above zero (an old database) holds a base of $0 at a 100%
    chance: tracking measures no pace nor chance for that rep, says so once, and divides by nothing."""
    import orders_fixtures

    orders_fixtures.save_orders_plan(orders_db, parse_period("2026-Q2"), "Old zero base")
    conn = store.connect(str(orders_db))
    try:
        conn.execute("UPDATE target_set_rows SET target = 0, model_value = 0, p_attain = 1.0 WHERE tier = 'base' "
                     "AND rep = 'Rep B' AND set_id = (SELECT max(set_id) FROM target_sets WHERE name = 'Old zero base')")
    finally:
        conn.close()
    t = _track_orders(orders_db, "Old zero base", date(2026, 5, 15))
    b = t.summary.loc["Rep B"]
    assert b["cause"] == "no target" and not b["flag"]
    for column in ("target", "pace", "expected_to_date", "p_attain", "p_attain_saved", "p_attain_start", "attainment"):
        assert np.isnan(b[column]), column
    assert sum("Rep B has no base target" in n for n in t.notes) == 1
    others = t.summary.drop(index="Rep B")
    assert np.isfinite(others["p_attain"]).all() and (others["target"] > 0).all()
    assert t.team["expected_share_reaching_base"] < 1.0 and np.isfinite(t.team["stretch_ratio"])


@pytest.mark.parametrize("left_on", [date(2026, 1, 20), date(2025, 12, 15)])
def test_a_rep_who_left_is_not_tracked_as_off_pace(tracking_company, left_on):
    """A rep who left (here the slow caller, inside or before the period) has booked all they will: the chance
    is 0 or 1, the projection is what they booked, and they are said to have left, not flagged for their calls
    (they once showed 'activity volume short: calls at 0% of pace' and their open deals counted)."""
    tracking_company.execute("UPDATE reps SET end_date = ? WHERE rep = 'slow'", [left_on])
    try:
        t = tracking.track(tracking_company, "Q1 plan")
    finally:
        tracking_company.execute("UPDATE reps SET end_date = NULL WHERE rep = 'slow'")
    s = t.summary
    gone = s.loc["slow"]
    assert gone["cause"] == "left" and gone["cause_detail"].startswith(f"left on {left_on.day} ") and not gone["flag"]
    assert gone["p_attain"] == float(gone["actual"] >= gone["target"])
    assert gone["projected"] == pytest.approx(gone["actual"]) and gone["share_expected"] == 1.0
    assert gone["pace"] == pytest.approx(gone["actual"] / gone["target"])
    if "open_pipeline_expected" in s:
        assert gone["open_pipeline_expected"] == 0.0
    here = s.drop(index="slow")
    assert here.loc["leaky", "flag"] and (here["cause"] != "left").all()
    assert t.team["share_expected"] == pytest.approx(here["share_expected"].mean())
    assert t.team["flagged"] == int(s["flag"].sum())


# ----------------------------------------------------------------------------- deals without created dates
def _pipeline_export(path, undated_for_ann: int) -> None:
    """Two reps' deals 2025-01 .. 2026-03 (created, closed won or lost 20 days later, about 10 a month each),
    then 2026-04 .. 15 May with three dated deals a month each, none won; Ann also has
    ``undated_for_ann`` open deals whose created date the export left blank."""
    rng = random.Random(5)
    lines = ["Deal ID,Owner,Created Date,Close Date,Amount,Stage"]
    for rep in ("Ann", "Bo"):
        for month in range(17):
            year, m = 2025 + month // 12, month % 12 + 1
            for k in range(10 if month < 15 else 3):
                created = date(year, m, 1 + k * 2)
                won = month < 15 and rng.random() < 0.4
                close = created + timedelta(days=20)
                if close > date(2026, 5, 15):
                    lines.append(f"{rep}-{month}-{k},{rep},{created},,{rng.randint(2000, 6000)},Open")
                    continue
                lines.append(f"{rep}-{month}-{k},{rep},{created},{close},{rng.randint(2000, 6000)},"
                             f"{'Closed Won' if won else 'Closed Lost'}")
    lines += [f"Ann-undated-{i},Ann,,,3000,Prospecting" for i in range(undated_for_ann)]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("metric", ["revenue", "opportunities"])
@pytest.mark.parametrize(("undated", "cause"), [(0, "pipeline volume short"), (25, "pipeline not measurable")])
def test_a_pipeline_short_only_by_blank_created_dates_is_not_called_short(conn, tmp_path, undated, cause, metric):
    """Maven's export leaves the created date of its 500 prospecting deals blank: Tracking called 12 of 30
    reps' pipeline short, among them reps whose undated deals would have covered the gap (a set of revenue:
    the funnel's volume; a set of opportunities: the metric's own pace)."""
    from analytics import calibration, importing, target_drafts, target_sets

    _pipeline_export(tmp_path / "deals.csv", undated)
    importing.import_file(conn, tmp_path / "deals.csv", kind="deals")
    period = parse_period("2026-Q2")
    cal = calibration.calibrate(conn, metric, "quarter", period, as_of=period.start - timedelta(days=1))
    target_sets.save_target_set(conn, target_drafts.draft_from_calibration(cal, "Q2"), author="test")
    s = tracking.track(conn, "Q2", as_of=date(2026, 5, 15)).summary
    assert s.loc["Bo", "cause"] == "pipeline volume short"
    assert s.loc["Ann", "cause"] == cause
    if undated:
        assert f"{undated} of the rep's deals have no created date" in s.loc["Ann", "cause_detail"]
