"""Sample-first decisions, proven on every row: a tiny sample or a file-backed stage change nothing.

The corpus files are smaller than the sample, so the corpus tests decide every column from the
whole file at once. Here the sample is one row (every decision is then proven or corrected by the
typed pass's evidence, and re-scanned when wrong) and the typed rows are staged in a file of their
own; the outcome must be the same import. Also: the one-row change log of an all-new import and
the undo chain it must still refuse and allow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import CORPUS

from analytics import importing, store
from analytics.importing import column_profile, one_read, parsing, scan, staging

TABLES = ("deals", "activities", "reps", "quotas", "import_rejects", "import_changes")


def _outcome(conn, path: Path) -> tuple:
    r = importing.import_file(conn, path)
    data = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
    return (r.status, r.kind, r.rows_read, r.rows_loaded, r.rows_rejected, r.new, r.updated, r.unchanged,
            r.message, sorted(r.notes), sorted(map(repr, r.rejects)), data)


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.csv")))
def test_one_row_sample_and_spilled_stage_give_the_same_import(monkeypatch, name):
    """The whole file within the sample is read once: a typed scan, or (a deal file with ids into an
    empty table) the write itself. A one-row sample and a spilled stage then give the same import."""
    scans = []
    real, write = scan.scan_typed, one_read.write
    monkeypatch.setattr(scan, "scan_typed", lambda *a: scans.append(1) or real(*a))
    monkeypatch.setattr(one_read, "write", lambda *a: scans.append(1) or write(*a))
    expected = _outcome(store.connect(":memory:"), CORPUS / name)
    assert len(scans) == 1 or (expected[0] == "refused" and not scans)
    monkeypatch.setattr(column_profile, "SAMPLE_ROWS", 1)
    assert _outcome(store.connect(":memory:"), CORPUS / name) == expected
    monkeypatch.setattr(staging, "SPILL_BYTES", 0)
    assert _outcome(store.connect(":memory:"), CORPUS / name) == expected


@pytest.mark.parametrize("sample_rows", [column_profile.SAMPLE_ROWS, 3])
def test_decisions_the_sample_could_not_see(monkeypatch, tmp_path, sample_rows):
    """Ambiguous dates, plain amounts and known stages first; then day-first proof, a decimal
    comma and a 'Won' label after the sample: every row is read with the whole column's decisions."""
    monkeypatch.setattr(column_profile, "SAMPLE_ROWS", sample_rows)
    rows = [f"D{i},Ann,Open,100,01/02/2024" for i in range(5)]
    rows += ["D7,Bob,Won,\"1.234,50\",25/03/2024", "D8,Bob,Open,\"7,25\",04/05/2024"]
    path = tmp_path / "late.csv"
    path.write_text("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n" + "\n".join(rows) + "\n")
    conn = store.connect(":memory:")
    r = importing.import_file(conn, path)
    assert (r.status, r.rows_loaded, r.rows_rejected) == ("loaded", 7, 0), r.message
    got = dict((d, (str(c), a, o)) for d, c, a, o in conn.execute(
        "SELECT deal_id, close_date, amount, outcome FROM deals").fetchall())
    assert got["D0"] == ("2024-02-01", 100.0, "open")      # day-first, proven by 25/03/2024
    assert got["D7"] == ("2024-03-25", 1234.5, "won")
    assert got["D8"] == ("2024-05-04", 7.25, "open")
    assert any("decimal commas" in n for n in r.notes)


def _deals(path: Path, rows: list[tuple]) -> Path:
    path.write_text("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"
                    + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def test_all_new_import_logs_one_change_row_and_undo_follows_the_chain(tmp_path):
    conn = store.connect(":memory:")
    x = importing.import_file(conn, _deals(tmp_path / "x.csv", [("D1", "Ann", "Open", 1, "2024-01-01"),
                                                                ("D2", "Ann", "Open", 2, "2024-01-02")]))
    assert conn.execute("SELECT row_key, action FROM import_changes WHERE import_id = ?",
                        [x.import_id]).fetchall() == [("*", "insert_all")]
    y = importing.import_file(conn, _deals(tmp_path / "y.csv", [("D1", "Ann", "Won", 5, "2024-01-03")]))
    z = importing.import_file(conn, _deals(tmp_path / "z.csv", [("D1", "Ann", "Won", 6, "2024-01-04"),
                                                                ("*", "Bob", "Open", 3, "2024-01-05")]))
    assert (y.updated, z.updated, z.new) == (1, 1, 1)
    message = importing.undo_import(conn, x.import_id)
    assert message.startswith("cannot undo") and f"import {y.import_id}" in message
    assert importing.undo_import(conn, y.import_id).startswith("cannot undo")
    assert importing.undo_import(conn, z.import_id).startswith("undid")
    assert importing.undo_import(conn, y.import_id).startswith("undid")
    assert conn.execute("SELECT deal_id, amount, import_id FROM deals ORDER BY 1").fetchall() == [
        ("D1", 1.0, x.import_id), ("D2", 2.0, x.import_id)]
    assert importing.undo_import(conn, x.import_id) == (f"undid import {x.import_id} (x.csv): 2 row(s) removed, "
                                                       "0 restored to their previous values")
    assert conn.execute("SELECT count(*) FROM deals").fetchall() == [(0,)]


@pytest.mark.parametrize("values, first", [
    (["01/05/2024 10:30", "12/31/2024 23:59"], "%m/%d/%Y %H:%M"),
    (["01/05/2024", "12/31/2024 23:59"], "%m/%d/%Y"),                  # a tie keeps the listed order
    (["01.05.2024 10:30:00 PM"] * 3 + ["01/05/2024"], "%m.%d.%Y %I:%M:%S %p"),
])
def test_strptime_formats_most_used_first(tmp_path, monkeypatch, values, first):
    """try_strptime pays for every format tried before the right one: the sample's most used leads,
    the list keeps every format, and the stored dates are the same as with the default order."""
    path = tmp_path / "log.csv"
    path.write_text("Assigned To,Date,Activity Type\n" + "".join(f"Ann,{v},Call\n" for v in values))
    plans = []
    real = scan.create_typed

    def record(conn, stage, *args, **kwargs):
        plans.append(list(stage.levels))
        return real(conn, stage, *args, **kwargs)

    monkeypatch.setattr("analytics.importing.shaping.create_typed", record)
    conn = store.connect(":memory:")
    assert importing.import_file(conn, path).rows_loaded == len(values)
    ts_sql = dict(plans[-1][0][1])["c1_ts"]
    listed = ast.literal_eval(ts_sql[ts_sql.index("["):ts_sql.index("]") + 1])
    assert listed[0] == first and sorted(listed) == sorted(parsing.STRPTIME_FORMATS["mdy"])
    monkeypatch.setattr(parsing, "formats_by_use", lambda hits, order: parsing.STRPTIME_FORMATS[order])
    again = store.connect(":memory:")
    importing.import_file(again, path)
    assert (conn.execute("SELECT activity_date FROM activities ORDER BY ALL").fetchall()
            == again.execute("SELECT activity_date FROM activities ORDER BY ALL").fetchall())
