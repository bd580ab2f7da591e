"""A quota file with a row per tier (base, stretch, excellence): one quota a rep and period, from one tier.

The dashboard's own export of a target set writes a row per rep and tier; imported as quotas, its rows of
one rep and period were duplicates, each rejected but the last: the **excellence** target (reached one time
in ten) became every rep's CRM quota, and the quota hit rate beside it fell to a tenth. A CRM quota is one
number per rep and period, the tier a rep is held to: the base rows are read and the others set aside, said
in a note. A column of other tiers (a rep's level: AE1, AE2) says nothing of which row is the quota: every
row is read, and rows of one rep and period are rejected as repeats, as without it.

>>> kept_tier(["base", "excellence", "stretch"]), kept_tier(["Base"]), kept_tier(["AE1", "AE2"])
('base', None, None)
>>> print(note("Tier", "base", 62))
column 'Tier': the base rows are read as quotas, one a rep and period; 62 rows of the other tiers set aside
"""

from __future__ import annotations

import duckdb

from analytics import quoting
from analytics.importing.parsing import q

BASE = "base"


def kept_tier(labels: list[str]) -> str | None:
    """The tier whose rows are read (``base``) when the file holds it beside others, else None (every row)."""
    tiers = {label.strip().casefold() for label in labels if label.strip()}
    return BASE if BASE in tiers and len(tiers) > 1 else None


def kept_sql(column: str, tier: str) -> str:
    """SQL: a row of the tier read as quotas."""
    return f"lower(trim({column})) = '{tier}'"


def note(header: str, tier: str, other_rows: int) -> str:
    """What the tier column did."""
    return (f"column {quoting.quoted(header)}: the {tier} rows are read as quotas, one a rep and period; "
            f"{other_rows:,} rows of the other tiers set aside")


def kept_rows(conn: duckdb.DuckDBPyConnection, typed: str, header: str, tier: str) -> tuple[str, int, str]:
    """The condition of the rows read (the ``tier``'s), how many rows of a target the others are (set aside),
    and the note, over the staged rows ``typed``."""
    kept = kept_sql(q("tier"), tier)
    other = conn.execute(f"SELECT count(*) FROM {typed} WHERE rej IS NULL AND coalesce({q('target')}, 0) <> 0 "
                         f"AND NOT ({kept})").fetchall()[0][0]
    return kept, int(other), note(header, tier, other)
