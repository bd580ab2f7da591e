"""``python -m analytics notes add|list`` (run in process): the CLI side of the Tracking page's check-in notes."""

from __future__ import annotations

import csv
import json

import pytest
import tracking_fixtures as fx
from helpers import CliResult, run_cli

from analytics import store, tracking


def _run(*args: str) -> CliResult:
    return run_cli("notes", *args)


def test_notes_added_are_listed_in_date_order_and_exported(tracking_db, tmp_path):
    db = str(tracking_db)
    rep = next(iter(fx.REPS))
    for day, text in (("2026-02-12", "second check-in"), ("2026-02-05", "first check-in, =HYPERLINK(x)")):
        out = _run("add", "--db", db, "--target-set", "Q1 plan", "--rep", rep, "--note", text, "--date", day)
        assert out.returncode == 0, out.stderr
    listed = json.loads(_run("list", "--db", db, "--target-set", "Q1 plan", "--json").stdout)
    assert [(n["note_date"], n["note"]) for n in listed] == [
        ("2026-02-05", "first check-in, =HYPERLINK(x)"), ("2026-02-12", "second check-in")]
    conn = store.connect(tracking_db)
    assert tracking.list_notes(conn, "Q1 plan", rep)["note"].tolist() == [n["note"] for n in listed]
    conn.close()
    path = tmp_path / "notes.csv"
    assert _run("list", "--db", db, "--rep", rep, "--csv", str(path)).returncode == 0
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [r["rep"] for r in rows] == [rep, rep]


@pytest.mark.parametrize(("args", "message"), [
    (["--rep", "x", "--note", "   "], "needs some text"),
    (["--rep", "x", "--note", "ok", "--date", "12/02/2026"], "--date must be a date"),
    (["--rep", "x", "--note", "ok", "--target-set", "no such plan"], "no such plan"),
])
def test_bad_notes_are_refused_with_exit_2(tracking_db, args, message):
    out = _run("add", "--db", str(tracking_db), *args)
    assert out.returncode == 2
    assert message in out.stderr
    conn = store.connect(tracking_db)
    assert tracking.list_notes(conn).empty
    conn.close()


FORMULA_NOTES = ['=HYPERLINK("http://example.com","click")', "+1+1", "-2+3", "@SUM(A1)"]


def test_notes_csv_neutralises_formulas(tracking_db, tmp_path):
    db = str(tracking_db)
    rep = next(iter(fx.REPS))
    for day, text in zip(("2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05"), FORMULA_NOTES, strict=True):
        # (--note=TEXT: a note that starts with "-" would otherwise read as an option)
        assert _run("add", "--db", db, "--target-set", "Q1 plan", "--rep", rep, f"--note={text}",
                    "--date", day).returncode == 0
    path = tmp_path / "notes.csv"
    assert _run("list", "--db", db, "--csv", str(path)).returncode == 0
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [r["note"] for r in rows] == ["'" + text for text in FORMULA_NOTES]
    assert [r["note_date"] for r in rows] == ["2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05"]
    assert all(r["set_id"].isdigit() for r in rows)
    conn = store.connect(tracking_db)   # the Tracking page's download is the same text
    assert tracking.notes_csv(conn, "Q1 plan") == path.read_text(encoding="utf-8")
    assert tracking.list_notes(conn)["note"].tolist() == FORMULA_NOTES   # stored as written
    conn.close()
