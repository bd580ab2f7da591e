"""A roster's active or status column: reps who left without an end date stop counting.

Roster and user exports mark a rep who left with Active = No, Status = Inactive or Deactivated = Yes
far more often than with an end date. Read as if the column were not there, such a rep was active in
every later period: a zero quarter after quarter in the panel, a share of the team's split, a row on
Tracking. The rep's span now ends at their last deal or activity.
"""

from __future__ import annotations

from datetime import date

import pytest

from analytics import importing, metrics, store
from analytics.importing import labels

DEALS = ("Deal ID,Owner,Close Date,Amount,Stage\n"
         "D1,Ann Lee,2024-01-10,1000,Closed Won\nD2,Ann Lee,2024-11-20,1000,Closed Won\n"
         "D3,Bob Ray,2024-02-12,800,Closed Won\nD4,Bob Ray,2024-05-08,900,Closed Won\n"
         "D5,Cy Dee,2024-03-01,700,Closed Won\nD6,Cy Dee,2024-12-02,700,Closed Won\n")


@pytest.mark.parametrize("label, inverted, expected", [
    ("Active", False, True),
    ("yes", False, True),
    ("TRUE", False, True),
    ("1", False, True),
    ("Inactive", False, False),
    ("No", False, False),
    ("false", False, False),
    ("Terminated", False, False),
    ("Deactivated", False, False),
    ("Left", False, False),
    ("On leave", False, None),
    ("", False, None),
    ("Yes", True, False),      # Deactivated = Yes: gone
    ("No", True, True),        # Deactivated = No: still here
    ("Active", True, True),    # a status word keeps its meaning whatever the column asks
    ("Inaktiv", False, False),
])
def test_active_labels(label, inverted, expected):
    assert labels.normalise_active(label, inverted=inverted) is expected


def import_text(conn, tmp_path, name: str, text: str) -> importing.ImportResult:
    path = tmp_path / name
    path.write_text(text)
    return importing.import_file(conn, path)


@pytest.mark.parametrize("header, ann, bob, cy", [
    ("Active", "Yes", "No", "TRUE"),
    ("Status", "Active", "Inactive", "Current"),
    ("Deactivated", "No", "Yes", "false"),
    ("Employment Status", "Active", "Terminated", "Active"),
])
def test_a_rep_marked_gone_stops_at_their_last_deal(conn, tmp_path, header, ann, bob, cy):
    roster = (f"Sales Rep,Team,Start Date,{header}\nAnn Lee,East,2023-01-02,{ann}\n"
              f"Bob Ray,East,2023-01-02,{bob}\nCy Dee,West,2023-01-02,{cy}\n")
    result = import_text(conn, tmp_path, "roster.csv", roster)
    assert (result.kind, result.status, result.rows_loaded) == ("reps", "loaded", 3), result.message
    assert any("1 rep(s) marked inactive with no end date (Bob Ray)" in n for n in result.notes), result.notes
    assert import_text(conn, tmp_path, "deals.csv", DEALS).status == "loaded"

    panel = metrics.rep_period_panel(conn, "revenue", "quarter")
    quarters = panel.groupby("rep")["period_label"].apply(list).to_dict()
    # Bob's last deal is in Q2: no zero quarters after it. Ann, still here, keeps her zeros.
    assert quarters["Bob Ray"] == ["2024-Q1", "2024-Q2"]
    assert quarters["Ann Lee"] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    next_quarter = metrics.active_reps(conn, date(2025, 1, 1), date(2025, 3, 31))
    assert sorted(next_quarter["rep"]) == ["Ann Lee", "Cy Dee"]
    spans = metrics.rep_spans(conn).set_index("rep")
    assert spans.loc["Bob Ray", "roster_end"].date() == date(2024, 5, 8)


def test_an_end_date_wins_over_the_status(conn, tmp_path):
    roster = "Sales Rep,Start Date,End Date,Active\nBob Ray,2023-01-02,2024-03-31,No\nAnn Lee,2023-01-02,,Yes\n"
    result = import_text(conn, tmp_path, "roster.csv", roster)
    assert not any("marked inactive" in n for n in result.notes), result.notes
    import_text(conn, tmp_path, "deals.csv", DEALS)
    spans = metrics.rep_spans(conn).set_index("rep")
    assert spans.loc["Bob Ray", "roster_end"].date() == date(2024, 3, 31)


def test_a_rep_marked_gone_with_no_deal_is_in_no_period(conn, tmp_path):
    roster = "Sales Rep,Start Date,Active\nAnn Lee,2023-01-02,Yes\nZed Gone,2023-01-02,No\n"
    import_text(conn, tmp_path, "roster.csv", roster)
    import_text(conn, tmp_path, "deals.csv", DEALS)
    assert "Zed Gone" not in set(metrics.rep_spans(conn)["rep"])
    assert "Zed Gone" not in set(metrics.rep_period_panel(conn, "revenue", "month")["rep"])


def test_a_status_saying_neither_is_noted_and_counts_as_active(conn, tmp_path):
    roster = "Sales Rep,Start Date,Status\nAnn Lee,2023-01-02,On leave\nBob Ray,2023-01-02,Sabbatical\n"
    result = import_text(conn, tmp_path, "roster.csv", roster)
    assert any("'Status' values that say neither active nor inactive, counted as active: On leave, Sabbatical"
               in n for n in result.notes), result.notes
    assert conn.execute("SELECT count(*) FROM reps WHERE active IS NULL").fetchall() == [(2,)]


def test_a_roster_without_the_column_stores_no_status(conn, tmp_path):
    import_text(conn, tmp_path, "roster.csv", "Sales Rep,Team\nAnn Lee,East\n")
    assert conn.execute("SELECT active FROM reps").fetchall() == [(None,)]


def test_a_status_change_on_reimport_is_an_update_and_undo_restores_it(conn, tmp_path):
    import_text(conn, tmp_path, "roster.csv", "Sales Rep,Active\nAnn Lee,Yes\nBob Ray,Yes\n")
    second = import_text(conn, tmp_path, "roster.csv", "Sales Rep,Active\nAnn Lee,Yes\nBob Ray,No\n")
    assert (second.new, second.updated, second.unchanged) == (0, 1, 1)
    importing.undo_import(conn, second.import_id)
    assert conn.execute("SELECT rep, active FROM reps ORDER BY rep").fetchall() == [("Ann Lee", True), ("Bob Ray", True)]


def test_a_database_from_before_gains_the_column_empty(tmp_path):
    """Migration 8 on a roster stored before it: every rep's status is unknown (NULL), so nothing moves."""
    path = tmp_path / "old.duckdb"
    c = store.connect(path)
    import_text(c, tmp_path, "roster.csv", "Sales Rep,Team\nAnn Lee,East\n")
    c.execute("ALTER TABLE reps DROP COLUMN active")
    c.execute("DROP TABLE stage_outcome_map")  # (a database from before 8 has no later migration either)
    c.execute("DELETE FROM schema_version WHERE version >= 8")
    c.close()
    c = store.connect(path)
    try:
        assert c.execute("SELECT rep, active FROM reps").fetchall() == [("Ann Lee", None)]
    finally:
        c.close()


def test_a_roster_rep_with_nothing_at_all_gets_no_range_and_is_named(conn, tmp_path):
    """A manager or SDR the roster lists, with no deal and no activity, was a rep with a zero every
    quarter: a $0 range and target, and zeros that pulled the team's pooled model down (a new hire's
    median moved 15% in an orders export). A new hire with nothing yet still counts."""
    from datetime import timedelta

    from analytics import coverage

    hired = (date(2024, 12, 2) - timedelta(days=30)).isoformat()
    roster = (f"Sales Rep,Start Date\nAnn Lee,2023-01-02\nZara Manager,2020-01-06\nNew Hire,{hired}\n")
    import_text(conn, tmp_path, "roster.csv", roster)
    import_text(conn, tmp_path, "deals.csv", DEALS)
    spans = set(metrics.rep_spans(conn)["rep"])
    assert "Zara Manager" not in spans and {"Ann Lee", "New Hire"} <= spans
    assert "Zara Manager" not in set(metrics.rep_period_panel(conn, "revenue", "quarter")["rep"])
    assert metrics.idle_roster_reps(conn) == ["Zara Manager"]
    notes = coverage.data_coverage(conn).absent_notes()
    assert any(n.startswith("1 roster rep owns no deal and logged no activity in the data (Zara Manager)")
               for n in notes), notes


@pytest.mark.parametrize("roster, teams, note", [
    # A sales_teams sheet: managers and offices, no team column; a manager's reps are their team.
    ("sales_agent,manager,regional_office\nAnn Lee,Dana Fox,Central\nBob Ray,Dana Fox,Central\n"
     "Cy Dee,Eli Moss,West\n", {"Ann Lee": "Dana Fox", "Bob Ray": "Dana Fox", "Cy Dee": "Eli Moss"},
     "each rep's team is their manager (column 'manager')"),
    # A team column wins over the manager.
    ("Sales Rep,Team,Manager\nAnn Lee,East,Dana Fox\nBob Ray,East,Dana Fox\nCy Dee,West,Eli Moss\n",
     {"Ann Lee": "East", "Bob Ray": "East", "Cy Dee": "West"}, None),
    # Neither: left empty, and said.
    ("Sales Rep,Region\nAnn Lee,Central\nBob Ray,Central\nCy Dee,West\n",
     {"Ann Lee": None, "Bob Ray": None, "Cy Dee": None}, "roster has no team, manager"),
])
def test_a_roster_without_teams_groups_reps_by_manager(conn, tmp_path, roster, teams, note):
    result = import_text(conn, tmp_path, "roster.csv", roster)
    assert (result.kind, result.status, result.rows_loaded) == ("reps", "loaded", 3), result.message
    stored = dict(conn.execute("SELECT rep, team FROM reps").fetchall())
    assert stored == teams
    if note:
        assert any(note in n for n in result.notes), result.notes
    else:
        assert not any("team" in n for n in result.notes), result.notes


@pytest.mark.parametrize("rows, start, team", [
    # A row per assignment, the move last: the team now, the hire's start.
    ("Ann Lee,East,2023-01-02,2024-01-31\nAnn Lee,West,2024-02-01,\n", date(2023, 1, 2), "West"),
    # The same rep twice with one start: nothing to say.
    ("Ann Lee,East,2023-01-02,\nAnn Lee,West,2023-01-02,\n", date(2023, 1, 2), "West"),
])
def test_a_rep_who_moved_team_keeps_their_first_start(conn, tmp_path, rows, start, team):
    """The later row was kept whole: a veteran's start became the move's date, and the ramp read her first
    months on the new team as a new hire's."""
    roster = "Sales Rep,Team,Start Date,End Date\n" + rows + "Bob Ray,East,2023-01-02,\n"
    result = import_text(conn, tmp_path, "roster.csv", roster)
    assert result.status == "loaded", result.message
    assert conn.execute("SELECT start_date, team, end_date FROM reps WHERE rep = 'Ann Lee'").fetchone() == (
        start, team, None)
    moved = [n for n in result.notes if "several rows with different start dates" in n]
    assert len(moved) == (1 if rows.count("2023-01-02") == 1 else 0), result.notes


@pytest.mark.parametrize(("start_header", "end_header"), [
    ("Employment Start", "Terminated On"), ("Date Joined", "Date Left"), ("Onboarding Date", "Last Working Day")])
def test_a_rosters_dates_under_an_hr_systems_names_are_its_start_and_end_dates(tmp_path, start_header, end_header):
    """'Employment Start' was read as the status column ('Employment Status'), 'Terminated On' as the yes/no
    'Terminated', and 'Date Left' not at all: every date was lost (a note named the dates as statuses it could
    not read), and a rep who left counted as on the team, with a range and a target."""
    path = tmp_path / "roster.csv"
    path.write_text(f"Employee Name,Team Name,{start_header},{end_header}\n"
                    "Ann Lee,East,2022-03-01,\nBo Chan,West,2021-06-15,2024-08-31\n")
    conn = store.connect(":memory:")
    result = importing.import_file(conn, path)
    assert (result.status, result.kind) == ("loaded", "reps"), result.message
    assert not [n for n in result.notes if "neither active nor inactive" in n], result.notes
    assert conn.execute("SELECT rep, team, start_date, end_date FROM reps ORDER BY rep").fetchall() == [
        ("Ann Lee", "East", date(2022, 3, 1), None), ("Bo Chan", "West", date(2021, 6, 15), date(2024, 8, 31))]
