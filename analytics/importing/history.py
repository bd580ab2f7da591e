"""Import history, quarantined rows and undo: read and changed without importing the importer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import duckdb

from analytics import store
from analytics.importing.tables import key_sql

if TYPE_CHECKING:
    import pandas as pd


TABLE_KIND = {"deals": "deals", "activities": "activities", "reps": "reps", "quotas": "targets"}


_HISTORY_SQL = (
    "SELECT import_id, imported_at, file_name, kind, preset, status, rows_read, rows_loaded, rows_rejected, "
    "n_new, n_updated, n_unchanged, message, undone_at, "
    "coalesce(CAST(json_extract_string(notes_json, '$[*]') AS VARCHAR[]), []) AS notes, imported_by, undone_by "
    "FROM imports ORDER BY import_id DESC")


class ImportRecord(NamedTuple):
    """One row of the import history (the columns of :func:`import_history`)."""

    import_id: int
    imported_at: datetime
    file_name: str
    kind: str
    preset: str | None
    status: str
    rows_read: int | None
    rows_loaded: int | None
    rows_rejected: int | None
    n_new: int | None
    n_updated: int | None
    n_unchanged: int | None
    message: str | None
    undone_at: datetime | None
    notes: list[str]  # what the import's check found (order lines summed, units, dates), as the CLI printed them
    imported_by: str | None = None  # the signed-in account that imported it (None: accounts off, or the CLI)
    undone_by: str | None = None


def import_history(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per import, newest first; ``notes`` is the list of its notes."""
    return conn.execute(_HISTORY_SQL).df()


def import_records(conn: duckdb.DuckDBPyConnection) -> list[ImportRecord]:
    """:func:`import_history` as plain records, newest first: no pandas, which takes longer to load
    than a short ``imports list`` takes to run."""
    return [ImportRecord(*row) for row in conn.execute(_HISTORY_SQL).fetchall()]


def import_rejects(conn: duckdb.DuckDBPyConnection, import_id: int) -> pd.DataFrame:
    return conn.execute(
        "SELECT line, column_name AS column, value, reason FROM import_rejects WHERE import_id = ? "
        "ORDER BY line NULLS LAST", [import_id]).df()


def _structure(conn: duckdb.DuckDBPyConnection, table: str) -> str:
    cols = conn.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                        "ORDER BY column_index", [table]).fetchall()
    return "{" + ", ".join(f'"{name}": "{dtype}"' for name, dtype in cols) + "}"


def _later_changes(conn: duckdb.DuckDBPyConnection, import_id: int) -> list[tuple]:
    """(import_id, file name, rows) of later loaded imports that changed rows of ``import_id``.

    Keys logged one by one match by key. An ``insert_all`` import logged no keys: a later import
    changed one of its rows when the version it replaced carried this import_id (a row changed
    again after that was first changed by that nearer import, which is listed)."""
    later: dict[int, list] = {}
    queries = [
        ("SELECT c2.import_id, any_value(i.file_name), count(DISTINCT c2.row_key) FROM import_changes c1 "
         "JOIN import_changes c2 ON c1.table_name = c2.table_name AND c1.row_key = c2.row_key "
         "AND c2.import_id > c1.import_id JOIN imports i ON i.import_id = c2.import_id AND i.status = 'loaded' "
         "WHERE c1.import_id = ? AND c1.action <> 'insert_all' GROUP BY c2.import_id", [import_id]),
        ("SELECT c2.import_id, any_value(i.file_name), count(DISTINCT c2.row_key) FROM import_changes c1 "
         "JOIN import_changes c2 ON c1.table_name = c2.table_name AND c2.import_id > c1.import_id "
         "AND c2.action = 'update' AND json_extract_string(c2.previous_json, '$.import_id') = CAST(c1.import_id "
         "AS VARCHAR) JOIN imports i ON i.import_id = c2.import_id AND i.status = 'loaded' "
         "WHERE c1.import_id = ? AND c1.action = 'insert_all' GROUP BY c2.import_id", [import_id]),
    ]
    for sql, params in queries:
        for later_id, file_name, n in conn.execute(sql, params).fetchall():
            later.setdefault(later_id, [later_id, file_name, 0])[2] += n
    return [tuple(v) for _, v in sorted(later.items())]


def record_importer(conn: duckdb.DuckDBPyConnection, import_id: int, author: str | None) -> None:
    """Name the signed-in account that made import ``import_id`` in the history (the dashboard calls
    it right after ``commit_import``; None leaves the import unnamed, as the CLI's are)."""
    if author is not None:
        conn.execute("UPDATE imports SET imported_by = ? WHERE import_id = ?", [author, import_id])


def undo_import(conn: duckdb.DuckDBPyConnection, import_id: int, *, by: str | None = None) -> str:
    """Restore the state before ``import_id``; refused when a later import changed the same rows.
    ``by``: the signed-in account that undid it, recorded in the history."""
    rows = conn.execute("SELECT file_name, status FROM imports WHERE import_id = ?", [import_id]).fetchall()
    if not rows:
        return f"no import {import_id}"
    file_name, status = rows[0]
    if status != "loaded":
        return f"import {import_id} ({file_name}) is {status}: nothing to undo"
    later = _later_changes(conn, import_id)
    if later:
        which = "; ".join(f"import {i} ({f}) changed {n} of its rows" for i, f, n in later)
        return (f"cannot undo import {import_id} ({file_name}): {which}. Undo the later import(s) first "
                f"(newest first).")
    with store.transaction(conn):
        tables = [t for (t,) in conn.execute(
            "SELECT DISTINCT table_name FROM import_changes WHERE import_id = ?", [import_id]).fetchall()]
        all_new = {t for (t,) in conn.execute("SELECT table_name FROM import_changes WHERE import_id = ? AND "
                                              "action = 'insert_all'", [import_id]).fetchall()}
        n_deleted = n_restored = 0
        for table in tables:
            if table in all_new:  # every row it inserted still carries its import_id
                n_deleted += conn.execute(f"DELETE FROM {table} WHERE import_id = ?", [import_id]).fetchall()[0][0]
                continue
            key = key_sql(TABLE_KIND[table], table)
            # (its own rows only: an activity of another file's shape may share a made key, loading.same_source_sql;
            # a row it wrote that a later import changed refused the undo above)
            n_deleted += conn.execute(
                f"DELETE FROM {table} WHERE {key} IN (SELECT row_key FROM import_changes "
                f"WHERE import_id = ? AND table_name = ?) AND import_id = ?", [import_id, table, import_id]
            ).fetchall()[0][0]
            n_restored += conn.execute(
                f"INSERT INTO {table} SELECT unnest(json_transform(previous_json, '{_structure(conn, table)}')) "
                f"FROM import_changes WHERE import_id = ? AND table_name = ? AND action = 'update'",
                [import_id, table]).fetchall()[0][0]
        conn.execute("UPDATE imports SET status = 'undone', undone_at = current_timestamp, undone_by = ? "
                     "WHERE import_id = ?", [by, import_id])
    return (f"undid import {import_id} ({file_name}): {n_deleted - n_restored} row(s) removed, "
            f"{n_restored} restored to their previous values")
