"""The fast panel read (analytics.panel_query) equals metrics.rep_period_panel + build_arrays."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from calibration_fixtures import simulate_company

from analytics import metrics, store
from analytics.metric_registry import REGISTRY
from analytics.panel_arrays import build_arrays
from analytics.panel_query import read_panel


@pytest.fixture(scope="module")
def company():
    conn = store.connect(":memory:")
    simulate_company(conn, n_reps=25, n_months=20, seed=3, hire_share=0.3, leaver_share=0.2)
    # an off-roster rep who stopped long ago, and one whose events are all after the others'
    conn.execute("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, import_id) VALUES "
                 "('x1', 'gone', DATE '2023-02-10', DATE '2023-01-05', 900, 'won', 1), "
                 "('x2', 'late', DATE '2024-07-14', NULL, 400, 'lost', 1)")
    return conn


def _same(conn, metric: str, grain: str, fsm: int, as_of: date | None) -> None:
    frame = metrics.rep_period_panel(conn, metric, grain, fiscal_start_month=fsm, as_of=as_of)
    slow = build_arrays(frame, grain, fsm)
    read = read_panel(conn, metric, grain, fiscal_start_month=fsm, as_of=as_of)
    fast = read.arrays
    assert fast.reps.tolist() == slow.reps.tolist()
    assert [p.label for p in fast.periods] == [p.label for p in slow.periods]
    assert fast.complete.tolist() == slow.complete.tolist()
    assert fast.teams.tolist() == slow.teams.tolist()
    for name in ("y", "expfrac", "tenure"):
        np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=1e-12, equal_nan=True)
    assert ("active" in fast.extra) == ("active" in slow.extra)
    assert np.array_equal(fast.extra.get("active", []), slow.extra.get("active", []))
    for name in ("won", "closed"):
        if getattr(slow, name) is None:
            assert getattr(fast, name) is None
        else:
            np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name))
    pd.testing.assert_frame_equal(read.frame(), frame, check_dtype=False, rtol=1e-12)


@pytest.mark.parametrize("metric", sorted(REGISTRY))
@pytest.mark.parametrize(("grain", "fsm", "as_of"), [("month", 1, None), ("quarter", 1, None),
                                                       ("quarter", 2, date(2024, 5, 17)), ("month", 4, date(2023, 9, 30))])
def test_fast_panel_equals_the_sql_panel(company, metric, grain, fsm, as_of):
    _same(company, metric, grain, fsm, as_of)


def test_empty_database_reads_an_empty_panel():
    conn = store.connect(":memory:")
    read = read_panel(conn, "revenue", "month")
    assert read.arrays.y.size == 0 and read.frame().empty


@pytest.mark.parametrize(("metric", "grain"), [("revenue", "month"), ("win_rate", "quarter"), ("meeting", "month")])
def test_fast_panel_equals_the_sql_panel_on_the_sample_company(sample_db_template, metric, grain):
    conn = store.connect(str(sample_db_template), read_only=True)
    _same(conn, metric, grain, store.fiscal_year_start_month(conn), None)


@pytest.mark.parametrize("metric", sorted(REGISTRY))
@pytest.mark.parametrize(("fsm", "as_of"), [(1, None), (2, date(2024, 5, 17))])
def test_a_quarterly_read_with_its_months_equals_the_two_reads(company, metric, fsm, as_of):
    """``monthly=True``: one read of the spans and (a metric that adds up) of the monthly sums, added up into
    quarters; both panels equal those read on their own, frames included."""
    both = read_panel(company, metric, "quarter", fiscal_start_month=fsm, as_of=as_of, monthly=True)
    assert both.months is not None
    for read, grain in ((both, "quarter"), (both.months, "month")):
        alone = read_panel(company, metric, grain, fiscal_start_month=fsm, as_of=as_of)
        assert read.arrays.reps.tolist() == alone.arrays.reps.tolist()
        assert [p.label for p in read.arrays.periods] == [p.label for p in alone.arrays.periods]
        for name in ("y", "expfrac", "tenure"):
            np.testing.assert_allclose(getattr(read.arrays, name), getattr(alone.arrays, name), rtol=1e-12,
                                       equal_nan=True)
        pd.testing.assert_frame_equal(read.frame(), alone.frame(), check_dtype=False, rtol=1e-12)
    assert read_panel(company, metric, "quarter", fiscal_start_month=fsm, as_of=as_of).months is None


def _begun_inside_a_period(first_activity: date) -> store.duckdb.DuckDBPyConnection:
    """Three reps on the roster since 2022, their meetings logged every week from ``first_activity`` to
    2024-12-31 (an activities export that begins later than the reps)."""
    conn = store.connect(":memory:")
    gen = np.random.default_rng(8)
    for i in range(3):
        conn.execute("INSERT INTO reps (rep, team, start_date, import_id) VALUES (?, 'T', DATE '2022-01-03', 1)",
                     [f"r{i}"])
    days = pd.date_range(first_activity, "2024-12-31", freq="7D")
    rows = [(f"a{i}-{k}", f"r{i}", day.date(), "meeting", "Meeting", int(gen.poisson(8)), 1, 0)
            for i in range(3) for k, day in enumerate(days)]
    conn.executemany("INSERT INTO activities VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return conn


@pytest.mark.parametrize(("first_activity", "grain", "days_counted", "period_days"),
                         [(date(2024, 3, 31), "quarter", 1, 91), (date(2024, 2, 20), "quarter", 41, 91),
                          (date(2024, 3, 31), "month", 1, 31), (date(2024, 1, 1), "quarter", 91, 91)])
def test_a_period_the_data_begin_inside_of_is_counted_from_their_first_day(first_activity, grain, days_counted,
                                                                          period_days):
    """Reps on the roster long before the data: the first period is only the days the data cover, not a whole
    period of (almost) nothing (a quarter of meetings from its last day alone was read as a whole quarter's:
    8 meetings where 100 was usual, and every rep's range three times too wide)."""
    conn = _begun_inside_a_period(first_activity)
    fast = read_panel(conn, "meeting", grain).arrays
    assert fast.periods[0].start <= first_activity <= fast.periods[0].end
    np.testing.assert_allclose(fast.expfrac[:, 0], days_counted / period_days, rtol=1e-12)
    frame = metrics.rep_period_panel(conn, "meeting", grain)
    assert (frame.groupby("rep")["exposure_days"].first() == days_counted).all()
    _same(conn, "meeting", grain, 1, None)
