"""An activity report laid out by type column (``Rep, Week, Calls, Emails, Meetings``): a row per rep and
period, a column of counts per activity type.

Detection took it for a roster (a rep column and nothing it knew as activities), and the import said
"loaded as reps" while every count was dropped. A roster's other columns are names, dates and
contacts; two or more columns named for activity types (Calls, Emails Sent, Meetings Held: the words
:func:`labels.normalise_activity_type` knows) whose values are numbers are an activity report, and the
roster is refused, saying how the import reads one. A roster's e-mail or phone column is named for a
type too, but holds addresses and numbers with signs and spaces, not counts.
"""

from __future__ import annotations

import duckdb

from analytics import quoting
from analytics.importing import labels, read_sql
from analytics.importing.stage_types import Stage

LOOKED_AT = 1000      # rows whose values decide whether a column holds counts
COUNT_SHARE = 0.9     # of its filled values, the share that must read as numbers


def count_columns(conn: duckdb.DuckDBPyConnection, stage: Stage, headers: list[str]) -> list[str]:
    """Those of ``headers`` (not mapped as anything else) that name an activity type and hold counts in
    the file's first :data:`LOOKED_AT` rows; [] unless two types at least are found."""
    types = {h: said.value for h in headers if (said := labels.normalise_activity_type(h)).known}
    if len(set(types.values())) < 2:
        return []
    named = list(types)
    read = read_sql.read_csv_sql(stage.src, named, stage.src.read_path)
    counts = ", ".join(f"count(nullif(trim(c{i}), '')), count(TRY_CAST(replace(trim(c{i}), ',', '') AS DOUBLE))"
                       for i in range(len(named)))
    row = conn.execute(f"SELECT {counts} FROM ({read} LIMIT {LOOKED_AT})").fetchall()[0]
    found = [h for i, h in enumerate(named) if row[2 * i] and row[2 * i + 1] >= COUNT_SHARE * row[2 * i]]
    return found if len({types[h] for h in found}) >= 2 else []


def by_type_refusal(columns: list[str]) -> str:
    """Why a roster whose other columns count activities by type is refused, and how to import it.

    >>> by_type_refusal(["Calls", "Emails"]).split(":")[0]
    "columns 'Calls', 'Emails' count activities by type"
    """
    shown = ", ".join(quoting.quoted(h) for h in columns[:4]) + (" ..." if len(columns) > 4 else "")
    return (f"columns {shown} count activities by type: an activity report by type column, which a roster "
            "would drop. Lay it out long, a row per rep, date and type (Rep, Week, Activity Type, Count), and "
            "import it as activities")
