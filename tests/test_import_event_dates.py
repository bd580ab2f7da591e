"""Closed deals and activities dated after today or before 1980 are rejected, by every way a file is read.

One won deal typed 2062 for 2026 made the data's last day 2062: every rep had decades of empty
quarters ahead and the "current period" was one nobody lives in. One dated 1926 started its rep's
history a century early. Open deals may close in the future (an expected date) and are kept.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from analytics import importing, metrics, store

FUTURE = (date.today() + timedelta(days=400)).isoformat()
TOMORROW = (date.today() + timedelta(days=1)).isoformat()   # within the day of grace
PAST = "1926-03-01"
SEED = "Deal ID,Owner,Close Date,Amount,Stage\nS1,Zed Seed,2024-01-02,10,Closed Won\n"


def deals_file(with_ids: bool) -> str:
    rows = [("D1", "Ann Lee", "2024-01-05", "1000", "Closed Won"),
            ("D2", "Bob Ray", FUTURE, "500", "Closed Won"),         # line 3
            ("D3", "Bob Ray", PAST, "500", "Closed Won"),           # line 4
            ("D4", "Bob Ray", FUTURE, "700", "Closed Lost"),        # line 5
            ("D5", "Bob Ray", FUTURE, "900", "Negotiation"),        # open: an expected close, kept
            ("D6", "Ann Lee", TOMORROW, "300", "Closed Won"),
            ("D7", "Bob Ray", "2024-03-01", "500", "Closed Won")]
    if with_ids:
        return "Deal ID,Owner,Close Date,Amount,Stage\n" + "".join(",".join(r) + "\n" for r in rows)
    return "Owner,Close Date,Amount,Stage\n" + "".join(",".join(r[1:]) + "\n" for r in rows)


def activities_file(with_ids: bool) -> str:
    rows = [("A1", "Ann Lee", "2024-01-05", "Call"), ("A2", "Ann Lee", FUTURE, "Meeting"),
            ("A3", "Bob Ray", PAST, "Call"), ("A4", "Bob Ray", "2024-02-05", "Demo")]
    head = "Activity ID,Assigned To,Date,Activity Type\n" if with_ids else "Assigned To,Date,Activity Type\n"
    return head + "".join(",".join(r if with_ids else r[1:]) + "\n" for r in rows)


@pytest.mark.parametrize("seeded", [False, True], ids=["first load", "into stored deals"])
@pytest.mark.parametrize("with_ids", [True, False], ids=["ids", "no ids"])
def test_closed_deals_dated_after_today_or_before_1980_are_rejected(tmp_path, seeded, with_ids):
    conn = store.connect(tmp_path / "db.duckdb")
    if seeded:
        (tmp_path / "seed.csv").write_text(SEED)
        assert importing.import_file(conn, tmp_path / "seed.csv").status == "loaded"
    (tmp_path / "deals.csv").write_text(deals_file(with_ids))
    result = importing.import_file(conn, tmp_path / "deals.csv")
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 4, 3), result.message
    reasons = {r["line"]: (r["value"], r["reason"]) for r in result.rejects}
    assert sorted(reasons) == [3, 4, 5]
    assert reasons[3][0] == FUTURE and "a won or lost deal dated after today" in reasons[3][1]
    assert reasons[4][0] == PAST and "before 1980" in reasons[4][1]
    assert metrics.data_as_of(conn) == date.fromisoformat(TOMORROW)
    assert conn.execute("SELECT count(*) FROM deals WHERE outcome = 'open'").fetchall() == [(1,)]
    conn.close()


@pytest.mark.parametrize("with_ids", [True, False], ids=["ids", "no ids (one read)"])
def test_activities_dated_after_today_or_before_1980_are_rejected(tmp_path, with_ids):
    conn = store.connect(tmp_path / "db.duckdb")
    (tmp_path / "acts.csv").write_text(activities_file(with_ids))
    result = importing.import_file(conn, tmp_path / "acts.csv")
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 2), result.message
    reasons = {r["line"]: r["reason"] for r in result.rejects}
    assert "planned, not done yet" in reasons[3] and "before 1980" in reasons[4]
    assert metrics.data_as_of(conn) == date(2024, 2, 5)
    conn.close()
