"""The CLI contract: ``python -m analytics import FILE... --json`` and ``imports list|undo``, run in process."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import CORPUS, run_cli

KEYS = {"file", "kind", "status", "rows_read", "rows_loaded", "rows_rejected", "new", "updated", "unchanged",
        "rejects", "message"}


def test_json_lines_and_exit_codes(tmp_path):
    db = str(tmp_path / "cli.duckdb")
    res = run_cli("import", str(CORPUS / "formula_cells.csv"), str(CORPUS / "empty.csv"),
                  str(CORPUS / "roster_duplicates.csv"), "--db", db, "--json")
    assert res.returncode == 2, res.stderr  # one file refused
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [set(d) for d in lines] == [KEYS, KEYS, KEYS]
    assert [d["status"] for d in lines] == ["loaded", "refused", "loaded"]
    first = lines[0]
    assert (first["kind"], first["rows_loaded"], first["rows_rejected"], first["new"]) == ("deals", 1, 4, 1)
    assert {"line", "column", "value", "reason"} == set(first["rejects"][0])
    assert first["rejects"][0]["line"] == 3
    assert lines[1]["message"].startswith("empty.csv: ") and lines[1]["rows_loaded"] == 0
    assert (lines[2]["kind"], lines[2]["rows_rejected"]) == ("reps", 2)


def test_options_summary_history_and_undo(tmp_path):
    db = str(tmp_path / "cli.duckdb")
    odd = tmp_path / "odd.csv"
    odd.write_text("Who,When,Howmuch\nAnn,03/04/2024,1.5\n")
    res = run_cli("import", str(odd), str(CORPUS / "ragged_rows.csv"), "--db", db, "--kind", "deals",
                  "--map", "Who=rep", "--map", "When=close_date", "--map", "Howmuch=amount", "--date-order", "dmy",
                  "--unit", "1000")
    assert res.returncode == 2, res.stderr  # ragged_rows has no 'Who' column to map: refused, nothing written
    assert "1 row(s) loaded as deals" in res.stdout and "no stage column" in res.stdout
    assert "ragged_rows.csv: --map: no column 'Who'" in res.stdout
    ok = run_cli("import", str(CORPUS / "ragged_rows.csv"), "--db", db)
    assert ok.returncode == 0 and "rejected line 3" in ok.stdout and "rejected line 4" in ok.stdout
    listed = run_cli("imports", "list", "--db", db)
    assert listed.returncode == 0 and "odd.csv" in listed.stdout and "refused" in listed.stdout
    undo = run_cli("imports", "undo", "1", "--db", db)
    assert undo.returncode == 0 and undo.stdout.startswith("undid import 1")


def test_locked_database_is_one_line(tmp_path):
    db = tmp_path / "locked.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
                               "print('ready', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        res = run_cli("import", str(CORPUS / "us_dates.csv"), "--db", str(db), "--json")
        assert res.returncode == 1
        assert len(res.stderr.strip().splitlines()) == 1 and "in use" in res.stderr
    finally:
        holder.kill()
        holder.wait()
