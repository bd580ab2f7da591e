"""What the data's last day means to a forecast: a period the data stop inside of is not complete, and a
period years past the data is refused, not forecast across the years.

Tracking fits a set's period on the data up to the day before it starts. When the data end earlier (the
sample ends on 13 Nov; a plan for December is tracked before December's data is in), that day lies past
the data: November counted as a complete month holding half its deals, so the chance Tracking showed at
the start of the period was not the chance the target was saved with. A plan for 2026 saved from a
history that ends in 2017 got ranges nine years out without a word.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from analytics import metrics, store, target_drafts, target_set_reads, target_sets, tracking
from analytics.calibration import calibrate
from analytics.complete_history import MAX_LEAD_MONTHS, StaleHistory, lead_note
from analytics.panel_query import read_panel
from analytics.periods import months_after, period_of


@pytest.fixture
def sample(sample_db):
    conn = store.connect(sample_db)
    yield conn
    conn.close()


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_a_panel_read_past_the_data_end_is_the_panel_at_it(sample, grain):
    last = metrics.data_as_of(sample)
    at_end = read_panel(sample, "revenue", grain)
    past = read_panel(sample, "revenue", grain, as_of=last + timedelta(days=40))
    assert past.as_of == last
    assert at_end.arrays.periods == past.arrays.periods
    np.testing.assert_array_equal(at_end.arrays.complete, past.arrays.complete)
    np.testing.assert_array_equal(at_end.arrays.y, past.arrays.y)
    frame = metrics.rep_period_panel(sample, "revenue", grain, as_of=last + timedelta(days=40))
    current = period_of(last, grain).start
    assert not frame.loc[frame["period_start"] == current, "complete"].any()


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_the_fit_of_the_next_period_from_its_eve_is_the_fit_from_the_data(sample, grain):
    """The day before the next period starts is past the data's end: the same history, the same ranges."""
    target = period_of(metrics.data_as_of(sample), grain).next()
    plain = calibrate(sample, "revenue", grain, target, context=False).summary
    from_eve = calibrate(sample, "revenue", grain, target, as_of=target.start - timedelta(days=1),
                         context=False).summary
    np.testing.assert_allclose(from_eve[["p10", "p50", "p90"]], plain[["p10", "p50", "p90"]], rtol=1e-9)


def test_tracking_starts_from_the_chance_the_target_was_saved_with(sample):
    """A set saved for next month, tracked before its data is in: its chance at the start is the saved one."""
    target = period_of(metrics.data_as_of(sample), "month").next()
    cal = calibrate(sample, "revenue", "month", target)
    target_sets.save_target_set(sample, target_drafts.draft_from_calibration(cal, "December"), author="test")
    summary = tracking.track(sample, "December").summary
    np.testing.assert_allclose(summary["p_attain_start"], summary["p_attain_saved"], atol=1e-6)


@pytest.mark.parametrize(("months_on", "refused"), [(2, False), (MAX_LEAD_MONTHS, False), (MAX_LEAD_MONTHS + 1, True),
                                                     (12 * 9, True)])
def test_a_period_far_past_the_data_is_refused(sample, months_on, refused):
    last = metrics.data_as_of(sample)
    target = period_of(months_after(last, months_on), "month")
    if target.start <= months_after(last, MAX_LEAD_MONTHS):
        cal = calibrate(sample, "revenue", "month", target, context=False)
        assert (cal.model_notes().get("horizon") is not None) == (target > period_of(last, "month").next())
        assert not refused
        return
    with pytest.raises(StaleHistory) as refusal:
        calibrate(sample, "revenue", "month", target, context=False)
    assert refused
    assert f"The data end on {last.day} {last:%b %Y}" in str(refusal.value)
    assert target.label in str(refusal.value)


def test_a_set_far_past_the_data_is_refused_from_the_cli(sample_db, capsys):
    from analytics.cli import main

    conn = store.connect(sample_db)
    last = metrics.data_as_of(conn)
    conn.close()
    code = main(["targets", "save", "--db", str(sample_db), "--name", "Far", "--grain", "quarter",
                 "--period", "2029-Q1"])
    assert code != 0
    err = capsys.readouterr().err
    assert "2029-Q1" in err and f"{last.day} {last:%b %Y}" in err and "within 12 months" in err
    conn = store.connect(sample_db)
    try:
        assert "Far" not in set(target_set_reads.list_target_sets(conn)["name"])
    finally:
        conn.close()


@pytest.mark.parametrize(("label", "last_day", "noted"), [
    ("2027-01", date(2026, 11, 13), True),     # December lies between
    ("2026-12", date(2026, 11, 13), False),    # the period right after the data's
    ("2026-11", date(2026, 11, 13), False),    # the current one
    ("2026-06", date(2026, 11, 13), False),    # a past one (fitted on the data before it)
    ("2027-Q2", date(2026, 12, 31), True),
    ("2027-Q1", date(2026, 12, 31), False),
])
def test_lead_note_only_for_a_period_beyond_the_next(label, last_day, noted):
    from analytics.periods import parse_period

    assert (lead_note(parse_period(label), last_day) is not None) == noted
