"""A report's total row is rejected, never stored as a rep.

Spreadsheets and report exports end with a row whose name cell says 'Total' (or 'Grand Total',
'Gesamtergebnis') and whose figures are the sum of the rows above. Stored, a quota file's total
became a rep with the whole team's quota, a deal report's an open deal of the rep 'Total', and an
activity report's a rep who made every call.
"""

from __future__ import annotations

import re

import pytest

from analytics import importing, store
from analytics.importing import labels

FILES = {
    "targets": ("Sales Rep,Year,Jan,Feb,Mar\nAnn Lee,2024,100,100,100\nBob Ray,2024,200,200,200\n"
                "Total,2024,300,300,300\n", "quotas", 2 * 3),
    "reps": ("Sales Rep,Team,Manager\nAnn Lee,East,Max\nBob Ray,East,Max\nGRAND TOTAL,,\n", "reps", 2),
    "deals": ("Owner,Close Date,Amount,Stage\nAnn Lee,2024-01-05,1000,Closed Won\n"
              "Bob Ray,2024-01-06,2000,Closed Won\nTotal,,3000,\n", "deals", 2),
    "activities": ("Assigned To,Week Starting,Activity Type,Count\nAnn Lee,2024-01-01,Call,10\n"
                   "Bob Ray,2024-01-01,Call,20\nGesamtergebnis,2024-01-01,Call,30\n", "activities", 2),
}


@pytest.mark.parametrize("kind", sorted(FILES))
def test_a_total_row_is_rejected_naming_its_line(tmp_path, kind):
    text, table, stored = FILES[kind]
    (tmp_path / f"{kind}.csv").write_text(text)
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / f"{kind}.csv")
    assert (result.kind, result.status, result.rows_rejected) == (kind, "loaded", 1), result.message
    [reject] = result.rejects
    assert reject["line"] == 4 and "a total row, not a rep" in reject["reason"]
    assert conn.execute(f"SELECT count(*) FROM {table}").fetchall() == [(stored,)]
    conn.close()


def test_a_per_row_logs_total_row_is_rejected_by_its_blank_date(tmp_path):
    """A log without a count column pays nothing for the names: its total row has no date."""
    (tmp_path / "log.csv").write_text("Assigned To,Date,Activity Type\nAnn Lee,2024-01-05,Call\nTotal,,\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "log.csv")
    assert [r["line"] for r in result.rejects] == [3]
    assert conn.execute("SELECT rep FROM activities").fetchall() == [("Ann Lee",)]
    conn.close()


@pytest.mark.parametrize("name, is_total", [
    ("Total", True), ("TOTAL", True), ("Grand Total", True), ("grand TOTAL", True), ("Subtotal", True),
    ("Gesamtergebnis", True), ("Totaal", True), ("Sum", True),
    ("Ann Total", True), ("Totalis", False), ("Summer Lee", False),
])
def test_total_row_names(name, is_total):
    assert bool(re.fullmatch(labels.TOTAL_ROW_PATTERN, name)) is is_total


@pytest.mark.parametrize("owner", ["Unassigned", "N/A", "#N/A", "-", "(none)", "NULL"])
def test_a_deal_nobody_owns_is_rejected_as_a_blank_rep(tmp_path, owner):
    """'Unassigned' or '#N/A' in the owner column is a blank by another name: stored, it was a rep with a
    range and a target of its own."""
    (tmp_path / "deals.csv").write_text("Deal ID,Owner,Close Date,Amount,Stage\nD1,Ann Lee,2024-01-05,1000,Closed Won\n"
                                        f"D2,{owner},2024-01-06,2000,Closed Won\n")
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "deals.csv")
    assert [(r["line"], r["reason"]) for r in result.rejects] == [(3, f"rep is blank: '{owner}' names no one")]
    assert conn.execute("SELECT DISTINCT rep FROM deals").fetchall() == [("Ann Lee",)]
    conn.close()


@pytest.mark.parametrize("name, no_owner", [
    ("Unassigned", True), ("N/A", True), ("NONE", True), ("Tbd", True), ("(no owner)", True),
    ("Nona Lee", False), ("Total", False),
])
def test_no_owner_names(name, no_owner):
    assert bool(re.fullmatch(labels.NO_OWNER_PATTERN, name)) is no_owner


@pytest.mark.parametrize("text, table, stored, line, name", [
    ("Sales Rep,Quarter,Quota\nAnn Lee,2024-Q1,120000\nBob Ray,2024-Q1,130000\nWest Team,2024-Q1,250000\n",
     "quotas", 2, 4, "West Team"),
    ("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\nD1,Ann Lee,Closed Won,1200,2024-01-15\n"
     "D2,Inside Sales Team,Closed Won,900,2024-01-16\n", "deals", 1, 3, "Inside Sales Team"),
    ("Sales Rep,Team,Start Date\nAnn Lee,West,2023-01-09\nTeam: East,East,\n", "reps", 1, 3, "Team: East"),
])
def test_a_teams_row_is_rejected_naming_its_line(tmp_path, text, table, stored, line, name):
    """A quota sheet's team line (the team's quota), a deal owned by a team queue: stored, the team was a
    rep with a range, a target and a quota hit or missed, and the quota-hit rate counted it."""
    (tmp_path / "f.csv").write_text(text)
    conn = store.connect(tmp_path / "db.duckdb")
    result = importing.import_file(conn, tmp_path / "f.csv")
    assert (result.status, result.rows_rejected) == ("loaded", 1), result.message
    [reject] = result.rejects
    assert reject["line"] == line and reject["value"] == name and "a team's row, not a rep" in reject["reason"]
    assert conn.execute(f"SELECT count(*) FROM {table}").fetchall() == [(stored,)]
    conn.close()
