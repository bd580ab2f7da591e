"""Stored roster reps a new roster leaves out: said, since they stay on the team.

An HR export of the current headcount lists the people employed today; a rep who left is simply not in
it. Imported over the stored roster, the file updates the reps it lists and leaves the others as they
were: a leaver without an end date stays on the team, with a range and a target proposed for next
period, and nothing said so. When a roster meets stored reps (:class:`analytics.importing.loading.Merge`),
the stored reps without an end date that the file does not list are named in a note. A roster of one
team leaves out the other teams by design: when the file names teams, only the stored reps of those
teams count.

Example
-------
>>> import duckdb
>>> conn = duckdb.connect()
>>> _ = conn.execute("CREATE TABLE reps AS SELECT * FROM (VALUES ('Ann', 'North', NULL, NULL), "
...                  "('Bob', 'North', NULL, NULL), ('Cy', 'North', DATE '2026-01-31', NULL), ('Di', 'South', NULL, NULL), "
...                  "('Ed', 'North', NULL, FALSE)) t(rep, team, end_date, active)")
>>> _ = conn.execute("CREATE TABLE f AS SELECT * FROM (VALUES ('Ann', 'North')) t(rep, team)")
>>> print(absent_note(conn, "f", "reps"))
1 rep of the stored roster is not in this file and has no end date (Bob): an import adds and updates reps, never removes one, so that rep stays on the team, with a range and a target. If that rep left, give an end date (or a Status of Inactive) in the roster and import it again
"""

from __future__ import annotations

import duckdb

from analytics import formatting, quoting

NAMED = 5   # reps named in the note; the rest are counted


def absent_note(conn: duckdb.DuckDBPyConnection, final: str, table: str) -> str | None:
    """The note of the reps stored in ``table`` without an end date that the roster rows ``final`` do not
    list (of the file's teams when it names any); None when there are none."""
    n, names = conn.execute(f"""
        WITH teams AS (SELECT DISTINCT team FROM {final} WHERE team IS NOT NULL)
        SELECT count(*), list(t.rep ORDER BY t.rep)[1:{NAMED}] FROM {table} t
        WHERE t.end_date IS NULL AND t.active IS NOT FALSE
          AND NOT EXISTS (SELECT 1 FROM {final} f WHERE f.rep = t.rep)
          AND ((SELECT count(*) FROM teams) = 0 OR t.team IN (SELECT team FROM teams))""").fetchone() or (0, [])
    if not n:
        return None
    named = quoting.names([str(r) for r in names], NAMED, total=n)
    who = "that rep" if n == 1 else "they"
    return (f"{formatting.quantity(n, 'rep')} of the stored roster {'is' if n == 1 else 'are'} not in this file and "
            f"{'has' if n == 1 else 'have'} no end date ({named}): an import adds and updates reps, never removes one, "
            f"so {who} {'stays' if n == 1 else 'stay'} on the team, with a range and a target. If {who} left, give "
            "an end date (or a Status of Inactive) in the roster and import it again")
