"""Metrics SQL against an independent pandas computation on a small seeded dataset."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics import metrics, store


@pytest.fixture
def small_db():
    rng = random.Random(11)
    conn = store.connect(":memory:")
    reps = [("ann", "north", date(2023, 1, 1), None), ("bob", "north", date(2023, 1, 1), date(2024, 2, 20)),
            ("cat", "south", date(2023, 11, 10), None)]
    for rep, team, start, end in reps:
        conn.execute("INSERT INTO reps (rep, team, start_date, end_date, import_id) VALUES (?, ?, ?, ?, 1)",
                     [rep, team, start, end])
    deals = []
    for i in range(120):
        rep = rng.choice(["ann", "ann", "bob", "cat"])
        close = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 500))
        if rep == "cat" and close < date(2023, 11, 10):
            continue
        if rep == "bob" and close > date(2024, 2, 20):
            continue
        if rep == "ann" and date(2023, 5, 1) <= close < date(2023, 7, 1):  # a zero gap while active
            continue
        outcome = rng.choice(["won", "lost", "won"])
        deals.append((f"d{i}", rep, close, close - timedelta(days=30), float(rng.randrange(1, 50) * 100), outcome))
    deals.append(("future", "ann", date(2030, 1, 1), date(2024, 4, 1), 1000.0, "open"))
    conn.executemany("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, import_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, 1)", deals)
    conn.executemany("INSERT INTO activities (activity_id, rep, activity_date, type, count, import_id) "
                     "VALUES (?, ?, ?, ?, ?, 1)",
                     [(f"a{i}", "ann", date(2023, 1, 1) + timedelta(days=7 * i), "call", 3) for i in range(10)])
    yield conn, pd.DataFrame(deals, columns=["deal_id", "rep", "close_date", "created_date", "amount", "outcome"])
    conn.close()


def test_metric_kinds():
    assert metrics.metric_kind("revenue") == "money"
    assert metrics.metric_kind("meeting") == "count"
    assert metrics.metric_kind("win_rate") == "rate"
    with pytest.raises(ValueError):
        metrics.metric_kind("nonsense")


def test_data_as_of_ignores_future_open_deals(small_db):
    conn, deals = small_db
    closed = deals[deals["outcome"] != "open"]
    assert metrics.data_as_of(conn) == closed["close_date"].max()


def test_revenue_panel_matches_pandas(small_db):
    conn, deals = small_db
    as_of = metrics.data_as_of(conn)
    panel = metrics.rep_period_panel(conn, "revenue", "month", fiscal_start_month=1)
    won = deals[deals["outcome"] == "won"].copy()
    won["ps"] = won["close_date"].map(lambda d: date(d.year, d.month, 1))
    expected = won.groupby(["rep", "ps"])["amount"].sum()
    got = panel.set_index(["rep", "period_start"])["value"]
    for key, value in expected.items():
        assert got[key] == pytest.approx(value)
    # every other active row is an explicit zero (ann's May-June 2023 gap)
    others = got[~got.index.isin(expected.index)]
    assert (others == 0).all()
    assert got[("ann", date(2023, 5, 1))] == 0 and got[("ann", date(2023, 6, 1))] == 0
    # leaver: no rows after the end month; hire: nothing before the start month
    assert panel[panel.rep == "bob"]["period_start"].max() == date(2024, 2, 1)
    assert panel[panel.rep == "cat"]["period_start"].min() == date(2023, 11, 1)
    bob_feb = panel[(panel.rep == "bob") & (panel.period_start == date(2024, 2, 1))]
    assert int(bob_feb["exposure_days"].iloc[0]) == 20
    # the period containing as_of is partial unless as_of is its last day
    last = panel[panel.period_start == date(as_of.year, as_of.month, 1)]
    assert (~last["complete"]).all() or as_of.day == pd.Period(as_of, "M").days_in_month
    assert panel[panel.period_start < date(as_of.year, as_of.month, 1)]["complete"].all()
    assert set(panel.columns) >= {"rep", "period_start", "period_label", "value", "exposure_days",
                                  "tenure_months", "complete", "team"}


@pytest.mark.parametrize("metric,outcomes", [("deals", ("won",)), ("closed_deals", ("won", "lost"))])
def test_count_panels(small_db, metric, outcomes):
    conn, deals = small_db
    panel = metrics.rep_period_panel(conn, metric, "quarter", fiscal_start_month=1)
    d = deals[deals["outcome"].isin(outcomes)].copy()
    d["ps"] = d["close_date"].map(lambda x: date(x.year, 3 * ((x.month - 1) // 3) + 1, 1))
    expected = d.groupby(["rep", "ps"]).size()
    got = panel.set_index(["rep", "period_start"])["value"]
    assert got[expected.index].to_numpy() == pytest.approx(expected.to_numpy())
    assert got.sum() == pytest.approx(expected.sum())


def test_win_rate_panel_has_numerator_and_denominator(small_db):
    conn, _ = small_db
    panel = metrics.rep_period_panel(conn, "win_rate", "quarter")
    assert {"won", "closed"} <= set(panel.columns)
    ok = panel["closed"] > 0
    assert np.allclose(panel.loc[ok, "value"], panel.loc[ok, "won"] / panel.loc[ok, "closed"])
    assert panel.loc[~ok, "value"].isna().all()


def test_fiscal_quarters_and_activity_panel(small_db):
    conn, _ = small_db
    panel = metrics.rep_period_panel(conn, "call", "quarter", fiscal_start_month=2)
    assert all(d.month in (2, 5, 8, 11) for d in panel["period_start"])
    assert panel[panel.rep == "ann"]["value"].sum() == 30


def test_rep_funnel_pools_rates(small_db):
    conn, deals = small_db
    funnel = metrics.rep_funnel(conn, "quarter", periods=4)
    assert set(funnel["rep"]) <= {"ann", "bob", "cat"}
    assert {"calls", "win_rate", "avg_deal_size", "weakest_stage", "team"} <= set(funnel.columns)
    assert funnel["win_rate"].between(0, 1).all()
    # pooled: between the rep's raw rate and the team's
    assert funnel["win_rate"].std() <= 0.5


def test_a_reps_typical_deal_is_pooled_toward_the_teams(small_db):
    """One big win is not a rep's typical deal: it was the floor of her base target (a $66,600 base for a
    rep whose median quarter was $9,244, a 12% chance shown as base). Pooled on the log scale by two
    deals' worth of the team's median, against an independent computation."""
    conn, deals = small_db
    conn.execute("INSERT INTO reps (rep, team, start_date, import_id) VALUES ('dee', 'south', DATE '2024-01-01', 1)")
    conn.execute("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, import_id) "
                 "VALUES ('big', 'dee', DATE '2024-02-01', DATE '2024-01-05', 66600, 'won', 1)")
    funnel = metrics.rep_funnel(conn, "quarter", as_of=date(2024, 5, 15)).set_index("rep")
    won = deals[(deals.outcome == "won") & (deals.close_date <= date(2024, 3, 31))]
    team = float(np.median([*won.amount, 66600.0]))
    assert funnel.loc["dee", "team_median_deal"] == pytest.approx(team)
    assert funnel.loc["dee", "median_deal"] == pytest.approx(np.exp((np.log(66600) + 2 * np.log(team)) / 3))
    assert team < funnel.loc["dee", "median_deal"] < 66600 / 2
    ann = won[won.rep == "ann"].amount
    expected = np.exp((len(ann) * np.log(ann.median()) + 2 * np.log(team)) / (len(ann) + 2))
    assert funnel.loc["ann", "median_deal"] == pytest.approx(expected)


def test_roster_rep_with_no_dates_and_no_events_has_no_history(small_db):
    """A name on the roster with no start date and no deal or activity is not a run of zero periods
    (the Maven CRM roster lists five such agents): zeros would flatter every backtest level."""
    conn, _ = small_db
    conn.execute("INSERT INTO reps (rep, team, import_id) VALUES ('ghost', 'north', 1)")
    for metric in ("revenue", "deals", "call"):
        panel = metrics.rep_period_panel(conn, metric, "month")
        assert "ghost" not in set(panel["rep"])
        assert {"ann", "bob", "cat"} <= set(panel["rep"]) or metric == "call"
    assert "ghost" not in set(metrics.active_reps(conn, date(2024, 1, 1), date(2024, 3, 31))["rep"])


def test_an_activity_log_shorter_than_the_deals_is_averaged_over_what_it_covers():
    """Three years of deals beside an activity log of the last two months: a quarter before the log read as no
    calls, so calls per quarter fell to a fraction and demo -> opportunity read 4.06 for the company's 0.64."""
    conn = store.connect(":memory:")
    rows, acts = [], []
    for q in range(4):                                       # 2025-Q4 .. 2026-Q3: 12 opportunities a quarter
        start = date(2025, 10, 1) + timedelta(days=92 * q)
        rows += [(f"d{q}-{i}", "ann", start + timedelta(days=7 * i), start + timedelta(days=7 * i), 100.0, "won")
                 for i in range(12)]
    since = date(2026, 8, 3)                                # the log: 8 weeks of Q3, 5 demos and 100 calls a week
    for w in range(8):
        day = since + timedelta(days=7 * w)
        acts += [(f"c{w}", "ann", day, "call", 100), (f"m{w}", "ann", day, "demo", 5)]
    conn.executemany("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, import_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, 1)", rows)
    conn.executemany("INSERT INTO activities (activity_id, rep, activity_date, type, count, import_id) "
                     "VALUES (?, ?, ?, ?, ?, 1)", acts)
    funnel = metrics.rep_funnel(conn, "quarter", as_of=date(2026, 10, 5), periods=4).set_index("rep")
    conn.close()
    covered = (date(2026, 10, 1) - since).days / (date(2026, 10, 1) - date(2026, 7, 1)).days   # 59 of 92 days
    assert funnel.at["ann", "calls"] == pytest.approx(800 / covered)            # per quarter covered, not per 4
    assert funnel.at["ann", "opportunities"] == pytest.approx(12.0)            # the deals' own periods
    # opportunities created since the log began (weekly from 2026-07-01: those on or after 3 Aug) per demo
    since_log = sum(1 for r in rows if r[3] >= since)
    assert funnel.at["ann", "demo_to_opportunity"] == pytest.approx(since_log / 40, rel=0.15)
