"""A file of fewer columns than the rows stored keeps what it does not say; a year's quotas are quotas.

A file of rep names and one more column was read as a roster whose missing columns were "left empty":
importing "Sales Rep, Year, Annual Quota" (a year's quota per rep) wrote over every stored rep's team,
manager, start date and status with nothing, and stored no quota, so Baselines lost its team filter and
the ramp its start dates without a word. A narrower report of deals already stored (id, owner, stage,
amount, close date) did the same to their created dates, accounts and products: "3389 updated", and
every pipeline and cycle figure built on created dates lost those deals.
"""

from __future__ import annotations

from datetime import date

import pytest

from analytics import importing, store

ROSTER = ("Sales Rep,Team,Manager,Start Date,Status\n"
          "Ann Lee,North,Cy Park,2023-02-01,Active\nBob Ray,South,Di Moss,2024-05-01,Inactive\n")


@pytest.fixture
def conn(tmp_path):
    (tmp_path / "reps.csv").write_text(ROSTER)
    conn = store.connect(tmp_path / "db.duckdb")
    assert importing.import_file(conn, tmp_path / "reps.csv").status == "loaded"
    yield conn
    conn.close()


def _roster(conn):
    return conn.execute("SELECT rep, team, manager, start_date, active FROM reps ORDER BY rep").fetchall()


STORED = [("Ann Lee", "North", "Cy Park", date(2023, 2, 1), True), ("Bob Ray", "South", "Di Moss", date(2024, 5, 1), False)]


def test_a_roster_of_names_and_regions_keeps_the_stored_teams_dates_and_status(conn, tmp_path):
    (tmp_path / "regions.csv").write_text("Sales Rep,Region\nAnn Lee,Northeast\nBob Ray,Southwest\nEve Cho,West\n")
    result = importing.import_file(conn, tmp_path / "regions.csv", kind="reps")
    assert result.status == "loaded", result.message
    assert conn.execute("SELECT rep, region FROM reps ORDER BY rep").fetchall() == [
        ("Ann Lee", "Northeast"), ("Bob Ray", "Southwest"), ("Eve Cho", "West")]
    assert _roster(conn) == [*STORED, ("Eve Cho", None, None, None, None)]   # the new rep: nothing to keep
    assert any("kept as stored for the reps already in the roster, left empty for new reps" in n
               for n in result.notes), result.notes


def test_a_column_the_file_has_still_says_what_it_says(conn, tmp_path):
    (tmp_path / "moves.csv").write_text("Sales Rep,Team\nAnn Lee,South\nBob Ray,\n")
    assert importing.import_file(conn, tmp_path / "moves.csv", kind="reps").status == "loaded"
    assert [(r[0], r[1], r[3]) for r in _roster(conn)] == [("Ann Lee", "South", date(2023, 2, 1)),
                                                           ("Bob Ray", None, date(2024, 5, 1))]


@pytest.mark.parametrize(("rows", "teams"), [
    # the same managers: every stored team kept (a saved set and the team filter name them)
    ("Ann Lee,Cy Park\nBob Ray,Di Moss\n", [("Ann Lee", "North"), ("Bob Ray", "South")]),
    # Bob now under Cy, and a new rep under Cy: both take Cy's reps' team
    ("Ann Lee,Cy Park\nBob Ray,Cy Park\nEve Cho,Cy Park\n",
     [("Ann Lee", "North"), ("Bob Ray", "North"), ("Eve Cho", "North")]),
    # a manager with no stored reps: the manager's name, as a roster of managers alone reads
    ("Ann Lee,Gus Lund\nBob Ray,Di Moss\n", [("Ann Lee", "Gus Lund"), ("Bob Ray", "South")]),
])
def test_a_roster_of_managers_without_teams_keeps_the_stored_teams(conn, tmp_path, rows, teams):
    """A roster of reps and managers (a sales_teams sheet) over a roster stored with teams: the teams were
    each set to the manager's name ('Cy Park' for 'North') without a word but a note."""
    (tmp_path / "managers.csv").write_text("Sales Rep,Manager\n" + rows)
    result = importing.import_file(conn, tmp_path / "managers.csv", kind="reps")
    assert result.status == "loaded", result.message
    assert conn.execute("SELECT rep, team FROM reps ORDER BY rep").fetchall() == teams
    assert any("a rep already stored keeps their team while their manager" in n for n in result.notes), result.notes


def test_a_roster_of_managers_alone_makes_each_manager_a_team(tmp_path):
    conn = store.connect(tmp_path / "db.duckdb")
    (tmp_path / "managers.csv").write_text("Sales Rep,Manager\nAnn Lee,Cy Park\nBob Ray,Di Moss\n")
    result = importing.import_file(conn, tmp_path / "managers.csv", kind="reps")
    assert conn.execute("SELECT rep, team FROM reps ORDER BY rep").fetchall() == [("Ann Lee", "Cy Park"),
                                                                               ("Bob Ray", "Di Moss")]
    assert "roster has no team column: each rep's team is their manager (column 'Manager')" in result.notes
    conn.close()


@pytest.mark.parametrize("header", ["Sales Rep,Year,Annual Quota", "Rep,Year,Quota", "Owner,Fiscal Year,Target",
                                    "Sales Rep,FY,Yearly Quota"])
def test_a_years_quota_per_rep_is_read_as_quotas_and_leaves_the_roster_alone(conn, tmp_path, header):
    (tmp_path / "annual.csv").write_text(f"{header}\nAnn Lee,2025,480000\nBob Ray,2025,360000\n")
    result = importing.import_file(conn, tmp_path / "annual.csv")
    assert (result.status, result.kind) == ("loaded", "targets"), result.message
    assert conn.execute("SELECT rep, period_start, period_end, target FROM quotas ORDER BY rep").fetchall() == [
        ("Ann Lee", date(2025, 1, 1), date(2025, 12, 31), 480000.0),
        ("Bob Ray", date(2025, 1, 1), date(2025, 12, 31), 360000.0)]
    assert _roster(conn) == STORED
    assert any(n.startswith("2 quotas cover more than a quarter (a year): a quarter's or a month's CRM quota is read "
                            "as its share of the days") for n in result.notes), result.notes


WIDE = ("Opportunity ID,Opportunity Owner,Stage,Amount,Created Date,Close Date,Account Name,Product\n"
        "D1,Ann Lee,Closed Won,1000,2025-01-05,2025-02-01,Acme,Suite\n"
        "D2,Ann Lee,Negotiation,2000,2025-01-20,2025-04-30,Bolt,Core\n"
        "D3,Bob Ray,Closed Lost,500,2025-01-07,2025-02-11,Cove,Core\n")


def test_a_narrower_report_of_stored_deals_keeps_their_created_dates_accounts_and_products(tmp_path):
    (tmp_path / "wide.csv").write_text(WIDE)
    # D2 won since, D3 unchanged, D4 new: a report of closed deals without created dates, accounts, products
    (tmp_path / "narrow.csv").write_text("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"
                                         "D2,Ann Lee,Closed Won,2500,2025-03-15\nD3,Bob Ray,Closed Lost,500,2025-02-11\n"
                                         "D4,Bob Ray,Closed Won,700,2025-03-20\n")
    conn = store.connect(tmp_path / "db.duckdb")
    try:
        assert importing.import_file(conn, tmp_path / "wide.csv").status == "loaded"
        result = importing.import_file(conn, tmp_path / "narrow.csv")
        assert (result.new, result.updated, result.unchanged) == (1, 1, 1), result
        rows = conn.execute("SELECT deal_id, outcome, amount, created_date, close_date, account, product FROM deals "
                            "ORDER BY deal_id").fetchall()
    finally:
        conn.close()
    assert rows == [("D1", "won", 1000.0, date(2025, 1, 5), date(2025, 2, 1), "Acme", "Suite"),
                    ("D2", "won", 2500.0, date(2025, 1, 20), date(2025, 3, 15), "Bolt", "Core"),   # what it says
                    ("D3", "lost", 500.0, date(2025, 1, 7), date(2025, 2, 11), "Cove", "Core"),
                    ("D4", "won", 700.0, None, date(2025, 3, 20), None, None)]                     # new: nothing
    assert any("no created date, account, product column: the 2 deal(s) it shares with those stored keep their "
               "stored ones" in n for n in result.notes), result.notes


def test_undo_of_a_narrower_report_restores_the_deals_it_changed(tmp_path):
    (tmp_path / "wide.csv").write_text(WIDE)
    (tmp_path / "narrow.csv").write_text("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"
                                         "D2,Ann Lee,Closed Won,2500,2025-03-15\n")
    conn = store.connect(tmp_path / "db.duckdb")
    try:
        importing.import_file(conn, tmp_path / "wide.csv")
        before = conn.execute("SELECT * EXCLUDE (import_id) FROM deals ORDER BY deal_id").fetchall()
        narrow = importing.import_file(conn, tmp_path / "narrow.csv")
        importing.undo_import(conn, narrow.import_id)
        after = conn.execute("SELECT * EXCLUDE (import_id) FROM deals ORDER BY deal_id").fetchall()
    finally:
        conn.close()
    assert after == before
