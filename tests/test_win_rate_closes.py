"""How many deals a rep's next win rate is drawn over (analytics/rate_model.py, analytics/rate_mixture.py):
the closes forecast for the rep, not the closes of a sliver of a period or of one quiet month.

A history that starts eleven days before a quarter's end is a whole quarter of the panel with a sliver's
closes; read as a quarter's, it drew next quarter's rate over two or three deals (0%, 50% or 100%), beside
a forecast of twenty deals closed. Exports are seeded and imported as the CLI imports them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from analytics import store
from analytics.calibration import calibrate
from analytics.complete_history import SliverHistory
from analytics.rate_model import full_period_closes
from tests.short_history_fixtures import LATE_IN_QUARTER_REPS, database_from_csv, late_in_quarter_team


@pytest.mark.parametrize("grain", ["quarter", "month"])
def test_a_history_starting_late_in_a_quarter_draws_the_rate_over_the_forecast_closes(tmp_path, grain):
    """(A quarter from that quarter's last ten days alone is refused, :class:`SliverHistory`; with the next
    quarter complete too, the sliver is still a quarter of the panel, and the rate is drawn as for a month.)"""
    if grain == "quarter":
        (tmp_path / "sliver").mkdir()
        conn = store.connect(database_from_csv(tmp_path / "sliver", late_in_quarter_team()))
        try:
            with pytest.raises(SliverHistory, match="only the last 10 days of 2024-Q3"):
                calibrate(conn, "win_rate", grain, "next")
        finally:
            conn.close()
    db = database_from_csv(tmp_path, late_in_quarter_team(end=date(2024, 11, 13) if grain == "month"
                                                          else date(2025, 1, 20)))
    conn = store.connect(db)
    try:
        rates = calibrate(conn, "win_rate", grain, "next").summary
        closes = calibrate(conn, "closed_deals", grain, "next").summary
    finally:
        conn.close()
    # about 24 closes a quarter (8 a month) at 30%: no rep's median is 0% or half their deals won
    assert closes["p50"].between(4, 40).all()
    assert rates["p50"].between(0.15, 0.45).all(), rates[["p25", "p50", "p70"]]
    assert (rates["p25"] > 0).sum() >= len(LATE_IN_QUARTER_REPS) - 1, rates[["p25", "p50"]]


@pytest.mark.parametrize(("expfrac", "slots", "worked"), [
    ([1.0, 1.0], [True, True], 2.0),
    ([0.12, 1.0], [False, True], 1.12),     # the data start eleven days before the quarter's end
    ([1.0, 0.5], [True, True], 1.5),        # a leaver's half quarter still stands for a quarter, scaled
])
def test_full_period_closes_scale_a_partial_period(expfrac, slots, worked):
    closed = np.array([[6.0, 20.0]])
    full, usable, total = full_period_closes(closed, np.ones((1, 2), bool), np.array([expfrac]))
    assert full[0].tolist() == pytest.approx((closed[0] / np.array(expfrac)).tolist())
    assert usable[0].tolist() == slots and total[0] == pytest.approx(worked)
