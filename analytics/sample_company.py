"""The bundled sample company: loaded on first start so a new manager sees a working dashboard.

The files in ``data/sample/`` are ordinary CRM-shaped exports (written by
``analytics.sample``); loading them goes through the same import path as a
manager's own files, so the sample also exercises detection and mapping.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from analytics import importer, store

SAMPLE_DIR = store.PROJECT_ROOT / "data" / "sample"
# Roster first so tenure is known, quotas last.
SAMPLE_FILES = ("reps.csv", "opportunities.csv", "activities.csv", "quotas.csv")
SAMPLE_FLAG = "sample_company"


def sample_files(directory: Path = SAMPLE_DIR) -> list[Path]:
    return [directory / name for name in SAMPLE_FILES if (directory / name).exists()]


def is_loaded(conn: duckdb.DuckDBPyConnection) -> bool:
    return store.get_setting(conn, SAMPLE_FLAG) == "loaded"


def should_autoload(conn: duckdb.DuckDBPyConnection) -> bool:
    """First start: an empty database the manager has not deliberately cleared."""
    return store.is_empty(conn) and store.get_setting(conn, SAMPLE_FLAG) is None


def load(conn: duckdb.DuckDBPyConnection, directory: Path = SAMPLE_DIR) -> list[importer.ImportResult]:
    """Import every sample file; mark the database as holding the sample company."""
    results = [importer.import_file(conn, path) for path in sample_files(directory)]
    refused = [r for r in results if r.status != "loaded"]
    if refused:
        raise RuntimeError("; ".join(f"{r.file}: {r.message}" for r in refused))
    store.set_setting(conn, SAMPLE_FLAG, "loaded")
    return results


def clear(conn: duckdb.DuckDBPyConnection) -> None:
    """Remove the sample company (all imported data) so the manager starts from their own exports."""
    with store.transaction(conn):
        for table in ("deals", "activities", "reps", "quotas", "import_rejects", "import_changes",
                      "target_set_rows", "target_set_activity_rows", "audit_log", "checkin_notes",
                      "target_sets", "imports"):
            conn.execute(f"DELETE FROM {table}")
        store.set_setting(conn, SAMPLE_FLAG, "cleared")
