"""An activity export with two status columns (Status beside Meeting Outcome): a meeting is done only when
no status column says otherwise.

Only the first status column was read: a meeting whose Status was Completed and whose Meeting Outcome was
No Show or Canceled counted as a meeting held, without a word.
"""

from __future__ import annotations

import pytest

from analytics import importing
from analytics.importing import mapping

# (Status, Meeting Outcome, done)
ROWS = [("Completed", "No Show", False), ("Completed", "Canceled", False), ("Completed", "Completed", True),
        ("Completed", "", True), ("Scheduled", "", False), ("Scheduled", "Completed", False),
        ("", "Rescheduled", False), ("", "Held", True)]


@pytest.mark.parametrize("headers, statuses", [
    (["Activity ID", "Assigned To", "Date", "Type", "Status", "Meeting Outcome"], {"Status", "Meeting Outcome"}),
    (["Assigned To", "Date", "Type", "Activity Status", "Event Status"], {"Activity Status", "Event Status"}),
    # a look-alike of a synonym is no second status: 'Lead Status' says nothing of the activity
    (["Activity ID", "Assigned To", "Date", "Type", "Status", "Lead Status"], {"Status"}),
])
def test_a_second_status_column_is_mapped_only_by_an_exact_synonym(headers, statuses):
    detected = mapping.detect(headers).mapping
    assert {h for h, f in detected.items() if f == "status"} == statuses


@pytest.mark.parametrize("with_ids", [False, True], ids=["no ids (one read)", "ids"])
def test_an_activity_is_done_only_when_no_status_column_says_otherwise(tmp_path, conn, with_ids):
    n = 2_000
    head = ("Activity ID," if with_ids else "") + "Assigned To,Date,Type,Status,Meeting Outcome\n"
    lines = []
    for i in range(n):
        status, outcome, _ = ROWS[i % len(ROWS)]
        lines.append((f"M{i}," if with_ids else "") + f"Ann Lee,2024-03-{1 + i % 28:02d},Meeting,{status},{outcome}")
    (tmp_path / "meetings.csv").write_text(head + "\n".join(lines) + "\n")
    result = importing.import_file(conn, tmp_path / "meetings.csv")
    not_done = [i for i in range(n) if not ROWS[i % len(ROWS)][2]]
    assert result.rows_rejected == len(not_done), result.message
    assert conn.execute("SELECT count(*) FROM activities").fetchall() == [(n - len(not_done),)]
    stored = importing.import_rejects(conn, result.import_id)
    assert sorted(stored["line"].tolist()) == [i + 2 for i in not_done]
    reasons = dict(zip(stored["line"], stored["reason"], strict=True))
    assert reasons[2] == "not done: Meeting Outcome = No Show"
    assert reasons[6] == "not done: Status = Scheduled"
    assert reasons[7] == "not done: Status = Scheduled"  # (Scheduled, then Completed: the first saying not done)
    again = importing.import_file(conn, tmp_path / "meetings.csv")
    assert (again.new, again.updated) == (0, 0)


def test_one_status_column_keeps_its_reason(tmp_path, conn):
    (tmp_path / "log.csv").write_text("Assigned To,Date,Status,Activity Type\nAnn Lee,2024-01-05,No Show,Meeting\n"
                                      "Ann Lee,2024-01-06,Completed,Meeting\n")
    result = importing.import_file(conn, tmp_path / "log.csv")
    assert result.rows_loaded == 1 and result.rejects[0]["reason"] == "not done: its status is No Show"
