"""An export of activities alone (no deals yet): every page opens on what it can show.

Overview stopped at "No deals yet" beside 23,786 activity rows, and Baselines, Targets and the Backtest opened
on won revenue only to refuse it; they now open on the first activity metric and Overview says what works.
Tracking and Review stopped at "No deals yet" beside a saved set of call targets the CLI tracked and reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import app_test

from analytics import calibration, metrics, store, target_drafts, target_sets
from analytics.periods import period_of


@pytest.fixture
def activities_db(sample_db):
    """The sample company's activities and roster, its deals and quotas gone."""
    conn = store.connect(sample_db)
    conn.execute("DELETE FROM deals")
    conn.execute("DELETE FROM quotas")
    conn.close()
    return sample_db


def test_overview_says_the_activities_work_and_deals_wait(activities_db):
    at = app_test()
    assert not at.exception
    (said,) = [i.value for i in at.info]
    assert said.startswith("**No deals imported yet, only activities** (")
    assert "rows of calls, emails, meetings, demos, proposals" in said
    assert "won revenue, deals and win rates wait for a deals or opportunities export" in said


@pytest.mark.parametrize(("page", "box"), [("pages/baselines.py", "baselines_metric"),
                                           ("pages/targets.py", "tg_metric"),
                                           ("pages/backtest.py", "backtest_metric")])
def test_a_metric_box_opens_on_a_metric_with_data(activities_db, page, box):
    at = app_test(page)
    assert not at.exception, at.exception
    assert at.selectbox(key=box).value == "call"
    assert not any("no deals imported" in i.value for i in at.info)
    assert at.metric      # the page's figures, not a refusal


def _save_call_targets(db, periods_back: int) -> str:
    """A model set of call targets for the quarter the data ends in, or ``periods_back`` before it."""
    conn = store.connect(db)
    try:
        current = period_of(metrics.data_as_of(conn), "quarter", store.fiscal_year_start_month(conn))
        period = current.previous(periods_back) if periods_back else current
        cal = calibration.calibrate(conn, "call", "quarter", period, as_of=period.start - timedelta(days=1))
        target_sets.save_target_set(conn, target_drafts.draft_from_calibration(cal, "Calls plan"), author="test")
        return period.label
    finally:
        conn.close()


@pytest.mark.parametrize(("page", "periods_back"), [("pages/tracking.py", 0), ("pages/review.py", 1)])
def test_a_saved_set_of_call_targets_is_tracked_and_reviewed(activities_db, page, periods_back):
    label = _save_call_targets(activities_db, periods_back)
    at = app_test(page)
    assert not at.exception, at.exception
    assert not any("No deals" in i.value for i in at.info), [i.value for i in at.info]
    assert at.dataframe, f"no table of the reps' {label} call targets"
    if page == "pages/review.py":   # (the company's revenue quotas are no call quotas)
        assert f"No CRM quotas imported for calls in {label}." in [c.value for c in at.caption]
