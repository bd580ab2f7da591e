"""Activities a second source adds over days another import already holds: said, since both count.

Two exports of the same activities do not share keys: a weekly report of counts by type (a row per
rep, week and type) and the CRM's activity log (a row per call), or the dialer's calls beside the CRM's.
Imported one after the other, every call is counted twice, and every page's calls, the funnel's rates
and the activity plan read the double without a word. When an activity file meets stored activities
(:class:`analytics.importing.loading.Merge`), the file's new rows (keys not stored) are set beside the
stored rows the file does not hold within its dates, rep by rep and type by type: where their spans share more
than a week, the file's new activities inside the shared span are counted and the other imports named
in a note. Spans that meet at an edge (a log exported month by month) share no week; activities of
another type, or of other reps, are never compared.

Example
-------
>>> import duckdb
>>> conn = duckdb.connect()
>>> _ = conn.execute("CREATE TABLE imports AS SELECT 1 AS import_id, 'weekly.csv' AS file_name")
>>> _ = conn.execute("CREATE TABLE activities AS SELECT 'Ann' AS rep, 'call' AS type, "
...                  "DATE '2026-01-05' + 7 * i::INT AS activity_date, 40 AS count, NULL AS activity_id, 1 AS import_id "
...                  "FROM range(8) t(i)")
>>> _ = conn.execute("CREATE TABLE cls AS SELECT NULL AS activity_id, 'Ann' AS rep, 'call' AS type, DATE '2026-01-06' + i::INT AS "
...                  "activity_date, 1 AS count, 'new' AS st FROM range(30) t(i)")
>>> print(overlap_note(conn, "cls", "activities"))
30 calls of this file (Ann; 06 Jan 2026 to 04 Feb 2026) fall within the dates for which weekly.csv already holds calls of the same reps: if both exports hold the same activities, they are now counted twice. If so, undo this import and keep one source; if they are different activities, nothing needs doing
"""

from __future__ import annotations

import duckdb

from analytics import formatting, quoting

SHARED_DAYS = 7
"""Days two spans must share to be read as the same stretch (a log exported month by month meets at an edge)."""

NAMED = 3
"""Reps and files named in the note before "and N more"."""


KEPT = ("activity_id", "rep", "type", "activity_date", "count")
"""The columns of a file's activities its verdicts keep (``loading._classify``), for :func:`overlap_note`."""


def overlap_note(conn: duckdb.DuckDBPyConnection, cls: str, table: str) -> str | None:
    """The note of a file's new activities falling within the dates, rep and type of stored activities the
    file does not hold; None when there are none.

    ``cls``: the file's rows (:data:`KEPT`) with their verdicts (``st``: new, updated or unchanged). A stored
    activity whose id the file holds is the file's, whatever its day (a re-export moves a rescheduled call);
    of those without ids, a day's stored activities beyond the count the file holds of them (its updated and
    unchanged rows, keyed by their day) are the ones it does not hold. Stored rows a month either side of the file's new ones are read (a pre-counted
    row is dated at its week's or month's start); no stored row's key is made again."""
    row = conn.execute(f"""
        WITH filed AS (
            SELECT rep, type, activity_date AS d, coalesce(sum(count) FILTER (WHERE st = 'new'), 0) AS n,
                   coalesce(sum(count) FILTER (WHERE st <> 'new' AND activity_id IS NULL), 0) AS held
            FROM {cls} GROUP BY ALL),
        span AS (SELECT rep, type, min(d) AS lo, max(d) AS hi FROM filed WHERE n > 0 GROUP BY ALL),
        stored AS (
            SELECT t.rep, t.type, t.activity_date AS d, sum(t.count) AS n, list(DISTINCT t.import_id) AS imports
            FROM {table} t JOIN span s ON s.rep = t.rep AND s.type = t.type
                AND t.activity_date BETWEEN s.lo - INTERVAL 31 DAY AND s.hi + INTERVAL 31 DAY
            WHERE t.activity_id IS NULL OR t.activity_id NOT IN (SELECT activity_id FROM {cls} WHERE activity_id IS NOT NULL)
            GROUP BY ALL),
        other AS (
            SELECT s.rep, s.type, min(s.d) AS lo, max(s.d) AS hi, list_distinct(flatten(list(s.imports))) AS imports
            FROM stored s LEFT JOIN filed f ON f.rep = s.rep AND f.type = s.type AND f.d = s.d
            WHERE s.n > coalesce(f.held, 0) GROUP BY ALL),
        shared AS (
            SELECT s.rep, s.type, o.imports, greatest(s.lo, o.lo) AS lo, least(s.hi, o.hi) AS hi
            FROM span s JOIN other o ON o.rep = s.rep AND o.type = s.type
            WHERE least(s.hi, o.hi) - greatest(s.lo, o.lo) >= {SHARED_DAYS}),
        hit AS (
            SELECT f.rep, f.type, f.d, f.n FROM filed f
            JOIN shared sh ON sh.rep = f.rep AND sh.type = f.type AND f.d BETWEEN sh.lo AND sh.hi WHERE f.n > 0)
        SELECT sum(n), list(DISTINCT rep ORDER BY rep), list(DISTINCT type ORDER BY type), min(d), max(d),
               (SELECT list(DISTINCT i.file_name ORDER BY i.file_name) FROM imports i
                WHERE i.import_id IN (SELECT unnest(imports) FROM shared))
        FROM hit""").fetchone()
    if row is None or not row[0]:
        return None
    n, reps, types, lo, hi, files = row
    kinds = " and ".join(_plural(t) for t in types)
    what = (formatting.quantity(int(n), "other activity" if types[0] == "other" else types[0]) if len(types) == 1
            else f"{formatting.count(int(n))} activities ({kinds})")
    holds = "already holds" if len(files) == 1 else "already hold"
    return (f"{what} of this file ({quoting.names(reps, NAMED)}; {lo:%d %b %Y} to {hi:%d %b %Y}) fall within the "
            f"dates for which {quoting.names(files, NAMED)} {holds} {kinds} of the same reps: if both exports hold "
            "the same activities, they are now counted twice. If so, undo this import and keep one source; if "
            "they are different activities, nothing needs doing")


def _plural(activity_type: str) -> str:
    """The type's activities in words.

    >>> _plural("call"), _plural("email"), _plural("other")
    ('calls', 'emails', 'other activities')
    """
    return "other activities" if activity_type == "other" else f"{activity_type}s"
