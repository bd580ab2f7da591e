"""Quotas of one rep whose periods overlap: each would be counted in the other's.

Every reader sums a rep's quotas per period (a quarter's quota is its months' sum when the file is
monthly). A file that holds a quarter's quota and its monthly breakdown too, or quotas of fiscal
quarters beside calendar ones, has two rows covering the same days, and the quarter's quota came out
twice what it is: a quota "missed" that was not. So:

- **within a file**, of rows of one rep and metric whose periods overlap (the same period is a
  repeat instead, and the later row is kept), a period the shorter ones cover day for day is
  rejected (the finer quotas are the ones a month or a quarter can be built from), shorter periods
  inside one they do not cover are rejected (the longer one holds for all its days), and periods
  overlapping in part are both rejected; each reject names the other period.
- **against stored quotas**, a file whose rows overlap quotas already stored for other periods is
  refused, naming the rep, both periods and the import that stored them: which to keep is the
  manager's call (undo that import, or export the same periods).
"""

from __future__ import annotations

import duckdb

from analytics import quoting
from analytics.importing.parsing import lit

SHOWN = 3
"""Overlaps a refusal names before "and N more"."""


def set_aside_overlaps(conn: duckdb.DuckDBPyConnection, rows_sql: str, rows: str, rejects: str,
                       column: str = "period") -> str:
    """Reject the rows of ``rows_sql`` (row_idx, rep, metric, period_start, period_end, target) whose
    period overlaps another row's of the same rep and metric; returns the SQL of the rows left.
    ``rows``: a TEMP table to create for them; ``rejects``: the stage's reject table, where ``column``
    names the file's period column.

    - a period the shorter periods inside it cover day for day (a quarter and its three months) is
      rejected: the finer quotas are kept;
    - the shorter periods inside one they do not cover (a quarter and one of its months) are rejected:
      the longer period is kept;
    - periods overlapping in part (a fiscal quarter beside a calendar one) are both rejected: which
      quota holds for the days both cover is unclear.

    >>> from analytics import store
    >>> c = store.connect(":memory:")
    >>> _ = c.execute("CREATE TEMP TABLE rej (line BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR, "
    ...               "row_idx BIGINT)")
    >>> rows = ("SELECT * FROM (VALUES (1, 'Ann', 'revenue', DATE '2024-01-01', DATE '2024-03-31', 300.0), "
    ...         "(2, 'Ann', 'revenue', DATE '2024-01-01', DATE '2024-01-31', 100.0), "
    ...         "(3, 'Ann', 'revenue', DATE '2024-02-01', DATE '2024-03-31', 200.0), "
    ...         "(4, 'Bo', 'revenue', DATE '2024-01-01', DATE '2024-03-31', 300.0), "
    ...         "(5, 'Bo', 'revenue', DATE '2024-02-01', DATE '2024-02-29', 100.0)) "
    ...         "t(row_idx, rep, metric, period_start, period_end, target)")
    >>> kept = set_aside_overlaps(c, rows, "quota_rows", "rej")
    >>> c.execute(f"SELECT row_idx FROM ({kept}) ORDER BY 1").fetchall()
    [(2,), (3,), (4,)]
    >>> for row_idx, reason in c.execute("SELECT row_idx, reason FROM rej ORDER BY 1").fetchall():
    ...     print(row_idx, reason)
    1 the period 2024-01-01 to 2024-03-31 is covered by this rep's shorter quotas in the same file (from 2024-01-01 to 2024-01-31): summed with them it would count twice; the shorter periods are kept
    5 the period 2024-02-01 to 2024-02-29 lies inside this rep's quota for 2024-01-01 to 2024-03-31 in the same file, which shorter periods do not cover: summed with it, it would count twice; the longer period is kept
    """
    conn.execute(f"CREATE TEMP TABLE {rows} AS {rows_sql}")
    conn.execute(f"""INSERT INTO {rejects}
        WITH pairs AS (  -- every two rows of one rep and metric whose periods overlap, each way round
            SELECT a.row_idx AS outer_idx, a.period_start AS outer_start, a.period_end AS outer_end,
                   b.row_idx AS inner_idx, b.period_start AS inner_start, b.period_end AS inner_end,
                   b.period_start >= a.period_start AND b.period_end <= a.period_end AS inside,
                   a.period_start >= b.period_start AND a.period_end <= b.period_end AS around
            FROM {rows} a JOIN {rows} b ON a.rep = b.rep AND a.metric = b.metric AND a.row_idx <> b.row_idx
             AND b.period_start <= a.period_end AND b.period_end >= a.period_start
             AND (a.period_start <> b.period_start OR a.period_end <> b.period_end)),
        covered AS (  -- covered: the days of the periods inside it, counted once, are all of its days
            SELECT outer_idx, min(inner_start) AS first_start, min(inner_end) AS first_end,
                   count(DISTINCT d.day) = any_value(outer_end - outer_start + 1) AS whole
            FROM pairs, LATERAL (SELECT unnest(generate_series(inner_start, inner_end, INTERVAL 1 DAY)) AS day) d
            WHERE inside GROUP BY outer_idx),
        inside_uncovered AS (
            SELECT p.inner_idx, arg_min(p.outer_start, p.outer_idx) AS period_start,
                   arg_min(p.outer_end, p.outer_idx) AS period_end
            FROM pairs p JOIN covered c ON c.outer_idx = p.outer_idx AND NOT c.whole
            WHERE p.inside GROUP BY p.inner_idx),
        in_part AS (
            SELECT outer_idx, arg_min(inner_start, inner_idx) AS period_start, arg_min(inner_end, inner_idx) AS period_end
            FROM pairs WHERE NOT inside AND NOT around GROUP BY outer_idx)
        SELECT NULL, {lit(column)}, r.period_start || ' to ' || r.period_end,
               'the period ' || r.period_start || ' to ' || r.period_end || CASE
                 WHEN c.whole THEN ' is covered by this rep''s shorter quotas in the same file (from ' ||
                      c.first_start || ' to ' || c.first_end || '): summed with them it would count twice; '
                      || 'the shorter periods are kept'
                 WHEN o.inner_idx IS NOT NULL THEN ' lies inside this rep''s quota for ' || o.period_start || ' to '
                      || o.period_end || ' in the same file, which shorter periods do not cover: summed with '
                      || 'it, it would count twice; the longer period is kept'
                 ELSE ' overlaps in part this rep''s quota for ' || x.period_start || ' to ' || x.period_end
                      || ' in the same file: which quota holds for the days both cover is unclear' END,
               r.row_idx
        FROM {rows} r
        LEFT JOIN covered c ON c.outer_idx = r.row_idx AND c.whole
        LEFT JOIN inside_uncovered o ON o.inner_idx = r.row_idx
        LEFT JOIN in_part x ON x.outer_idx = r.row_idx
        WHERE c.outer_idx IS NOT NULL OR o.inner_idx IS NOT NULL OR x.outer_idx IS NOT NULL""")
    return f"SELECT * FROM {rows} WHERE row_idx NOT IN (SELECT row_idx FROM {rejects} WHERE row_idx IS NOT NULL)"


def stored_overlap(conn: duckdb.DuckDBPyConnection, final: str) -> str | None:
    """Why the quota rows ``final`` cannot join the stored quotas (rows of a rep and metric overlapping
    stored rows of other periods), or None.

    >>> from analytics import store
    >>> c = store.connect(":memory:")
    >>> _ = c.execute("INSERT INTO imports (import_id, file_name, kind, status, imported_at) VALUES "
    ...               "(3, 'q_months.csv', 'targets', 'loaded', now())")
    >>> _ = c.execute("INSERT INTO quotas VALUES ('Ann', 'revenue', DATE '2024-01-01', DATE '2024-01-31', 100, 3)")
    >>> _ = c.execute("CREATE TEMP TABLE fin AS SELECT 'Ann' AS rep, 'revenue' AS metric, "
    ...               "DATE '2024-01-01' AS period_start, DATE '2024-03-31' AS period_end, 300.0 AS target")
    >>> print(stored_overlap(c, "fin"))
    its quotas overlap quotas already stored for other periods, and the days both cover would count twice: 'Ann' 2024-01-01 to 2024-03-31 against the stored 2024-01-01 to 2024-01-31 (import 3, 'q_months.csv'). Undo that import (python -m analytics imports undo 3) or export the same periods as it did.
    """
    found = conn.execute(f"""
        SELECT f.rep, f.period_start, f.period_end, s.period_start, s.period_end, s.import_id, i.file_name,
               count(*) OVER () AS n
        FROM {final} f JOIN quotas s ON s.rep = f.rep AND s.metric = f.metric
         AND s.period_start <= f.period_end AND s.period_end >= f.period_start
         AND (s.period_start <> f.period_start OR s.period_end <> f.period_end)
        LEFT JOIN imports i ON i.import_id = s.import_id
        ORDER BY f.rep, f.period_start, s.period_start LIMIT {SHOWN}""").fetchall()
    if not found:
        return None
    named = "; ".join(f"{quoting.quoted(rep)} {fs} to {fe} against the stored {ss} to {se} "
                      f"(import {imp}, {quoting.quoted(name)})" for rep, fs, fe, ss, se, imp, name, _ in found)
    more = f"; and {found[0][7] - len(found)} more" if found[0][7] > len(found) else ""
    imports = sorted({row[5] for row in found})
    undo = (f"Undo that import (python -m analytics imports undo {imports[0]})" if len(imports) == 1 else
            f"Undo imports {', '.join(str(i) for i in imports)} (python -m analytics imports undo ID, each)")
    return (f"its quotas overlap quotas already stored for other periods, and the days both cover would count "
            f"twice: {named}{more}. {undo} or export the same periods as it did.")

