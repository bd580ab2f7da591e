"""An activity report laid out by type column (Rep, Week, Calls, Emails, ...; issue 12) is read as its long form
(Rep, Week, Activity Type, Count) is: each cell with a count an activity row of its row's rep and date, of the
type its column names, through the same checks; what stays ambiguous is refused saying why, and a roster whose
e-mail or phone column is named for a type stays a roster."""

from __future__ import annotations

import pytest

from analytics import importing, store
from analytics.importing import plan_decisions
from analytics.importing.plan_decisions import MappingFacts, PlanOptions

LONG_HEADER = "Rep,Week,Activity Type,Count\n"


def _import(tmp_path, text: str, name: str = "report", **options):
    conn = store.connect(tmp_path / f"{name}.duckdb")
    (tmp_path / f"{name}.csv").write_text(text)
    return conn, importing.import_file(conn, tmp_path / f"{name}.csv", **options)


def _stored(conn) -> list[tuple]:
    return conn.execute("SELECT rep, activity_date, type, raw_type, count, key_seq FROM activities ORDER BY ALL").fetchall()


# (the report by type column, the same activities written long: a row per rep, date and type, its count;
# the long form's type label is the report's header, which both store as the raw type)
REPORTS = {
    "calls, emails, meetings and demos by week": (
        "Rep,Week,Calls,Emails,Meetings,Demos\nAnn Lee,2024-03-04,40,120,6,2\nAnn Lee,2024-03-11,35,110,5,3\n"
        "Bob Ray,2024-03-04,20,80,3,1\n",
        "".join(f"{rep},{week},{t},{n}\n" for rep, week, counts in (
            ("Ann Lee", "2024-03-04", (40, 120, 6, 2)), ("Ann Lee", "2024-03-11", (35, 110, 5, 3)),
            ("Bob Ray", "2024-03-04", (20, 80, 3, 1)))
            for t, n in zip(("Calls", "Emails", "Meetings", "Demos"), counts, strict=True))),
    "verbs in the headers, a thousands comma, blank and 0 cells": (
        "Sales Rep,Date,Calls Made,Emails Sent,Meetings Booked\nAnn Lee,2024-01-08,400,\"1,200\",0\n"
        "Bob Ray,2024-01-08,,800,30\n",
        "Ann Lee,2024-01-08,Calls Made,400\nAnn Lee,2024-01-08,Emails Sent,1200\n"
        "Bob Ray,2024-01-08,Emails Sent,800\nBob Ray,2024-01-08,Meetings Booked,30\n"),
    "period labels for dates: a month and an ISO week": (
        "Owner,Month,Calls,Meetings\nAnn Lee,Mar 2024,40,6\nBob Ray,2024-W10,35,5\n",
        "Ann Lee,Mar 2024,Calls,40\nAnn Lee,Mar 2024,Meetings,6\nBob Ray,2024-W10,Calls,35\n"
        "Bob Ray,2024-W10,Meetings,5\n"),
    "a rep's week twice: its cells numbered in file order": (
        "Rep,Week,Calls,Emails\nAnn Lee,2024-03-04,4,5\nAnn Lee,2024-03-04,6,7\n",
        "Ann Lee,2024-03-04,Calls,4\nAnn Lee,2024-03-04,Emails,5\nAnn Lee,2024-03-04,Calls,6\n"
        "Ann Lee,2024-03-04,Emails,7\n"),
    "a total column, a rate, a talk time and a total row": (
        "Sales Rep,Date,Calls Made,Emails Sent,Total,Connect Rate %,Talk Time\n"
        "Ann Lee,2024-03-04,40,120,160,12%,03:10:00\nBob Ray,2024-03-04,20,80,100,9%,01:00:00\n"
        "Total,2024-03-04,60,200,260,,\n",
        "Ann Lee,2024-03-04,Calls Made,40\nAnn Lee,2024-03-04,Emails Sent,120\n"
        "Bob Ray,2024-03-04,Calls Made,20\nBob Ray,2024-03-04,Emails Sent,80\n"),
}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_a_report_by_type_column_stores_what_its_long_form_does(tmp_path, name):
    report, long = REPORTS[name]
    conn, result = _import(tmp_path, report)
    long_conn, long_result = _import(tmp_path, LONG_HEADER + long, "long")
    assert (result.status, result.kind) == ("loaded", "activities"), result.message
    assert long_result.status == "loaded", long_result.message
    assert _stored(conn) and _stored(conn) == _stored(long_conn)
    again = importing.import_file(conn, tmp_path / "report.csv")
    assert (again.status, again.new, again.updated) == ("loaded", 0, 0), again.message  # read again: no change
    conn.close()
    long_conn.close()


@pytest.mark.parametrize("text, notes", [
    ("Sales Rep,Date,Calls Made,Emails Sent,Total,Connect Rate %\nAnn Lee,2024-03-04,40,,40,10%\n",
     ["read by type column: each cell is that many activities of its row's rep and date "
      "('Calls Made' -> call, 'Emails Sent' -> email)",
      "column(s) 'Total', 'Connect Rate %' ignored: not a count of one activity type",
      "1 cell(s) with no count (blank or 0) skipped"]),
    ("Rep,Week,Calls,Emails,Total Calls\nAnn Lee,2024-03-04,4,5,4\n", ["column(s) 'Total Calls' ignored"]),
])
def test_how_a_report_is_read_and_what_it_leaves_out_is_noted(tmp_path, text, notes):
    conn, result = _import(tmp_path, text)
    assert result.status == "loaded", result.message
    for note in notes:
        assert any(n.startswith(note) for n in result.notes), (note, result.notes)
    conn.close()


@pytest.mark.parametrize("by_hand, stored", [
    ({"Week": "activity_date"}, {"Calls", "Emails", "Demos"}),   # (a field of activities, not of the roster)
    ({"Demos": "-"}, {"Calls", "Emails"}),
    ({"Total": "-", "Demos": "-"}, {"Calls", "Emails"}),
])
def test_columns_mapped_by_hand_keep_the_report_read_by_type_column(tmp_path, by_hand, stored):
    text = "Rep,Week,Calls,Emails,Demos,Total\nAnn Lee,2024-03-04,4,5,1,10\n"
    conn, result = _import(tmp_path, text, mapping=by_hand)
    assert (result.status, result.kind) == ("loaded", "activities"), result.message
    assert {raw for *_, raw, _, _ in _stored(conn)} == stored
    if "Demos" not in stored:
        assert any(n.startswith("column(s) 'Demos' ignored: named for an activity type but not read") for n in result.notes)
    conn.close()


def test_a_column_mapped_by_hand_to_a_type_count_joins_the_others(tmp_path):
    """--map 'Dials=type_count' adds a column to the field of many columns; the Emails and Meetings
    columns it was found on stay (a field of one column would move from them)."""
    conn, result = _import(tmp_path, "Rep,Week,Emails,Meetings,Dials\nAnn Lee,2024-03-04,5,1,4\n",
                           mapping={"Dials": "type_count"})
    assert (result.status, result.kind) == ("loaded", "activities"), result.message
    assert {(row[3], row[4]) for row in _stored(conn)} == {("Emails", 5), ("Meetings", 1), ("Dials", 4)}
    conn.close()


@pytest.mark.parametrize("cell, reason", [
    ("-3", "a count cannot be negative: -3"),
    ("1.5", "a count must be a whole number: 1.5"),
    ("lots", "not a count: lots"),
    ("1e15", "not a count: 1e15"),  # (as a long-form log's count column: implausibly many)
])
def test_a_cell_that_is_no_count_rejects_its_row_naming_line_column_and_value(tmp_path, cell, reason):
    good = "".join(f"Ann Lee,2024-01-{day:02d},4,5\n" for day in range(1, 11))  # (the head: a column of counts)
    conn, result = _import(tmp_path, f"Rep,Week,Calls,Emails\n{good}Bob Ray,2024-03-04,3,{cell}\n")
    assert result.status == "loaded", result.message
    assert [(r["line"], r["column"], r["value"], r["reason"]) for r in result.rejects] == [(12, "Emails", cell, reason)]
    assert {rep for rep, *_ in _stored(conn)} == {"Ann Lee"}
    conn.close()


@pytest.mark.parametrize("text, said", [
    ("Sales Rep,Team,Calls,Emails\nAnn Lee,East,40,120\n",
     "columns 'Calls', 'Emails' count activities by type, but no column gives their date"),
    ("Rep,Week,Calls Made,Calls Connected,Emails\nAnn Lee,2024-03-04,40,12,100\n",
     "line 1: columns 'Calls Made' and 'Calls Connected' both count calls: whether they are parts of one count"),
])
def test_what_stays_ambiguous_is_refused_saying_why(tmp_path, text, said):
    conn, result = _import(tmp_path, text)
    assert result.status == "refused" and said in result.message, result.message
    assert _stored(conn) == []
    conn.close()


def test_forced_as_a_roster_a_report_by_type_column_is_refused_naming_its_columns(tmp_path):
    """Taken for a roster, it said 'loaded as reps' and dropped every count."""
    conn, result = _import(tmp_path, "Rep,Week,Calls,Emails Sent\nAnn Lee,2024-03-04,40,120\n", kind="reps")
    assert result.status == "refused", result.message
    assert "columns 'Calls', 'Emails Sent' count activities by type" in result.message
    assert "--kind activities" in result.message
    assert conn.execute("SELECT count(*) FROM reps").fetchall() == [(0,)]
    conn.close()


@pytest.mark.parametrize("text, kind", [
    ("Sales Rep,Email,Phone,Team\nAnn Lee,ann@acme.com,+1 555 0100,East\nBob Ray,bob@acme.com,+1 555 0101,West\n",
     "reps"),
    ("Sales Rep,Team,Calls\nAnn Lee,East,40\nBob Ray,West,20\n", "reps"),   # one type: no report by type
    ("Deal ID,Owner,Amount,Close Date,Stage,Calls,Emails\nD1,Ann Lee,100,2024-03-04,Closed Won,3,4\n", "deals"),
])
def test_a_rosters_contact_columns_a_single_count_or_a_deals_counts_are_no_activity_report(tmp_path, text, kind):
    _, result = _import(tmp_path, text)
    assert result.status == "loaded" and result.kind == kind, result.message


def test_undoing_an_import_by_type_column_restores_the_stored_activities_exactly(tmp_path):
    first = "Rep,Week,Calls,Emails\nAnn Lee,2024-03-04,4,5\nBob Ray,2024-03-04,3,2\n"
    conn, _ = _import(tmp_path, first)
    before = _stored(conn)
    (tmp_path / "later.csv").write_text("Rep,Week,Calls,Emails\nAnn Lee,2024-03-04,6,5\nBob Ray,2024-03-04,,2\n"
                                        "Cy Doe,2024-03-11,1,1\n")
    later = importing.import_file(conn, tmp_path / "later.csv")
    assert (later.status, later.new, later.updated) == ("loaded", 2, 1), later.message  # (a blank cell removes nothing)
    assert _stored(conn) != before
    importing.undo_import(conn, later.import_id)
    assert _stored(conn) == before
    conn.close()


REPORT = ("Rep", "Week", "Calls", "Emails", "Total")


@pytest.mark.parametrize(("headers", "facts", "options", "kind", "expected"), [
    pytest.param(REPORT, MappingFacts(type_columns=("Calls", "Emails")), PlanOptions(), "activities",
                 {"Rep": "rep", "Week": "activity_date", "Calls": "type_count", "Emails": "type_count"},
                 id="counts-by-type-read-as-activities-total-left-out"),
    pytest.param(REPORT, MappingFacts(), PlanOptions(), "activities", None, id="no-counts-found-type-missing"),
    pytest.param(REPORT, MappingFacts(type_columns=("Calls", "Emails")), PlanOptions(kind="reps"), "reps",
                 {"Rep": "rep"}, id="a-roster-asked-for"),
    pytest.param(REPORT, MappingFacts(type_columns=("Calls", "Emails")), PlanOptions(mapping_override={"Calls": "-"}),
                 "activities", {"Rep": "rep", "Week": "activity_date", "Emails": "type_count"},
                 id="a-column-left-out-by-hand"),
])
def test_the_decision_to_read_by_type_column(headers, facts, options, kind, expected):
    opened = plan_decisions.opened_plan("f.csv", "/in/f.csv", headers, options)
    plan = plan_decisions.decide_mapping(opened, facts, options)
    assert plan.kind == kind
    if expected is None:
        assert plan.refused and "no column found for type" in plan.message, plan.message
    else:
        assert dict(plan.mapping) == expected and not plan.missing_required


@pytest.mark.parametrize(("kind", "field_map", "headers", "expected"), [
    ("reps", {"Rep": "rep"}, ["Rep", "Week", "Calls", "Emails"], ["Calls", "Emails"]),
    ("deals", {"Sales Rep": "rep", "Date": "close_date", "Total": "amount"},
     ["Sales Rep", "Date", "Calls Made", "Emails Sent", "Total"], ["Calls Made", "Emails Sent"]),
    ("activities", {"Rep": "rep", "Week": "activity_date", "Total": "count"},
     ["Rep", "Week", "Calls", "Emails", "Total"], ["Calls", "Emails"]),
    ("activities", {"Rep": "rep", "Week": "activity_date", "Type": "type"},
     ["Rep", "Week", "Type", "Calls", "Emails"], []),                     # a long-form log: its type column
    ("deals", {"Deal ID": "deal_id", "Rep": "rep"}, ["Deal ID", "Rep", "Calls", "Emails"], []),
    ("reps", {"Rep": "rep"}, ["Rep", "Week", "Calls Made", "Calls Connected"], []),   # one type
    ("reps", {"Rep": "rep"}, ["Rep", "Week", "Avg Calls", "Email Open Rate"], []),     # measures, not counts
])
def test_the_columns_whose_values_are_read_for_counts(kind, field_map, headers, expected):
    from analytics.importing import activity_columns
    assert activity_columns.candidates(kind, field_map, headers) == expected
