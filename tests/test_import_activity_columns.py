"""An activity report laid out by type column (Rep, Week, Calls, Emails, ...) is refused, not taken for a roster."""

from __future__ import annotations

import pytest

from analytics import importing, store


def _import(tmp_path, text: str):
    conn = store.connect(tmp_path / "a.duckdb")
    (tmp_path / "report.csv").write_text(text)
    return conn, importing.import_file(conn, tmp_path / "report.csv")


@pytest.mark.parametrize("text, columns", [
    ("Rep,Week,Calls,Emails,Meetings,Demos\nAnn Lee,2024-03-04,40,120,6,2\nAnn Lee,2024-03-11,35,110,5,3\n"
     "Bob Ray,2024-03-04,20,80,3,1\n", "'Calls', 'Emails', 'Meetings', 'Demos'"),
    ("Sales Rep,Month,Calls Made,Emails Sent,Meetings Held\nAnn Lee,Jan 2024,400,\"1,200\",60\n"
     "Bob Ray,Jan 2024,200,800,30\n", "'Calls Made', 'Emails Sent', 'Meetings Held'"),
])
def test_an_activity_report_by_type_column_is_refused_naming_its_columns(tmp_path, text, columns):
    """Taken for a roster, it said 'loaded as reps' and dropped every count."""
    conn, result = _import(tmp_path, text)
    assert result.status == "refused", result.message
    assert f"columns {columns} count activities by type" in result.message and "Activity Type, Count" in result.message
    assert conn.execute("SELECT count(*) FROM reps").fetchall() == [(0,)]


@pytest.mark.parametrize("text", [
    "Sales Rep,Email,Phone,Team\nAnn Lee,ann@acme.com,+1 555 0100,East\nBob Ray,bob@acme.com,+1 555 0101,West\n",
    "Sales Rep,Team,Calls\nAnn Lee,East,40\nBob Ray,West,20\n",   # one type: no report by type
])
def test_a_rosters_contact_columns_or_a_single_count_are_no_activity_report(tmp_path, text):
    _, result = _import(tmp_path, text)
    assert result.status == "loaded" and result.kind == "reps", result.message
