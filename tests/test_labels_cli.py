"""``python -m analytics labels``: what activity labels and deal stages count as, listed and set."""

from __future__ import annotations

import json

import pytest
from helpers import CORPUS, run_cli

from analytics import importing, store

DEALS = ("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Won,Closed\n"
         "D1,Ann Lee,Auftrag erteilt,1000,2025-01-05,,\nD2,Bo Chan,Abgesagt,500,2025-02-05,,\n"
         "D3,Ann Lee,Auftrag erteilt,700,2025-03-05,,\nD4,Bo Chan,Closed Won,300,2025-04-05,,\n"
         "D5,Ann Lee,Handover,200,2025-05-05,1,1\nD6,Bo Chan,Handover,100,2025-06-05,0,0\n")


@pytest.fixture
def db(tmp_path) -> str:
    """A database holding the deals above (Handover's two deals decided apart by Won and Closed) and an activity log."""
    path = tmp_path / "labels.duckdb"
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    conn = store.connect(path)
    try:
        for file in (tmp_path / "deals.csv", CORPUS / "activities_per_row.csv"):
            assert importing.import_file(conn, file).status == "loaded"
    finally:
        conn.close()
    return str(path)


def stored(db: str, sql: str) -> dict:
    conn = store.connect(db)
    try:
        return dict(conn.execute(sql).fetchall())
    finally:
        conn.close()


def test_labels_lists_both_kinds_with_what_they_count_as(db):
    done = run_cli("labels", "--db", db)
    assert done.returncode == 0, done.stderr
    lines = [line.split() for line in done.stdout.splitlines()]
    assert "activity labels: what each counts as (call, email, meeting, demo, proposal, other)" in done.stdout
    assert ["'Sent", "Email'", "email", "1"] in lines
    assert "deal stages: what each counts as (won, lost, open)" in done.stdout
    assert ["'Auftrag", "erteilt'", "open", "2", "not", "in", "the", "word", "lists"] in lines
    assert ["'Closed", "Won'", "won", "1"] in lines
    assert ["'Handover'", "mixed:", "won", "1,", "open", "1", "2", "not", "in", "the", "word", "lists"] in lines
    only = run_cli("labels", "--db", db, "--kind", "stages", "--json")
    listing = json.loads(only.stdout)
    assert list(listing) == ["stages"]
    assert listing["stages"][0] == {"label": "Auftrag erteilt", "counts_as": "open", "rows": 2, "set": False,
                                    "known": False}


@pytest.mark.parametrize("kind, sets, printed, sql, expected", [
    ("stages", ["Auftrag erteilt=won", "Abgesagt=LOST"],
     ["'Auftrag erteilt' now counts as won: 2 of its 2 stored deals changed",
      "'Abgesagt' now counts as lost: 1 of its 1 stored deals changed"],
     "SELECT deal_id, outcome FROM deals WHERE deal_id IN ('D1', 'D2', 'D3')",
     {"D1": "won", "D2": "lost", "D3": "won"}),
    ("activities", ["Sent Email=meeting"], ["'Sent Email' now counts as meeting: 1 activities re-counted"],
     "SELECT raw_type, type FROM activities WHERE raw_type = 'Sent Email'", {"Sent Email": "meeting"}),
])
def test_labels_set_changes_the_stored_rows_and_is_remembered(db, kind, sets, printed, sql, expected):
    done = run_cli("labels", "--db", db, "--kind", kind, *(a for s in sets for a in ("--set", s)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == printed
    assert stored(db, sql) == expected
    listed = run_cli("labels", "--db", db, "--kind", kind).stdout
    label = sets[0].split("=")[0]
    assert any(f"'{label}'" in line and line.endswith("set by you") for line in listed.splitlines()), listed


@pytest.mark.parametrize("args, said", [
    (["--kind", "stages", "--set", "Nirgends=won"], "no stored deal has the label 'Nirgends' (labels: "),
    (["--kind", "stages", "--set", "Auftrag erteilt=gewonnen"], "'gewonnen' is not a stage's outcome: one of won, "
                                                                "lost, open"),
    (["--kind", "activities", "--set", "Sent Email=fax"], "'fax' is not an activity type: one of call, email"),
    (["--kind", "activities", "--set", "Fax=call"], "no stored activity has the label 'Fax'"),
    (["--set", "Auftrag erteilt=won"], "--set needs --kind activities or --kind stages"),
    (["--kind", "stages", "--set", "Auftrag erteilt"], "--set takes 'LABEL=VALUE', not 'Auftrag erteilt'"),
    (["--kind", "stages", "--set", "Handover=lost"], "the 2 deals under the stage 'Handover' are mixed: won 1, open 1"),
])
def test_labels_refuses_an_unknown_label_or_value(db, args, said):
    before = stored(db, "SELECT deal_id, outcome FROM deals"), stored(db, "SELECT raw_type, type FROM activities")
    done = run_cli("labels", "--db", db, *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: ") and said in done.stderr, done.stderr
    assert (stored(db, "SELECT deal_id, outcome FROM deals"), stored(db, "SELECT raw_type, type FROM activities")) \
        == before
    assert stored(db, "SELECT stage, outcome FROM stage_outcome_map") == {}
