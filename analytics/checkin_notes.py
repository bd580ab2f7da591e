"""Check-in notes: what a manager wrote down about a rep during a period, by set and date.

Example
-------
>>> from analytics import store
>>> conn = store.connect(":memory:")
>>> add_note(conn, None, "ana", "pipeline review", "2026-02-03")
>>> list_notes(conn)["note"].tolist()
['pipeline review']
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from analytics import csv_writer
from analytics import scope as scopes
from analytics.target_sets import resolve_set_id

NOTE_COLUMNS = ["set_id", "rep", "note_date", "note", "created_at", "author"]


def add_note(conn: duckdb.DuckDBPyConnection, target_set: int | str | None, rep: str, note: str,
             note_date: date | str | None = None, *, author: str | None = None) -> None:
    """Record a check-in note for a rep (``target_set``: name, id or None for no set; ``author``: the
    signed-in account that wrote it, see ``accounts.audit_author``)."""
    if not str(note or "").strip():
        raise ValueError("a check-in note needs some text")
    if not scopes.connection_scope(conn).allows(str(rep)):
        raise ValueError(f"{rep} is not in your teams: no note can be written about them here")
    set_id = None if target_set is None else resolve_set_id(conn, target_set)
    when = pd.Timestamp(note_date).date() if note_date is not None else date.today()
    conn.execute("INSERT INTO checkin_notes (set_id, rep, note_date, note, author) VALUES (?, ?, ?, ?, ?)",
                 [set_id, str(rep), when, str(note).strip(), author])


def list_notes(conn: duckdb.DuckDBPyConnection, target_set: int | str | None = None,
               rep: str | None = None) -> pd.DataFrame:
    """Notes ordered by date (then by when they were written), optionally for one set and/or rep (on a
    scoped connection, :func:`analytics.scope.scoped`: the scope's reps only)."""
    mine, mine_params = scopes.connection_scope(conn).sql()
    sql = f"SELECT {', '.join(NOTE_COLUMNS)} FROM checkin_notes WHERE {mine}"
    params: list[object] = [*mine_params]
    if target_set is not None:
        sql += " AND set_id = ?"
        params.append(resolve_set_id(conn, target_set))
    if rep is not None:
        sql += " AND rep = ?"
        params.append(str(rep))
    return conn.execute(sql + " ORDER BY note_date, created_at, rep", params).df()


def notes_csv(conn: duckdb.DuckDBPyConnection, target_set: int | str | None = None,
              rep: str | None = None) -> str:
    """The notes as CSV text (rep, note_date, note, set_id, created_at) for download, through the one
    CSV writer: a note that reads like a formula (``=HYPERLINK(...)``) stays text in a spreadsheet."""
    df = list_notes(conn, target_set, rep)
    return csv_writer.frame_csv(df[["rep", "note_date", "note", "set_id", "created_at"]],
                                {"rep": "text", "note_date": "date", "note": "text"})
