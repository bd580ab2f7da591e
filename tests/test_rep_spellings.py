"""One rep written two ways ('Ann Lee', 'ANN LEE', 'Lee, Ann') splits her numbers between two reps: the
import that writes or meets such a spelling says so, naming each spelling and its rows."""

from __future__ import annotations

import json

import pytest
from helpers import run_cli

from analytics import importing, store
from analytics.importing.rep_spellings import name_key

DEALS = "Deal ID,Owner,Close Date,Amount,Stage\n"


def deals_file(path, owners: list[str]):
    rows = [f"D{i},\"{o}\",2024-01-{1 + i % 28:02d},{100 * (i + 1)},Closed Won" for i, o in enumerate(owners)]
    path.write_text(DEALS + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def conn():
    c = store.connect(":memory:")
    yield c
    c.close()


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Ann Lee", "ANN LEE", True),
    ("Ann Lee", "ann  lee", True),
    ("Ann Lee", "Lee, Ann", True),
    ("Ann Lee", "Anna Lee", False),
    ("Ann Lee", "Ann Leigh", False),
    ("Ann Lee", "Ann", False),
    ("Ann Lee", "Ann Lee (Sales Manager)", True),   # a role in brackets is no part of the name
    ("Ann Lee", "[EMEA] Ann Lee", True),
])
def test_name_key(a, b, same):
    assert (name_key(a) == name_key(b)) is same


def spelling_notes(result) -> list[str]:
    return [n for n in result.notes if "more than one spelling" in n]


def test_spellings_in_one_file_are_named_with_their_rows(conn, tmp_path):
    path = deals_file(tmp_path / "deals.csv", ["Ann Lee", "Ann Lee", "ANN LEE", "Bob Ray", "bob ray", "Cy Doe"])
    notes = spelling_notes(importing.import_file(conn, path))
    assert notes == ["2 reps are stored under more than one spelling, so their numbers are split and not added "
                     "together: 'Ann Lee' (2 rows) and 'ANN LEE' (1 row); 'Bob Ray' (1 row) and 'bob ray' (1 row). "
                     "Correct the names in the export so each rep has one spelling, and import it again."]


def test_a_spelling_met_in_another_table_is_named_by_the_import_that_wrote_it(conn, tmp_path):
    deals = deals_file(tmp_path / "deals.csv", ["Ann Lee", "Bob Ray"])
    assert spelling_notes(importing.import_file(conn, deals)) == []
    roster = tmp_path / "roster.csv"
    roster.write_text('Sales Rep,Team\n"Lee, Ann",North\nBob Ray,South\n')
    (note,) = spelling_notes(importing.import_file(conn, roster))
    assert "'Ann Lee' (1 row) and 'Lee, Ann' (1 row)" in note and "Bob" not in note
    other = deals_file(tmp_path / "more.csv", ["Cy Doe"])  # (an import that wrote neither is silent)
    assert spelling_notes(importing.import_file(conn, other)) == []


def test_names_that_only_look_alike_are_left_alone(conn, tmp_path):
    path = deals_file(tmp_path / "deals.csv", ["Ann Lee", "Anna Lee", "Ann Leigh", "Ann"])
    assert spelling_notes(importing.import_file(conn, path)) == []


def test_many_groups_are_counted_after_the_first_three(conn, tmp_path):
    owners = [o for k in range(5) for o in (f"Rep {k}", f"REP {k}")]
    (note,) = spelling_notes(importing.import_file(conn, deals_file(tmp_path / "deals.csv", owners)))
    assert note.startswith("5 reps are stored under more than one spelling") and "; and 2 more reps." in note


def test_the_cli_prints_the_note_and_carries_it_in_json(tmp_path):
    path = deals_file(tmp_path / "deals.csv", ["Ann Lee", "ANN LEE"])
    text = run_cli("import", "--db", str(tmp_path / "a.duckdb"), str(path))
    assert text.returncode == 0 and "note: 1 rep is stored under more than one spelling" in text.stdout
    out = run_cli("import", "--db", str(tmp_path / "b.duckdb"), "--json", str(path))
    assert any("more than one spelling" in n for n in json.loads(out.stdout)["notes"])


def activities_file(path, owners: list[str]):
    rows = [f"{o},2024-01-{1 + i % 28:02d},Call,{i + 1}" for i, o in enumerate(owners)]
    path.write_text("Assigned To,Date,Activity Type,Count\n" + "\n".join(rows) + "\n")
    return path


def activity_notes(result) -> list[str]:
    return [n for n in result.notes if "count for nobody who sells" in n]


@pytest.mark.parametrize(("owners", "named", "why"), [
    (["ann.lee@acme.com", "ann.lee@acme.com", "bob.ray@acme.com"], "3 activity rows name 2 reps who own no deal "
     "and are not in the roster, so their calls, meetings and demos count for nobody who sells: ann.lee@acme.com, "
     "bob.ray@acme.com.", "e-mail addresses"),
    (["Ann Lee", "Bob Rae", "Bob Rae"], "2 activity rows name 1 rep who owns no deal and is not in the roster",
     "Check the spelling"),
])
def test_activities_of_reps_who_sell_nothing_are_named(conn, tmp_path, owners, named, why):
    importing.import_file(conn, deals_file(tmp_path / "deals.csv", ["Ann Lee", "Bob Ray"]))
    (note,) = activity_notes(importing.import_file(conn, activities_file(tmp_path / "log.csv", owners)))
    assert note.startswith(named) and why in note


def test_activities_first_are_named_when_the_deals_arrive(conn, tmp_path):
    log = importing.import_file(conn, activities_file(tmp_path / "log.csv", ["ann@acme.com", "Bob Ray"]))
    assert activity_notes(log) == []   # (nothing to match them against yet)
    (note,) = activity_notes(importing.import_file(conn, deals_file(tmp_path / "deals.csv", ["Ann Lee", "Bob Ray"])))
    assert note.startswith("1 activity row names 1 rep who owns no deal") and "ann@acme.com" in note


def test_activities_of_roster_reps_without_deals_are_not_named(conn, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Sales Rep,Team\nAnn Lee,North\nNew Hire,North\n")
    importing.import_file(conn, roster)
    importing.import_file(conn, deals_file(tmp_path / "deals.csv", ["Ann Lee"]))
    assert activity_notes(importing.import_file(conn, activities_file(tmp_path / "log.csv", ["Ann Lee", "New Hire"]))) == []
