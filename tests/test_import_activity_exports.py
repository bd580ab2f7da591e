"""Activity exports of CRMs the corpus lacked (issue 12): each read as activities, its rep, day and type
as the export wrote them (Freshsales' was read as a roster, Close's and Zoho's calls were refused, every row of
Pipedrive's rejected)."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import CORPUS

from analytics import importing, store


@pytest.mark.parametrize("name, stored", [
    ("close_activities.csv", [("Ann Lee", date(2024, 3, 5), "call"), ("Bob Ray", date(2024, 3, 6), "email")]),
    ("freshsales_activities.csv", [("Ann Lee", date(2024, 3, 5), "call"), ("Bob Ray", date(2024, 3, 6), "meeting")]),
    ("zoho_calls.csv", [("Ann Lee", date(2024, 3, 5), "call"), ("Bob Ray", date(2024, 3, 6), "call")]),
    # a task export with the day due and the day done: the day done (the due date was taken, exact beside fuzzy)
    ("salesforce_tasks_due_and_done.csv", [("Ann Lee", date(2024, 3, 29), "call"), ("Bob Ray", date(2024, 3, 12), "email")]),
    # Pipedrive's: every row was rejected (its Done column read as the rep, its Due time as the date); the day
    # marked done before the day due
    ("pipedrive_activities.csv", [("Ann Lee", date(2024, 3, 5), "call"), ("Bob Ray", date(2024, 3, 6), "meeting")]),
    # a Salesforce events report: refused before, its Start read as no date column
    ("salesforce_events.csv", [("Ann Lee", date(2024, 3, 5), "meeting"), ("Bob Ray", date(2024, 3, 6), "call")]),
    ("hubspot_meetings.csv", [("Ann Lee", date(2024, 3, 5), "meeting"), ("Bob Ray", date(2024, 3, 6), "meeting")]),
    # call tools' logs: refused before (no rep column in Gong's, no date in Aircall's)
    ("gong_calls.csv", [("Ann Lee", date(2024, 3, 5), "call"), ("Bob Ray", date(2024, 3, 6), "call")]),
    ("aircall_calls.csv", [("Ann Lee", date(2024, 3, 5), "call"), ("Bob Ray", date(2024, 3, 6), "call")]),
])
def test_an_activity_export_is_read_as_its_activities(tmp_path, name, stored):
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, CORPUS / name)
    assert (result.status, result.kind) == ("loaded", "activities"), result.message
    assert conn.execute("SELECT rep, activity_date, type FROM activities ORDER BY ALL").fetchall() == stored
    assert conn.execute("SELECT count(*) FROM reps").fetchall() == [(0,)]
    conn.close()


def test_hubspots_record_id_keys_its_meetings(tmp_path):
    """A meeting moved to another day in the next export is the same meeting (it was a second one)."""
    conn = store.connect(tmp_path / "db.duckdb")
    importing.import_file(conn, CORPUS / "hubspot_meetings.csv")
    moved = (CORPUS / "hubspot_meetings.csv").read_text().replace("9001,Discovery,2024-03-05 10:00",
                                                                   "9001,Discovery,2024-03-07 10:00")
    (tmp_path / "again.csv").write_text(moved)
    result = importing.import_file(conn, tmp_path / "again.csv")
    assert (result.new, result.updated) == (0, 1), result.message
    assert conn.execute("SELECT activity_id, activity_date FROM activities ORDER BY 1").fetchall() == [
        ("9001", date(2024, 3, 7)), ("9004", date(2024, 3, 6))]
    conn.close()
