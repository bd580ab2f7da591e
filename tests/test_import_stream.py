"""Streamed deal files: checked in one read, written in a second, each deal id stored once.

A deal file with an id column keeps only each row's verdict between the two reads (no staging
copy of its rows), so the write must be refused when the file changed in between; the deals
table has no index, so the import itself must keep ids unique, also when two sessions import
at once; and a database made before that change must keep its rows.
"""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest
from helpers import CORPUS

from analytics import importing, schema, store
from analytics.importing import commit, csv_lines, one_read, scan, stage_types, staging

HEADER = "Opportunity ID,Opportunity Owner,Stage,Amount,Close Date\n"


def _deals_file(path: Path, n: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    reps = ["Ann Lee", "Bob Ray", "Cy Dunn"]
    rows = [f"D{i:05d},{rng.choice(reps)},{rng.choice(['Closed Won', 'Closed Lost', 'Open'])},"
            f"{rng.randint(1, 900) * 100},2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for i in range(n)]
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def _scans(monkeypatch) -> list:
    """Per full read: whether a typed scan kept only verdicts (``narrow``), and the columns it kept;
    ``("once", [])`` for a file written by the read that checks it (import_once)."""
    seen = []
    real, write = scan.scan_typed, one_read.write

    def record(conn, stage, body, narrow=None):
        real(conn, stage, body, narrow)
        columns = [r[0] for r in conn.execute(f"DESCRIBE {stage.t('typedt')}").fetchall()]
        seen.append((narrow is not None, columns))

    monkeypatch.setattr(scan, "scan_typed", record)
    monkeypatch.setattr(one_read, "write", lambda *a: seen.append(("once", [])) or write(*a))
    return seen


@pytest.mark.parametrize("name, streamed", [
    ("us_dates.csv", True),             # deals with an id column
    ("order_lines.csv", False),         # ids repeat: the rows are compared whole
    ("no_ids.csv", False),              # no id column: rows are numbered in file order
    ("activities_per_row.csv", False),
    ("roster_duplicates.csv", False),
])
def test_only_deal_files_with_unique_ids_are_streamed(monkeypatch, tmp_path, name, streamed):
    path = CORPUS / name
    if name == "no_ids.csv":
        path = tmp_path / name
        path.write_text("Opportunity Owner,Stage,Amount,Close Date\nAnn,Won,5,2024-01-02\n")
    conn = store.connect(":memory:")
    first = importing.import_file(conn, _deals_file(tmp_path / "stored.csv", 3))  # (deals stored: not written once)
    scans = _scans(monkeypatch)
    result = importing.import_file(conn, path)
    assert (first.status, result.status) == ("loaded", "loaded")
    narrow, columns = scans[-1]
    assert narrow == streamed
    stored = {"deal_id", "rep", "amount", "close_date", "account", "activity_id", "team"}
    if streamed:  # a few bytes of verdict per row, none of its stored values
        assert set(columns) == {"c6_cls", "id_hash", "note_mask", "detail"}  # (c6: Close Date) and not stored & set(columns)
    else:
        assert stored & set(columns)


def test_ids_repeating_after_the_sample_switch_to_whole_rows(monkeypatch, tmp_path):
    """The sample sees unique ids; the verdicts' id hashes show a repeat: scanned again, summed."""
    path = _deals_file(tmp_path / "late_repeat.csv", 50)
    d3 = next(line for line in path.read_text().splitlines() if line.startswith("D00003,")).split(",")
    path.write_text(path.read_text() + f"D00003,{d3[1]},{d3[2]},250,{d3[4]}\n")  # (a line of the same order)
    monkeypatch.setattr("analytics.importing.column_profile.SAMPLE_ROWS", 10)
    scans = _scans(monkeypatch)
    conn = store.connect(":memory:")
    result = importing.import_file(conn, path)
    # Written once first: the repeat rolls that back, and the two reads find it again (then whole rows).
    assert [narrow for narrow, _ in scans] == ["once", True, False]
    assert (result.status, result.rows_loaded, result.new, result.import_id) == ("loaded", 51, 50, 1)
    assert any("51 lines summed into 50 orders" in n for n in result.notes)
    assert conn.execute("SELECT count(*), count(DISTINCT deal_id) FROM deals").fetchall() == [(50, 50)]


def test_blank_ids_are_rejected_without_counting_as_repeats(monkeypatch, tmp_path):
    path = _deals_file(tmp_path / "blank_ids.csv", 20)
    path.write_text(path.read_text() + ",Ann Lee,Closed Won,100,2024-01-01\n,Bob Ray,Open,200,2024-01-02\n")
    scans = _scans(monkeypatch)
    result = importing.import_file(store.connect(":memory:"), path)
    assert [narrow for narrow, _ in scans] == ["once"]        # still one read: no second scan
    assert (result.rows_loaded, result.rows_rejected) == (20, 2)
    assert [(r["line"], r["reason"]) for r in result.rejects] == [(22, "deal id is blank"), (23, "deal id is blank")]


def _seeded(tmp_path) -> tuple:
    conn = store.connect(tmp_path / "db.duckdb")
    first = importing.import_file(conn, _deals_file(tmp_path / "first.csv", 40, seed=1))
    assert first.status == "loaded"
    return conn, conn.execute("SELECT * FROM deals ORDER BY deal_id").fetchall()


def _edit_after_check(monkeypatch, path: Path, edit) -> None:
    """Rewrite ``path`` as ``edit(text)`` right after the import has checked it."""
    real = staging.build

    def build_then_edit(*args, **kwargs):
        stage = real(*args, **kwargs)
        path.write_text(edit(path.read_text()))
        return stage

    monkeypatch.setattr(staging, "build", build_then_edit)


def test_a_file_changed_after_its_check_is_refused_and_nothing_written(monkeypatch, tmp_path):
    conn, before = _seeded(tmp_path)
    path = _deals_file(tmp_path / "second.csv", 60, seed=2)
    _edit_after_check(monkeypatch, path, lambda text: text + "D99999,Ann Lee,Closed Won,100,2024-01-01\n")
    result = importing.import_file(conn, path)
    assert result.status == "refused"
    assert result.message == "second.csv changed after it was checked; import it again"
    assert conn.execute("SELECT * FROM deals ORDER BY deal_id").fetchall() == before


def test_rows_read_again_must_be_the_rows_checked(monkeypatch, tmp_path):
    """Same size and time stamp (a copy tool preserving them), different rows: the count catches it."""
    conn, before = _seeded(tmp_path)
    path = _deals_file(tmp_path / "second.csv", 60, seed=2)
    _edit_after_check(monkeypatch, path, lambda text: "\n".join(text.splitlines()[:-5]) + "\n")
    monkeypatch.setattr(stage_types.Stage, "source_unchanged", lambda self: True)
    result = importing.import_file(conn, path)
    assert result.status == "refused"
    assert "changed while it was imported (60 rows checked, 55 read)" in result.message
    assert conn.execute("SELECT * FROM deals ORDER BY deal_id").fetchall() == before
    assert conn.execute("SELECT count(*) FROM imports WHERE status = 'loaded'").fetchall() == [(1,)]


@pytest.mark.parametrize("spill_bytes", [staging.SPILL_BYTES, 0])
def test_a_large_file_imported_again_is_unchanged_and_an_edit_updates(monkeypatch, tmp_path, spill_bytes):
    """SPILL_BYTES=0 treats every file as large (a staging database file of its own): the commit's
    classification must still be written in the one database the transaction writes."""
    monkeypatch.setattr(staging, "SPILL_BYTES", spill_bytes)
    conn = store.connect(tmp_path / "db.duckdb")
    path = _deals_file(tmp_path / "deals.csv", 200)
    assert importing.import_file(conn, path).new == 200
    again = importing.import_file(conn, path)
    assert (again.status, again.new, again.updated, again.unchanged) == ("loaded", 0, 0, 200)
    lines = path.read_text().splitlines()
    lines[8] = lines[8].replace("D00007,", "D00007x,")            # a new id
    cells = lines[10].split(",")                                  # D00009: a new amount
    lines[10] = ",".join([*cells[:3], "123456", cells[4]])
    path.write_text("\n".join(lines) + "\n")
    edited = importing.import_file(conn, path)
    assert (edited.new, edited.updated, edited.unchanged) == (1, 1, 198)
    assert conn.execute("SELECT amount FROM deals WHERE deal_id = 'D00009'").fetchall() == [(123456.0,)]
    assert conn.execute("SELECT count(*), count(DISTINCT deal_id) FROM deals").fetchall() == [(201, 201)]


def test_two_sessions_importing_the_same_new_deals_store_each_once(tmp_path):
    conn = store.connect(tmp_path / "db.duckdb")
    path = _deals_file(tmp_path / "deals.csv", 3000)
    results, errors = [], []

    def session():
        cursor = conn.cursor()
        try:
            results.append(importing.import_file(cursor, path))
        except Exception as exc:  # pragma: no cover (reported below)
            errors.append(exc)
        finally:
            cursor.close()

    threads = [threading.Thread(target=session) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted((r.new, r.unchanged) for r in results) == [(0, 3000), (3000, 0)]
    assert conn.execute("SELECT count(*), count(DISTINCT deal_id) FROM deals").fetchall() == [(3000, 3000)]


def test_a_database_from_before_migration_4_keeps_its_rows(tmp_path):
    path = tmp_path / "v3.duckdb"
    conn = store.duckdb.connect(str(path))
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description VARCHAR, "
                 "applied_at TIMESTAMP DEFAULT current_timestamp)")
    for version, description, ddl in schema.MIGRATIONS[:3]:
        conn.execute(ddl)
        conn.execute("INSERT INTO schema_version (version, description) VALUES (?, ?)", [version, description])
    conn.execute("INSERT INTO deals VALUES ('D1', 'Ann', DATE '2024-01-05', NULL, 100, 'Won', 'won', NULL, NULL, "
                 "NULL, 'USD', 1)")
    conn.execute("INSERT INTO activities VALUES ('A1', 'Ann', DATE '2024-01-02', 'call', 'Call', 3, 1)")
    conn.close()

    conn = store.connect(path)
    assert store.schema_version(conn) == schema.LATEST_VERSION >= 4
    assert conn.execute("SELECT deal_id, amount, outcome FROM deals").fetchall() == [("D1", 100.0, "won")]
    assert conn.execute("SELECT activity_id, count FROM activities").fetchall() == [("A1", 3)]
    assert conn.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name IN ('deals', 'activities') "
                        "AND constraint_type = 'PRIMARY KEY'").fetchall() == [(0,)]
    csv = tmp_path / "again.csv"
    csv.write_text(HEADER + "D1,Ann,Closed Won,150,2024-01-05\n")
    result = importing.import_file(conn, csv)
    assert (result.new, result.updated) == (0, 1)
    assert conn.execute("SELECT deal_id, amount FROM deals").fetchall() == [("D1", 150.0)]


@pytest.mark.parametrize("text, one_line_each", [
    ('h1,h2\n1,a\n2,"b"\n3,c\n4,d\n', True),
    ('h1,h2\n1,a\n2,b\n3,c\n4,d', True),                  # no newline at the end
    ('h1,h2\n1,"a\nb"\n2,b\n3,c\n4,d\n', False),          # a line break inside a field
    ('h1,h2\n1,a\n\n2,b\n3,c\n4,d\n', False),             # a blank line
])
def test_record_lines_shortcut_agrees_with_the_full_count(tmp_path, text, one_line_each):
    """Four records (DuckDB's count, rejected ones included): the shortcut applies only when the
    file has exactly header + 4 lines, and gives the lines the quote-aware count gives."""
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode())
    assert (csv_lines.line_count(path) == 1 + 4) == one_line_each
    for excluded in (set(), {4}):
        full = csv_lines.record_start_lines(path, 0, excluded, 3)
        assert csv_lines.record_start_lines(path, 0, excluded, 3, records=4).tolist() == full.tolist()


def test_reject_lines_after_a_quote_inside_a_value_are_right(tmp_path):
    """A quote inside an unquoted value (5" screen) is a character to the reader; counted as half
    a pair it moved every later reject's line (a record over two lines rules out the shortcut)."""
    path = tmp_path / "screens.csv"
    path.write_text("Opportunity ID,Opportunity Owner,Stage,Amount,Close Date,Product\n"
                    'D1,Ann Lee,Closed Won,100,2024-01-05,"Desk\nlamp"\n'
                    'D2,Ann Lee,Closed Won,100,2024-01-05,5" screen\n'
                    "D3,Ann Lee,Closed Won,abc,2024-01-05,Chair\n"
                    "D4,Ann Lee,Closed Won,200,2024-01-06,Table\n"
                    "D5,Ann Lee,Closed Won,xyz,2024-01-06,Lamp\n")
    plan = importing.inspect_file(store.connect(":memory:"), path)
    assert plan.reject_sample["line"].tolist() == [5, 7]


@pytest.mark.parametrize("nul", [True, False])
def test_rows_are_checked_for_a_nul_byte_only_when_the_file_holds_one(monkeypatch, tmp_path, nul):
    """csv_text's whole-file pass says whether any byte is NUL; without one, no value is checked
    for it (the check cost every text value of every row), with one every value is."""
    bodies, real = [], scan.scan_typed
    monkeypatch.setattr(scan, "scan_typed",
                        lambda conn, stage, body, narrow=None: bodies.append(body) or real(conn, stage, body, narrow))
    path = _deals_file(tmp_path / "d.csv", 300)
    if nul:  # (past the head, in the last row)
        path.write_bytes(path.read_bytes()[:-40] + b"\0" + path.read_bytes()[-40:])
    plan = importing.inspect_file(store.connect(":memory:"), path)
    assert bodies and all(("chr(0)" in body) is nul for body in bodies)
    assert plan.rows_rejected == int(nul), plan.reject_sample


@pytest.mark.parametrize("text, expected", [
    ("18.7 GiB", 18.7 * 2**30), ("512MB", 512e6), ("512 MB", 512e6), ("100KiB", 102400.0), ("-1", float("inf")),
    ("unlimited", float("inf")),
])
def test_byte_count_reads_duckdb_sizes(text, expected):
    assert commit._byte_count(text) == pytest.approx(expected)


def _memory_limit(conn) -> str:
    [(limit,)] = conn.execute("SELECT current_setting('memory_limit')").fetchall()
    return limit


@pytest.mark.parametrize("limit_before, limit_during", [(None, "488.2 MiB"), ("4GiB", "488.2 MiB"), ("100MB", "95.3 MiB")])
def test_a_commit_caps_duckdb_memory_while_it_writes_and_restores_it(tmp_path, monkeypatch, limit_before,
                                                                    limit_during):
    """Lowered to COMMIT_MEMORY_LIMIT while a first load of a file over CAPPED_FROM_BYTES (here any)
    is written, never raised, restored after; later imports (read twice) are not capped."""
    monkeypatch.setattr(commit, "CAPPED_FROM_BYTES", 0)
    conn = store.connect(tmp_path / "db.duckdb")
    if limit_before:
        conn.execute(f"SET memory_limit = '{limit_before}'")
    before = _memory_limit(conn)
    seen = []
    real = one_read.write
    monkeypatch.setattr(one_read, "write", lambda c, *a: seen.append(_memory_limit(c)) or real(c, *a))
    csv = tmp_path / "d.csv"
    for n in range(3):  # (the same limit after every import: no drift)
        csv.write_text(HEADER + f"D{n},Ann,Closed Won,100,2024-01-05\n")
        assert importing.import_file(conn, csv).new == 1
        assert _memory_limit(conn) == before
    assert seen == [limit_during]  # (written once: the first load)


def test_a_cap_duckdb_cannot_make_room_for_leaves_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(commit, "CAPPED_FROM_BYTES", 0)
    monkeypatch.setattr(commit, "COMMIT_MEMORY_LIMIT", "1KB")  # (less than DuckDB holds already)
    conn = store.connect(tmp_path / "db.duckdb")
    before = _memory_limit(conn)
    csv = tmp_path / "d.csv"
    csv.write_text(HEADER + "D1,Ann,Closed Won,100,2024-01-05\n")
    assert importing.import_file(conn, csv).new == 1
    assert _memory_limit(conn) == before


def test_lines_at_offsets_counts_newlines_before_each(tmp_path, monkeypatch):
    """Offsets in several chunks (small chunks here), repeated, at a chunk's edge and past the end."""
    monkeypatch.setattr(csv_lines, "CHUNK", 64)
    text = "".join(f"line {i}{' ' * (i % 7)}\n" for i in range(200)).encode()
    path = tmp_path / "f.csv"
    path.write_bytes(text)
    offsets = [0, 1, 63, 64, 65, 500, 500, 1000, len(text) - 1, len(text) + 10, None]
    expected = {o: text[:o].count(b"\n") + 1 for o in offsets if o is not None}
    assert csv_lines.lines_at_offsets(path, offsets) == expected
    assert csv_lines.lines_and_count(path, offsets) == (expected, 200)
    path.write_bytes(text + b"no newline at the end")
    assert csv_lines.lines_and_count(path, [3]) == ({3: 1}, 201) and csv_lines.line_count(path) == 201
