"""An average (deal size) is no sum: the days a rep works in a period scale a sum, never an average (a rep
leaving ten days into the quarter is forecast a tenth of a quarter's revenue and the same average deal size as
ever: it read a tenth of that too), and a set of averages is reviewed though it cannot be tracked day by day."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest

from analytics import importing, review, store, target_sets, tracking
from analytics.calibration import calibrate
from analytics.target_drafts import build_draft

REPS = ["Ana Diaz", "Ben Ode", "Cy Park", "Dee Lund", "Eli Moss", "Fay Roe", "Gus Hale"]
LEAVER = "Fay Roe"
IDLE_IN_Q4 = "Gus Hale"     # on the roster, no deal after September 2025
LEAVES = date(2026, 1, 10)      # ten days into 2026-Q1


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    rng = random.Random(5)
    folder = tmp_path_factory.mktemp("average")
    deals = ["Deal ID,Owner,Stage,Amount,Close Date"]
    n = 0
    day = date(2024, 1, 1)
    while day < LEAVES:
        for i, rep in enumerate(REPS):
            if rep == LEAVER and day >= LEAVES or rep == IDLE_IN_Q4 and day >= date(2025, 10, 1):
                continue
            if rng.random() < 0.25:                      # about 5 wins a month each, around the rep's own size
                n += 1
                amount = round(rng.lognormvariate(9.0 + 0.1 * i, 0.3), 2)
                deals.append(f"D{n},{rep},Closed Won,{amount},{day.isoformat()}")
        day += timedelta(days=1)
    (folder / "deals.csv").write_text("\n".join(deals) + "\n")
    roster = ["Rep,Start Date,End Date"] + [f"{r},2020-01-01,{LEAVES.isoformat() if r == LEAVER else ''}"
                                             for r in REPS]
    (folder / "reps.csv").write_text("\n".join(roster) + "\n")
    conn = store.connect(str(folder / "t.duckdb"))
    for name in ("reps.csv", "deals.csv"):
        assert importing.import_file(conn, folder / name).status == "loaded"
    yield conn
    conn.close()


def test_a_leavers_average_deal_size_is_not_prorated_by_the_days_worked(company):
    average = calibrate(company, "avg_deal_size", "quarter", "2026-Q1", as_of=date(2025, 12, 31)).summary
    revenue = calibrate(company, "revenue", "quarter", "2026-Q1", as_of=date(2025, 12, 31)).summary
    assert LEAVER in average.index and LEAVER in revenue.index
    # an average: the rep's usual one (it was scaled to 10 / 90 of it)
    assert average.at[LEAVER, "baseline"] == pytest.approx(average.at[LEAVER, "hist_p50"], rel=0.25)
    # a sum: about the share of the quarter worked (10 of 90 days)
    assert revenue.at[LEAVER, "baseline"] < 0.3 * revenue.at[LEAVER, "hist_p50"]
    stayer = REPS[-2]
    assert average.at[stayer, "baseline"] == pytest.approx(average.at[stayer, "hist_p50"], rel=0.25)


def test_a_set_of_averages_is_reviewed_with_the_periods_own_averages(company):
    cal = calibrate(company, "avg_deal_size", "quarter", "2025-Q4", as_of=date(2025, 9, 30))
    draft = build_draft(cal.predictive, name="Deal size Q4", period=cal.period, metric="avg_deal_size",
                        status="final")
    target_sets.save_target_set(company, draft, author="ann")
    with pytest.raises(ValueError, match="its review reads it once the period is over"):
        tracking.track(company, "Deal size Q4")
    rv = review.review(company, "Deal size Q4")
    averages = company.execute(
        "SELECT rep, avg(amount) FROM deals WHERE close_date BETWEEN DATE '2025-10-01' AND DATE '2025-12-31' "
        "GROUP BY rep").fetchall()
    res = rv.results
    for rep, value in averages:
        assert res.at[rep, "actual"] == pytest.approx(value)
        assert res.at[rep, "hit_base"] == (value >= res.at[rep, "base"])
    # no deal in the quarter: no average (not an average of $0), and no target reached
    assert np.isnan(res.at[IDLE_IN_Q4, "actual"]) and not res.loc[IDLE_IN_Q4, ["hit_base", "hit_stretch"]].any()
    assert rv.reliability["n"].sum() == 3 * len(res)
