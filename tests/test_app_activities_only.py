"""An export of activities alone (no deals yet): every page opens on what it can show.

Overview stopped at "No deals yet" beside 23,786 activity rows, and Baselines, Targets and the Backtest opened
on won revenue only to refuse it; they now open on the first activity metric and Overview says what works."""

from __future__ import annotations

import pytest
from helpers import app_test

from analytics import store


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
