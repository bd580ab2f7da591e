"""Rep names that look like one person written two ways: said after the import that wrote one of them.

Every table keys its rows by the rep's name as the export wrote it, so 'Ann Lee', 'ANN LEE', 'ann  lee'
and 'Lee, Ann' are four reps: Ann's deals, activities and quota are split between them, her numbers
look small, and the team's count of reps is off, without a word. Merging them silently would be the
opposite risk (keys, re-imports and undo stand on the names as written), so the import says so
instead, naming the spellings and the rows of each, and the manager corrects the names at the source.

Two names are taken for one person when their words are the same, ignoring case, spacing, commas
and the order of the words ("Last, First" against "First Last").

>>> name_key("  Lee,  ANN "), name_key("Ann Lee") == name_key("lee ann"), name_key("Ann Lee") == name_key("Anna Lee")
('ann lee', True, False)
"""

from __future__ import annotations

import re
from collections import defaultdict

import duckdb

from analytics import formatting, quoting

# The tables that name reps, and what their rows are called in the note.
REP_TABLES = {"deals": "deal", "activities": "activity row", "quotas": "target", "reps": "roster row"}
SHOWN_GROUPS = 3   # groups named in the note; the rest are counted


def name_key(name: str) -> str:
    """The words of ``name``, case-folded and sorted: equal keys look like one person."""
    return " ".join(sorted(w for w in re.split(r"[\s,]+", name.casefold()) if w))


def spelling_groups(conn: duckdb.DuckDBPyConnection, import_id: int) -> list[dict[str, int]]:
    """Groups of two or more stored spellings of one name, at least one of them written by ``import_id``:
    each ``{spelling: rows in every table}``, the most rows first; groups by their rows, most first."""
    counts = " UNION ALL ".join(f"SELECT rep, count(*) AS n, count(*) FILTER (WHERE import_id = $id) AS mine "
                                f"FROM {t} WHERE rep IS NOT NULL GROUP BY rep" for t in REP_TABLES)
    rows = conn.execute(f"SELECT rep, sum(n), sum(mine) FROM ({counts}) GROUP BY rep", {"id": import_id}).fetchall()
    by_key: dict[str, dict[str, int]] = defaultdict(dict)
    written: set[str] = set()
    for rep, n, mine in rows:
        by_key[name_key(rep)][rep] = int(n)
        if mine:
            written.add(name_key(rep))
    groups = [dict(sorted(g.items(), key=lambda kv: (-kv[1], kv[0])))
              for k, g in by_key.items() if len(g) > 1 and k in written and k]
    return sorted(groups, key=lambda g: (-sum(g.values()), next(iter(g))))


def spelling_note(conn: duckdb.DuckDBPyConnection, import_id: int) -> str | None:
    """A note naming the spellings of one rep that the import ``import_id`` wrote or met, else None.

    >>> c = duckdb.connect()
    >>> for t in REP_TABLES:
    ...     _ = c.execute(f"CREATE TABLE {t} (rep VARCHAR, import_id INTEGER)")
    >>> _ = c.execute("INSERT INTO deals VALUES ('Ann Lee', 1), ('Ann Lee', 1), ('ANN LEE', 2), ('Bob Ray', 2)")
    >>> _ = c.execute("INSERT INTO reps VALUES ('Lee, Ann', 1)")
    >>> print(spelling_note(c, 2))
    1 rep is stored under more than one spelling, so their numbers are split and not added together: 'Ann Lee' (2 rows), 'ANN LEE' (1 row) and 'Lee, Ann' (1 row). Correct the names in the export so each rep has one spelling, and import it again.
    >>> spelling_note(c, 3) is None
    True
    """
    groups = spelling_groups(conn, import_id)
    if not groups:
        return None
    shown = "; ".join(_and([f"{quoting.quoted(s)} ({formatting.quantity(n, 'row')})" for s, n in g.items()])
                      for g in groups[:SHOWN_GROUPS])
    more = f"; and {formatting.quantity(len(groups) - SHOWN_GROUPS, 'more rep')}" if len(groups) > SHOWN_GROUPS else ""
    return (f"{formatting.quantity(len(groups), 'rep')} {'is' if len(groups) == 1 else 'are'} stored under more "
            f"than one spelling, so their numbers are split and not added together: {shown}{more}. Correct the "
            "names in the export so each rep has one spelling, and import it again.")


def _and(parts: list[str]) -> str:
    return f"{', '.join(parts[:-1])} and {parts[-1]}" if len(parts) > 1 else "".join(parts)
