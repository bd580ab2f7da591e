"""Rows dated outside a rep's roster dates: counted in their own period at every grain, or in none and said.

A weekly activity summary dates a hire's first week on its Monday, days before the roster's start date; a
deal can close the week after a rep left. Such rows (up to ``RECORD_GRACE_DAYS`` out) widen the rep's span,
so a quarter is the sum of its months (before: the quarter counted them, the months did not). Rows further
out count in no period at any grain and the coverage notes name them (``analytics.roster_bounds``).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics import coverage, importing, metrics
from analytics.roster_bounds import records_outside_roster

ROSTER = ("Sales Rep,Team,Start Date,End Date\n"
          "Ann Lee,East,2024-01-01,\n"
          "Noah Hayes,East,2024-05-03,\n"      # first week's calls dated Monday 29 Apr: within the grace
          "Pia Roe,East,2024-06-03,\n"         # one call on 2 Apr: two months early, beyond it
          "Lee Park,West,2024-01-01,2024-08-15\n"   # a deal closed 18 days after leaving: within
          "Max Dunn,West,2024-01-01,2024-05-31\n")  # a deal closed four months after leaving: beyond
DEALS = ("Deal ID,Owner,Close Date,Amount,Stage\n"
         + "".join(f"A{m},Ann Lee,2024-{m:02d}-10,1000,Closed Won\n" for m in range(1, 13))
         + "N1,Noah Hayes,2024-06-10,500,Closed Won\n"
           "P1,Pia Roe,2024-07-10,600,Closed Won\n"
           "L1,Lee Park,2024-07-01,700,Closed Won\nL2,Lee Park,2024-09-02,800,Closed Won\n"
           "M1,Max Dunn,2024-03-01,900,Closed Won\nM2,Max Dunn,2024-09-30,950,Closed Won\n")
CALLS = ("Assigned To,Week Starting,Activity Type,Count\n"
         "Ann Lee,2024-04-01,Call,40\nAnn Lee,2024-10-07,Call,35\n"
         "Noah Hayes,2024-04-29,Call,12\nNoah Hayes,2024-05-06,Call,30\n"
         "Pia Roe,2024-04-01,Call,9\nPia Roe,2024-06-03,Call,25\n")


@pytest.fixture
def company(conn, tmp_path):
    for name, text in (("reps.csv", ROSTER), ("deals.csv", DEALS), ("activities.csv", CALLS)):
        (tmp_path / name).write_text(text)
        importing.import_file(conn, tmp_path / name)
    return conn


def _values(panel: pd.DataFrame, rep: str) -> dict[str, float]:
    rows = panel[panel["rep"] == rep]
    return dict(zip(rows["period_label"], rows["value"], strict=True))


@pytest.mark.parametrize("metric", ["calls", "revenue", "deals"])
def test_every_quarter_is_the_sum_of_its_months(company, metric):
    quarters = metrics.rep_period_panel(company, metric, "quarter")
    months = metrics.rep_period_panel(company, metric, "month")
    months["quarter"] = [f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in months["period_start"]]
    summed = months.groupby(["rep", "quarter"])["value"].sum()
    for row in quarters.itertuples():
        assert summed.get((row.rep, row.period_label), 0.0) == pytest.approx(row.value), (row.rep, row.period_label)


@pytest.mark.parametrize("rep, metric, expected", [
    ("Noah Hayes", "calls", {"2024-04": 12, "2024-05": 30}),     # the Monday before the start counts, in April
    ("Pia Roe", "calls", {"2024-06": 25}),                       # the early call counts nowhere
    ("Lee Park", "revenue", {"2024-07": 700, "2024-08": 0, "2024-09": 800}),
    ("Max Dunn", "revenue", {"2024-03": 900, "2024-04": 0, "2024-05": 0}),
])
def test_rows_near_the_roster_dates_count_in_their_month_and_far_ones_in_none(company, rep, metric, expected):
    got = _values(metrics.rep_period_panel(company, metric, "month"), rep)
    assert {k: v for k, v in got.items() if k in expected or v} == pytest.approx(expected)


def test_a_leaver_with_a_late_deal_is_not_active_after_leaving(company):
    spans = metrics.rep_spans(company).set_index("rep")
    assert spans.loc["Lee Park", "span_end"] == pd.Timestamp(date(2024, 9, 2))
    assert spans.loc["Noah Hayes", "span_start"] == pd.Timestamp(date(2024, 4, 29))
    active = metrics.active_reps(company, date(2024, 10, 1), date(2024, 12, 31))["rep"].tolist()
    assert "Lee Park" not in active and "Max Dunn" not in active and "Noah Hayes" in active


def test_rows_counted_nowhere_are_named_on_the_pages(company):
    outside = {r.rep: r for r in records_outside_roster(company)}
    assert sorted(outside) == ["Max Dunn", "Pia Roe"]
    assert (outside["Pia Roe"].activities, outside["Pia Roe"].before_start, outside["Pia Roe"].deals) == (1, 1, 0)
    assert (outside["Max Dunn"].deals, outside["Max Dunn"].after_end) == (1, 1)
    notes = [n for n in coverage.data_coverage(company).absent_notes() if "roster dates" in n]
    assert len(notes) == 1
    assert "1 closed deal and 1 activity of 2 reps" in notes[0]
    assert "Pia Roe: 1 activity before the start on 3 Jun 2024" in notes[0]
    assert "Max Dunn: 1 deal after the end on 31 May 2024" in notes[0]


@pytest.mark.parametrize("metric", ["calls", "revenue"])
def test_tracking_and_review_count_what_the_panels_count(company, metric):
    """A rep's actual to date over a period (Tracking, Review) is the period's value on Baselines: the rows
    counted in no period are not counted there either (Pia's early call, Max's late deal)."""
    from analytics import tracking_data
    from analytics.periods import period_of

    quarters = metrics.rep_period_panel(company, metric, "quarter")
    for label, rows in quarters.groupby("period_label"):
        period = period_of(rows["period_start"].iloc[0], "quarter")
        to_date = tracking_data.metric_to_date(company, metric, period.start, period.end)
        expected = rows.set_index("rep")["value"]
        got = to_date.reindex(expected.index).fillna(0.0)
        pd.testing.assert_series_equal(got, expected, check_names=False, obj=label)
        assert set(to_date.index) <= set(expected.index), label       # no row of a rep the quarter leaves out
        by_day = tracking_data.metric_by_day(company, metric, period.start, period.end)
        assert by_day.sum() == pytest.approx(expected.sum()), label


def test_the_funnel_counts_what_the_panels_count(company):
    """Tracking's funnel (its causes) reads the same rows: Pia's early call and Max's late deal are not in it."""
    from analytics import tracking_data

    funnel = tracking_data.funnel_counts(company, date(2024, 1, 1), date(2024, 12, 31))
    assert funnel.loc["Pia Roe", "calls"] == 25 and funnel.loc["Noah Hayes", "calls"] == 42
    assert funnel.loc["Max Dunn", "won"] == 1 and funnel.loc["Max Dunn", "revenue"] == 900
    assert funnel.loc["Lee Park", "revenue"] == 1500
