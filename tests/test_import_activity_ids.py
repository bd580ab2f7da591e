"""Keys of activity logs without an id column (issue #12, speed of the activities import).

Such a row stores no id (``activity_id`` NULL) and ``key_seq``: its place among the file's accepted
rows with its rep, date and raw type, in file order. Its key as text (``import_changes.row_key``) is
``to_json([rep, ISO date, raw type, key_seq])``. A re-import of a file imported before must find its
rows unchanged and undo must stay exact, including for imports stored before migration 7 with the
md5-based ids it rewrites. The tests compute keys and old ids in Python, independently of the SQL.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import duckdb

from analytics import importing, schema, store

Row = tuple[str, str, str, int]  # rep, date, activity type, count


def _key_text(rep: str, day: str, raw_type: str | None, n: int) -> str:
    return json.dumps([rep, day, raw_type, str(n)], separators=(",", ":"), ensure_ascii=False)


def _old_made_id(rep: str, day: str, raw_type: str | None, n: int) -> str:
    """The id the import made before migration 7."""
    parts = [rep, day] + ([raw_type] if raw_type is not None else [])  # (concat_ws skipped a NULL type)
    return f"act-{hashlib.md5(chr(31).join(parts).encode()).hexdigest()[:20]}-{n}"


def _expected(rows: list[Row]) -> dict[tuple, int]:
    """(rep, date, raw type, place among the key's rows in file order) -> count, of the accepted rows."""
    seen: Counter = Counter()
    out = {}
    for rep, day, kind, count in rows:
        if day == "not a date":
            continue
        key = (rep, day, kind or None)
        seen[key] += 1
        out[(*key, seen[key])] = count
    return out


def _write(path, rows: list[Row]) -> None:
    path.write_text("Assigned To,Date,Activity Type,Count\n"
                    + "".join(f"{rep},{day},{kind},{count}\n" for rep, day, kind, count in rows))


def _stored(conn) -> dict[tuple, tuple]:
    """(rep, date, raw type, key_seq) -> (count, type, import_id) of the rows stored without an id."""
    rows = conn.execute("SELECT rep, strftime(activity_date, '%Y-%m-%d'), raw_type, key_seq, count, type, import_id "
                        "FROM activities WHERE activity_id IS NULL").fetchall()
    out = {r[:4]: r[4:] for r in rows}
    assert len(out) == len(rows), "two stored rows with one key"
    return out


def _counts(stored: dict[tuple, tuple]) -> dict[tuple, int]:
    return {k: v[0] for k, v in stored.items()}


# Repeated keys interleaved with others (each row's count tells it from the others of its key), a
# blank type, a rejected row between two rows of one key.
ROWS = [
    ("Ann Lee", "2024-01-02", "Call", 1),
    ("Bob Ray", "2024-01-02", "Call", 2),
    ("Ann Lee", "2024-01-02", "Call", 3),
    ("Ann Lee", "2024-01-02", "Email", 4),
    ("Ann Lee", "2024-01-03", "", 5),
    ("Ann Lee", "not a date", "Call", 6),
    ("Ann Lee", "2024-01-02", "Call", 7),
    ("Ann Lee", "2024-01-03", "", 8),
]


def test_rows_are_keyed_by_rep_date_type_and_place_in_file_order(tmp_path):
    conn = store.connect(":memory:")
    _write(tmp_path / "log.csv", ROWS)
    result = importing.import_file(conn, tmp_path / "log.csv")
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 7, 1)
    assert conn.execute("SELECT count(*) FROM activities WHERE activity_id IS NOT NULL").fetchall() == [(0,)]
    stored = _stored(conn)
    assert _counts(stored) == _expected(ROWS)
    # three rows of one key: places 1, 2, 3 in file order, the rejected row between them not counted
    assert [stored[("Ann Lee", "2024-01-02", "Call", n)][0] for n in (1, 2, 3)] == [1, 3, 7]


def test_reimport_is_unchanged_and_an_extended_log_adds_only_its_new_rows(tmp_path):
    conn = store.connect(":memory:")
    _write(tmp_path / "log.csv", ROWS)
    first = importing.import_file(conn, tmp_path / "log.csv")
    before = _stored(conn)
    again = importing.import_file(conn, tmp_path / "log.csv")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 7)
    assert _stored(conn) == before
    # The next export: a row of another key inserted early (other keys' places must not move) and
    # one more row of a repeated key at the end.
    longer = [*ROWS[:1], ("Cat Moe", "2024-01-02", "Call", 9), *ROWS[1:], ("Ann Lee", "2024-01-02", "Call", 10)]
    _write(tmp_path / "log2.csv", longer)
    grown = importing.import_file(conn, tmp_path / "log2.csv")
    assert (grown.new, grown.updated, grown.unchanged) == (2, 0, 7)
    after = _stored(conn)
    assert _counts(after) == _expected(longer)
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {("Cat Moe", "2024-01-02", "Call", 1), ("Ann Lee", "2024-01-02", "Call", 4)}
    assert sorted(r[0] for r in conn.execute("SELECT row_key FROM import_changes WHERE import_id = ? AND "
                                             "action = 'insert'", [grown.import_id]).fetchall()) == sorted(
        [_key_text("Ann Lee", "2024-01-02", "Call", 4), _key_text("Cat Moe", "2024-01-02", "Call", 1)])
    # undo is exact: the two rows it added go, nothing else moves
    assert "2 row(s) removed, 0 restored" in importing.undo_import(conn, grown.import_id)
    assert _stored(conn) == before
    assert "7 row(s) removed" in importing.undo_import(conn, first.import_id)
    assert _stored(conn) == {}


def test_a_changed_count_updates_the_row_and_undo_restores_it(tmp_path):
    conn = store.connect(":memory:")
    path = tmp_path / "counts.csv"
    _write(path, [("Ann Lee", "2024-01-02", "Call", 2), ("Ann Lee", "2024-01-02", "Call", 5)])
    importing.import_file(conn, path)
    before = _stored(conn)
    _write(path, [("Ann Lee", "2024-01-02", "Call", 2), ("Ann Lee", "2024-01-02", "Call", 7)])
    second = importing.import_file(conn, path)
    assert (second.new, second.updated, second.unchanged) == (0, 1, 1)
    assert _counts(_stored(conn)) == {("Ann Lee", "2024-01-02", "Call", 1): 2, ("Ann Lee", "2024-01-02", "Call", 2): 7}
    importing.undo_import(conn, second.import_id)
    assert _stored(conn) == before


def test_ids_given_by_the_file_are_stored_as_they_are_and_a_blank_one_is_rejected(tmp_path):
    conn = store.connect(":memory:")
    path = tmp_path / "ids.csv"
    path.write_text("Activity ID,Assigned To,Date,Activity Type\nA-9,Ann Lee,2024-01-02,Call\n"
                    "A-7,Ann Lee,2024-01-02,Call\n,Ann Lee,2024-01-02,Call\n")
    result = importing.import_file(conn, path)
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    assert result.rejects[0]["line"] == 4 and result.rejects[0]["reason"] == "activity id is blank"
    assert conn.execute("SELECT activity_id, key_seq FROM activities ORDER BY 1").fetchall() == [
        ("A-7", None), ("A-9", None)]
    assert importing.import_file(conn, path).unchanged == 2


def _database_at_version_6():
    """An empty database with the schema as migration 6 left it (migrate() applies the rest)."""
    conn = duckdb.connect(":memory:")
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description VARCHAR, "
                 "applied_at TIMESTAMP DEFAULT current_timestamp)")
    for version, description, ddl in schema.MIGRATIONS[:6]:
        conn.execute(ddl)
        conn.execute("INSERT INTO schema_version (version, description) VALUES (?, ?)", [version, description])
    assert store.schema_version(conn) == 6
    return conn


def test_migration_7_rewrites_made_ids_so_old_imports_stay_unchanged_and_undoable(tmp_path):
    assert schema.LATEST_VERSION >= 7
    conn = _database_at_version_6()
    # What the importer stored before: import 1 (a first load, logged as insert_all) of ROWS; import 2,
    # a later export of the same log with one count changed and one row added; a file's own ids,
    # one of them shaped like a made id whose hash is not its row's key.
    first = _expected(ROWS)
    later = dict(first)
    later[("Ann Lee", "2024-01-02", "Call", 2)] = 30
    later[("Bob Ray", "2024-01-02", "Call", 2)] = 11
    types = {"Call": "call", "Email": "email", None: "other"}

    def insert(key: tuple, count: int, import_id: int) -> None:
        conn.execute("INSERT INTO activities VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [_old_made_id(*key), key[0], key[1], types[key[2]], key[2], count, import_id])

    conn.execute("INSERT INTO imports (import_id, file_name, kind, status) SELECT nextval('import_id_seq'), "
                 "name, 'activities', 'loaded' FROM (VALUES ('log.csv'), ('log2.csv'), ('ids.csv')) v(name)")
    for key, count in first.items():
        insert(key, count, 1)
    conn.execute("INSERT INTO import_changes VALUES (1, 'activities', '*', 'insert_all', NULL)")
    changed = _old_made_id("Ann Lee", "2024-01-02", "Call", 2)
    conn.execute("INSERT INTO import_changes SELECT 2, 'activities', activity_id, 'update', to_json(a)::VARCHAR "
                 "FROM activities a WHERE activity_id = ?", [changed])
    conn.execute("UPDATE activities SET count = 30, import_id = 2 WHERE activity_id = ?", [changed])
    insert(("Bob Ray", "2024-01-02", "Call", 2), 11, 2)
    conn.execute("INSERT INTO import_changes VALUES (2, 'activities', ?, 'insert', NULL)",
                 [_old_made_id("Bob Ray", "2024-01-02", "Call", 2)])
    lookalike = "act-" + "0" * 20 + "-1"
    conn.execute("INSERT INTO activities VALUES ('A-1', 'Ann Lee', DATE '2024-01-05', 'call', 'Call', 1, 3), "
                 f"('{lookalike}', 'Ann Lee', DATE '2024-01-05', 'call', 'Call', 1, 3)")
    conn.execute("INSERT INTO import_changes VALUES (3, 'activities', '*', 'insert_all', NULL)")

    assert store.migrate(conn) == schema.LATEST_VERSION
    stored = _stored(conn)
    assert _counts(stored) == later
    assert stored[("Ann Lee", "2024-01-02", "Call", 2)][2] == 2 and stored[("Bob Ray", "2024-01-02", "Call", 2)][2] == 2
    assert conn.execute("SELECT activity_id, key_seq FROM activities WHERE activity_id IS NOT NULL ORDER BY 1"
                        ).fetchall() == [("A-1", None), (lookalike, None)]
    assert sorted(conn.execute("SELECT row_key, action, json_extract(previous_json, '$.key_seq')::INTEGER, "
                               "json_extract_string(previous_json, '$.activity_id') FROM import_changes "
                               "WHERE import_id = 2").fetchall()) == sorted([
        (_key_text("Ann Lee", "2024-01-02", "Call", 2), "update", 2, None),
        (_key_text("Bob Ray", "2024-01-02", "Call", 2), "insert", None, None)])

    # Import 2's file again: unchanged. Undo of import 2: import 1's rows exactly, then import 1's
    # file again: unchanged too.
    rows2 = [*ROWS, ("Bob Ray", "2024-01-02", "Call", 11)]
    rows2[2] = ("Ann Lee", "2024-01-02", "Call", 30)
    assert _expected(rows2) == later
    _write(tmp_path / "log2.csv", rows2)
    again = importing.import_file(conn, tmp_path / "log2.csv")
    assert (again.new, again.updated, again.unchanged) == (0, 0, len(later))
    importing.undo_import(conn, again.import_id)
    assert "1 row(s) removed, 1 restored" in importing.undo_import(conn, 2)
    assert _counts(_stored(conn)) == first
    assert {v[2] for v in _stored(conn).values()} == {1}
    _write(tmp_path / "log.csv", ROWS)
    assert importing.import_file(conn, tmp_path / "log.csv").unchanged == len(first)
    assert "7 row(s) removed" in importing.undo_import(conn, 1)
    assert _stored(conn) == {}
    assert conn.execute("SELECT count(*) FROM activities").fetchall() == [(2,)]
