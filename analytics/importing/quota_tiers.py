"""A quota file with a row per tier (base, stretch, excellence): one quota a rep and period, from one tier.

The dashboard's own export of a target set writes a row per rep and tier; imported as quotas, its rows of
one rep and period were duplicates, each rejected but the last: the **excellence** target (reached one time
in ten) became every rep's CRM quota, and the quota hit rate beside it fell to a tenth. A CRM quota is one
number per rep and period, the tier a rep is held to: the base rows are read and the others set aside, said
in a note. A file of other tier names is refused unless it holds one tier only (then it is read as it is).

>>> kept_tier(["base", "excellence", "stretch"], "Tier"), kept_tier(["Base"], "Tier"), kept_tier(["Gold"], "Tier")
('base', None, None)
>>> print(note("Tier", "base", 62))
column 'Tier': the base rows are read as quotas, one a rep and period; 62 rows of the other tiers set aside
"""

from __future__ import annotations

import duckdb

from analytics import quoting
from analytics.importing.parsing import q
from analytics.importing.stage_types import RefusalError

BASE = "base"


def kept_tier(labels: list[str], header: str) -> str | None:
    """The tier whose rows are read (``base``), or None when the file holds one tier (every row is read).

    Raises :class:`RefusalError` for several tiers of which none is the base: which is the quota is the
    manager's to say (a file of one tier's rows).
    """
    tiers = sorted({label.strip().casefold() for label in labels if label.strip()})
    if len(tiers) <= 1:
        return None
    if BASE in tiers:
        return BASE
    raise RefusalError(f"column {quoting.quoted(header)} holds several tiers "
                       f"({', '.join(quoting.quoted(t) for t in tiers[:5])}) and none is 'base': a quota is one "
                       "number per rep and period. Import the rows of the tier reps are held to (a file of those "
                       "rows alone)")


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
