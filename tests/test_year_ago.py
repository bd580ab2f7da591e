"""The same period a year earlier beside the team's range (analytics/year_ago.py): its total is the team's
result then as the deals table has it, where it falls in the team's simulated range, when it is flagged,
and the Targets page and the CLI saying it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from helpers import app_test, fetch_rows, run_cli

from analytics import store
from analytics.allocation import team_totals
from analytics.calibration import calibrate
from analytics.periods import parse_period
from analytics.year_ago import YearAgo, percentile_of, year_ago

Q4 = parse_period("2026-Q4")
TOTALS = np.linspace(80.0, 120.0, 401)     # a team range: P10 84, median 100, P90 116


def _history(values_then: list[float], *, label: str = "2025-Q4", complete: bool = True,
             last: list[float] | None = None, days: list[int] | None = None) -> pd.DataFrame:
    days = days or [92] * len(values_then)
    start = parse_period(label).start
    rows = [{"rep": f"r{i}", "period_label": label, "period_start": start, "value": v, "complete": complete,
             "exposure_days": n} for i, (v, n) in enumerate(zip(values_then, days, strict=True))]
    rows += [{"rep": f"r{i}", "period_label": "2026-Q3", "period_start": date(2026, 7, 1), "value": v,
              "complete": True, "exposure_days": 92} for i, v in enumerate(last or [])]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("then", "reps_now", "where", "outside"), [
    ([60.0, 70.0], 2, "above", True),              # 130: above P90 (116)
    ([30.0, 40.0], 2, "below", True),              # 70: below P10 (84)
    ([40.0, 45.0], 2, "inside", False),            # 85: just inside
    ([50.0, 50.0], 2, "inside", False),            # 100: the median
    ([60.0, 70.0], 3, "above", False),             # a team half again as large now: said, not flagged
])
def test_where_the_year_ago_result_falls_and_when_it_is_flagged(then, reps_now, where, outside):
    ago = year_ago(_history(then), "revenue", Q4, TOTALS, reps_now)
    assert ago is not None and ago.total == sum(then) and ago.reps_then == len(then)
    assert ago.percentile == pytest.approx(np.mean(sum(then) >= TOTALS))
    assert f": {where} its 80% range for 2026-Q4" in ago.sentence(str)
    assert ago.outside is outside
    assert ("with a reason" in ago.sentence(str)) is outside


def test_the_flag_names_the_recent_level_and_asks_for_a_reason():
    ago = year_ago(_history([60.0, 70.0], last=[30.0, 35.0]), "revenue", Q4, TOTALS, 2)
    text = ago.sentence(lambda x: f"${x:,.0f}")
    assert text.startswith("A year earlier, in 2025-Q4, the team won $130 with 2 reps: above its 80% range")
    assert "the recent level ($65 in 2026-Q3)" in text and "with a reason" in text


@pytest.mark.parametrize(("history", "metric"), [
    (_history([60.0, 70.0]), "win_rate"),                  # a rate does not add up over reps
    (_history([60.0, 70.0]), "avg_deal_size"),
    (_history([60.0, 70.0], complete=False), "revenue"),   # the data start inside the year-ago quarter
    (_history([60.0, 70.0], label="2025-Q3"), "revenue"),  # no year-ago quarter in the history
    (_history([60.0, 70.0], days=[31, 31]), "revenue"),    # the data start on 1 December: one month of it
])
def test_nothing_to_compare(history, metric):
    assert year_ago(history, metric, Q4, TOTALS, 2) is None


def test_a_hire_of_the_year_ago_quarter_does_not_make_it_partial():
    ago = year_ago(_history([60.0, 70.0], days=[92, 20]), "revenue", Q4, TOTALS, 2)
    assert ago is not None and ago.total == 130.0


def test_counts_are_said_as_their_metric():
    ago = year_ago(_history([60.0, 70.0]), "call", Q4, TOTALS, 2)
    assert ago.sentence(lambda x: f"{x:,.0f}").startswith("A year earlier, in 2025-Q4, the team's calls came to 130")


def test_percentile_counts_ties_as_at_or_below():
    assert percentile_of(np.array([1.0, 2.0, 2.0, 3.0]), 2.0) == 0.75
    assert percentile_of(np.array([1.0, 2.0]), 0.5) == 0.0


def test_on_the_sample_company_the_total_is_the_deals_tables(sample_db):
    """Known answer: the year-ago total against a sum of the won deals in SQL, and its percentile against the
    team's simulated totals."""
    conn = store.connect(sample_db)
    cal = calibrate(conn, "revenue", "quarter", "2026-Q4", as_of=date(2026, 9, 30))
    (won,) = fetch_rows(conn, "SELECT sum(amount) FROM deals WHERE outcome = 'won' "
                              "AND close_date BETWEEN DATE '2025-10-01' AND DATE '2025-12-31'")[0]
    conn.close()
    totals = team_totals(cal.predictive)
    ago = year_ago(cal.history, "revenue", cal.period, totals, len(cal.summary))
    assert isinstance(ago, YearAgo) and ago.period.label == "2025-Q4"
    assert ago.total == pytest.approx(won)
    assert ago.percentile == pytest.approx(np.mean(totals <= won))
    assert ago.team_p50 == pytest.approx(np.median(totals))


def test_targets_page_and_cli_say_it(sample_db):
    conn = store.connect(sample_db)
    cal = calibrate(conn, "revenue", "quarter", "next")
    conn.close()
    ago = year_ago(cal.history, "revenue", cal.period, team_totals(cal.predictive), len(cal.summary))
    assert ago is not None
    at = app_test("pages/targets.py")
    assert not at.exception
    shown = [c.value for c in at.caption] + [w.value for w in at.warning]
    said = [t for t in shown if f"A year earlier, in {ago.period.label}, the team won" in t]
    assert len(said) == 1 and f"80% range for {cal.period.label}" in said[0]
    assert (ago.outside and said[0] in [w.value for w in at.warning]) or (not ago.outside and "history" in said[0])
    out = run_cli("calibrate", "--db", str(sample_db), "--grain", "quarter")
    assert out.returncode == 0
    assert f"note: A year earlier, in {ago.period.label}, the team won" in out.stderr
