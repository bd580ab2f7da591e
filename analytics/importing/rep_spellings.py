"""Rep names the tables do not agree on: said after the import that wrote or met them.

Every table keys its rows by the rep's name as the export wrote it, so two things split a rep's
numbers without a word:

* **one rep, two spellings**: 'Ann Lee', 'ANN LEE', 'ann  lee' and 'Lee, Ann' are four reps; Ann's deals,
  activities and quota are split between them, her numbers look small and the team's count of reps is
  off. Two names are taken for one person when their words are the same, ignoring case, spacing, commas
  and the order of the words ("Last, First" against "First Last");
* **activities of nobody**: an activity log whose reps are neither deal owners nor in the roster
  (most often a log naming reps by e-mail address while the deals name them) counts calls for reps
  who sell nothing, and none for the reps who sell.

Merging names silently would be the opposite risk (keys, re-imports and undo stand on the names as
written), so the import says so instead, naming the names and their rows, and the manager corrects
them at the source.

>>> name_key("  Lee,  ANN "), name_key("Ann Lee") == name_key("lee ann"), name_key("Ann Lee") == name_key("Anna Lee")
('ann lee', True, False)
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import NamedTuple

import duckdb

from analytics import formatting, quoting

REP_TABLES = ("deals", "activities", "quotas", "reps")
SHOWN_GROUPS = 3   # spelling groups named in a note; the rest are counted
SHOWN_NAMES = 10   # activity reps named in a note before "and N more"


# A title before a name ('Dr. Ann Lee' in the roster, 'Ann Lee' in the deals): no part of who the person is.
# (Jr., Sr., III are kept: they tell a father from a son.)
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_TITLE_WORDS = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sir", "dame", "herr", "frau"})


def name_key(name: str) -> str:
    """The words of ``name``, case-folded and sorted, without a title (Dr., Ms.): equal keys look like one
    person. An e-mail address is its local part's words ('ann.lee@acme.com' is 'Ann Lee': a file naming
    reps by e-mail beside one naming them).

    >>> name_key("Dr. Ann Lee") == name_key("Ann Lee"), name_key("Ann Lee Jr.") == name_key("Ann Lee")
    (True, False)
    >>> name_key("Ann Lee (Sales Manager)"), name_key("[EMEA] Ann Lee"), name_key("(Ann Lee)")
    ('ann lee', 'ann lee', '(ann lee)')
    """
    if "@" in name:
        name = re.sub(r"[._-]+", " ", name.split("@", 1)[0])
    # A role or team in brackets ('Ann Lee (Sales Manager)', 'Ann Lee [EMEA]') is no part of the name.
    name = _BRACKETED.sub(" ", name) if _BRACKETED.sub("", name).strip() else name
    words = [w for w in re.split(r"[\s,]+", name.casefold()) if w]
    named = [w for w in words if w.rstrip(".") not in _TITLE_WORDS] or words  # ('Dr.' alone stays a name)
    return " ".join(sorted(named))


class RepRows(NamedTuple):
    """One stored name: its rows in each table, and how many of them the import wrote."""

    rep: str
    rows: dict[str, int]
    written: int

    @property
    def sells(self) -> bool:
        """Owns a deal or is in the roster."""
        return bool({"deals", "reps"} & self.rows.keys())


def stored_names(conn: duckdb.DuckDBPyConnection, import_id: int | None = None) -> list[RepRows]:
    """Every stored rep name with its rows per table (one scan of each table's rep column), and those
    of them import ``import_id`` wrote (none when None)."""
    counts = " UNION ALL ".join(f"SELECT '{t}' AS t, rep, count(*) AS n, "
                                f"count(*) FILTER (WHERE import_id = $id) AS mine FROM {t} "
                                f"WHERE rep IS NOT NULL GROUP BY rep" for t in REP_TABLES)
    rows: dict[str, dict[str, int]] = defaultdict(dict)
    written: dict[str, int] = defaultdict(int)
    for table, rep, n, mine in conn.execute(counts, {"id": import_id}).fetchall():
        rows[rep][table] = int(n)
        written[rep] += int(mine)
    return [RepRows(rep, rows[rep], written[rep]) for rep in sorted(rows)]


def spelling_groups(names: list[RepRows], *, written_only: bool = True) -> list[dict[str, int]]:
    """Groups of two or more spellings of one name (with ``written_only``, one of them written by the
    import): each ``{spelling: rows in every table}``, the most rows first; the groups by their rows,
    most first."""
    by_key: dict[str, dict[str, int]] = defaultdict(dict)
    written: set[str] = set()
    for name in names:
        key = name_key(name.rep)
        by_key[key][name.rep] = sum(name.rows.values())
        if name.written:
            written.add(key)
    groups = [dict(sorted(g.items(), key=lambda kv: (-kv[1], kv[0])))
              for k, g in by_key.items() if k and len(g) > 1 and (k in written or not written_only)]
    return sorted(groups, key=lambda g: (-sum(g.values()), next(iter(g))))


def lone_activity_reps(names: list[RepRows]) -> list[RepRows]:
    """The names of stored activities that own no deal and are not in the roster, the most activity rows
    first; none until deals or a roster are stored (nothing to match them against)."""
    if not any(n.sells for n in names):
        return []
    lone = [n for n in names if "activities" in n.rows and not n.sells]
    return sorted(lone, key=lambda n: (-n.rows["activities"], n.rep))


def spelling_note(names: list[RepRows]) -> str | None:
    """A note naming the spellings of one rep that the import wrote or met, else None."""
    groups = spelling_groups(names)
    if not groups:
        return None
    shown = "; ".join(_and([f"{quoting.quoted(s)} ({formatting.quantity(n, 'row')})" for s, n in g.items()])
                      for g in groups[:SHOWN_GROUPS])
    more = f"; and {formatting.quantity(len(groups) - SHOWN_GROUPS, 'more rep')}" if len(groups) > SHOWN_GROUPS else ""
    return (f"{formatting.quantity(len(groups), 'rep')} {'is' if len(groups) == 1 else 'are'} stored under more "
            f"than one spelling, so their numbers are split and not added together: {shown}{more}. Correct the "
            "names in the export so each rep has one spelling, and import it again.")


def unmatched_activity_note(names: list[RepRows], kind: str) -> str | None:
    """A note naming the reps of stored activities who own no deal and are not in the roster, after an
    import of activities, deals or the roster (the files that decide it), once deals or a roster are
    stored; else None."""
    lone = lone_activity_reps(names) if kind in ("activities", "deals", "reps") else []
    if not lone:
        return None
    rows = sum(n.rows["activities"] for n in lone)
    emails = sum("@" in n.rep for n in lone) > len(lone) / 2 and not any("@" in n.rep for n in names if n.sells)
    why = (" They look like e-mail addresses where the deals and the roster name reps: export the activity "
           "owner's name instead." if emails else " Check the spelling against the deals and the roster.")
    who = "who owns no deal and is" if len(lone) == 1 else "who own no deal and are"
    return (f"{formatting.quantity(rows, 'activity row')} {'names' if rows == 1 else 'name'} "
            f"{formatting.quantity(len(lone), 'rep')} {who} "
            f"not in the roster, so their calls, meetings and demos count for nobody who sells: "
            f"{quoting.names([n.rep for n in lone], limit=SHOWN_NAMES)}.{why}")


def rep_name_notes(conn: duckdb.DuckDBPyConnection, import_id: int, kind: str) -> list[str]:
    """The notes on rep names after import ``import_id`` of ``kind`` wrote its rows (one scan).

    >>> c = duckdb.connect()
    >>> for t in REP_TABLES:
    ...     _ = c.execute(f"CREATE TABLE {t} (rep VARCHAR, import_id INTEGER)")
    >>> _ = c.execute("INSERT INTO deals VALUES ('Ann Lee', 1), ('Ann Lee', 1), ('ANN LEE', 2), ('Bob Ray', 2)")
    >>> _ = c.execute("INSERT INTO reps VALUES ('Lee, Ann', 1)")
    >>> print(*rep_name_notes(c, 2, "deals"))
    1 rep is stored under more than one spelling, so their numbers are split and not added together: 'Ann Lee' (2 rows), 'ANN LEE' (1 row) and 'Lee, Ann' (1 row). Correct the names in the export so each rep has one spelling, and import it again.
    >>> _ = c.execute("INSERT INTO activities VALUES ('ann@acme.com', 3), ('ann@acme.com', 3), ('Bob Ray', 3)")
    >>> print(*rep_name_notes(c, 3, "activities"))
    2 activity rows name 1 rep who owns no deal and is not in the roster, so their calls, meetings and demos count for nobody who sells: ann@acme.com. They look like e-mail addresses where the deals and the roster name reps: export the activity owner's name instead.
    >>> rep_name_notes(c, 4, "targets")
    []
    """
    names = stored_names(conn, import_id)
    return [note for note in (spelling_note(names), unmatched_activity_note(names, kind)) if note]


def _and(parts: list[str]) -> str:
    return f"{', '.join(parts[:-1])} and {parts[-1]}" if len(parts) > 1 else "".join(parts)
