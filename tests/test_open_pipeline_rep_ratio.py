"""A rep's own rate of winning open deals (analytics/rep_win_ratio.py, analytics/open_pipeline.py
``deal_win_chances``, analytics/open_pipeline_data.py ``sibling_points``): shrunk to the team's by as much
as the reps' rates differ, and, in a quarter's first two months, told by both of them (a rep who pushes
closes to the quarter's end wins little of what is open mid-month in either)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics.open_pipeline import deal_win_chances
from analytics.open_pipeline_data import pipeline_evidence, sibling_points
from analytics.periods import parse_period
from analytics.rep_win_ratio import PRIOR_MAX, PRIOR_MIN, prior_wins


def _history(wins_by_rep: dict[str, int], deals: int = 40) -> pd.DataFrame:
    """``deals`` open deals a rep (same age and size), the first ``wins`` of them won."""
    return pd.concat([pd.DataFrame({"rep": rep, "age": 10, "amount": 100.0,
                                    "won_in": (np.arange(deals) < wins).astype(int)})
                      for rep, wins in wins_by_rep.items()], ignore_index=True)


@pytest.mark.parametrize(("wins", "expected", "spread", "expect"), [
    ([10.0, 10.0], [10.0, 10.0], [5.0, 5.0], PRIOR_MAX),             # no more spread than noise: pooled
    ([15.0, 5.0], [10.0, 10.0], [5.0, 5.0], 5.0),                    # tau^2 = (20 + 20) / 200 = 0.2
    ([40.0, 0.0], [10.0, 10.0], [5.0, 5.0], PRIOR_MIN),              # tau^2 = 5.9: clipped
    ([0.0, 0.0], [0.0, 0.0], [0.0, 0.0], PRIOR_MAX),                 # nothing expected: pooled
])
def test_prior_strength_follows_how_much_reps_differ(wins, expected, spread, expect):
    assert prior_wins(np.array(wins), np.array(expected), np.array(spread)) == pytest.approx(expect)


def test_a_rep_far_from_the_team_keeps_more_of_its_own_rate():
    # a wins 0 of 40 where the team's 0.3 expects 12; tau^2 = (144 + 3 x 16 - 4 x 8.4) / 576 = 0.275, k = 3.6:
    # a's chance 0.3 x 3.6 / 15.6 = 0.07, where 10 expected wins kept 0.3 x 10 / 22 = 0.14.
    history = _history({"a": 0, "b": 16, "c": 16, "d": 16})
    now = pd.DataFrame({"rep": ["a", "b"], "age": 10, "amount": 100.0})
    got = deal_win_chances(history, now)
    fixed = deal_win_chances(history, now, prior_wins=10.0)
    assert got[0] == pytest.approx(0.3 * 3.6 / 15.6, abs=0.005) and fixed[0] == pytest.approx(0.3 * 10 / 22)
    assert got[1] > fixed[1]


def test_alike_reps_are_pooled_as_before():
    history = _history({"a": 12, "b": 11, "c": 13, "d": 12})
    now = pd.DataFrame({"rep": ["a", "b", "new"], "age": 10, "amount": 100.0})
    np.testing.assert_allclose(deal_win_chances(history, now), deal_win_chances(history, now, prior_wins=10.0))


def test_more_points_tell_the_rep_rate_not_the_team_rate():
    history = _history({"a": 4, "b": 4}, deals=10)          # a and b alike here
    more = _history({"a": 0, "b": 20})                        # a never won at the other points
    now = pd.DataFrame({"rep": ["a", "b", "new"], "age": 10, "amount": 100.0})
    before, after = deal_win_chances(history, now), deal_win_chances(history, now, rep_history=[more])
    assert before[0] == pytest.approx(before[1]) and after[0] < 0.5 * before[0] and after[1] > before[1]
    assert after[2] == pytest.approx(before[2]) == pytest.approx(0.4)   # the team's rate is history's own


@pytest.mark.parametrize(("label", "fiscal_start", "first", "last"), [
    ("2026-04", 1, "2024-05-15", "2026-02-15"),   # a quarter's first month: the second months before it
    ("2026-05", 1, "2024-07-15", "2026-04-15"),   # its second month: the first months, the last one just before
    ("2026-06", 1, None, None),                   # a quarter's end: none
    ("2026-Q2", 1, None, None),                   # a quarter: none
    ("2026-04", 2, None, None),                   # April ends the February quarter of a February fiscal year
    ("2026-05", 2, "2024-06-15", "2026-03-15"),   # May opens the next one: its sibling is June, two months back
])
def test_sibling_points_are_the_other_month_not_at_a_quarter_end(label, fiscal_start, first, last):
    period = parse_period(label, fiscal_start)
    day = date(period.start.year, period.start.month, 15) if period.grain == "month" else date(2026, 5, 15)
    points = sibling_points(period, day)
    if first is None:
        assert points == []
    else:
        assert len(points) == 8 and str(points[0][0]) == first and str(points[-1][0]) == last
        assert all(end < period.start for _, end in points)


@pytest.fixture()
def push_db():
    """Two years of months, four deals a rep open mid-month, half won by the month's end; except that in
    a quarter's second months all of ana's close at the quarter's end."""
    conn = store.connect(":memory:")
    rows = []
    for m in range(28):
        month = parse_period(f"{2024 + m // 12}-{m % 12 + 1:02d}")
        for rep in ("ana", "bob", "cy"):
            for j in range(4):
                pushed = rep == "ana" and m % 3 == 1
                close = (parse_period(f"{month.start.year}-Q{(month.start.month - 1) // 3 + 1}").end if pushed
                         else month.start + timedelta(days=24))
                rows.append((f"{m}-{rep}-{j}", rep, str(close), str(month.start), 100.0,
                             "won" if j < 2 else "lost"))
    for rep in ("ana", "bob"):
        rows.append((f"now-{rep}", rep, None, "2026-04-01", 100.0, "open"))
    conn.executemany("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, outcome, import_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, 1)", rows)
    yield conn
    conn.close()


def test_a_push_in_the_second_months_lowers_the_first_month_chance(push_db):
    # In the quarters' first months ana and bob won alike: only the second months show ana's push.
    period = parse_period("2026-04")
    evidence = pipeline_evidence(push_db, "revenue", period, date(2026, 4, 15), ["ana", "bob"])
    assert evidence is not None
    ana, bob = float(evidence.chances[0][0]), float(evidence.chances[1][0])
    assert ana < 0.8 * bob
