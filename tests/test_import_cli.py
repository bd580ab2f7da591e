"""The CLI contract: ``python -m analytics import FILE... --json`` and ``imports list|undo``, run in process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CORPUS, run_cli

from analytics import importing, store

KEYS = {"file", "kind", "status", "rows_read", "rows_loaded", "rows_rejected", "new", "updated", "unchanged",
        "rejects", "message", "notes", "warnings"}


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
        assert res.returncode == 2  # the user's situation, not our bug
        assert len(res.stderr.strip().splitlines()) == 1 and "in use" in res.stderr
        assert "close the dashboard or the other process" in res.stderr
    finally:
        holder.kill()
        holder.wait()


def stored(db: str) -> tuple[int, list[tuple]]:
    """The deals stored in ``db`` and its import history (status, file name), oldest first."""
    conn = store.connect(db)
    try:
        deals = conn.execute("SELECT count(*) FROM deals").fetchall()[0][0]
        return deals, conn.execute("SELECT status, file_name FROM imports ORDER BY import_id").fetchall()
    finally:
        conn.close()


def test_json_carries_the_notes(tmp_path):
    res = run_cli("import", str(CORPUS / "orders_no_stage.csv"), "--db", str(tmp_path / "n.duckdb"), "--json")
    assert res.returncode == 0, res.stderr
    (line,) = [json.loads(text) for text in res.stdout.splitlines()]
    assert any("no stage column" in note for note in line["notes"]), line["notes"]


@pytest.mark.parametrize("unit", ["0", "-1", "1e308", "nan", "inf", "-inf", "1e-300", "lots"])
def test_unit_must_be_positive_and_finite(tmp_path, unit):
    db = tmp_path / "u.duckdb"
    res = run_cli("import", str(CORPUS / "us_dates.csv"), "--db", str(db), f"--unit={unit}")
    assert res.returncode == 2
    assert "argument --unit: " in res.stderr and "Traceback" not in res.stderr
    assert ("positive number" if unit != "lots" else "expected a number") in res.stderr
    assert not db.exists()  # refused before the database was opened


@pytest.mark.parametrize("unit", [0, -1, 1e308, float("nan"), float("inf")])
def test_engine_refuses_a_bad_unit_too(unit):
    """The Import page and other callers reach the engine without the CLI's argument check."""
    conn = store.connect(":memory:")
    try:
        result = importing.import_file(conn, CORPUS / "us_dates.csv", unit=unit)
        assert result.status == "refused"
        assert result.message.startswith("us_dates.csv: the unit must be a positive number")
        assert conn.execute("SELECT count(*) FROM deals").fetchall()[0][0] == 0
    finally:
        conn.close()


def test_unit_in_range_multiplies(tmp_path):
    db = str(tmp_path / "u.duckdb")
    assert run_cli("import", str(CORPUS / "us_dates.csv"), "--db", db, "--unit", "0.01").returncode == 0
    conn = store.connect(db)
    try:
        assert conn.execute("SELECT sum(amount) FROM deals").fetchall()[0][0] == pytest.approx(0.02)
    finally:
        conn.close()


def _folder(tmp: Path) -> Path:
    (tmp / "exports").mkdir()
    return tmp / "exports"


def _named_pipe(tmp: Path) -> Path:
    os.mkfifo(tmp / "deals.csv")  # no writer: opening it to read would wait for ever
    return tmp / "deals.csv"


def _missing(tmp: Path) -> Path:
    return tmp / "nowhere" / "deals.csv"


def _system_file(tmp: Path) -> Path:  # reports 0 bytes, holds text
    return Path("/proc/self/status")


def _unreadable_device_file(tmp: Path) -> Path:  # reading it fails (an I/O error), even for root
    return Path("/proc/self/mem")


def _no_permission(tmp: Path) -> Path:
    path = tmp / "locked.csv"
    shutil.copy(CORPUS / "us_dates.csv", path)
    path.chmod(0)
    return path


UNUSABLE_PATHS = {  # how to make the path, the sentence its refusal says
    "folder": (_folder, "this is a folder, not a file"),
    "named pipe": (_named_pipe, "this is a named pipe, not a file"),
    "missing": (_missing, "file not found"),
    "system file": (_system_file, "the file reports a size of 0 bytes but holds data"),
    "unreadable": (_unreadable_device_file, "the file cannot be read (Input/output error)"),
    "no permission": (_no_permission, "the file cannot be read (permission denied)"),
}


@pytest.mark.parametrize("case", UNUSABLE_PATHS)
def test_unusable_path_is_refused_by_name(tmp_path, case):
    make, sentence = UNUSABLE_PATHS[case]
    if case in ("system file", "unreadable") and not Path("/proc/self/status").exists():
        pytest.skip("no /proc on this system")
    if case == "no permission" and os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = make(tmp_path)
    db = str(tmp_path / "p.duckdb")
    res = run_cli("import", str(path), str(CORPUS / "us_dates.csv"), "--db", db)
    assert res.returncode == 2, res.stderr
    assert res.stderr == ""  # no traceback, no internal error
    first, second = res.stdout.splitlines()[:2]
    assert first.startswith(f"{path}: {sentence}")  # the path as typed, then why
    assert second.startswith("us_dates.csv: 2 row(s) loaded")  # the next file is imported all the same
    assert stored(db) == (2, [("refused", path.name), ("loaded", "us_dates.csv")])


def test_control_characters_are_printed_escaped(tmp_path):
    db = str(tmp_path / "c.duckdb")
    name = "deals\x1b[31m\r\u202e.csv"  # an escape sequence, a carriage return, a right-to-left override
    shutil.copy(CORPUS / "control_chars.csv", tmp_path / name)
    raw = ("\x1b", "\x07", "\r", "\u202e")
    res = run_cli("import", str(tmp_path / name), "--db", db)
    assert res.returncode == 0, res.stderr
    assert not any(c in res.stdout for c in raw), res.stdout
    assert "deals\\x1b[31m\\r\\u202e.csv: 1 row(s) loaded" in res.stdout
    assert "rejected line 3: Amount = '12\\x1b]0;x\\x07': not an amount: 12\\x1b]0;x\\x07" in res.stdout
    listed = run_cli("imports", "list", "--db", db)
    assert not any(c in listed.stdout for c in raw) and "deals\\x1b[31m\\r\\u202e.csv" in listed.stdout
    conn = store.connect(db)
    try:  # stored as they came: escaping is for printing only
        reps = conn.execute("SELECT rep FROM deals").fetchall()
        history = conn.execute("SELECT file_name FROM imports").fetchall()
    finally:
        conn.close()
    assert reps == [("Ann\x1b[2J Lee",)] and history == [(name,)]


MIB = 1 << 20


def test_a_huge_cell_makes_a_short_message(tmp_path):
    """A 1 MiB header or amount cell, a 60,000-character header cell, 30 long column names: each
    message quotes the first characters only."""
    huge_header = tmp_path / "huge_header.csv"
    huge_header.write_text("Account,Amount,Close Date," + "X" * MIB + "\nAcme,100,2024-01-01,x\n")
    no_rep = tmp_path / "no_rep.csv"  # (a header under 64 KB: read, then refused for its missing rep column)
    no_rep.write_text("Account,Amount,Close Date," + "X" * 60_000 + "\nAcme,100,2024-01-01,x\n")
    big_amount = tmp_path / "big_amount.csv"
    big_amount.write_text("Owner,Close Date,Amount,Stage\nAnn,01/15/2026," + "9" * MIB + "x,Closed Won\n"
                          "Bo,01/16/2026,5,Closed Won\n")
    wide = tmp_path / "wide.csv"  # 30 long column names, one --map to a column it lacks
    wide.write_text(",".join(["Owner", "Close Date", "Amount", *(f"C{i}" + "y" * 2000 for i in range(30))]) + "\n"
                    + ",".join(["Ann", "01/15/2026", "5", *["v"] * 30]) + "\n")
    db = str(tmp_path / "h.duckdb")
    for args in ([str(huge_header)], [str(no_rep)], [str(big_amount)], [str(wide), "--map", "Nope=rep"]):
        for json_flag in ([], ["--json"]):
            res = run_cli("import", *args, "--db", db, *json_flag)
            assert res.returncode in (0, 2) and res.stderr == "", res.stderr
            assert len(res.stdout) < 4000, (args, json_flag, res.stdout[:300])
    refused = run_cli("import", str(no_rep), "--db", db).stdout
    assert "…" in refused and refused.startswith(f"{no_rep}: ")
    rejected = run_cli("import", str(big_amount), "--db", db).stdout
    assert "rejected line 2: Amount = '" + "9" * 80 + "…': not an amount: " in rejected


def test_every_verb_prints_control_characters_escaped(tracking_db):
    """Not only the import: a note (or a rep name) holding an escape sequence is printed escaped."""
    db = str(tracking_db)
    note = "called\x1b[2J back\u202e"
    added = run_cli("notes", "add", "--db", db, "--target-set", "Q1 plan", "--rep", "ana", "--note", note,
                    "--date", "2026-02-10")
    assert added.returncode == 0, added.stderr
    listed = run_cli("notes", "list", "--db", db, "--target-set", "Q1 plan")
    assert listed.returncode == 0, listed.stderr
    assert "called\\x1b[2J back\\u202e" in listed.stdout
    assert "\x1b" not in listed.stdout and "\u202e" not in listed.stdout
    as_json = run_cli("notes", "list", "--db", db, "--target-set", "Q1 plan", "--json")
    assert note in [r["note"] for r in json.loads(as_json.stdout)]  # JSON keeps the text exact (escaped by JSON)


HEAVY_MODULES = ("pandas", "scipy", "numpy", "pyarrow")


def test_imports_list_loads_neither_pandas_nor_scipy(tmp_path):
    """``imports list`` starts quickly because the import verbs' modules load no heavy library at
    import time, and listing the history needs none: a new process shows what was loaded (pandas
    and scipy alone took most of a second). Not timed: bench/bench_cli_start.py measures it."""
    db = tmp_path / "cli.duckdb"
    assert run_cli("import", str(CORPUS / "us_dates.csv"), "--db", str(db)).returncode == 0
    script = ("import sys\n"
              "import analytics.cli, analytics.cli_import\n"
              f"loaded_at_import = [m for m in {HEAVY_MODULES!r} if m in sys.modules]\n"
              f"code = analytics.cli.main(['imports', 'list', '--db', {str(db)!r}])\n"
              f"print([m for m in {HEAVY_MODULES!r} if m in sys.modules], loaded_at_import, code)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    *listing, modules = done.stdout.splitlines()
    assert modules == "[] [] 0"
    assert "us_dates.csv  read 2, loaded 2, rejected 0" in listing[0]


def test_each_verb_loads_only_its_own_module():
    """A verb's parser holds the verbs of its module alone; no verb (or ``--help``) builds them all."""
    from analytics.cli import COMMAND_MODULES, build_parser

    def verbs(parser) -> set[str]:
        return set(parser._subparsers._group_actions[0].choices)

    every = {verb for module_verbs in COMMAND_MODULES.values() for verb in module_verbs}
    assert verbs(build_parser()) == verbs(build_parser("no-such-verb")) == every
    for module_verbs in COMMAND_MODULES.values():
        for verb in module_verbs:
            assert verbs(build_parser(verb)) == set(module_verbs)
