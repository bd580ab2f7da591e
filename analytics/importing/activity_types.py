"""The manager's activity-type map: which type a raw activity label counts as."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from analytics import store
from analytics.importing import mapping

if TYPE_CHECKING:
    import pandas as pd


def activity_type_map(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The manager's raw label -> type overrides, plus the built-in types for reference."""
    return conn.execute("SELECT raw_type, type FROM activity_type_map ORDER BY raw_type").df()


def activity_labels(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each raw activity label in the data: the type it counts as and how many activities carry it."""
    return conn.execute(
        "SELECT raw_type, any_value(type) AS type, sum(count)::BIGINT AS activities FROM activities "
        "WHERE raw_type IS NOT NULL GROUP BY raw_type ORDER BY activities DESC, raw_type").df()


def set_activity_type(conn: duckdb.DuckDBPyConnection, raw_type: str, type: str) -> None:
    """Map a raw activity label to a type; re-label activities already imported with that label."""
    if type not in mapping.ACTIVITY_TYPES:
        raise ValueError(f"activity type must be one of {', '.join(mapping.ACTIVITY_TYPES)}, not {type!r}")
    with store.transaction(conn):
        conn.execute("INSERT INTO activity_type_map (raw_type, type) VALUES (?, ?) ON CONFLICT (raw_type) "
                     "DO UPDATE SET type = excluded.type", [raw_type, type])
        conn.execute("UPDATE activities SET type = ? WHERE raw_type = ?", [type, raw_type])
