"""A file that writes each rep's name in two columns (a user export's First Name and Last Name) is refused
naming both and saying how to join them: the import matches reps by one whole name across files, and
before this the message asked for a column to map that the file does not have."""

from __future__ import annotations

import pytest

from analytics import importing, store


@pytest.mark.parametrize("text, halves", [
    ("First Name,Last Name,Team,Start Date\nAnn,Lee,West,2023-01-09\nBob,Ray,East,2022-06-01\n",
     ("'First Name'", "'Last Name'")),
    ("Opportunity ID,Owner First Name,Owner Last Name,Stage,Amount,Close Date\nD1,Ann,Lee,Closed Won,1200,2024-01-15\n",
     ("'Owner First Name'", "'Owner Last Name'")),
    ("Assigned To First Name,Assigned To Surname,Activity Type,Date\nAnn,Lee,Call,2024-03-05\n",
     ("'Assigned To First Name'", "'Assigned To Surname'")),
])
def test_a_name_split_in_two_columns_is_refused_naming_both(tmp_path, text, halves):
    path = tmp_path / "people.csv"
    path.write_text(text)
    conn = store.connect(":memory:")
    result = importing.import_file(conn, path)
    assert result.status == "refused"
    assert all(h in result.message for h in halves) and "join them into one column" in result.message
    assert store.table_counts(conn) == store.table_counts(store.connect(":memory:"))


def test_a_whole_name_beside_its_halves_is_read(tmp_path):
    """'Full Name' beside 'First Name' and 'Last Name': the whole name is the rep, nothing refused."""
    conn = store.connect(":memory:")
    path = tmp_path / "roster.csv"
    path.write_text("Full Name,First Name,Last Name,Team\nAnn Lee,Ann,Lee,West\n")
    result = importing.import_file(conn, path)
    assert (result.status, result.kind) == ("loaded", "reps"), result.message
    assert conn.execute("SELECT rep FROM reps").fetchall() == [("Ann Lee",)]
