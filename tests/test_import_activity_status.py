"""An activity log's status column: a task Not Started, a meeting Scheduled or a No Show is not an activity done.

Salesforce and HubSpot task exports list open tasks beside completed ones; counted, every planned call
was a call made, and a rep's activity pace looked better than it was.
"""

from __future__ import annotations

import pytest

from analytics import importing, store
from analytics.importing import labels


@pytest.mark.parametrize("label, done", [
    ("Completed", True), ("Held", True), ("", True), ("Done", True),
    ("Not Started", False), ("In Progress", False), ("Deferred", False), ("Waiting on someone else", False),
    ("Scheduled", False), ("No Show", False), ("no-show", False), ("Canceled", False), ("Rescheduled", False),
    ("Not Held", False), ("Not Completed", False), ("Missed", False),
    ("Snoozed", None), ("High", None),
])
def test_status_labels(label, done):
    assert labels.activity_done(label) is done


STATUSES = ["Completed", "Not Started", "Completed", "In Progress", "Scheduled", "", "Deferred", "No Show", "Held"]


@pytest.mark.parametrize("with_ids", [False, True], ids=["no ids (one read)", "ids"])
def test_activities_not_done_are_rejected_naming_their_status(tmp_path, with_ids):
    lines = []
    for i in range(3_000):
        status = STATUSES[i % len(STATUSES)]
        row = f"Ann Lee,01/{1 + i % 28:02d}/2024,{status},Call"
        lines.append(f"T{i},{row}" if with_ids else row)
    head = "Activity ID,Assigned To,Date,Status,Activity Type\n" if with_ids else "Assigned To,Date,Status,Activity Type\n"
    (tmp_path / "log.csv").write_text(head + "\n".join(lines) + "\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "log.csv")
    not_done = [i for i in range(3_000) if labels.activity_done(STATUSES[i % len(STATUSES)]) is False]
    assert result.rows_rejected == len(not_done), result.message
    stored = importing.import_rejects(conn, result.import_id)
    assert sorted(stored["line"].tolist()) == [i + 2 for i in not_done]
    assert result.rejects[0]["reason"] == "not done: its status is Not Started"
    assert conn.execute("SELECT count(*) FROM activities").fetchall() == [(3_000 - len(not_done),)]
    again = importing.import_file(conn, tmp_path / "log.csv")
    assert (again.new, again.updated) == (0, 0)
    conn.close()


def test_a_status_saying_neither_is_noted_and_counted(tmp_path):
    (tmp_path / "log.csv").write_text("Assigned To,Date,Status,Activity Type\nAnn Lee,2024-01-05,Snoozed,Call\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "log.csv")
    assert result.rows_loaded == 1 and any("counted as done: Snoozed" in n for n in result.notes)
    conn.close()


@pytest.mark.parametrize("head, rows, expected", [
    ("Activity date,Activity assigned to,Call outcome,Call title",
     "2024-01-05 10:00,Ann Lee,Connected,Intro\n2024-01-06 11:00,Ann Lee,No answer,Follow up\n", ("call", 2, 0)),
    ("Activity date,Meeting owner,Meeting outcome,Meeting name",
     "2024-01-05,Ann Lee,Completed,Demo day\n2024-01-06,Ann Lee,No show,Kick-off\n", ("meeting", 1, 1)),
])
def test_an_export_of_one_type_reads_its_type_from_its_headers(tmp_path, head, rows, expected):
    """HubSpot exports calls, meetings and e-mails apart, each without a type column: it was refused
    ("no column found for type") though every header names the type."""
    (tmp_path / "export.csv").write_text(head + "\n" + rows)
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "export.csv")
    kind, loaded, rejected = expected
    assert (result.kind, result.rows_loaded, result.rows_rejected) == ("activities", loaded, rejected), result.message
    assert any(f"every row is a {kind}" in n for n in result.notes), result.notes
    assert conn.execute("SELECT DISTINCT type FROM activities").fetchall() == [(kind,)]
    again = importing.import_file(conn, tmp_path / "export.csv")
    assert (again.new, again.updated, again.unchanged) == (0, 0, loaded)
    conn.close()


def test_headers_naming_two_types_still_ask_for_a_type_column(tmp_path):
    (tmp_path / "export.csv").write_text("Activity date,Activity assigned to,Call outcome,Meeting outcome\n"
                                         "2024-01-05,Ann Lee,Connected,\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "export.csv")
    assert result.status == "refused" and "no column found for type" in result.message
    conn.close()
