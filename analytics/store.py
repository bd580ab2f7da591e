"""The embedded DuckDB database: where it lives, opening it, migrations, settings.

DuckDB refuses to share one connection between threads, and a second process
cannot open a file that another process holds. So: one connection per process
(the dashboard caches it), a ``.cursor()`` per thread or Streamlit run, and a
clear :class:`DatabaseLockedError` error when another process has the file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb

from analytics.schema import LATEST_VERSION, MIGRATIONS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "targets.duckdb"
DB_ENV_VAR = "TARGETS_DB"

Connection = duckdb.DuckDBPyConnection
"""What engine functions take first: a DuckDB connection or a cursor of one (the dashboard's name for it)."""

DEFAULT_SETTINGS = {
    "fiscal_year_start_month": "1",
    "grain": "quarter",
}


# DuckDB 2.0's rewrite of DISTINCT aggregates costs more to plan than it saves here: the import's
# column profiles hold dozens of count(DISTINCT ...) a statement, and planning one took 42 ms with it
# and 20 ms without (a small file's whole import 0.20 s -> 0.17 s). Measured without it: a first
# load of 1M deal rows 2.39/2.37/2.14 s against 2.58/2.40/2.48, a re-import of them 5.5 s against
# 6.0, a quarter calibration of the sample 1.49 s against 1.64. (A global setting: cursors share it.)
SLOW_OPTIMIZERS = "distinct_aggregate_rewrite"


class DatabaseLockedError(RuntimeError):
    """Another process holds the database file."""

    def __init__(self, path: Path, detail: str = "") -> None:
        self.path = path
        self.detail = detail
        super().__init__(
            f"database {path} is in use by another process: close the dashboard or the other process "
            "using it, or pass --db with another file"
        )


def default_db_path() -> Path:
    """``$TARGETS_DB`` if set, else ``data/targets.duckdb`` in the project."""
    env = os.environ.get(DB_ENV_VAR)
    return Path(env) if env else DEFAULT_DB_PATH


def connect(path: str | Path | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.

    ``":memory:"`` opens a private in-memory database (tests).
    Raises :class:`DatabaseLockedError` when another process holds the file.
    """
    target = ":memory:" if str(path) == ":memory:" else str(Path(path) if path else default_db_path())
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = duckdb.connect(target, read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLockedError(Path(target), str(exc)) from None
        raise
    conn.execute(f"SET disabled_optimizers = '{SLOW_OPTIMIZERS}'")
    if not read_only:
        migrate(conn)
    return conn


def schema_version(conn: duckdb.DuckDBPyConnection) -> int:
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def migrate(conn: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the database's version; return the new version."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, description VARCHAR,"
        " applied_at TIMESTAMP DEFAULT current_timestamp)"
    )
    # (the table exists now: schema_version's catalog look would cost a hundredth of a second a connect)
    current = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]
    for version, description, ddl in MIGRATIONS:
        if version <= current:
            continue
        with transaction(conn):
            conn.execute(ddl)
            conn.execute("INSERT INTO schema_version (version, description) VALUES (?, ?)", [version, description])
    return LATEST_VERSION


@contextlib.contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All statements inside commit together or not at all."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_setting(conn: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    if row is not None:
        return row[0]
    return DEFAULT_SETTINGS.get(key)


SAMPLE_FLAG = "sample_company"
"""The setting that says whether the sample company is in the database ("loaded", "cleared", or unset)."""


def sample_loaded(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether the sample company's rows are in the database (:mod:`analytics.sample_company` loads them;
    the importer reads it too, to name the sample where a manager's file would meet it)."""
    return get_setting(conn, SAMPLE_FLAG) == "loaded"


def set_setting(conn: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, str(value)],
    )


def fiscal_year_start_month(conn: duckdb.DuckDBPyConnection) -> int:
    return int(get_setting(conn, "fiscal_year_start_month") or 1)


def table_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of the canonical tables (the dashboard's 'what is loaded')."""
    return {
        name: conn.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        for name in ("deals", "activities", "reps", "quotas")
    }


def currency_code(conn: duckdb.DuckDBPyConnection) -> str | None:
    """The currency of the stored deals (the one an import detected), or None when none was named.

    Each import holds one currency; after imports in several, the one most deals carry is shown.
    """
    row = conn.execute("SELECT currency FROM deals WHERE currency IS NOT NULL AND trim(currency) <> '' "
                       "GROUP BY currency ORDER BY count(*) DESC, currency LIMIT 1").fetchone()
    return None if row is None else str(row[0])


def is_empty(conn: duckdb.DuckDBPyConnection) -> bool:
    return sum(table_counts(conn).values()) == 0


def data_version(conn: duckdb.DuckDBPyConnection) -> str:
    """A key that changes whenever imported data, calendar settings, the activity-type map or the stage
    outcome map change (for caches: a label re-mapped on the Import page re-types activities already
    stored, so every count of calls, meetings or demos changes with it; a stage said won re-sets its deals,
    so won revenue changes)."""
    imports = conn.execute(
        "SELECT count(*), coalesce(max(import_id), 0), count(undone_at) FROM imports"
    ).fetchall()[0]
    settings = conn.execute("SELECT string_agg(key || '=' || value, ';' ORDER BY key) FROM settings").fetchall()[0][0]
    types = conn.execute(
        "SELECT md5(coalesce((SELECT string_agg(raw_type || '=' || type, ';' ORDER BY raw_type) "
        "FROM activity_type_map), '') || '|' || coalesce((SELECT string_agg(stage || '=' || outcome, ';' "
        "ORDER BY stage) FROM stage_outcome_map), ''))").fetchall()[0][0]
    return f"{imports[0]}:{imports[1]}:{imports[2]}|{settings or ''}|{types[:12]}"
