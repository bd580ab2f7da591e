"""An email event log (a row per Sent, Open, Click, Reply, Bounce beside Activity Type = Email) counts
only its Sent rows as emails; one of events without Sent rows is refused naming its column.

Before, every event was stored as an email sent: one email opened and clicked counted three.
"""

from __future__ import annotations

import pytest

from analytics import importing
from analytics.importing import email_events

HEADER = "Activity Date,Activity Type,{status},Owner\n"
EVENTS = ("2024-03-01,Email,SENT,Ann Lee\n2024-03-01,Email,OPEN,Ann Lee\n2024-03-01,Email,CLICK,Ann Lee\n"
          "2024-03-02,Email,Sent,Bob Ray\n2024-03-02,Email,Hard Bounce,Bob Ray\n2024-03-03,Call,Completed,Bob Ray\n")


def _import(conn, tmp_path, text: str):
    (tmp_path / "f.csv").write_text(text)
    return importing.import_file(conn, tmp_path / "f.csv")


@pytest.mark.parametrize("values, events, sent", [
    (["SENT", "OPEN", "CLICK", "REPLY", "BOUNCE"], ["BOUNCE", "CLICK", "OPEN", "REPLY"], True),
    (["Email Opened", "Link Clicked", "Delivered", "Sent"], ["Delivered", "Email Opened", "Link Clicked"], True),
    (["Opened", "Replied"], ["Opened", "Replied"], False),
    (["Completed", "Not Started", "Sent"], [], True),  # a task log: no events
    (["Held", "No Show"], [], False),
    (["Completed", "Scheduled", "Open"], [], False),  # a task log's Open: not done yet, not an email opened
    (["Sent", "Open"], ["Open"], True),
])
def test_which_status_words_are_email_events(values, events, sent):
    assert email_events.event_labels(values) == events
    assert email_events.has_sent(values) is sent


@pytest.mark.parametrize("status", ["Email Status", "Email Event", "Event Type"])
def test_an_event_log_counts_only_the_emails_sent(conn, tmp_path, status):
    result = _import(conn, tmp_path, HEADER.format(status=status) + EVENTS)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 3)
    assert conn.execute("SELECT type, count(*) FROM activities GROUP BY ALL ORDER BY ALL").fetchall() == [
        ("call", 1), ("email", 2)]
    assert sorted((r["line"], r["column"], r["value"]) for r in result.rejects) == [
        (3, status, "OPEN"), (4, status, "CLICK"), (6, status, "Hard Bounce")]
    assert all(r["reason"].startswith("an email event, not an email sent") for r in result.rejects)
    assert any("logs email events" in n and "Hard Bounce" in n for n in result.notes)


def test_events_without_sent_rows_are_refused_naming_the_column(conn, tmp_path):
    text = HEADER.format(status="Email Status") + "2024-03-01,Email,Opened,Ann Lee\n2024-03-02,Email,Replied,Bob Ray\n"
    result = _import(conn, tmp_path, text)
    assert result.status == "refused"
    assert "'Email Status' holds email events (Opened, Replied)" in result.message
    assert conn.execute("SELECT count(*) FROM activities").fetchone() == (0,)


def test_sent_rows_past_the_sample_are_found_before_refusing(conn, tmp_path):
    # (the sample sees only Opened rows: the plan made from it must not refuse what the whole file reads)
    text = HEADER.format(status="Email Status") + "2024-03-01,Email,Opened,Ann Lee\n" * 60_000 \
        + "2024-03-02,Email,Sent,Ann Lee\n" * 3
    result = _import(conn, tmp_path, text)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 60_000)


def test_a_task_log_without_events_is_unchanged(conn, tmp_path):
    text = ("Activity Date,Activity Type,Status,Owner\n2024-03-01,Email,Sent,Ann Lee\n"
            "2024-03-01,Call,Completed,Ann Lee\n2024-03-02,Call,Not Started,Bob Ray\n")
    result = _import(conn, tmp_path, text)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 1)
    assert not any("email events" in n for n in result.notes)


def test_a_task_log_whose_open_tasks_say_open_is_read_as_tasks(conn, tmp_path):
    """'Open' beside Completed and Scheduled is a task not done yet: the log was refused as email events."""
    text = ("Activity ID,Type,Owner,Date,Status\n1,Call,Ann Lee,2025-01-10,Completed\n"
            "2,Call,Ann Lee,2025-01-11,Scheduled\n3,Meeting,Bob Ray,2025-01-12,Completed\n"
            "4,Call,Ann Lee,2025-01-15,Open\n")
    result = _import(conn, tmp_path, text)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 2), result.message
    assert sorted((r["line"], r["value"]) for r in result.rejects) == [(3, "Scheduled"), (5, "Open")]
