"""The metric registry: one definition per metric, the same numbers per period and to date, aliases.

A seeded company with every kind of row a metric reads (won, lost and open deals, deals without an
amount or a created date, every activity type) is aggregated three ways from the registry: per rep
and quarter (``metrics.rep_period_panel``), per rep over any days (``tracking_data.metric_to_date``)
and per day for the team (``tracking_data.metric_by_day``); the totals are also computed
independently in pandas from the rows inserted.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics import formatting, metrics, store, tracking
from analytics import target_sets as ts
from analytics import tracking_data as data
from analytics.metric_registry import ACTIVITY_TYPES, REGISTRY, resolve_metric
from analytics.periods import period_of

START, AS_OF = date(2024, 1, 1), date(2025, 2, 10)
REPS = ("ana", "ben", "cy", "dee")


@pytest.fixture(scope="module")
def company():
    rng = random.Random(23)
    conn = store.connect(":memory:")
    conn.executemany("INSERT INTO reps (rep, team, start_date, import_id) VALUES (?, ?, ?, 1)",
                     [(r, "north" if i % 2 else "south", START) for i, r in enumerate(REPS)])
    deals = []
    for i in range(400):
        created = START + timedelta(days=rng.randrange(0, 380))
        close = created + timedelta(days=rng.randrange(0, 90))
        outcome = rng.choice(["won", "won", "lost", "lost", "open"])
        amount = None if rng.random() < 0.05 else float(rng.randrange(5, 400) * 100)
        deals.append((f"d{i}", rng.choice(REPS), close, None if rng.random() < 0.05 else created, amount, outcome))
    acts = [(f"a{i}", rng.choice(REPS), START + timedelta(days=rng.randrange(0, 405)),
             rng.choice((*ACTIVITY_TYPES, "other")), rng.randrange(1, 6)) for i in range(1500)]
    conn.executemany("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, import_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, 1)", deals)
    conn.executemany("INSERT INTO activities (activity_id, rep, activity_date, type, count, import_id) "
                     "VALUES (?, ?, ?, ?, ?, 1)", acts)
    frames = (pd.DataFrame(deals, columns=["deal_id", "rep", "close_date", "created_date", "amount", "outcome"]),
              pd.DataFrame(acts, columns=["activity_id", "rep", "activity_date", "type", "count"]))
    yield conn, *frames
    conn.close()


def _between(column: pd.Series, start: date, end: date) -> pd.Series:
    return column.notna() & (column >= start) & (column <= end)


def _won(d: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    return d[_between(d["close_date"], start, end) & (d["outcome"] == "won")]


# The additive metrics' team totals over [start, end], computed from the inserted rows alone.
INDEPENDENT_TOTALS = {
    "revenue": lambda d, a, s, e: _won(d, s, e)["amount"].fillna(0).sum(),
    "deals": lambda d, a, s, e: len(_won(d, s, e)),
    "closed_deals": lambda d, a, s, e: int((_between(d["close_date"], s, e) & d["outcome"].isin(["won", "lost"])).sum()),
    "pipeline": lambda d, a, s, e: d.loc[_between(d["created_date"], s, e), "amount"].fillna(0).sum(),
    "opportunities": lambda d, a, s, e: int(_between(d["created_date"], s, e).sum()),
    **{t: (lambda d, a, s, e, t=t: a.loc[_between(a["activity_date"], s, e) & (a["type"] == t), "count"].sum())
       for t in ACTIVITY_TYPES},
}
ADDITIVE = [m.name for m in REGISTRY.values() if m.additive]


def test_the_independent_totals_cover_every_additive_metric():
    assert sorted(INDEPENDENT_TOTALS) == sorted(ADDITIVE)


@pytest.mark.parametrize("metric", list(REGISTRY))
def test_a_period_and_the_same_period_to_date_agree_for_every_metric(company, metric):
    conn, _, _ = company
    panel = metrics.rep_period_panel(conn, metric, "quarter", fiscal_start_month=1, as_of=AS_OF)
    complete = panel[panel["complete"]]
    assert len(complete) >= 12
    # The panel counts from the day the metric's data are complete (a close-dated history cut by its first
    # closes: left_truncation), as its exposure does: the same days to date.
    first_day = metrics.span_scan(conn, metric, as_of=AS_OF).first_day
    for label, rows in complete.groupby("period_label"):
        period = period_of(rows["period_start"].iloc[0], "quarter")
        assert period.label == label
        to_date = data.metric_to_date(conn, metric, max(period.start, first_day), period.end)
        expected = to_date.reindex(rows["rep"]).to_numpy()
        if REGISTRY[metric].additive:  # a rep without rows is a zero in the panel
            expected = np.nan_to_num(expected)
        np.testing.assert_allclose(rows["value"].to_numpy(), expected, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("metric", ADDITIVE)
def test_totals_agree_per_period_to_date_by_day_and_independently(company, metric):
    conn, deals, acts = company
    panel = metrics.rep_period_panel(conn, metric, "quarter", fiscal_start_month=1, as_of=AS_OF)
    complete = panel[panel["complete"]]
    # from the day the metric's data are complete (the panel's first day counted), to the last complete quarter
    first = max(period_of(min(complete["period_start"]), "quarter").start,
                metrics.span_scan(conn, metric, as_of=AS_OF).first_day)
    last = period_of(max(complete["period_start"]), "quarter")
    total = complete["value"].sum()
    assert total > 0
    assert data.metric_to_date(conn, metric, first, last.end).sum() == pytest.approx(total, rel=1e-12)
    by_day = data.metric_by_day(conn, metric, first, last.end)
    assert by_day.sum() == pytest.approx(total, rel=1e-12)
    assert min(by_day.index) >= first and max(by_day.index) <= last.end
    assert INDEPENDENT_TOTALS[metric](deals, acts, first, last.end) == pytest.approx(total, rel=1e-12)
    months = metrics.rep_period_panel(conn, metric, "month", fiscal_start_month=1, as_of=AS_OF)
    in_quarters = months[pd.to_datetime(months["period_start"]) <= pd.Timestamp(last.start) + pd.DateOffset(months=2)]
    assert in_quarters["value"].sum() == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("metric", [m.name for m in REGISTRY.values() if not m.additive])
def test_rates_and_averages_do_not_add_up_day_by_day(company, metric):
    conn, _, _ = company
    with pytest.raises(ValueError, match="does not add up day by day"):
        data.metric_by_day(conn, metric, START, AS_OF)


def test_win_rate_to_date_is_won_over_closed(company):
    conn, deals, _ = company
    start, end = date(2024, 4, 1), date(2024, 9, 30)
    closed = deals[_between(deals["close_date"], start, end) & deals["outcome"].isin(["won", "lost"])]
    expected = closed.groupby("rep")["outcome"].apply(lambda o: (o == "won").mean())
    got = data.metric_to_date(conn, "win_rate", start, end)
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index().astype(float), check_names=False)


def test_pipeline_created_is_money_the_amount_of_deals_created(company):
    """Pipeline was a count on Tracking and Review (only revenue was money there): it is the amount
    of the deals created, formatted as money wherever it is shown, and no deal plan is made for it."""
    conn, deals, _ = company
    pipeline = resolve_metric("pipeline")
    assert (pipeline.kind, pipeline.table, pipeline.date_column) == ("money", "deals", "created_date")
    assert metrics.metric_kind("pipeline") == "money" and metrics.METRICS["pipeline"] == "money"
    start, end = date(2024, 1, 1), date(2024, 6, 30)
    created = deals[_between(deals["created_date"], start, end)]
    expected = created.groupby("rep")["amount"].apply(lambda a: a.fillna(0).sum())
    got = data.metric_to_date(conn, "pipeline", start, end)
    np.testing.assert_allclose(got.reindex(expected.index), expected.to_numpy())
    assert formatting.value(got.sum(), pipeline.kind).startswith("$")
    assert tracking.gap_unit("pipeline") == "count"
    assert (tracking.gap_unit("revenue"), tracking.gap_unit("won")) == ("money", "deals")


@pytest.mark.parametrize(("name", "metric"), [
    ("revenue", "revenue"), (" Revenue ", "revenue"),
    ("deals", "deals"), ("won", "deals"), ("won_deals", "deals"), ("deals_won", "deals"), ("Won deals", "deals"),
    ("call", "call"), ("calls", "call"), ("Calls", "call"), ("meetings", "meeting"), ("demos", "demo"),
    ("emails", "email"), ("proposals", "proposal"),
    ("opportunities", "opportunities"), ("opportunity", "opportunities"),
    ("win_rate", "win_rate"), ("win-rate", "win_rate"), ("pipeline", "pipeline"),
])
def test_names_and_aliases_resolve_to_one_metric(name, metric):
    assert resolve_metric(name).name == metric


@pytest.mark.parametrize(("alias", "name"), [("won", "deals"), ("Calls", "call"), ("opportunity", "opportunities")])
def test_an_alias_reads_the_same_rows_as_its_metric(company, alias, name):
    conn, _, _ = company
    pd.testing.assert_series_equal(data.metric_to_date(conn, alias, START, AS_OF).sort_index(),
                                   data.metric_to_date(conn, name, START, AS_OF).sort_index())
    assert metrics.metric_kind(alias) == metrics.metric_kind(name)


@pytest.mark.parametrize(("activity", "column"), [("deals", "won"), ("calls", "calls"), ("demos", "demos"),
                                                  ("meetings", "meetings"), ("opportunities", "opportunities")])
def test_activity_plan_names_map_to_funnel_columns(activity, column):
    assert data.funnel_column(activity) == column


def test_an_unknown_metric_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown metric 'other'.*revenue.*call"):
        resolve_metric("other")


def test_every_name_and_alias_means_one_metric():
    keys = [k for m in REGISTRY.values() for k in (m.name, *m.aliases)]
    assert len(keys) == len(set(keys))
    assert all(m.kind in ("money", "count", "rate") for m in REGISTRY.values())
    assert list(metrics.METRIC_LABELS.values()) == [m.label for m in REGISTRY.values()]


def test_tracking_refuses_a_rate(company):
    conn, _, _ = company
    rows = pd.DataFrame({"rep": ["ana"], "tier": ["base"], "target": [0.4], "p_attain": [0.6]})
    ts.save_target_set(conn, ts.TargetSetDraft("rate plan", "2024-Q3", "quarter", "win_rate", {"base": 40},
                                               rows=rows))
    with pytest.raises(ValueError, match="win rate is not tracked"):
        tracking.track(conn, "rate plan")
