"""The bundled sample company: loaded on first start so a new manager sees a working dashboard.

The files in ``data/sample/`` are ordinary CRM-shaped exports (written by
``analytics.sample``); loading them goes through the same import path as a
manager's own files, so the sample also exercises detection and mapping.

Removing it (``clear``) deletes the sample's own rows only. They are known by their imports: every
row carries the import that wrote it, and ``load`` records the sample's import ids. Once the manager
has saved work of their own (an import, a target set, a check-in note), the sample stays: that work
was built on or beside it, and removing it would change the numbers under it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import NamedTuple

import duckdb

from analytics import formatting, importing, store

SAMPLE_DIR = store.PROJECT_ROOT / "data" / "sample"
# Roster first so tenure is known, quotas last.
SAMPLE_FILES = ("reps.csv", "opportunities.csv", "activities.csv", "quotas.csv")
SAMPLE_FLAG = store.SAMPLE_FLAG
SAMPLE_IMPORTS = "sample_company_imports"  # the sample's import ids, as a JSON list
DATA_TABLES = ("deals", "activities", "reps", "quotas")
# What an import leaves besides its rows: its quarantined rows, its undo log, its history entry.
IMPORT_RECORD_TABLES = ("import_rejects", "import_changes", "imports")


class SampleRemovalError(Exception):
    """The sample cannot be removed on its own; the message says why, in the manager's words."""


class OwnWork(NamedTuple):
    """What the manager saved of their own beside the sample."""

    imports: list[str]  # "#5 q3_deals.csv", oldest first
    target_sets: int
    notes: int

    def is_empty(self) -> bool:
        return not self.imports and not self.target_sets and not self.notes

    def describe(self) -> str:
        """The work in words.

        Examples
        --------
        >>> OwnWork(["#5 q3_deals.csv"], 2, 1).describe()
        'import #5 q3_deals.csv, 2 target sets and 1 check-in note'
        >>> OwnWork([], 1, 0).describe()
        '1 target set'
        """
        parts = []
        if self.imports:
            parts.append(("import " if len(self.imports) == 1 else "imports ") + ", ".join(self.imports))
        if self.target_sets:
            parts.append(f"{formatting.count(self.target_sets)} target set{'s' * (self.target_sets != 1)}")
        if self.notes:
            parts.append(f"{formatting.count(self.notes)} check-in note{'s' * (self.notes != 1)}")
        return " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else "".join(parts)


class SampleRows(NamedTuple):
    """The sample's rows per data table (what removing it deletes, or deleted)."""

    imports: int
    deals: int
    activities: int
    reps: int
    quotas: int

    def describe(self) -> str:
        """The rows in words.

        Examples
        --------
        >>> SampleRows(4, 12000, 3400, 36, 144).describe()
        '12,000 deals, 3,400 activity rows, 36 reps and 144 quota rows'
        """
        return (f"{formatting.count(self.deals)} deals, {formatting.count(self.activities)} activity rows, "
                f"{formatting.count(self.reps)} reps and {formatting.count(self.quotas)} quota rows")


def sample_files(directory: Path = SAMPLE_DIR) -> list[Path]:
    return [directory / name for name in SAMPLE_FILES if (directory / name).exists()]


def is_loaded(conn: duckdb.DuckDBPyConnection) -> bool:
    return store.sample_loaded(conn)


def should_autoload(conn: duckdb.DuckDBPyConnection) -> bool:
    """First start: an empty database the manager has not deliberately cleared."""
    return store.is_empty(conn) and store.get_setting(conn, SAMPLE_FLAG) is None


def load(conn: duckdb.DuckDBPyConnection, directory: Path = SAMPLE_DIR) -> list[importing.ImportResult]:
    """Import every sample file; mark the database as holding the sample company."""
    results = [importing.import_file(conn, path) for path in sample_files(directory)]
    refused = [r for r in results if r.status != "loaded"]
    if refused:
        raise RuntimeError("; ".join(f"{r.file}: {r.message}" for r in refused))
    store.set_setting(conn, SAMPLE_IMPORTS, json.dumps([r.import_id for r in results]))
    store.set_setting(conn, SAMPLE_FLAG, "loaded")
    return results


def _bundled_digests(directory: Path) -> dict[str, str]:
    """File name -> sha256 of each bundled sample file."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sample_files(directory)}


def sample_import_ids(conn: duckdb.DuckDBPyConnection, directory: Path = SAMPLE_DIR) -> list[int]:
    """The imports that wrote the sample company, oldest first.

    ``load`` records them. A database loaded before it did is read from the import log instead:
    the imports of the bundled files themselves (same name, same sha256)."""
    recorded = store.get_setting(conn, SAMPLE_IMPORTS)
    if recorded is not None:
        return sorted(int(i) for i in json.loads(recorded))
    digests = _bundled_digests(directory)
    if not digests:
        return []
    rows = conn.execute(
        "SELECT import_id FROM imports WHERE (file_name, file_sha256) IN (SELECT unnest(?), unnest(?)) "
        "ORDER BY import_id", [list(digests), list(digests.values())]).fetchall()
    return [int(i) for (i,) in rows]


def own_work(conn: duckdb.DuckDBPyConnection, sample_ids: list[int]) -> OwnWork:
    """The manager's own saved work: imports still loaded that are not the sample's, target sets, notes.

    (A refused or undone import holds no rows, so it is not counted.)"""
    imports = conn.execute(
        "SELECT '#' || import_id || ' ' || file_name FROM imports WHERE status = 'loaded' "
        "AND NOT list_contains(?, import_id) ORDER BY import_id", [sample_ids]).fetchall()
    target_sets = conn.execute("SELECT count(*) FROM target_sets").fetchall()[0][0]
    notes = conn.execute("SELECT count(*) FROM checkin_notes").fetchall()[0][0]
    return OwnWork([label for (label,) in imports], int(target_sets), int(notes))


def sample_rows(conn: duckdb.DuckDBPyConnection, sample_ids: list[int]) -> SampleRows:
    """How many rows of each data table the sample's imports wrote (and still hold)."""
    counts = [conn.execute(f"SELECT count(*) FROM {table} WHERE list_contains(?, import_id)",
                           [sample_ids]).fetchall()[0][0] for table in DATA_TABLES]
    return SampleRows(len(sample_ids), *(int(n) for n in counts))


def removal_refusal(conn: duckdb.DuckDBPyConnection, directory: Path = SAMPLE_DIR) -> str | None:
    """Why the sample cannot be removed now, or None when it can."""
    if not is_loaded(conn):
        return "The sample company is not loaded: there is nothing to remove."
    sample_ids = sample_import_ids(conn, directory)
    if not sample_ids:
        return ("This database does not record which imports wrote the sample company, so its rows cannot "
                "be told from yours: nothing is removed.")
    work = own_work(conn, sample_ids)
    if not work.is_empty():
        return (f"You have saved work of your own beside the sample ({work.describe()}), so the sample stays: "
                "removing it would change the data that work was built on.")
    return None


def clear(conn: duckdb.DuckDBPyConnection, directory: Path = SAMPLE_DIR) -> SampleRows:
    """Remove the sample company's own rows and import records, so the manager starts from their exports.

    Refused (``SampleRemovalError``, nothing changed) once the manager saved work of their own: see
    ``removal_refusal``. Settings, remembered mappings, activity-type and stage-outcome choices stay. The check
    and the deletes are one transaction, so work saved by another session meanwhile is never deleted with it.

    Returns
    -------
    SampleRows
        The rows removed from each data table.
    """
    with store.transaction(conn):
        reason = removal_refusal(conn, directory)
        if reason is not None:
            raise SampleRemovalError(reason)
        sample_ids = sample_import_ids(conn, directory)
        removed = sample_rows(conn, sample_ids)
        for table in DATA_TABLES + IMPORT_RECORD_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE list_contains(?, import_id)", [sample_ids])
        conn.execute("DELETE FROM settings WHERE key = ?", [SAMPLE_IMPORTS])
        store.set_setting(conn, SAMPLE_FLAG, "cleared")  # cleared on purpose: never loaded again
    return removed
